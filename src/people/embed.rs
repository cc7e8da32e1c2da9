//! What other resources embed of people: the wire types and the loaders that build them.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::model::{self, PersonRow};
use crate::attendees::model::AttendeeRole;
use crate::db::DbConnection;
use crate::error::ApiResult;
use crate::meetings::embed::Meeting;
use crate::time::utc;

/// A person named in the reports: a party secretary, a chairman, a ward representative.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 3, "full_name": "Vũ Văn Diện",
    "current_title": "Ủy viên BTV Tỉnh ủy, Bí thư Thành ủy, Chủ tịch HĐND thành phố",
    "organization_id": 5, "created_at": "2026-11-23T08:00:00Z", "updated_at": "2026-11-23T08:00:00Z", "version": 1
}))]
pub struct Person {
    pub id: i64,
    pub full_name: String,
    /// The latest known title; each meeting keeps the title held then.
    pub current_title: Option<String>,
    /// Their main body.
    pub organization_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    /// With `include=meetings`: every meeting attended, with the role and the title held there.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(no_recursion)]
    pub meetings: Option<Vec<Attendance>>,
}

/// One meeting a person attended.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Attendance {
    pub attendee_id: i64,
    pub role: AttendeeRole,
    pub title_at_meeting: Option<String>,
    pub organization_id: Option<i64>,
    pub meeting: Meeting,
}

impl From<PersonRow> for Person {
    fn from(row: PersonRow) -> Self {
        Self {
            id: row.id,
            full_name: row.full_name,
            current_title: row.current_title,
            organization_id: row.organization_id,
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
            version: row.version,
            meetings: None,
        }
    }
}

/// People by id, for embedding (one query).
pub fn load_people(conn: &mut DbConnection, ids: &[i64]) -> ApiResult<HashMap<i64, Person>> {
    Ok(model::find_many(conn, ids)?
        .into_iter()
        .map(|r| (r.id, Person::from(r)))
        .collect())
}

pub(crate) const INCLUDES: &[&str] = &["meetings"];

crate::fielded!(Person);
