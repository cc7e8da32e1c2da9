//! What other resources embed of media: the record as the API shows it, its files, and the
//! loaders that build them.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::model::{self, FileRow, MediaRow};
use super::process::Variant;
use crate::db::DbConnection;
use crate::error::{ApiError, ApiResult};
use crate::time::utc;

/// How long a file may be cached: its URL names its content for ever.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// One resized copy of an image.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VariantFile {
    /// Where the file is served (a path on this server).
    #[schema(example = "/api/v1/media/5093627183920117/medium")]
    pub url: String,
    #[schema(example = 800)]
    pub width: i32,
    #[schema(example = 533)]
    pub height: i32,
    /// Always `image/jpeg`.
    #[schema(example = "image/jpeg")]
    pub content_type: String,
    pub byte_size: i64,
}

/// The resized copies, made once at upload, each at most so wide and never wider than the
/// original (a narrow original gives variants of its own size); heights keep the aspect ratio.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Variants {
    /// At most 320 px wide.
    pub thumb: VariantFile,
    /// At most 800 px wide.
    pub medium: VariantFile,
    /// At most 1600 px wide.
    pub large: VariantFile,
}

/// An uploaded image. Its files are served to anyone who has its id, whatever the state of the
/// articles that show it; ids are random, so they cannot be guessed.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 5093627183920117_i64,
    "kind": "image",
    "content_type": "image/jpeg",
    "byte_size": 412345,
    "width": 2048,
    "height": 1365,
    "caption": "Toàn cảnh buổi làm việc",
    "alt_text": "Các đại biểu ngồi quanh bàn họp",
    "credit": "Thu Hường",
    "sha256": "9f2c0c1d5e8b4a7f3e6d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f",
    "url": "/api/v1/media/5093627183920117/original",
    "variants": {
        "thumb": {"url": "/api/v1/media/5093627183920117/thumb", "width": 320, "height": 213, "content_type": "image/jpeg", "byte_size": 21034},
        "medium": {"url": "/api/v1/media/5093627183920117/medium", "width": 800, "height": 533, "content_type": "image/jpeg", "byte_size": 98811},
        "large": {"url": "/api/v1/media/5093627183920117/large", "width": 1600, "height": 1067, "content_type": "image/jpeg", "byte_size": 301555}
    },
    "created_at": "2026-11-24T08:00:00Z",
    "updated_at": "2026-11-24T08:00:00Z",
    "version": 1
}))]
pub struct Media {
    /// Random, below 2^53.
    pub id: i64,
    /// Always `image`.
    pub kind: String,
    /// Of the original: `image/jpeg`, `image/png` or `image/webp`, read from the uploaded bytes.
    pub content_type: String,
    /// Of the original as served (metadata removed).
    pub byte_size: i64,
    /// Of the original as served, after its orientation was applied.
    pub width: i32,
    pub height: i32,
    /// The default caption (an article's gallery may give its own).
    pub caption: Option<String>,
    /// Text for readers who cannot see the image.
    pub alt_text: Option<String>,
    /// The photographer or source.
    pub credit: Option<String>,
    /// Hex SHA-256 of the uploaded file: uploading the same file again gives this record.
    pub sha256: String,
    /// The original, with its metadata (EXIF, GPS position, comments) removed.
    pub url: String,
    pub variants: Variants,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Grows by one on every write; send it in `If-Match` to update safely.
    pub version: i64,
}

pub fn file_url(id: i64, variant: Variant) -> String {
    format!("/api/v1/media/{id}/{}", variant.as_str())
}

impl Media {
    pub(crate) fn from_rows(row: MediaRow, files: Vec<FileRow>) -> ApiResult<Self> {
        let id = row.id;
        let mut by_name: HashMap<String, FileRow> =
            files.into_iter().map(|f| (f.variant.clone(), f)).collect();
        let mut take = |variant: Variant| {
            by_name
                .remove(variant.as_str())
                .map(|f| VariantFile {
                    url: file_url(id, variant),
                    width: f.width,
                    height: f.height,
                    content_type: f.content_type,
                    byte_size: f.byte_size,
                })
                .ok_or_else(|| {
                    ApiError::internal(format!("media {id} has no {} file", variant.as_str()))
                })
        };
        let variants = Variants {
            thumb: take(Variant::Thumb)?,
            medium: take(Variant::Medium)?,
            large: take(Variant::Large)?,
        };
        Ok(Self {
            id,
            kind: row.kind,
            content_type: row.content_type,
            byte_size: row.byte_size,
            width: row.width,
            height: row.height,
            caption: row.caption,
            alt_text: row.alt_text,
            credit: row.credit,
            sha256: row.sha256,
            url: file_url(id, Variant::Original),
            variants,
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
            version: row.version,
        })
    }
}

/// Media records by id, with their files, for embedding (two queries for any number).
pub fn load_media(conn: &mut DbConnection, ids: &[i64]) -> ApiResult<HashMap<i64, Media>> {
    let rows = model::find_many(conn, ids)?;
    let row_ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut files = model::files_of(conn, &row_ids)?;
    rows.into_iter()
        .map(|row| {
            let f = files.remove(&row.id).unwrap_or_default();
            Ok((row.id, Media::from_rows(row, f)?))
        })
        .collect()
}

pub(crate) fn load_one(conn: &mut DbConnection, row: MediaRow) -> ApiResult<Media> {
    let mut files = model::files_of(conn, &[row.id])?;
    let f = files.remove(&row.id).unwrap_or_default();
    Media::from_rows(row, f)
}

pub(crate) fn not_found(id: i64) -> ApiError {
    ApiError::not_found(format!("no media {id}"))
}

crate::fielded!(Media);
