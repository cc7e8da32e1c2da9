//! Directives in the database.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{directive_assignees, directives};

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = directives)]
pub struct NewDirectiveRow {
    pub meeting_id: i64,
    pub ordinal: Option<i32>,
    pub text: String,
    pub issued_by_person_id: Option<i64>,
    pub lead_organization_id: Option<i64>,
    pub source_document: Option<String>,
    pub due_date: Option<NaiveDate>,
    pub status: String,
    pub completed_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = directive_assignees)]
pub struct NewDirectiveAssignee {
    pub directive_id: i64,
    pub organization_id: i64,
    pub position: i32,
}
