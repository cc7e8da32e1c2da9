//! What other resources embed of meetings: the wire types and the loaders that build them.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::model::{self, MeetingKind, MeetingRow, MeetingStatus, PartOfDay};
use crate::articles::embed::Article;
use crate::attendees::embed::Attendee;
use crate::db::DbConnection;
use crate::error::{ApiError, ApiResult};
use crate::http::include::Includes;
use crate::organizations::embed::Organization;
use crate::time::utc;

/// A meeting: most often a working session of a higher party body with lower ones.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 2,
    "title": "Ban Thường vụ Thành ủy làm việc với Đảng ủy phường Tuần Châu",
    "kind": "working_session",
    "date": "2021-11-08",
    "part_of_day": null,
    "starts_at": null,
    "location": null,
    "host_organization_ids": [5],
    "counterpart_organization_ids": [6],
    "chair_person_id": 3,
    "topic": "Kết quả triển khai thực hiện các Chỉ thị, Nghị quyết của Trung ương, Tỉnh, Thành phố",
    "period_label": "10 tháng đầu năm 2021",
    "summary": null,
    "status": "held",
    "article_ids": [2],
    "created_at": "2026-11-23T08:00:00Z",
    "updated_at": "2026-11-23T08:00:00Z",
    "version": 1
}))]
pub struct Meeting {
    pub id: i64,
    pub title: String,
    pub kind: MeetingKind,
    /// The calendar day in Vietnam.
    pub date: NaiveDate,
    /// "Sáng" (morning) or "Chiều" (afternoon) when the report says so.
    pub part_of_day: Option<PartOfDay>,
    /// The start time (UTC), when known.
    pub starts_at: Option<DateTime<Utc>>,
    pub location: Option<String>,
    /// The bodies that held the meeting.
    pub host_organization_ids: Vec<i64>,
    /// The bodies the meeting was held with (one meeting may face eleven wards at once).
    pub counterpart_organization_ids: Vec<i64>,
    /// Who chaired it; also an attendee with role `chair`.
    pub chair_person_id: Option<i64>,
    pub topic: Option<String>,
    /// The period under review, as the report words it ("9 tháng đầu năm 2021").
    pub period_label: Option<String>,
    pub summary: Option<String>,
    pub status: MeetingStatus,
    /// Articles reporting on this meeting that the caller may see.
    pub article_ids: Vec<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    /// With `include=attendees`: who attended, each with their `person`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attendees: Option<Vec<Attendee>>,
    /// With `include=articles`: the articles reporting on it that the caller may see.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(no_recursion)]
    pub articles: Option<Vec<Article>>,
    /// With `include=organizations`: the host and counterpart organizations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organizations: Option<Vec<Organization>>,
    /// With `include=directives`: the tasks given at the meeting, in their order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub directives: Option<Vec<crate::directives::embed::Directive>>,
    /// With `include=targets`: the targets reported at the meeting.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub targets: Option<Vec<crate::targets::embed::Target>>,
}

impl Meeting {
    pub fn from_row(
        row: MeetingRow,
        hosts: Vec<i64>,
        counterparts: Vec<i64>,
        article_ids: Vec<i64>,
    ) -> Self {
        Self {
            id: row.id,
            title: row.title,
            kind: row.kind,
            date: row.date,
            part_of_day: row.part_of_day.as_deref().and_then(PartOfDay::parse),
            starts_at: row.starts_at.map(utc),
            location: row.location,
            host_organization_ids: hosts,
            counterpart_organization_ids: counterparts,
            chair_person_id: row.chair_person_id,
            topic: row.topic,
            period_label: row.period_label,
            summary: row.summary,
            status: row.status,
            article_ids,
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
            version: row.version,
            attendees: None,
            articles: None,
            organizations: None,
            directives: None,
            targets: None,
        }
    }
}

/// Loads meetings with their organizations and visible article ids: three queries for any number.
pub fn load_meetings(
    conn: &mut DbConnection,
    ids: &[i64],
    visible_article_statuses: Option<&[&'static str]>,
) -> ApiResult<HashMap<i64, Meeting>> {
    let rows = model::find_by_ids(conn, ids)?;
    Ok(to_dtos(conn, rows, visible_article_statuses)?
        .into_iter()
        .map(|m| (m.id, m))
        .collect())
}

/// The embeds a meeting read may ask for.
pub const INCLUDES: &[&str] = &[
    "attendees",
    "directives",
    "targets",
    "articles",
    "organizations",
];

/// Fills the requested embeds of a page of meetings with a fixed number of queries, whatever the
/// number of meetings.
pub fn embed(
    conn: &mut DbConnection,
    meetings: &mut [Meeting],
    includes: &Includes,
    (today, site): (NaiveDate, &crate::site::Site),
) -> ApiResult<()> {
    if meetings.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = meetings.iter().map(|m| m.id).collect();
    if includes.has("attendees") {
        let mut by_meeting = crate::attendees::embed::load_for_meetings(conn, &ids)?;
        for m in meetings.iter_mut() {
            m.attendees = Some(by_meeting.remove(&m.id).unwrap_or_default());
        }
    }
    if includes.has("articles") {
        let article_ids: Vec<i64> = meetings
            .iter()
            .flat_map(|m| m.article_ids.iter().copied())
            .collect();
        let articles = crate::articles::embed::load_articles(conn, &article_ids, site)?;
        for m in meetings.iter_mut() {
            m.articles = Some(
                m.article_ids
                    .iter()
                    .filter_map(|id| articles.get(id).cloned())
                    .collect(),
            );
        }
    }
    if includes.has("organizations") {
        let org_ids: Vec<i64> = meetings
            .iter()
            .flat_map(|m| {
                m.host_organization_ids
                    .iter()
                    .chain(&m.counterpart_organization_ids)
                    .copied()
            })
            .collect();
        let orgs = crate::organizations::embed::load_organizations(conn, &org_ids)?;
        for m in meetings.iter_mut() {
            m.organizations = Some(
                m.host_organization_ids
                    .iter()
                    .chain(&m.counterpart_organization_ids)
                    .filter_map(|id| orgs.get(id).cloned())
                    .collect(),
            );
        }
    }
    if includes.has("directives") {
        let mut by_meeting = crate::directives::embed::load_for_meetings(conn, &ids, today)?;
        for m in meetings.iter_mut() {
            m.directives = Some(by_meeting.remove(&m.id).unwrap_or_default());
        }
    }
    if includes.has("targets") {
        let mut by_meeting = crate::targets::embed::load_for_meetings(conn, &ids)?;
        for m in meetings.iter_mut() {
            m.targets = Some(by_meeting.remove(&m.id).unwrap_or_default());
        }
    }
    Ok(())
}

/// Rows to DTOs with their organizations and visible article ids (two queries for the page).
pub(crate) fn to_dtos(
    conn: &mut DbConnection,
    rows: Vec<MeetingRow>,
    visible: Option<&[&'static str]>,
) -> ApiResult<Vec<Meeting>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut orgs = model::organizations_of(conn, &ids)?;
    let mut articles = crate::articles::model::ids_by_meeting(conn, &ids, visible)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let (hosts, counterparts) = orgs.remove(&row.id).unwrap_or_default();
            let article_ids = articles.remove(&row.id).unwrap_or_default();
            Meeting::from_row(row, hosts, counterparts, article_ids)
        })
        .collect())
}

pub fn not_found(id: i64) -> ApiError {
    ApiError::not_found(format!("no meeting {id}"))
}

crate::fielded!(Meeting);
