//! `GET /search`: one ranked list across resources.

use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{snippet, After, Matcher, Resource, Scope, RANKED};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::http::page::{Listing, Page, PageInfo, PageRequest};
use crate::http::query::StrictQuery;

/// One record found.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "articles",
    "id": 2,
    "title": "BTV Thành ủy làm việc với Đảng ủy phường Tuần Châu",
    "snippet": "… đã có buổi làm việc với Đảng ủy phường <mark>Tuần</mark> <mark>Châu</mark> về kết quả …"
}))]
pub struct SearchHit {
    /// The kind of record; with `id`, its address (`/api/v1/{type}/{id}`).
    #[serde(rename = "type")]
    pub type_: Resource,
    pub id: i64,
    /// The record's title (an article's or meeting's title, a person's or organization's name, a
    /// directive's text), as written.
    pub title: String,
    /// HTML: a short piece of the record's text, as written, around the first match, the
    /// matched words in `<mark>…</mark>` and everything else escaped.
    pub snippet: String,
}

/// A page of hits, best first.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResults {
    /// The hits of this page, in order.
    pub data: Vec<SearchHit>,
    pub page: PageInfo,
}

/// Query parameters of `GET /search`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// What to find (required; at most 200 characters). Case, Vietnamese diacritics and
    /// punctuation are ignored and `đ` reads as `d`, so `tuan chau`, `Tuần Châu` and `TUẦN CHÂU`
    /// are the same. Every word must match; `"a quoted phrase"` must match as a phrase; `-word`
    /// or `-"a phrase"` leaves out the records that have it. A word with punctuation inside
    /// (`covid-19`) is a phrase of its parts. Anything else (an unbalanced quote, a lone `-`,
    /// `OR`, `*`) is read as plain text.
    #[param(required = true, example = "dang uy \"tuan chau\" -covid")]
    pub q: Option<String>,
    /// The kinds of record to search, comma-separated: `articles`, `meetings`, `directives`,
    /// `people`, `organizations`. Default: all.
    #[param(example = "articles,meetings")]
    pub types: Option<String>,
    /// Page size.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<u32>,
    /// The `page.next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Also return `page.total`, the number of records found.
    pub count: Option<bool>,
}

fn parse_types(raw: Option<&str>) -> ApiResult<Vec<Resource>> {
    let mut chosen = Vec::new();
    for name in raw.unwrap_or_default().split(',').map(str::trim) {
        if name.is_empty() {
            continue;
        }
        let resource = Resource::parse(name).ok_or_else(|| {
            ApiError::bad_param(
                "types",
                format!(
                    "`{name}` is not searched; allowed: articles, meetings, directives, people, organizations"
                ),
            )
        })?;
        if !chosen.contains(&resource) {
            chosen.push(resource);
        }
    }
    if chosen.is_empty() {
        chosen = Resource::ALL.to_vec();
    }
    Ok(chosen)
}

/// Search across resources
///
/// One list of articles, meetings, directives, people and organizations, best match first:
/// records whose title holds every word (and phrase) asked for come first, then the others; within
/// each, the newest first. Each hit has a snippet of its text around the first match. Anonymous
/// callers never find unpublished articles.
#[utoipa::path(operation_id = "search", tag = "search", params(SearchQuery),
    responses((status = 200, description = "A page of hits", body = SearchResults,
        headers(("ETag" = String), ("Link" = String, description = "`<…>; rel=\"next\"` when another page follows")))))]
#[get("/search")]
pub async fn search(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    query: StrictQuery<SearchQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let matcher = Matcher::from_param(
        q.q.as_deref(),
        state.db.backend(),
        state.search_examine_limit,
    )?
    .ok_or_else(|| ApiError::bad_param("q", "is required"))?;
    let scope = Scope {
        resources: parse_types(q.types.as_deref())?,
        public_only: !caller.sees_unpublished(),
    };
    let listing = Listing::new(&state.cursor_key, "search", RANKED);
    let page = PageRequest::new(q.limit, q.cursor.as_deref(), q.count, &listing)?;
    let body = state
        .db
        .run(move |conn| {
            let total = if page.count {
                Some(super::count(conn, &matcher, &scope)?)
            } else {
                None
            };
            let after = page.after.as_ref().map(After::decode).transpose()?;
            let hits = super::find(conn, &matcher, &scope, after, page.fetch())?;
            let (hits, next_cursor) = page.take_page(hits, &listing, super::Hit::position);
            let ids: Vec<i64> = hits.iter().map(|h| h.doc_id).collect();
            let mut texts = super::originals(conn, &ids)?;
            let terms: Vec<Vec<String>> = matcher
                .query()
                .positive()
                .map(|t| t.words.clone())
                .collect();
            let data = hits
                .iter()
                .filter_map(|hit| {
                    let (title, body) = texts.remove(&hit.doc_id)?;
                    let snippet = snippet::around_match(&body, &terms)
                        .or_else(|| snippet::around_match(&title, &terms))
                        .unwrap_or_else(|| snippet::lead(&body));
                    Some(SearchHit {
                        type_: hit.resource,
                        id: hit.resource_id,
                        title,
                        snippet,
                    })
                })
                .collect();
            let Page { data, page } = page.page(data, total, next_cursor);
            Ok(SearchResults { data, page })
        })
        .await?;
    crate::http::page::page_response(&req, &body, body.page.next_cursor.as_deref())
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(search);
}
