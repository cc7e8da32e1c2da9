//! Attendees in the database.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::attendees;
use crate::db::{DbConnection, MultiBackend};
use crate::http::page::PageRequest;

/// The part someone played at a meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AttendeeRole {
    /// Chaired it ("chủ trì"); the meeting's `chair_person_id` names the same person.
    Chair,
    CoChair,
    Attendee,
    /// Presented the report ("báo cáo").
    Reporter,
    /// Spoke ("phát biểu").
    Speaker,
    Guest,
}

crate::text_enum!(AttendeeRole {
    Chair => "chair",
    CoChair => "co_chair",
    Attendee => "attendee",
    Reporter => "reporter",
    Speaker => "speaker",
    Guest => "guest",
});

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Insertable, AsChangeset)]
#[diesel(table_name = attendees, treat_none_as_null = true)]
pub struct AttendeeRow {
    /// Given by the database: a row built to be inserted leaves it 0.
    #[diesel(skip_insertion)]
    pub id: i64,
    pub meeting_id: i64,
    pub person_id: i64,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub role: AttendeeRole,
    pub title_at_meeting: Option<String>,
    pub organization_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
}

#[derive(Debug, Clone, Default)]
pub struct AttendeeFilter {
    pub meeting_id: Option<i64>,
    pub person_id: Option<i64>,
    pub role: Option<&'static str>,
    pub organization_id: Option<i64>,
    pub updated_since: Option<NaiveDateTime>,
}

type Boxed<'a> = attendees::BoxedQuery<'a, MultiBackend>;

impl AttendeeFilter {
    fn apply<'a>(&self, mut q: Boxed<'a>) -> Boxed<'a> {
        if let Some(m) = self.meeting_id {
            q = q.filter(attendees::meeting_id.eq(m));
        }
        if let Some(p) = self.person_id {
            q = q.filter(attendees::person_id.eq(p));
        }
        if let Some(r) = self.role {
            q = q.filter(attendees::role.eq(r));
        }
        if let Some(o) = self.organization_id {
            q = q.filter(attendees::organization_id.eq(o));
        }
        if let Some(since) = self.updated_since {
            q = q.filter(attendees::updated_at.ge(since));
        }
        q
    }
}

/// In id order (the order attendees were recorded).
pub fn list(
    conn: &mut DbConnection,
    filter: &AttendeeFilter,
    page: &PageRequest,
) -> QueryResult<(Vec<AttendeeRow>, Option<i64>)> {
    let total = if page.count {
        Some(
            filter
                .apply(attendees::table.into_boxed())
                .count()
                .get_result(conn)?,
        )
    } else {
        None
    };
    let mut q = filter.apply(attendees::table.into_boxed());
    if let Some(after) = &page.after {
        q = q.filter(attendees::id.gt(after.id));
    }
    let rows = q
        .order(attendees::id)
        .select(AttendeeRow::as_select())
        .limit(page.fetch())
        .load(conn)?;
    Ok((rows, total))
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<AttendeeRow>> {
    attendees::table
        .find(id)
        .select(AttendeeRow::as_select())
        .first(conn)
        .optional()
}

/// All attendees of the given meetings, in the order they were recorded.
pub fn of_meetings(conn: &mut DbConnection, meeting_ids: &[i64]) -> QueryResult<Vec<AttendeeRow>> {
    if meeting_ids.is_empty() {
        return Ok(Vec::new());
    }
    attendees::table
        .filter(attendees::meeting_id.eq_any(meeting_ids))
        .order(attendees::id)
        .select(AttendeeRow::as_select())
        .load(conn)
}

/// Every attendance of one person.
pub fn of_person(conn: &mut DbConnection, person_id: i64) -> QueryResult<Vec<AttendeeRow>> {
    attendees::table
        .filter(attendees::person_id.eq(person_id))
        .order(attendees::id)
        .select(AttendeeRow::as_select())
        .load(conn)
}
