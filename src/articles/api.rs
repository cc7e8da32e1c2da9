//! The articles resource over HTTP.

use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::IntoParams;

use super::model::{self, ArticleFilter, ArticleSort, ArticleStatus};
use super::write;
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::http::etag::{json_response, Tag};
use crate::http::idempotency::Created;
use crate::http::include::Includes;
use crate::http::page::Page;
use crate::http::params::{time_bound, Bound};
use crate::http::query::StrictQuery;
use crate::http::write::{JsonObject, Mode};
use crate::search::{ListPlan, Resource};

pub use super::embed::*;

crate::list_query! {
    /// Query parameters of `GET /articles`.
    pub struct ListArticlesQuery {
        sort: ArticleSort => "Order of the list. Default `-published_at` (newest first), or best match first with `q`.",
        q => "Full-text search in the title, summary, body and authors, ignoring case and Vietnamese diacritics (`đ` as `d`): every word must match, `\"a phrase\"` matches as a phrase, `-word` excludes. Without `sort`, best match first: title matches, then the rest, each newest first.",
        example = "dang uy \"tuan chau\" -covid",
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
        /// Related records to embed, comma-separated: `meetings`, `media` (the cover as
        /// `cover_media` and each gallery photo's record as its `media`, with variant URLs).
        #[param(example = "meetings,media")]
        pub include: Option<String>,
    }
}

/// Query parameters of `GET /articles/{id_or_slug}`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct GetArticleQuery {
    /// Related records to embed, comma-separated: `meetings`, `media` (the cover as
    /// `cover_media` and each gallery photo's record as its `media`, with variant URLs).
    #[param(example = "meetings,media")]
    pub include: Option<String>,
}

/// List articles
///
/// Newest first by default; best match first with `q`. Anonymous callers see published articles
/// only; viewers and above see drafts and archived articles too.
#[utoipa::path(operation_id = "list_articles", tag = "articles",
    params(ListArticlesQuery),
    responses((status = 200, description = "A page of articles", body = Page<Article>)))]
#[get("/articles")]
pub async fn list_articles(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    query: StrictQuery<ListArticlesQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let sort = q.sort.unwrap_or_default();
    let (plan, search) = ListPlan::new(&state, Resource::Articles, &q, sort.key())?;
    let includes = Includes::parse(q.include.as_deref(), INCLUDES)?;
    let filter = ArticleFilter {
        visible: visible_statuses(&caller),
        status: q.status,
        category: q.category,
        meeting_id: q.meeting_id,
        published_from: time_bound("published_from", q.published_from.as_deref(), Bound::Start)?,
        published_before: time_bound("published_to", q.published_to.as_deref(), Bound::End)?,
        updated_since: q.updated_since.map(|t| t.naive_utc()),
        search,
    };
    let visible = filter.visible.clone();
    let body = state
        .db
        .run(move |conn| {
            let (rows, total, next_cursor) = plan.read(
                conn,
                &filter,
                (model::find_records, |r| r.row.id),
                |conn| model::list(conn, &filter, sort, &plan.page),
                |r| sort.position(&r.row),
            )?;
            let data = rows.into_iter().map(Article::from_record).collect();
            let mut page = plan.page.page(data, total, next_cursor);
            if includes.has("meetings") {
                embed_meetings(conn, &mut page.data, visible.as_deref())?;
            }
            if includes.has("media") {
                embed_media(conn, &mut page.data)?;
            }
            Ok(page)
        })
        .await?;
    crate::http::page::page_response(&req, &body, body.page.next_cursor.as_deref())
}

/// Get an article
///
/// By numeric id or by slug. Anonymous callers get 404 for an article that is not published.
#[utoipa::path(operation_id = "get_article", tag = "articles",
    params(
    ("id" = String, Path, description = "The article's id, or its slug", example = "btv-thanh-uy-lam-viec-voi-dang-uy-phuong-tuan-chau"),
    GetArticleQuery
    ),
    responses((status = 200, description = "The article", body = Article)))]
#[get("/articles/{id}")]
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
    let (article, media_included) = state
        .db
        .run(move |conn| {
            let record = model::find_record_by_key(conn, &key)?
                .filter(|r| {
                    visible
                        .as_ref()
                        .is_none_or(|v| v.contains(&r.row.status.as_str()))
                })
                .ok_or_else(|| ApiError::not_found(format!("no article `{key}`")))?;
            let mut article = Article::from_record(record);
            if includes.has("meetings") {
                embed_meetings(conn, std::slice::from_mut(&mut article), visible.as_deref())?;
            }
            if includes.has("media") {
                embed_media(conn, std::slice::from_mut(&mut article))?;
            }
            Ok((article, includes.has("media")))
        })
        .await?;
    let tag = if article.meetings.is_some() || media_included {
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
    let meetings = crate::meetings::embed::load_meetings(conn, &ids, visible)?;
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

/// Fills the media records of each article's cover and gallery, with two queries for all of them.
fn embed_media(conn: &mut crate::db::DbConnection, articles: &mut [Article]) -> ApiResult<()> {
    let mut ids: Vec<i64> = articles
        .iter()
        .flat_map(|a| {
            a.cover_media_id
                .into_iter()
                .chain(a.media.iter().map(|g| g.media_id))
        })
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let media = crate::media::embed::load_media(conn, &ids)?;
    for article in articles {
        article.cover_media = article
            .cover_media_id
            .and_then(|id| media.get(&id).cloned());
        for photo in &mut article.media {
            photo.media = media.get(&photo.media_id).cloned();
        }
    }
    Ok(())
}

const ID_PARAM_DOC: &str = "The article's id, or its slug";

crate::create_handler!(
    /// Create an article
    ///
    /// Editor role or above. The slug is made from the title (diacritics folded, `đ` as `d`) when not
    /// given, and made unique. Publishing without `published_at` stamps the current time.
    create_article, "/articles", tag = "articles", body = write::ArticleBody,
    described = "The new article",
    example = {
        "title": "BTV Thành ủy làm việc với Đảng ủy phường Tuần Châu",
        "summary": "Ngày 8/11, Ban Thường vụ Thành ủy đã có buổi làm việc với Đảng ủy phường Tuần Châu…",
        "body": "Trên cơ sở bám sát các Chỉ thị, Nghị quyết…",
        "category": "kinh tế",
        "authors": ["Thu Hường", "Văn Hiệp"],
        "status": "published",
        "meeting_ids": [2]
    },
    response = Article,
    conflict = "The slug is taken, or a request with this Idempotency-Key is in progress",
    read = |b| write::read(b, Mode::Create),
    write = |conn, input| {
        let row = write::create(conn, input)?;
        let article = load_one(conn, row.id)?;
        Created::at(format!("/api/v1/articles/{}", article.id), article.version, &article)
    },
);

/// Change an article
///
/// Editor role or above. A JSON merge patch (RFC 7396): absent fields are kept, `null` clears a
/// nullable field (`null` on `title`, `body`, `slug` or `status` is a 422), arrays are replaced
/// whole. Send `If-Match` with the version you read to avoid overwriting another editor's change.
#[utoipa::path(operation_id = "update_article", tag = "articles",
    params(("id" = String, Path, description = ID_PARAM_DOC)),
    request_body(content = write::ArticleBody, content_type = "application/merge-patch+json", description = "The fields to change", example = json!({"status": "published", "category": null})),
    responses((status = 200, description = "The changed article", body = Article),
        (status = 409, description = "The slug is taken", body = crate::error::Problem, content_type = "application/problem+json")))]
#[patch("/articles/{id}")]
pub async fn update_article(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: JsonObject,
) -> ApiResult<HttpResponse> {
    let key = path.into_inner();
    crate::http::write::update(
        &req,
        &state,
        &caller,
        || write::read(body.0, Mode::Patch),
        move |conn, if_match, input| {
            let id = resolve(conn, &key)?;
            let row = write::update(conn, id, if_match, input)?;
            load_one(conn, row.id)
        },
        |article| Tag::Version(article.version),
    )
    .await
}

/// Delete an article
///
/// Editor role or above. It then reads as 404; the change feed keeps a `deleted` entry for mirrors.
#[utoipa::path(operation_id = "delete_article", tag = "articles",
    params(("id" = String, Path, description = ID_PARAM_DOC)),
    responses((status = 204, description = "Deleted")))]
#[delete("/articles/{id}")]
pub async fn delete_article(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let key = path.into_inner();
    crate::http::write::delete(&req, &state, &caller, move |conn, if_match| {
        let id = resolve(conn, &key)?;
        write::delete(conn, id, if_match)
    })
    .await
}

fn resolve(conn: &mut crate::db::DbConnection, key: &str) -> ApiResult<i64> {
    model::find_by_key(conn, key)?
        .map(|r| r.id)
        .ok_or_else(|| ApiError::not_found(format!("no article `{key}`")))
}

fn load_one(conn: &mut crate::db::DbConnection, id: i64) -> ApiResult<Article> {
    model::find_records(conn, &[id])?
        .pop()
        .map(Article::from_record)
        .ok_or_else(|| ApiError::not_found(format!("no article {id}")))
}

/// Registers the routes (and their spec) of this resource.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_articles)
        .service(create_article)
        .service(get_article)
        .service(update_article)
        .service(delete_article);
}
