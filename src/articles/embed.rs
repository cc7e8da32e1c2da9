//! What other resources embed of articles: the wire types and the loaders that build them.

use crate::site::Site;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::model::{self, ArticleRecord, ArticleStatus};
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::media::embed::Media;
use crate::meetings::embed::Meeting;
use crate::time::utc;

/// A news report.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 2,
    "slug": "btv-thanh-uy-lam-viec-voi-dang-uy-phuong-tuan-chau",
    "url": "https://tinhuy.example.vn/tin-tuc/btv-thanh-uy-lam-viec-voi-dang-uy-phuong-tuan-chau",
    "title": "BTV Thành ủy làm việc với Đảng ủy phường Tuần Châu",
    "summary": "Ngày 8/11, Ban Thường vụ Thành ủy đã có buổi làm việc với Đảng ủy phường Tuần Châu…",
    "body": "Trên cơ sở bám sát các Chỉ thị, Nghị quyết của Trung ương, Tỉnh, Thành phố…",
    "category": "kinh tế",
    "authors": ["Thu Hường", "Văn Hiệp"],
    "source_name": null,
    "source_url": null,
    "status": "published",
    "published_at": "2021-11-07T20:42:00Z",
    "meeting_ids": [2],
    "tag_ids": [],
    "cover_media_id": null,
    "media": [],
    "created_at": "2026-11-23T08:00:00Z",
    "updated_at": "2026-11-23T08:00:00Z",
    "version": 1
}))]
pub struct Article {
    pub id: i64,
    /// Unique, URL-safe; made from the title with diacritics folded when not given.
    pub slug: String,
    /// Where readers read it: its page on the newsroom's site (`BANTIN_SITE_ARTICLE_URL`), else
    /// its address in this API. Read-only.
    #[schema(
        example = "https://tinhuy.example.vn/tin-tuc/btv-thanh-uy-lam-viec-voi-dang-uy-phuong-tuan-chau"
    )]
    pub url: String,
    pub title: String,
    /// The lead paragraph.
    pub summary: Option<String>,
    pub body: String,
    pub category: Option<String>,
    /// Bylines, in the order printed.
    pub authors: Vec<String>,
    /// The site or paper the report first appeared in.
    pub source_name: Option<String>,
    pub source_url: Option<String>,
    pub status: ArticleStatus,
    /// When it was published (UTC); `null` when not published or when the source prints no time.
    pub published_at: Option<DateTime<Utc>>,
    /// The meetings the article reports on.
    pub meeting_ids: Vec<i64>,
    /// The article's tags in order; the first is its primary tag.
    pub tag_ids: Vec<i64>,
    /// The cover image.
    pub cover_media_id: Option<i64>,
    /// The photo gallery, in order, each with its caption in this article.
    pub media: Vec<GalleryPhoto>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Grows by one on every write; send it in `If-Match` to update safely.
    pub version: i64,
    /// The meetings, with `include=meetings`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meetings: Option<Vec<Meeting>>,
    /// The cover's media record, with `include=media` (absent when there is no cover).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cover_media: Option<Media>,
    /// The tags, in order, with `include=tags`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<crate::tags::embed::TagRef>>,
}

/// One photo of an article's gallery.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GalleryPhoto {
    /// The media record.
    pub media_id: i64,
    /// The caption shown under the photo in this article.
    #[schema(example = "Toàn cảnh buổi làm việc")]
    pub caption: Option<String>,
    /// The media record with its variant URLs, with `include=media`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media: Option<Media>,
}

impl Article {
    /// The article of `record`, its `url` on `site`.
    pub fn from_record(ArticleRecord { row, relations }: ArticleRecord, site: &Site) -> Self {
        Self {
            url: site.article_url(row.id, &row.slug),
            authors: relations.authors,
            meeting_ids: relations.meeting_ids,
            tag_ids: relations.tag_ids,
            media: relations
                .media
                .into_iter()
                .map(|g| GalleryPhoto {
                    media_id: g.media_id,
                    caption: g.caption,
                    media: None,
                })
                .collect(),
            id: row.id,
            slug: row.slug,
            title: row.title,
            summary: row.summary,
            body: row.body,
            category: row.category,
            source_name: row.source_name,
            source_url: row.source_url,
            status: row.status,
            published_at: row.published_at.map(utc),
            cover_media_id: row.cover_media_id,
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
            version: row.version,
            meetings: None,
            cover_media: None,
            tags: None,
        }
    }
}

pub(crate) const INCLUDES: &[&str] = &["meetings", "media", "tags"];

crate::fielded!(Article { "media" => ["cover_media", "media"] });

/// Statuses the caller may read: anonymous callers see published articles only.
pub fn visible_statuses(caller: &Caller) -> Option<Vec<&'static str>> {
    if caller.sees_unpublished() {
        None
    } else {
        Some(vec![ArticleStatus::Published.as_str()])
    }
}

/// Articles by id, with their relations, for embedding (one query for any number).
pub fn load_articles(
    conn: &mut crate::db::DbConnection,
    ids: &[i64],
    site: &Site,
) -> ApiResult<std::collections::HashMap<i64, Article>> {
    Ok(model::find_records(conn, ids)?
        .into_iter()
        .map(|record| (record.row.id, Article::from_record(record, site)))
        .collect())
}
