//! Writing media records through the versioned write path. Their changes are never public: a
//! photo is seen through the articles that show it.

use diesel::prelude::*;
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::model::{self, FileRow, MediaRow};
use crate::db::schema::{media, media_files};
use crate::db::DbConnection;
use crate::error::ApiResult;
use crate::http::write::{IfMatch, Mode, Patch};
use crate::versioned;

crate::versioned!(
    MediaRow,
    media,
    Media,
    "media",
    find = model::find,
    public = |_| false
);

/// The writable fields of a media record: sent as form fields with an upload, or as a patch.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct MediaBody {
    /// At most 1,000 characters.
    #[schema(value_type = Option<String>, min_length = 1, max_length = 1000)]
    pub caption: Patch<String>,
    /// At most 1,000 characters.
    #[schema(value_type = Option<String>, min_length = 1, max_length = 1000)]
    pub alt_text: Patch<String>,
    /// At most 200 characters.
    #[schema(value_type = Option<String>, min_length = 1, max_length = 200)]
    pub credit: Patch<String>,
}

/// Reads the text fields of an upload form or a patch.
pub fn read(obj: Map<String, Value>, mode: Mode) -> ApiResult<MediaBody> {
    const READ_ONLY: &[&str] = &[
        "id",
        "kind",
        "content_type",
        "byte_size",
        "width",
        "height",
        "sha256",
        "url",
        "variants",
        "created_at",
        "updated_at",
        "version",
    ];
    crate::http::body::read(obj, mode, READ_ONLY).finish()
}

/// Stores a new record and its files' metadata (the bytes are already in the store); call inside
/// a transaction.
pub fn create(conn: &mut DbConnection, row: MediaRow, files: &[FileRow]) -> ApiResult<MediaRow> {
    diesel::insert_into(media::table)
        .values(&row)
        .execute(conn)?;
    for file in files {
        diesel::insert_into(media_files::table)
            .values(file)
            .execute(conn)?;
    }
    versioned::created(conn, row)
}

/// Applies a merge patch of the texts; call inside a transaction.
pub fn update(
    conn: &mut DbConnection,
    id: i64,
    if_match: Option<IfMatch>,
    input: MediaBody,
) -> ApiResult<MediaRow> {
    let now = crate::time::now();
    versioned::update(conn, id, if_match, now, |_, _, next: &mut MediaRow| {
        input.caption.patch(&mut next.caption);
        input.alt_text.patch(&mut next.alt_text);
        input.credit.patch(&mut next.credit);
        Ok(())
    })
}

/// Deletes a record no article shows (409 naming those that do); call inside a transaction.
pub fn delete(conn: &mut DbConnection, id: i64, if_match: Option<IfMatch>) -> ApiResult<()> {
    versioned::delete(conn, id, if_match, |conn, _: &MediaRow| {
        let articles = model::used_by(conn, id)?;
        crate::db::refs::in_use_by_articles("media", id, &articles)
    })?;
    Ok(())
}
