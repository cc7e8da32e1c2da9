//! Attendees in the database.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::attendees;

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = attendees)]
pub struct NewAttendeeRow {
    pub meeting_id: i64,
    pub person_id: i64,
    pub role: String,
    pub title_at_meeting: Option<String>,
    pub organization_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
}
