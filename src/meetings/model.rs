//! Meetings in the database.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::{meeting_organizations, meetings};
use crate::db::DbConnection;

/// The kind of meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MeetingKind {
    /// A working session ("buổi làm việc") of a higher body with lower ones.
    WorkingSession,
    Conference,
    Inspection,
    Other,
}

/// Where a meeting is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MeetingStatus {
    Scheduled,
    Held,
    Cancelled,
}

/// Part of the day, as reports say "Sáng" (morning) or "Chiều" (afternoon).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PartOfDay {
    Morning,
    Afternoon,
    Evening,
}

/// How an organization takes part in a meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrgRole {
    Host,
    Counterpart,
}

/// `as_str` and `parse` for an enum stored as TEXT.
#[macro_export]
macro_rules! text_enum {
    ($ty:ty { $($variant:ident => $text:literal),* $(,)? }) => {
        impl $ty {
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),* }
            }
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($text => Some(Self::$variant),)* _ => None }
            }
        }
    };
}

crate::text_enum!(MeetingKind { WorkingSession => "working_session", Conference => "conference", Inspection => "inspection", Other => "other" });
crate::text_enum!(MeetingStatus { Scheduled => "scheduled", Held => "held", Cancelled => "cancelled" });
crate::text_enum!(PartOfDay { Morning => "morning", Afternoon => "afternoon", Evening => "evening" });
crate::text_enum!(OrgRole { Host => "host", Counterpart => "counterpart" });

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = meetings)]
pub struct MeetingRow {
    pub id: i64,
    pub title: String,
    pub kind: String,
    pub date: NaiveDate,
    pub part_of_day: Option<String>,
    pub starts_at: Option<NaiveDateTime>,
    pub location: Option<String>,
    pub chair_person_id: Option<i64>,
    pub topic: Option<String>,
    pub period_label: Option<String>,
    pub summary: Option<String>,
    pub status: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = meetings)]
pub struct NewMeetingRow {
    pub title: String,
    pub kind: String,
    pub date: NaiveDate,
    pub part_of_day: Option<String>,
    pub starts_at: Option<NaiveDateTime>,
    pub location: Option<String>,
    pub chair_person_id: Option<i64>,
    pub topic: Option<String>,
    pub period_label: Option<String>,
    pub summary: Option<String>,
    pub status: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = meeting_organizations)]
pub struct NewMeetingOrganization {
    pub meeting_id: i64,
    pub organization_id: i64,
    pub role: String,
    pub position: i32,
}

pub fn find_by_ids(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<MeetingRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    meetings::table
        .filter(meetings::id.eq_any(ids))
        .select(MeetingRow::as_select())
        .load(conn)
}

/// Host and counterpart organization ids of one meeting, each in their order.
pub type HostsAndCounterparts = (Vec<i64>, Vec<i64>);

/// Host and counterpart organization ids of each meeting, in their order.
pub fn organizations_of(
    conn: &mut DbConnection,
    ids: &[i64],
) -> QueryResult<HashMap<i64, HostsAndCounterparts>> {
    let mut out: HashMap<i64, HostsAndCounterparts> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let rows: Vec<(i64, i64, String)> = meeting_organizations::table
        .filter(meeting_organizations::meeting_id.eq_any(ids))
        .order((
            meeting_organizations::meeting_id,
            meeting_organizations::position,
        ))
        .select((
            meeting_organizations::meeting_id,
            meeting_organizations::organization_id,
            meeting_organizations::role,
        ))
        .load(conn)?;
    for (meeting_id, org_id, role) in rows {
        let entry = out.entry(meeting_id).or_default();
        if role == OrgRole::Host.as_str() {
            entry.0.push(org_id);
        } else {
            entry.1.push(org_id);
        }
    }
    Ok(out)
}
