//! The meetings resource over HTTP.

use chrono::{DateTime, NaiveDate, Utc};

use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::model::{self, MeetingFilter, MeetingKind, MeetingSort, MeetingStatus, OrgRole};
use super::write;
use crate::app::AppState;
use crate::articles::embed::visible_statuses;
use crate::auth::{Caller, Role};
use crate::db::DbConnection;
use crate::error::{ApiError, ApiResult};
use crate::http::etag::{json_response, Tag};
use crate::http::idempotency::{Created, IdempotencyKey};
use crate::http::include::Includes;
use crate::http::page::{Listing, Page, PageRequest};
use crate::http::query::StrictQuery;
use crate::http::write::{JsonObject, Mode};
use crate::search::{self, Matcher, Resource, Scope, RANKED};

pub use super::embed::*;

/// Query parameters of `GET /meetings`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListMeetingsQuery {
    /// Page size.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<u32>,
    /// The `page.next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Also return `page.total`.
    pub count: Option<bool>,
    /// Order of the list. Default `-date` (latest first), or best match first with `q`.
    #[param(inline)]
    pub sort: Option<MeetingSort>,
    /// Full-text search in the title, topic, summary and period, ignoring case and Vietnamese
    /// diacritics (`đ` as `d`): every word must match, `"a phrase"` matches as a phrase, `-word`
    /// excludes. Without `sort`, best match first: title matches, then the rest, each latest first.
    /// At most 200 characters; see `GET /search` for the whole syntax.
    /// With other filters, each request examines at most 20,000 matches: a page may then hold
    /// fewer records than `limit`, even none, and still a `next_cursor` to go on from.
    #[param(example = "tuan chau")]
    pub q: Option<String>,
    /// Only meetings this organization took part in (as host or counterpart).
    pub organization_id: Option<i64>,
    /// With `organization_id`: only as `host` or only as `counterpart`.
    #[param(inline)]
    pub org_role: Option<OrgRole>,
    /// Only meetings this person attended.
    pub person_id: Option<i64>,
    /// Only meetings on or after this day.
    #[param(example = "2021-01-01")]
    pub date_from: Option<NaiveDate>,
    /// Only meetings on or before this day.
    #[param(example = "2021-12-31")]
    pub date_to: Option<NaiveDate>,
    #[param(inline)]
    pub status: Option<MeetingStatus>,
    #[param(inline)]
    pub kind: Option<MeetingKind>,
    /// Only meetings changed at or after this RFC 3339 time.
    pub updated_since: Option<DateTime<Utc>>,
    /// Related records to embed, comma-separated: `attendees`, `directives`, `targets`, `articles`, `organizations`.
    #[param(example = "attendees,organizations")]
    pub include: Option<String>,
}

/// Query parameters of `GET /meetings/{id}`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct GetMeetingQuery {
    /// Related records to embed, comma-separated: `attendees`, `directives`, `targets`, `articles`, `organizations`.
    #[param(example = "attendees,organizations")]
    pub include: Option<String>,
}

/// List meetings
///
/// Latest first by default; best match first with `q`. Embeds stay cheap: a page costs the same number of queries whatever it
/// holds.
#[utoipa::path(operation_id = "list_meetings", tag = "meetings", params(ListMeetingsQuery),
    responses((status = 200, description = "A page of meetings", body = Page<Meeting>,
        headers(("ETag" = String), ("Link" = String, description = "`<…>; rel=\"next\"` when another page follows")))))]
#[get("/meetings")]
pub async fn list_meetings(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    query: StrictQuery<ListMeetingsQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let search = Matcher::from_param(
        q.q.as_deref(),
        state.db.backend(),
        state.search_examine_limit,
    )?;
    let ranked = search.clone().filter(|_| q.sort.is_none());
    let sort = q.sort.unwrap_or_default();
    let includes = Includes::parse(q.include.as_deref(), INCLUDES)?;
    if q.org_role.is_some() && q.organization_id.is_none() {
        return Err(ApiError::bad_param("org_role", "needs organization_id"));
    }
    let key = if ranked.is_some() { RANKED } else { sort.key() };
    let listing = Listing::new(&state.cursor_key, "meetings", key);
    let page = PageRequest::new(q.limit, q.cursor.as_deref(), q.count, &listing)?;
    let filter = MeetingFilter {
        organization_id: q.organization_id,
        org_role: q.org_role,
        person_id: q.person_id,
        date_from: q.date_from,
        date_to: q.date_to,
        status: q.status,
        kind: q.kind,
        updated_since: q.updated_since.map(|t| t.naive_utc()),
        search: if ranked.is_some() { None } else { search },
    };
    let visible = visible_statuses(&caller);
    let today = state.clock.today();
    let body = state
        .db
        .run(move |conn| {
            let (rows, total, next_cursor) = search::list_page(
                conn,
                ranked.as_ref(),
                Scope {
                    resources: vec![Resource::Meetings],
                    public_only: false,
                },
                &filter,
                (&page, &listing),
                model::find_by_ids,
                |r| r.id,
                |conn| model::list(conn, &filter, sort, &page),
                |r| sort.position(r),
            )?;
            let mut dtos = to_dtos(conn, rows, visible.as_deref())?;
            embed(conn, &mut dtos, &includes, today)?;
            Ok(page.page(dtos, total, next_cursor))
        })
        .await?;
    crate::http::page::page_response(&req, &body, body.page.next_cursor.as_deref())
}

/// Get a meeting
///
/// With `include=attendees,directives,targets,articles,organizations` to embed what it points to.
#[utoipa::path(operation_id = "get_meeting", tag = "meetings",
    params(("id" = i64, Path, description = "The meeting's id"), GetMeetingQuery),
    responses((status = 200, description = "The meeting", body = Meeting, headers(("ETag" = String)))))]
#[get("/meetings/{id}")]
pub async fn get_meeting(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
    query: StrictQuery<GetMeetingQuery>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let includes = Includes::parse(query.into_inner().include.as_deref(), INCLUDES)?;
    let visible = visible_statuses(&caller);
    let today = state.clock.today();
    let embeds = !includes.is_empty();
    let meeting = state
        .db
        .run(move |conn| {
            let row = model::find(conn, id)?.ok_or_else(|| not_found(id))?;
            let mut dtos = to_dtos(conn, vec![row], visible.as_deref())?;
            embed(conn, &mut dtos, &includes, today)?;
            dtos.pop().ok_or_else(|| not_found(id))
        })
        .await?;
    let tag = if embeds {
        Tag::Body
    } else {
        Tag::Version(meeting.version)
    };
    json_response(&req, StatusCode::OK, &meeting, tag)
}

fn load_one(conn: &mut DbConnection, id: i64) -> ApiResult<Meeting> {
    let row = model::find(conn, id)?.ok_or_else(|| not_found(id))?;
    to_dtos(conn, vec![row], None)?
        .pop()
        .ok_or_else(|| not_found(id))
}

/// Create a meeting
///
/// Editor role or above. A chair named in `chair_person_id` is also recorded as an attendee with
/// role `chair`.
#[utoipa::path(operation_id = "create_meeting", tag = "meetings",
    request_body(content = write::MeetingBody, example = json!({
        "title": "Ban Thường vụ Thành ủy làm việc với Đảng ủy phường Tuần Châu",
        "kind": "working_session", "date": "2021-11-08",
        "host_organization_ids": [5], "counterpart_organization_ids": [6], "chair_person_id": 3,
        "period_label": "10 tháng đầu năm 2021", "status": "held"
    })),
    responses((status = 201, description = "Created", body = Meeting, headers(("Location" = String), ("ETag" = String)))))]
#[post("/meetings")]
pub async fn create_meeting(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    body: JsonObject,
) -> ApiResult<HttpResponse> {
    crate::http::write::create(
        &state,
        &caller,
        Role::Editor,
        key,
        "/meetings",
        body,
        |b| write::read(JsonObject(b), Mode::Create),
        move |conn, input| {
            let id = write::create(conn, input)?.id;
            let meeting = load_one(conn, id)?;
            Ok(Created {
                location: format!("/api/v1/meetings/{id}"),
                version: meeting.version,
                body: serde_json::to_string(&meeting)?,
            })
        },
    )
    .await
}

crate::update_handler!(
    /// Change a meeting
    ///
    /// Editor role or above. A JSON merge patch; the organization lists are replaced whole. Changing
    /// `chair_person_id` moves the `chair` role among the attendees to match.
    update_meeting,
    "/meetings/{id}",
    tag = "meetings",
    id = "The meeting's id",
    body = write::MeetingBody,
    example = {"status": "held", "summary": null},
    response = Meeting,
    "The changed meeting",
    read = |body| write::read(body, Mode::Patch),
    write = |conn, id, if_match, input| {
            write::update(conn, id, if_match, input)?;
            load_one(conn, id)
        },
    etag = |meeting| Tag::Version(meeting.version),
);

crate::delete_handler!(
    /// Delete a meeting
    ///
    /// Editor role or above. Its attendees go with it (each leaves a tombstone in the change feed).
    /// Refused with 409 while directives, targets or articles still point to it.
    delete_meeting,
    "/meetings/{id}",
    tag = "meetings",
    id = "The meeting's id",
    conflict = "Still in use"
);

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_meetings)
        .service(create_meeting)
        .service(get_meeting)
        .service(update_meeting)
        .service(delete_meeting);
}
