//! What other resources embed of tags: the wire types and the loaders that build them.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::model::{self, TagRow};
use crate::db::DbConnection;
use crate::error::ApiResult;
use crate::time::utc;

/// A newsroom's keyword for its articles.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 1, "name": "Chuyển đổi số", "slug": "chuyen-doi-so",
    "description": "Chính quyền số, kinh tế số, xã hội số",
    "created_at": "2026-12-05T08:00:00Z", "updated_at": "2026-12-05T08:00:00Z", "version": 1
}))]
pub struct Tag {
    pub id: i64,
    pub name: String,
    /// Unique, URL-safe; folded from the name when not given.
    pub slug: String,
    pub description: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl From<TagRow> for Tag {
    fn from(r: TagRow) -> Self {
        Self {
            id: r.id,
            name: r.name,
            slug: r.slug,
            description: r.description,
            created_at: utc(r.created_at),
            updated_at: utc(r.updated_at),
            version: r.version,
        }
    }
}

/// A tag as an article embeds it (`include=tags`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TagRef {
    pub id: i64,
    #[schema(example = "chuyen-doi-so")]
    pub slug: String,
    #[schema(example = "Chuyển đổi số")]
    pub name: String,
}

/// Tags by id, for embedding (one query for any number).
pub fn load_refs(conn: &mut DbConnection, ids: &[i64]) -> ApiResult<HashMap<i64, TagRef>> {
    Ok(model::find_many(conn, ids)?
        .into_iter()
        .map(|r| {
            (
                r.id,
                TagRef {
                    id: r.id,
                    slug: r.slug,
                    name: r.name,
                },
            )
        })
        .collect())
}

crate::fielded!(Tag);
