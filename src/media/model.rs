//! Media records and their files in the database.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::db::schema::{article_media, articles, media, media_files};
use crate::db::{DbConnection, MultiBackend};
use crate::http::page::{CursorPos, PageRequest};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = media, treat_none_as_null = true)]
pub struct MediaRow {
    pub id: i64,
    pub kind: String,
    pub content_type: String,
    pub byte_size: i64,
    pub width: i32,
    pub height: i32,
    pub caption: Option<String>,
    pub alt_text: Option<String>,
    pub credit: Option<String>,
    pub sha256: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
}

/// One kept file of a record: the cleaned original or a variant.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = media_files)]
pub struct FileRow {
    pub media_id: i64,
    pub variant: String,
    pub content_type: String,
    pub width: i32,
    pub height: i32,
    pub byte_size: i64,
    pub sha256: String,
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<MediaRow>> {
    media::table
        .find(id)
        .select(MediaRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_sha256(conn: &mut DbConnection, sha256: &str) -> QueryResult<Option<MediaRow>> {
    media::table
        .filter(media::sha256.eq(sha256))
        .select(MediaRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_many(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<MediaRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    media::table
        .filter(media::id.eq_any(ids))
        .select(MediaRow::as_select())
        .load(conn)
}

/// The files of each record in `ids` (one query).
pub fn files_of(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<HashMap<i64, Vec<FileRow>>> {
    let mut out: HashMap<i64, Vec<FileRow>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let rows: Vec<FileRow> = media_files::table
        .filter(media_files::media_id.eq_any(ids))
        .select(FileRow::as_select())
        .load(conn)?;
    for row in rows {
        out.entry(row.media_id).or_default().push(row);
    }
    Ok(out)
}

pub fn file(conn: &mut DbConnection, id: i64, variant: &str) -> QueryResult<Option<FileRow>> {
    media_files::table
        .find((id, variant))
        .select(FileRow::as_select())
        .first(conn)
        .optional()
}

/// The articles that show a record, as cover or in their gallery, by id.
pub fn used_by(conn: &mut DbConnection, id: i64) -> QueryResult<Vec<i64>> {
    let mut ids: Vec<i64> = articles::table
        .filter(articles::cover_media_id.eq(id))
        .select(articles::id)
        .load(conn)?;
    ids.extend(
        article_media::table
            .filter(article_media::media_id.eq(id))
            .select(article_media::article_id)
            .load::<i64>(conn)?,
    );
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// The orders a list of media can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema, Default)]
pub enum MediaSort {
    /// Newest upload first (the default).
    #[default]
    #[serde(rename = "-created_at")]
    CreatedDesc,
    /// Oldest upload first.
    #[serde(rename = "created_at")]
    CreatedAsc,
    /// Least recently changed first (the order a mirror follows with `updated_since`).
    #[serde(rename = "updated_at")]
    UpdatedAsc,
}

impl MediaSort {
    pub fn key(self) -> &'static str {
        match self {
            Self::CreatedDesc => "-created_at",
            Self::CreatedAsc => "created_at",
            Self::UpdatedAsc => "updated_at",
        }
    }
}

impl crate::http::page::ListOrder<MediaRow> for MediaSort {
    fn position(self, row: &MediaRow) -> (serde_json::Value, i64) {
        let t = match self {
            Self::CreatedDesc | Self::CreatedAsc => row.created_at,
            Self::UpdatedAsc => row.updated_at,
        };
        (
            serde_json::Value::String(crate::time::cursor_text(t)),
            row.id,
        )
    }
}

/// The filters of `GET /media`.
#[derive(Debug, Clone, Default)]
pub struct MediaFilter {
    pub updated_since: Option<NaiveDateTime>,
}

type Boxed<'a> = media::BoxedQuery<'a, MultiBackend>;

impl MediaFilter {
    fn apply<'a>(&self, mut q: Boxed<'a>) -> Boxed<'a> {
        if let Some(since) = self.updated_since {
            q = q.filter(media::updated_at.ge(since));
        }
        q
    }
}

/// One page of rows (plus one) and, when asked, the total.
pub fn list(
    conn: &mut DbConnection,
    filter: &MediaFilter,
    sort: MediaSort,
    page: &PageRequest,
) -> QueryResult<(Vec<MediaRow>, Option<i64>)> {
    let total = if page.count {
        Some(
            filter
                .apply(media::table.into_boxed())
                .count()
                .get_result(conn)?,
        )
    } else {
        None
    };
    let mut q = filter.apply(media::table.into_boxed());
    let after = page.after.as_ref().and_then(|c: &CursorPos| {
        c.value
            .as_str()
            .and_then(crate::time::parse_cursor_text)
            .map(|t| (t, c.id))
    });
    q = match sort {
        MediaSort::CreatedDesc => {
            if let Some((t, id)) = after {
                q = q.filter(crate::keyset!(media::created_at, media::id, t, id, lt));
            }
            q.order((media::created_at.desc(), media::id.desc()))
        }
        MediaSort::CreatedAsc => {
            if let Some((t, id)) = after {
                q = q.filter(crate::keyset!(media::created_at, media::id, t, id, gt));
            }
            q.order((media::created_at.asc(), media::id.asc()))
        }
        MediaSort::UpdatedAsc => {
            if let Some((t, id)) = after {
                q = q.filter(crate::keyset!(media::updated_at, media::id, t, id, gt));
            }
            q.order((media::updated_at.asc(), media::id.asc()))
        }
    };
    let rows = q
        .select(MediaRow::as_select())
        .limit(page.fetch())
        .load(conn)?;
    Ok((rows, total))
}
