//! Targets ("chỉ tiêu") in the database.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::targets;

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = targets)]
pub struct NewTargetRow {
    pub organization_id: i64,
    pub meeting_id: Option<i64>,
    pub indicator: String,
    pub unit: String,
    pub period_label: String,
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
    pub plan_value: Option<f64>,
    pub actual_value: Option<f64>,
    pub as_of: Option<NaiveDate>,
    pub direction: String,
    pub reported_percent: Option<f64>,
    pub note: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
}
