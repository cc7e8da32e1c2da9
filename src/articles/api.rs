//! The articles resource over HTTP.

use actix_web::http::StatusCode;
use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::{
    self, ArticleFilter, ArticleRelations, ArticleRow, ArticleSort, ArticleStatus, GalleryItem,
};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::http::etag::{json_response, Tag};
use crate::http::include::Includes;
use crate::http::page::{link_next, paginate, Listing, Page, PageRequest};
use crate::http::params::{time_bound, Bound};
use crate::http::query::StrictQuery;
use crate::meetings::api::Meeting;
use crate::time::utc;

/// A news report.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 2,
    "slug": "btv-thanh-uy-lam-viec-voi-dang-uy-phuong-tuan-chau",
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
    /// The cover image.
    pub cover_media_id: Option<i64>,
    /// The photo gallery, in order, each with its caption in this article.
    pub media: Vec<GalleryItem>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Grows by one on every write; send it in `If-Match` to update safely.
    pub version: i64,
    /// The meetings, with `include=meetings`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meetings: Option<Vec<Meeting>>,
}

impl Article {
    pub fn from_row(row: ArticleRow, rel: &mut ArticleRelations) -> Self {
        Self {
            authors: rel.authors.remove(&row.id).unwrap_or_default(),
            meeting_ids: rel.meeting_ids.remove(&row.id).unwrap_or_default(),
            media: rel.media.remove(&row.id).unwrap_or_default(),
            id: row.id,
            slug: row.slug,
            title: row.title,
            summary: row.summary,
            body: row.body,
            category: row.category,
            source_name: row.source_name,
            source_url: row.source_url,
            status: ArticleStatus::parse(&row.status).unwrap_or(ArticleStatus::Draft),
            published_at: row.published_at.map(utc),
            cover_media_id: row.cover_media_id,
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
            version: row.version,
            meetings: None,
        }
    }
}

const INCLUDES: &[&str] = &["meetings"];

/// Query parameters of `GET /articles`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListArticlesQuery {
    /// Page size.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<u32>,
    /// The `page.next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Also return `page.total`, the number of matching articles.
    pub count: Option<bool>,
    /// Order of the list. Default `-published_at` (newest first).
    #[param(inline)]
    pub sort: Option<ArticleSort>,
    /// Only articles with this status (anonymous callers see published articles only).
    #[param(inline)]
    pub status: Option<ArticleStatus>,
    /// Only articles of this category (exact match).
    #[param(example = "kinh tế")]
    pub category: Option<String>,
    /// Only articles reporting on this meeting.
    pub meeting_id: Option<i64>,
    /// Published at or after: an RFC 3339 time, or a date (from the start of that day in Vietnam).
    #[param(example = "2021-11-01")]
    pub published_from: Option<String>,
    /// Published at or before: an RFC 3339 time, or a date (to the end of that day in Vietnam).
    #[param(example = "2021-11-30")]
    pub published_to: Option<String>,
    /// Only articles changed at or after this RFC 3339 time.
    #[param(example = "2021-11-07T20:42:00Z")]
    pub updated_since: Option<DateTime<Utc>>,
    /// Related records to embed, comma-separated: `meetings`.
    #[param(example = "meetings")]
    pub include: Option<String>,
}

/// Query parameters of `GET /articles/{id_or_slug}`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct GetArticleQuery {
    /// Related records to embed, comma-separated: `meetings`.
    #[param(example = "meetings")]
    pub include: Option<String>,
}

/// Statuses the caller may read: anonymous callers see published articles only.
pub fn visible_statuses(caller: &Caller) -> Option<Vec<&'static str>> {
    if caller.sees_unpublished() {
        None
    } else {
        Some(vec![ArticleStatus::Published.as_str()])
    }
}

/// List articles
///
/// Newest first by default. Anonymous callers see published articles only; viewers and above see
/// drafts and archived articles too.
#[utoipa::path(
    operation_id = "list_articles",
    tag = "articles",
    params(ListArticlesQuery),
    responses((status = 200, description = "A page of articles", body = Page<Article>,
        headers(("ETag" = String), ("Link" = String, description = "`<…>; rel=\"next\"` when another page follows"))))
)]
#[get("/articles")]
pub async fn list_articles(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    query: StrictQuery<ListArticlesQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let sort = q.sort.unwrap_or_default();
    let includes = Includes::parse(q.include.as_deref(), INCLUDES)?;
    let listing = Listing::new(&state.cursor_key, "articles", sort.key());
    let page = PageRequest::new(q.limit, q.cursor.as_deref(), q.count, &listing)?;
    let filter = ArticleFilter {
        visible: visible_statuses(&caller),
        status: q.status,
        category: q.category,
        meeting_id: q.meeting_id,
        published_from: time_bound("published_from", q.published_from.as_deref(), Bound::Start)?,
        published_before: time_bound("published_to", q.published_to.as_deref(), Bound::End)?,
        updated_since: q.updated_since.map(|t| t.naive_utc()),
    };
    let visible = filter.visible.clone();
    let page_req = page.clone();
    let body = state
        .db
        .run(move |conn| {
            let (rows, total) = model::list(conn, &filter, sort, &page_req)?;
            let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
            let mut rel = model::load_relations(conn, &ids)?;
            let mut page = paginate(
                rows,
                &page_req,
                total,
                &listing,
                |r| sort.position(r),
                |row| Article::from_row(row, &mut rel),
            );
            if includes.has("meetings") {
                embed_meetings(conn, &mut page.data, visible.as_deref())?;
            }
            Ok(page)
        })
        .await?;
    let mut res = json_response(&req, StatusCode::OK, &body, Tag::Body)?;
    link_next(&req, &mut res, body.page.next_cursor.as_deref());
    Ok(res)
}

/// Get an article
///
/// By numeric id or by slug. Anonymous callers get 404 for an article that is not published.
#[utoipa::path(
    operation_id = "get_article",
    tag = "articles",
    params(
        ("id_or_slug" = String, Path, description = "The article's id, or its slug", example = "btv-thanh-uy-lam-viec-voi-dang-uy-phuong-tuan-chau"),
        GetArticleQuery
    ),
    responses((status = 200, description = "The article", body = Article, headers(("ETag" = String))))
)]
#[get("/articles/{id_or_slug}")]
pub async fn get_article(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    query: StrictQuery<GetArticleQuery>,
) -> ApiResult<HttpResponse> {
    let key = path.into_inner();
    let includes = Includes::parse(query.into_inner().include.as_deref(), INCLUDES)?;
    let visible = visible_statuses(&caller);
    let article = state
        .db
        .run(move |conn| {
            let row = match key.parse::<i64>() {
                Ok(id) => model::find_by_id(conn, id)?,
                Err(_) => model::find_by_slug(conn, &key)?,
            };
            let row = row
                .filter(|r| {
                    visible
                        .as_ref()
                        .is_none_or(|v| v.contains(&r.status.as_str()))
                })
                .ok_or_else(|| ApiError::not_found(format!("no article `{key}`")))?;
            let mut rel = model::load_relations(conn, &[row.id])?;
            let mut article = Article::from_row(row, &mut rel);
            if includes.has("meetings") {
                embed_meetings(conn, std::slice::from_mut(&mut article), visible.as_deref())?;
            }
            Ok(article)
        })
        .await?;
    let tag = if article.meetings.is_some() {
        Tag::Body
    } else {
        Tag::Version(article.version)
    };
    json_response(&req, StatusCode::OK, &article, tag)
}

/// Fills `meetings` of each article with one query for all of them.
fn embed_meetings(
    conn: &mut crate::db::DbConnection,
    articles: &mut [Article],
    visible: Option<&[&'static str]>,
) -> ApiResult<()> {
    let mut ids: Vec<i64> = articles
        .iter()
        .flat_map(|a| a.meeting_ids.iter().copied())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let meetings = crate::meetings::api::load_meetings(conn, &ids, visible)?;
    for article in articles {
        article.meetings = Some(
            article
                .meeting_ids
                .iter()
                .filter_map(|id| meetings.get(id).cloned())
                .collect(),
        );
    }
    Ok(())
}

/// Registers the routes (and their spec) of this resource.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_articles).service(get_article);
}
