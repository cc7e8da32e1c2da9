//! Writing attendees: reading a body, and the create, change and delete of the versioned write
//! path, keeping the meeting's chair in step.

use diesel::prelude::*;
use serde::Deserialize;
use utoipa::ToSchema;

use super::model::{self, AttendeeRole, AttendeeRow};
use crate::db::refs::{Kind, Refs};
use crate::db::schema::attendees;
use crate::db::DbConnection;
use crate::error::{ApiError, ApiResult};
use crate::http::write::{IfMatch, JsonObject, Mode, Patch};
use crate::meetings::write::sync_chair;
use crate::versioned;

crate::versioned!(
    AttendeeRow,
    attendees,
    Attendees,
    "attendee",
    find = model::find
);

/// The writable fields of an attendee.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct AttendeeBody {
    /// Required on `POST /attendees`; taken from the path on `POST /meetings/{id}/attendees`; fixed after.
    #[schema(value_type = i64, required = true, minimum = 1)]
    pub meeting_id: Patch<i64>,
    /// Required on create; fixed after.
    #[schema(value_type = i64, required = true, minimum = 1)]
    pub person_id: Patch<i64>,
    /// Default `attendee`. `chair` also sets the meeting's `chair_person_id`.
    #[schema(value_type = AttendeeRole)]
    pub role: Patch<AttendeeRole>,
    #[schema(value_type = Option<String>, min_length = 1, max_length = 500)]
    pub title_at_meeting: Patch<String>,
    #[schema(value_type = Option<i64>, minimum = 1)]
    pub organization_id: Patch<i64>,
}

/// Reads a body; `nested` when the meeting comes from the path.
pub fn read(body: JsonObject, mode: Mode, nested: bool) -> ApiResult<AttendeeBody> {
    let read_only: &[&str] = match (mode, nested) {
        (Mode::Create, false) => &["id", "created_at", "updated_at", "version", "person"],
        (Mode::Create, true) => &[
            "id",
            "meeting_id",
            "created_at",
            "updated_at",
            "version",
            "person",
        ],
        (Mode::Patch, _) => &[
            "id",
            "meeting_id",
            "person_id",
            "created_at",
            "updated_at",
            "version",
            "person",
        ],
    };
    crate::http::body::read(body.0, mode, read_only).finish()
}

/// Adds an attendee to `meeting_id`; call inside a transaction.
pub fn create(
    conn: &mut DbConnection,
    meeting_id: i64,
    input: AttendeeBody,
) -> ApiResult<AttendeeRow> {
    let person_id = input.person_id.into_option().unwrap_or_default();
    Refs::new()
        .one("meeting_id", Kind::Meeting, Some(meeting_id))
        .one("person_id", Kind::Person, Some(person_id))
        .one(
            "organization_id",
            Kind::Organization,
            input.organization_id.as_set().copied(),
        )
        .check(conn)?;
    let taken: Option<i64> = attendees::table
        .filter(attendees::meeting_id.eq(meeting_id))
        .filter(attendees::person_id.eq(person_id))
        .select(attendees::id)
        .first(conn)
        .optional()?;
    if let Some(existing) = taken {
        return Err(ApiError::Conflict(format!(
            "person {person_id} already attends meeting {meeting_id} (attendee {existing})"
        )));
    }
    let now = crate::time::now();
    let role = input.role.into_option().unwrap_or(AttendeeRole::Attendee);
    let row: AttendeeRow = versioned::insert(
        conn,
        AttendeeRow {
            id: 0,
            meeting_id,
            person_id,
            role,
            title_at_meeting: input.title_at_meeting.into_option(),
            organization_id: input.organization_id.into_option(),
            created_at: now,
            updated_at: now,
            version: 1,
        },
    )?;
    let row = versioned::created(conn, row)?;
    if role == AttendeeRole::Chair {
        sync_chair(conn, meeting_id, Some(person_id), now)?;
    }
    versioned::load(conn, row.id)
}

/// Applies a merge patch; making someone `chair` moves the meeting's chair to them. Call inside a
/// transaction.
pub fn update(
    conn: &mut DbConnection,
    id: i64,
    if_match: Option<IfMatch>,
    input: AttendeeBody,
) -> ApiResult<AttendeeRow> {
    let mut before: Option<AttendeeRow> = None;
    let now = crate::time::now();
    let after = versioned::update(
        conn,
        id,
        if_match,
        now,
        |conn, current, next: &mut AttendeeRow| {
            Refs::new()
                .one(
                    "organization_id",
                    Kind::Organization,
                    input.organization_id.as_set().copied(),
                )
                .check(conn)?;
            before = Some(current.clone());
            input.role.set(&mut next.role);
            input.title_at_meeting.patch(&mut next.title_at_meeting);
            input.organization_id.patch(&mut next.organization_id);
            Ok(())
        },
    )?;
    let was_chair = before.is_some_and(|b| b.role == AttendeeRole::Chair);
    if after.role == AttendeeRole::Chair && !was_chair {
        sync_chair(conn, after.meeting_id, Some(after.person_id), now)?;
    } else if was_chair && after.role != AttendeeRole::Chair {
        sync_chair(conn, after.meeting_id, None, now)?;
    }
    versioned::load(conn, id)
}

/// Removes an attendee; removing the chair leaves the meeting without one. Call inside a
/// transaction.
pub fn delete(conn: &mut DbConnection, id: i64, if_match: Option<IfMatch>) -> ApiResult<()> {
    let gone = versioned::delete(conn, id, if_match, |_, _: &AttendeeRow| Ok(()))?;
    if gone.role == AttendeeRole::Chair {
        sync_chair(conn, gone.meeting_id, None, crate::time::now())?;
    }
    Ok(())
}
