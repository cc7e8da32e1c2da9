//! What other modules embed of users: the account as the API shows it.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::model::UserRow;
use crate::auth::Role;
use crate::time::utc;

/// An account. The password is never returned.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 1, "username": "bientap.hanoi", "display_name": "Ban biên tập", "role": "editor",
    "disabled": false, "disabled_at": null,
    "created_at": "2026-11-23T08:00:00Z", "updated_at": "2026-11-23T08:00:00Z", "version": 1
}))]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: Option<String>,
    pub role: Role,
    /// A disabled user's tokens stop working at once.
    pub disabled: bool,
    pub disabled_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl From<UserRow> for User {
    fn from(row: UserRow) -> Self {
        Self {
            id: row.id,
            username: row.username,
            display_name: row.display_name,
            role: row.role,
            disabled: row.disabled_at.is_some(),
            disabled_at: row.disabled_at.map(utc),
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
            version: row.version,
        }
    }
}

crate::fielded!(User);
