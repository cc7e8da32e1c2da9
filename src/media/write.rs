//! Writing media records through the versioned write path. Their changes are never public: a
//! photo is seen through the articles that show it.

use diesel::prelude::*;

use super::model::{self, FileRow, MediaRow};
use crate::db::schema::{media, media_files};
use crate::db::DbConnection;
use crate::error::ApiResult;
use crate::http::write::{IfMatch, Patch};
use crate::versioned;

crate::versioned!(
    MediaRow,
    media,
    Media,
    "media",
    find = model::find,
    public = |_| false
);

/// The text fields of a record, as sent in a form or a patch.
pub struct TextInput {
    pub caption: Patch<String>,
    pub alt_text: Patch<String>,
    pub credit: Patch<String>,
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
    input: TextInput,
) -> ApiResult<MediaRow> {
    versioned::update(conn, id, if_match, |conn, current: &MediaRow, next| {
        Ok(diesel::update(
            media::table
                .find(id)
                .filter(media::version.eq(current.version)),
        )
        .set((
            media::caption.eq(input.caption.apply(current.caption.clone())),
            media::alt_text.eq(input.alt_text.apply(current.alt_text.clone())),
            media::credit.eq(input.credit.apply(current.credit.clone())),
            media::updated_at.eq(crate::time::now()),
            media::version.eq(next),
        ))
        .execute(conn)?)
    })
}

/// Deletes a record no article shows (409 naming those that do); call inside a transaction.
pub fn delete(conn: &mut DbConnection, id: i64, if_match: Option<IfMatch>) -> ApiResult<()> {
    versioned::delete(conn, id, if_match, |conn, _: &MediaRow| {
        let users = model::used_by(conn, id)?;
        if users.is_empty() {
            return Ok(());
        }
        let list = users
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        let noun = if users.len() == 1 {
            format!("article ({list})")
        } else {
            format!("articles ({list})")
        };
        crate::db::refs::in_use_error("media", id, &[(noun.as_str(), users.len() as i64)])
    })?;
    Ok(())
}
