//! People in the database.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::people;

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = people)]
pub struct NewPersonRow {
    pub full_name: String,
    pub current_title: Option<String>,
    pub organization_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
}
