//! What other resources embed of attendees: the wire types and the loaders that build them.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::model::{self, AttendeeRole, AttendeeRow};
use crate::db::DbConnection;
use crate::error::ApiResult;
use crate::people::embed::Person;
use crate::time::utc;

/// Someone's presence at a meeting, with the role and title they held there.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 4, "meeting_id": 2, "person_id": 3, "role": "chair",
    "title_at_meeting": "Ủy viên BTV Tỉnh ủy, Bí thư Thành ủy, Chủ tịch HĐND thành phố",
    "organization_id": 5, "created_at": "2026-11-23T08:00:00Z", "updated_at": "2026-11-23T08:00:00Z", "version": 1
}))]
pub struct Attendee {
    pub id: i64,
    pub meeting_id: i64,
    pub person_id: i64,
    pub role: AttendeeRole,
    /// The title as printed for that meeting, which may differ from the person's current title.
    pub title_at_meeting: Option<String>,
    /// The body the person represented there.
    pub organization_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    /// The person, with `include=person` (always embedded in a meeting's `attendees`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub person: Option<Person>,
}

impl From<AttendeeRow> for Attendee {
    fn from(row: AttendeeRow) -> Self {
        Self {
            id: row.id,
            meeting_id: row.meeting_id,
            person_id: row.person_id,
            role: row.role,
            title_at_meeting: row.title_at_meeting,
            organization_id: row.organization_id,
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
            version: row.version,
            person: None,
        }
    }
}

/// Attendees with their person embedded, from rows (one query for all the people).
pub(crate) fn with_people(
    conn: &mut DbConnection,
    rows: Vec<AttendeeRow>,
) -> ApiResult<Vec<Attendee>> {
    let person_ids: Vec<i64> = rows.iter().map(|r| r.person_id).collect();
    let people = crate::people::embed::load_people(conn, &person_ids)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let person = people.get(&row.person_id).cloned();
            let mut a = Attendee::from(row);
            a.person = person;
            a
        })
        .collect())
}

/// The attendees of each meeting, each with their person: two queries for any number of meetings.
pub fn load_for_meetings(
    conn: &mut DbConnection,
    meeting_ids: &[i64],
) -> ApiResult<HashMap<i64, Vec<Attendee>>> {
    let rows = model::of_meetings(conn, meeting_ids)?;
    let mut out: HashMap<i64, Vec<Attendee>> = HashMap::new();
    for a in with_people(conn, rows)? {
        out.entry(a.meeting_id).or_default().push(a);
    }
    Ok(out)
}

pub(crate) const INCLUDES: &[&str] = &["person"];

crate::fielded!(Attendee);
