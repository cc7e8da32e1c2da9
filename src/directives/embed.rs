//! What other resources embed of directives: the wire types and the loaders that build them.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::model::{self, DirectiveStatus, Progress, ProgressRow};
use crate::db::DbConnection;
use crate::error::{ApiError, ApiResult};
use crate::time::utc;

/// A task given at a meeting: who leads it, who co-ordinates, by when, and how it stands.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 12,
    "meeting_id": 2,
    "ordinal": 4,
    "text": "UBND Thành phố cho dự thảo quy hoạch phân khu cho phường Tuần Châu, báo cáo BTV trong năm 2021.",
    "issued_by_person_id": 3,
    "lead_organization_id": 8,
    "assignee_organization_ids": [6],
    "source_document": "Thông báo kết luận số 45-TB/TU",
    "due_date": "2021-12-31",
    "status": "open",
    "completed_at": null,
    "progress": "overdue",
    "created_at": "2026-11-23T08:00:00Z",
    "updated_at": "2026-11-23T08:00:00Z",
    "version": 1
}))]
pub struct Directive {
    pub id: i64,
    /// The meeting whose conclusions gave the task.
    pub meeting_id: i64,
    /// The number the conclusion is printed with; `null` when unnumbered.
    pub ordinal: Option<i32>,
    /// The conclusion, as printed.
    pub text: String,
    /// Who gave it (usually the chair).
    pub issued_by_person_id: Option<i64>,
    /// The body in charge ("chủ trì").
    pub lead_organization_id: Option<i64>,
    /// Co-ordinating bodies ("phối hợp"), in the order named.
    pub assignee_organization_ids: Vec<i64>,
    /// The document that records it, e.g. the conclusion notice "Thông báo kết luận số 45-TB/TU".
    pub source_document: Option<String>,
    /// The deadline, a date in Vietnam.
    pub due_date: Option<NaiveDate>,
    pub status: DirectiveStatus,
    /// When it was done (UTC); set exactly when `status` is `done`.
    pub completed_at: Option<DateTime<Utc>>,
    /// How it stands today in Vietnam (Asia/Ho_Chi_Minh), computed from `status`, `due_date` and
    /// the date of `completed_at`: `cancelled`; `done_on_time` (done on or before the due date in
    /// Vietnam, or done with none) or `done_late`; otherwise `no_deadline`, `overdue` (due before
    /// today), `due_soon` (due today or within 7 days) or `on_track` (due later).
    pub progress: Progress,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Grows by one on every write; send it in `If-Match` to update safely.
    pub version: i64,
}

impl Directive {
    pub(crate) fn from_row(
        (row, progress): ProgressRow,
        assignees: &mut HashMap<i64, Vec<i64>>,
    ) -> Self {
        Self {
            assignee_organization_ids: assignees.remove(&row.id).unwrap_or_default(),
            id: row.id,
            meeting_id: row.meeting_id,
            ordinal: row.ordinal,
            text: row.text,
            issued_by_person_id: row.issued_by_person_id,
            lead_organization_id: row.lead_organization_id,
            source_document: row.source_document,
            due_date: row.due_date,
            status: row.status,
            completed_at: row.completed_at.map(utc),
            progress: Progress::parse(&progress).unwrap_or(Progress::NoDeadline),
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
            version: row.version,
        }
    }
}

/// The directives of each meeting, by ordinal (unnumbered last) then id, with their progress on
/// `today`: two queries whatever the number of meetings.
pub fn load_for_meetings(
    conn: &mut DbConnection,
    meeting_ids: &[i64],
    today: NaiveDate,
) -> ApiResult<HashMap<i64, Vec<Directive>>> {
    let rows = model::by_meetings(conn, meeting_ids, today)?;
    let ids: Vec<i64> = rows.iter().map(|(r, _)| r.id).collect();
    let mut assignees = model::assignees_of(conn, &ids)?;
    let mut out: HashMap<i64, Vec<Directive>> = HashMap::new();
    for row in rows {
        let meeting_id = row.0.meeting_id;
        out.entry(meeting_id)
            .or_default()
            .push(Directive::from_row(row, &mut assignees));
    }
    Ok(out)
}

pub(crate) fn load_one(conn: &mut DbConnection, id: i64, today: NaiveDate) -> ApiResult<Directive> {
    let row = model::find(conn, id, today)?.ok_or_else(|| ApiError::not_found(no_directive(id)))?;
    let mut assignees = model::assignees_of(conn, &[id])?;
    Ok(Directive::from_row(row, &mut assignees))
}

pub(crate) fn no_directive(id: i64) -> String {
    format!("no directive {id}")
}

crate::fielded!(Directive);
