//! Meeting writes, and the one rule that ties meetings to attendees: the meeting's
//! `chair_person_id` and its attendee with role `chair` always name the same person.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::attendees::model::{AttendeeRow, NewAttendeeRow};
use crate::db::schema::{attendees, meetings, people};
use crate::db::DbConnection;
use crate::error::ApiResult;
use crate::sync::changes::{self, Action};

/// Makes the meeting and its attendees agree that `chair` (or nobody) chairs it: sets
/// `chair_person_id`, turns any other `chair` attendee into an `attendee`, and makes the chair an
/// attendee with role `chair` (adding them when missing). Every record it changes gets a new
/// version and a change-feed row.
pub fn sync_chair(
    conn: &mut DbConnection,
    meeting_id: i64,
    chair: Option<i64>,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let (current, version): (Option<i64>, i64) = meetings::table
        .find(meeting_id)
        .select((meetings::chair_person_id, meetings::version))
        .first(conn)?;
    if current != chair {
        diesel::update(meetings::table.find(meeting_id))
            .set((
                meetings::chair_person_id.eq(chair),
                meetings::version.eq(version + 1),
                meetings::updated_at.eq(now),
            ))
            .execute(conn)?;
        changes::record(
            conn,
            "meetings",
            meeting_id,
            Action::Updated,
            version + 1,
            true,
        )?;
    }
    let chairs: Vec<AttendeeRow> = attendees::table
        .filter(attendees::meeting_id.eq(meeting_id))
        .filter(attendees::role.eq("chair"))
        .select(AttendeeRow::as_select())
        .load(conn)?;
    for other in chairs.iter().filter(|a| Some(a.person_id) != chair) {
        set_role(conn, other, "attendee", now)?;
    }
    let Some(person_id) = chair else {
        return Ok(());
    };
    let existing: Option<AttendeeRow> = attendees::table
        .filter(attendees::meeting_id.eq(meeting_id))
        .filter(attendees::person_id.eq(person_id))
        .select(AttendeeRow::as_select())
        .first(conn)
        .optional()?;
    match existing {
        Some(a) if a.role == "chair" => {}
        Some(a) => set_role(conn, &a, "chair", now)?,
        None => {
            let title: Option<String> = people::table
                .find(person_id)
                .select(people::current_title)
                .first(conn)?;
            let id: i64 = diesel::insert_into(attendees::table)
                .values(NewAttendeeRow {
                    meeting_id,
                    person_id,
                    role: "chair".to_owned(),
                    title_at_meeting: title,
                    organization_id: None,
                    created_at: now,
                    updated_at: now,
                    version: 1,
                })
                .returning(attendees::id)
                .get_result(conn)?;
            changes::record(conn, "attendees", id, Action::Created, 1, true)?;
        }
    }
    Ok(())
}

fn set_role(
    conn: &mut DbConnection,
    attendee: &AttendeeRow,
    role: &str,
    now: NaiveDateTime,
) -> ApiResult<()> {
    diesel::update(attendees::table.find(attendee.id))
        .set((
            attendees::role.eq(role),
            attendees::version.eq(attendee.version + 1),
            attendees::updated_at.eq(now),
        ))
        .execute(conn)?;
    changes::record(
        conn,
        "attendees",
        attendee.id,
        Action::Updated,
        attendee.version + 1,
        true,
    )?;
    Ok(())
}
