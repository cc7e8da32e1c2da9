//! The articles resource over HTTP.

use actix_web::http::header;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::IntoParams;

use super::jsonld;
use super::model::{self, ArticleFilter, ArticleSort, ArticleStatus};
use super::preview::{self, PreviewBody, PreviewLink};
use super::revisions::{self, Revision};
use super::write;
use crate::app::AppState;
use crate::auth::{Caller, Role};
use crate::error::{ApiError, ApiResult};
use crate::http::etag::Tag;
use crate::http::fields::{FieldSelection, FieldsQuery};
use crate::http::idempotency::Created;
use crate::http::include::Includes;
use crate::http::page::{paginate, Listing, Page, PagingQuery};
use crate::http::params::{time_bound, Bound};
use crate::http::query::StrictQuery;
use crate::http::write::{JsonObject, Mode, OptionalJsonObject};
use crate::search::{ListPlan, ListRows, Resource};
use crate::site::Site;

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
        /// Only articles with any of these tags: slugs, comma-separated (at most 20).
        #[param(example = "chuyen-doi-so,quoc-phong")]
        pub tag: Option<String>,
        /// Related records to embed, comma-separated: `meetings`, `media` (the cover as
        /// `cover_media` and each gallery photo's record as its `media`, with variant URLs),
        /// `tags` (`{id, slug, name}` in order).
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
    /// `cover_media` and each gallery photo's record as its `media`, with variant URLs),
    /// `tags` (`{id, slug, name}` in order).
    #[param(example = "meetings,media")]
    pub include: Option<String>,
    /// Only these top-level fields, comma-separated, besides `id` and what `include` embeds: a
    /// lighter answer (a field left out, such as `body`, is not read from the database either).
    /// An unknown name is a 400. At most 1,000 characters.
    #[param(example = "slug,title,summary,published_at")]
    pub fields: Option<String>,
    /// A token from `POST /articles/{id}/preview`: shows this article in whatever status it is,
    /// with no other credential.
    pub preview: Option<String>,
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
    let fields = FieldSelection::parse::<Article>(q.fields.as_deref(), &includes)?;
    let parts = parts_of(&fields);
    let filter = ArticleFilter {
        visible: visible_statuses(&caller),
        status: q.status,
        category: q.category,
        meeting_id: q.meeting_id,
        published_from: time_bound("published_from", q.published_from.as_deref(), Bound::Start)?,
        published_before: time_bound("published_to", q.published_to.as_deref(), Bound::End)?,
        updated_since: q.updated_since.map(|t| t.naive_utc()),
        search,
        tags: tag_slugs(q.tag.as_deref())?,
    };
    let visible = filter.visible.clone();
    let rows = ListRows(
        move |conn: &mut _, ids: &[i64]| model::find_parts(conn, ids, parts),
        move |conn: &mut _, filter: &_, sort, page: &_| {
            model::list(conn, filter, sort, page, parts)
        },
    );
    let site = state.site.clone();
    let finish = move |conn: &mut _, rows: Vec<_>| {
        let data = rows.into_iter().map(|r| Article::from_record(r, &site));
        let mut data: Vec<_> = data.collect();
        embed(conn, &mut data, &includes, visible.as_deref())?;
        Ok(data)
    };
    plan.answer((&req, &state), fields, (filter, sort), rows, finish)
        .await
}

/// Embeds in `articles` what `includes` asks for.
fn embed(
    conn: &mut crate::db::DbConnection,
    articles: &mut [Article],
    includes: &Includes,
    visible: Option<&[&'static str]>,
) -> ApiResult<()> {
    if includes.has("meetings") {
        embed_meetings(conn, articles, visible)?;
    }
    if includes.has("media") {
        embed_media(conn, articles)?;
    }
    if includes.has("tags") {
        embed_tags(conn, articles)?;
    }
    Ok(())
}

/// What of an article the answer needs from the database: the relations feed `authors`,
/// `meeting_ids`, `media` and the embeds.
fn parts_of(fields: &FieldSelection) -> model::ArticleParts {
    model::ArticleParts {
        body: fields.wants("body"),
        relations: [
            "authors",
            "meeting_ids",
            "media",
            "tag_ids",
            "meetings",
            "tags",
        ]
        .iter()
        .any(|f| fields.wants(f)),
    }
}

/// Get an article
///
/// By numeric id or by slug. Anonymous callers get 404 for an article that is not published.
/// With `Accept: application/ld+json`, the article as a schema.org `NewsArticle` for search
/// engines, to embed as is in the page as a JSON-LD script; the answer varies by
/// `Accept`.
#[utoipa::path(operation_id = "get_article", tag = "articles",
    params(
    ("id" = String, Path, description = "The article's id, or its slug", example = "btv-thanh-uy-lam-viec-voi-dang-uy-phuong-tuan-chau"),
    GetArticleQuery
    ),
    responses((status = 200, description = "The article: JSON, or with `Accept: application/ld+json` a schema.org NewsArticle in JSON-LD (its tags and cover included; `fields` is a 400 then)",
        content((Article = "application/json"), (jsonld::NewsArticle = "application/ld+json")))))]
#[get("/articles/{id}")]
pub async fn get_article(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    query: StrictQuery<GetArticleQuery>,
) -> ApiResult<HttpResponse> {
    let key = path.into_inner();
    let q = query.into_inner();
    let linked_data = jsonld::wanted(&req);
    if linked_data && q.fields.is_some() {
        return Err(ApiError::bad_param(
            "fields",
            "does not apply to application/ld+json, which has its own fields",
        ));
    }
    // JSON-LD names the tags and shows the cover.
    let include = if linked_data {
        Some("tags,media")
    } else {
        q.include.as_deref()
    };
    let includes = Includes::parse(q.include.as_deref(), INCLUDES)
        .and_then(|_| Includes::parse(include, INCLUDES))?;
    let fields = FieldSelection::parse::<Article>(q.fields.as_deref(), &includes)?;
    let parts = parts_of(&fields);
    let visible = visible_statuses(&caller);
    let preview = q
        .preview
        .as_deref()
        .map(|t| state.preview.open(t))
        .transpose()?;
    let site = state.site.clone();
    let (article, media_included) = state
        .db
        .run(move |conn| {
            let found = model::find_record_by_key(conn, &key, parts)?;
            if let Some(preview) = preview {
                // Whatever its status, but only the article the token was made for.
                match &found {
                    Some(r) => preview.admits(r.row.id, r.row.version)?,
                    None if key == preview.article_id.to_string() => {}
                    None => preview.admits(-1, 0)?,
                }
            }
            let record = found
                .filter(|r| {
                    preview.is_some()
                        || visible
                            .as_ref()
                            .is_none_or(|v| v.contains(&r.row.status.as_str()))
                })
                .ok_or_else(|| ApiError::not_found(format!("no article `{key}`")))?;
            let mut article = Article::from_record(record, &site);
            embed(
                conn,
                std::slice::from_mut(&mut article),
                &includes,
                visible.as_deref(),
            )?;
            Ok((article, includes.has("media")))
        })
        .await?;
    let tag = if article.meetings.is_some() || article.tags.is_some() || media_included {
        Tag::Body
    } else {
        Tag::Version(article.version)
    };
    let mut res = if linked_data {
        let doc = serde_json::to_vec(&jsonld::NewsArticle::of(article, &state.site))?;
        let ok = actix_web::http::StatusCode::OK;
        crate::http::etag::bytes_response(&req, ok, jsonld::MEDIA_TYPE, doc, Tag::Body)
    } else {
        fields.record_response(&req, &article, tag)?
    };
    jsonld::vary(&mut res);
    if preview.is_some() {
        res.headers_mut().insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static(crate::http::caching::PRIVATE),
        );
    }
    Ok(res)
}

/// Make a preview link
///
/// Editor role or above. A link that shows this article, in whatever status it is, to whoever
/// holds it, with no other credential: until it expires (`expires_in` seconds, default one hour,
/// at most seven days) or, with `max_version`, until the article's version moves past it. The
/// body is optional.
#[utoipa::path(operation_id = "preview_article", tag = "articles",
    params(("id" = String, Path, description = ID_PARAM_DOC)),
    request_body(content = PreviewBody, description = "How long the link lasts (optional)"),
    security(("bearer" = [])),
    responses((status = 200, description = "The preview link", body = PreviewLink)))]
#[post("/articles/{id}/preview")]
pub async fn preview_article(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: OptionalJsonObject,
) -> ApiResult<HttpResponse> {
    caller.require(Role::Editor)?;
    let input = crate::http::body::read::<PreviewBody>(body.0, Mode::Create, &[]).finish()?;
    let key = path.into_inner();
    let id = state.db.run(move |conn| resolve(conn, &key)).await?;
    let ttl = input.expires_in.unwrap_or(preview::DEFAULT_TTL_SECS);
    let now = crate::time::utc(state.clock.now());
    let (token, expires_at) = state.preview.issue(id, now, ttl, input.max_version)?;
    let link = PreviewLink {
        url: format!("{}/api/v1/articles/{id}?preview={token}", state.public_base),
        token,
        expires_at,
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, crate::http::caching::PRIVATE))
        .json(link))
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

/// The slugs of `?tag=`: at most 20, each a slug.
fn tag_slugs(raw: Option<&str>) -> ApiResult<Option<Vec<String>>> {
    let Some(raw) = raw else { return Ok(None) };
    let slugs: Vec<String> = raw
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    if slugs.is_empty() || slugs.len() > 20 {
        return Err(ApiError::bad_param(
            "tag",
            "give 1 to 20 tag slugs, comma-separated",
        ));
    }
    if let Some(bad) = slugs
        .iter()
        .find(|s| s.len() > 100 || !crate::text::is_slug(s))
    {
        return Err(ApiError::bad_param(
            "tag",
            format!(
                "`{}` is not a tag slug",
                bad.chars().take(100).collect::<String>()
            ),
        ));
    }
    Ok(Some(slugs))
}

/// Fills `tags` of each article, in order, with one query for all of them.
fn embed_tags(conn: &mut crate::db::DbConnection, articles: &mut [Article]) -> ApiResult<()> {
    let mut ids: Vec<i64> = articles
        .iter()
        .flat_map(|a| a.tag_ids.iter().copied())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let tags = crate::tags::embed::load_refs(conn, &ids)?;
    for article in articles {
        article.tags = Some(
            article
                .tag_ids
                .iter()
                .filter_map(|id| tags.get(id).cloned())
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
    given (user, site) = |state, caller| (caller.user_id(), state.site.clone()),
    read = |b| write::read(b, Mode::Create),
    write = |conn, input| {
        let row = write::create(conn, input, user)?;
        let article = load_one(conn, row.id, &site)?;
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
    let user = caller.user_id();
    let site = state.site.clone();
    crate::http::write::update(
        &req,
        &state,
        &caller,
        || write::read(body.0, Mode::Patch),
        move |conn, if_match, input| {
            let id = resolve(conn, &key)?;
            let row = write::update(conn, id, if_match, input, user)?;
            load_one(conn, row.id, &site)
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

/// List an article's versions
///
/// Viewer role or above. Every version, newest first, the current one included: when it was
/// written, by whom, and the article's fields as they were.
#[utoipa::path(operation_id = "list_article_revisions", tag = "articles",
    params(("id" = String, Path, description = ID_PARAM_DOC), PagingQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "A page of versions", body = Page<Revision>)))]
#[get("/articles/{id}/revisions")]
pub async fn list_article_revisions(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    query: StrictQuery<PagingQuery>,
) -> ApiResult<HttpResponse> {
    caller.require(Role::Viewer)?;
    let q = query.into_inner();
    let fields = FieldSelection::parse::<Revision>(q.fields.as_deref(), &Includes::default())?;
    let listing = Listing::new(&state.cursor_key, "article_revisions", "-version");
    let page = q.page_request(&listing)?;
    let key = path.into_inner();
    let body = state
        .db
        .run(move |conn| {
            let id = resolve(conn, &key)?;
            let before = page.after.as_ref().map(|c| c.id);
            let rows = revisions::page(conn, id, before, page.fetch())?;
            let total = if page.count {
                Some(revisions::count(conn, id)?)
            } else {
                None
            };
            Ok(paginate(
                rows,
                &page,
                total,
                &listing,
                |r| (serde_json::Value::Null, r.version),
                |r| r,
            ))
        })
        .await?;
    fields.page_response(&req, &body)
}

/// Get one version of an article
///
/// Viewer role or above.
#[utoipa::path(operation_id = "get_article_revision", tag = "articles",
    params(("id" = String, Path, description = ID_PARAM_DOC),
    ("version" = i64, Path, description = "The version"), FieldsQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "The version", body = Revision)))]
#[get("/articles/{id}/revisions/{version}")]
pub async fn get_article_revision(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, i64)>,
    query: StrictQuery<FieldsQuery>,
) -> ApiResult<HttpResponse> {
    caller.require(Role::Viewer)?;
    let fields = FieldSelection::parse::<Revision>(
        query.into_inner().fields.as_deref(),
        &Includes::default(),
    )?;
    let (key, version) = path.into_inner();
    let revision = state
        .db
        .run(move |conn| {
            let id = resolve(conn, &key)?;
            revisions::find(conn, id, version)
        })
        .await?;
    fields.record_response(&req, &revision, Tag::Body)
}

/// Restore a version of an article
///
/// Editor role or above. Writes that version's content — title, summary, body, category, authors,
/// source, meetings, cover and gallery — as a new version; the slug, status and publication time
/// stay as they are. Send `If-Match` with the version you read. A meeting or photo that no longer
/// exists is a 422.
#[utoipa::path(operation_id = "restore_article_revision", tag = "articles",
    params(("id" = String, Path, description = ID_PARAM_DOC),
    ("version" = i64, Path, description = "The version to restore"),
    ("If-Match" = Option<String>, Header, description = "The version you read, as `\"3\"`: 412 if the article changed since")),
    security(("bearer" = [])),
    responses((status = 200, description = "The article as it now is", body = Article)))]
#[post("/articles/{id}/revisions/{version}/restore")]
pub async fn restore_article_revision(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, i64)>,
) -> ApiResult<HttpResponse> {
    let (key, version) = path.into_inner();
    let user = caller.user_id();
    let site = state.site.clone();
    crate::http::write::update(
        &req,
        &state,
        &caller,
        || Ok(()),
        move |conn, if_match, ()| {
            let id = resolve(conn, &key)?;
            let revision = revisions::find(conn, id, version)?;
            let input = write::restoring(&revision.article)?;
            let row = write::update(conn, id, if_match, input, user)?;
            load_one(conn, row.id, &site)
        },
        |article| Tag::Version(article.version),
    )
    .await
}

fn resolve(conn: &mut crate::db::DbConnection, key: &str) -> ApiResult<i64> {
    model::find_by_key(conn, key)?
        .map(|r| r.id)
        .ok_or_else(|| ApiError::not_found(format!("no article `{key}`")))
}

fn load_one(conn: &mut crate::db::DbConnection, id: i64, site: &Site) -> ApiResult<Article> {
    model::find_records(conn, &[id])?
        .pop()
        .map(|record| Article::from_record(record, site))
        .ok_or_else(|| ApiError::not_found(format!("no article {id}")))
}

/// Registers the routes (and their spec) of this resource.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_articles)
        .service(create_article)
        .service(get_article)
        .service(preview_article)
        .service(list_article_revisions)
        .service(get_article_revision)
        .service(restore_article_revision)
        .service(update_article)
        .service(delete_article);
}
