//! The directives resource over HTTP: `/directives`, `/meetings/{id}/directives`, the summary and
//! the progress updates.

use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::{
    self, AsOf, DirectiveFilter, DirectiveSort, DirectiveStatus, DirectiveUpdateRow, Progress,
};
use super::write::{self, Writer};
use crate::app::AppState;
use crate::auth::{Caller, Role};
use crate::db::DbConnection;
use crate::error::{ApiError, ApiResult};
use crate::http::etag::{json_response, Tag};
use crate::http::fields::{FieldSelection, FieldsQuery};
use crate::http::idempotency::{self, Created, IdempotencyKey};
use crate::http::include::Includes;
use crate::http::page::{paginate, Listing, Page, PagingQuery, SearchableList};
use crate::http::query::StrictQuery;
use crate::http::write::{JsonObject, Mode};
use crate::search::{ListPlan, Resource};
use crate::time::utc;

pub use super::embed::*;

crate::list_query! {
    /// Query parameters of `GET /directives`.
    pub struct ListDirectivesQuery {
        sort: DirectiveSort => "Order of the list: `due_date` (the default: earliest deadline first; best match first with `q`), `-due_date` (latest first), both with directives without a deadline last; or `ordinal` (by meeting, then as the conclusions are numbered, unnumbered ones last).",
        q => "Full-text search in the text and source document, ignoring case and Vietnamese diacritics (`đ` as `d`): every word must match, `\"a phrase\"` matches as a phrase, `-word` excludes. Without `sort`, best match first, latest first among equals.",
        example = "quy hoach tuan chau",
        /// Only directives given at this meeting.
        pub meeting_id: Option<i64>,
        /// Only directives this organization leads or co-ordinates.
        pub organization_id: Option<i64>,
        /// Only directives with this status.
        #[param(inline)]
        pub status: Option<DirectiveStatus>,
        /// Only directives that stand so today in Vietnam: `overdue` (not done, due before today),
        /// `due_soon` (not done, due today or within 7 days), `on_track` (not done, due later),
        /// `no_deadline`, `done_on_time`, `done_late` or `cancelled`.
        #[param(inline)]
        pub progress: Option<Progress>,
        /// Only directives due strictly before this date.
        #[param(example = "2022-01-01")]
        pub due_before: Option<NaiveDate>,
        /// Only directives due strictly after this date.
        #[param(example = "2021-09-30")]
        pub due_after: Option<NaiveDate>,
        /// Only directives changed at or after this RFC 3339 time.
        #[param(example = "2021-11-07T20:42:00Z")]
        pub updated_since: Option<DateTime<Utc>>,
    }
}

crate::list_query! {
    /// Query parameters of `GET /meetings/{id}/directives`.
    pub struct ListMeetingDirectivesQuery {
        sort: DirectiveSort => "Order of the list: `ordinal` (the default: as the conclusions are numbered, unnumbered ones last; best match first with `q`), `due_date` or `-due_date` (directives without a deadline last).",
        q => "Full-text search in the text and source document, ignoring case and Vietnamese diacritics (`đ` as `d`): every word must match, `\"a phrase\"` matches as a phrase, `-word` excludes. Without `sort`, best match first, latest first among equals.",
        example = "quy hoach tuan chau",
        /// Only directives with this status.
        #[param(inline)]
        pub status: Option<DirectiveStatus>,
        /// Only directives that stand so today in Vietnam: `overdue` (not done, due before today),
        /// `due_soon` (not done, due today or within 7 days), `on_track` (not done, due later),
        /// `no_deadline`, `done_on_time`, `done_late` or `cancelled`.
        #[param(inline)]
        pub progress: Option<Progress>,
    }
}

/// One page of directives, as both lists answer it: `sort` as the query gave it, else
/// `default_sort`. `parent` is the meeting of a nested list, which must exist.
async fn list_page(
    req: &HttpRequest,
    state: &AppState,
    mut filter: DirectiveFilter,
    query: &impl SearchableList,
    sort: DirectiveSort,
    parent: Option<i64>,
) -> ApiResult<HttpResponse> {
    let fields = FieldSelection::parse::<Directive>(query.fields(), &Includes::default())?;
    let (plan, search) = ListPlan::new(state, Resource::Directives, query, sort.key())?;
    filter.search = search;
    let today = state.clock.today();
    let body = state
        .db
        .run(move |conn| {
            if let Some(id) = parent {
                require_meeting(conn, id)?;
            }
            let (rows, total, next_cursor) = plan.read(
                conn,
                &filter.on(AsOf::Today(today)),
                (|conn, ids| model::by_ids(conn, ids, today), |(r, _)| r.id),
                |conn| model::list(conn, &filter, sort, &plan.page, today),
                |(r, _)| sort.position(r),
            )?;
            let ids: Vec<i64> = rows.iter().map(|(r, _)| r.id).collect();
            let mut assignees = model::assignees_of(conn, &ids)?;
            let data = rows
                .into_iter()
                .map(|row| Directive::from_row(row, &mut assignees))
                .collect();
            Ok(plan.page.page(data, total, next_cursor))
        })
        .await?;
    fields.page_response(req, &body)
}

fn require_meeting(conn: &mut DbConnection, id: i64) -> ApiResult<()> {
    if model::meeting_exists(conn, id)? {
        Ok(())
    } else {
        Err(ApiError::not_found(format!("no meeting {id}")))
    }
}

/// List directives
///
/// Earliest deadline first by default. Filter by how they stand today (`progress=overdue`), by
/// meeting, by organization (lead or co-ordinating), by status and by due date.
#[utoipa::path(operation_id = "list_directives", tag = "directives",
    params(ListDirectivesQuery),
    responses((status = 200, description = "A page of directives", body = Page<Directive>)))]
#[get("/directives")]
pub async fn list_directives(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: StrictQuery<ListDirectivesQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let filter = DirectiveFilter {
        meeting_id: q.meeting_id,
        organization_ids: q.organization_id.map(|id| vec![id]),
        status: q.status,
        progress: q.progress,
        due_before: q.due_before,
        due_after: q.due_after,
        updated_since: q.updated_since.map(|t| t.naive_utc()),
        ..DirectiveFilter::default()
    };
    list_page(&req, &state, filter, &q, q.sort.unwrap_or_default(), None).await
}

/// List a meeting's directives
///
/// The conclusions of one meeting, in the order they are numbered (unnumbered ones last) by
/// default. 404 when the meeting does not exist.
#[utoipa::path(operation_id = "list_meeting_directives", tag = "directives",
    params(("id" = i64, Path, description = "The meeting's id"), ListMeetingDirectivesQuery),
    responses((status = 200, description = "A page of the meeting's directives", body = Page<Directive>)))]
#[get("/meetings/{id}/directives")]
pub async fn list_meeting_directives(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    query: StrictQuery<ListMeetingDirectivesQuery>,
) -> ApiResult<HttpResponse> {
    let meeting_id = path.into_inner();
    let q = query.into_inner();
    let filter = DirectiveFilter {
        meeting_id: Some(meeting_id),
        status: q.status,
        progress: q.progress,
        ..DirectiveFilter::default()
    };
    let sort = q.sort.unwrap_or(DirectiveSort::Ordinal);
    list_page(&req, &state, filter, &q, sort, Some(meeting_id)).await
}

crate::get_handler!(
    /// Get a directive
    ///
    /// With its progress as of today in Vietnam. The ETag follows the body, so it changes when the
    /// progress does (at midnight in Vietnam) as well as on every write.
    get_directive, "/directives/{id}", tag = "directives", id = "The directive's id",
    response = Directive, "The directive",
    given today = |state| state.clock.today(),
    read = |conn, id| load_one(conn, id, today),
    etag = |_: &Directive| Tag::Body,
);

fn writer(state: &AppState, caller: &Caller) -> Writer {
    Writer {
        now: state.clock.now(),
        admin: caller.role() == Some(Role::Admin),
    }
}

/// The create shared by both routes.
async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    body: JsonObject,
    parent: Option<i64>,
) -> ApiResult<HttpResponse> {
    caller.require(Role::Editor)?;
    let raw = serde_json::Value::Object(body.0.clone());
    let writer = writer(&state, &caller);
    let today = state.clock.today();
    let route = match parent {
        Some(id) => format!("POST /meetings/{id}/directives"),
        None => "POST /directives".to_owned(),
    };
    let scope = format!("{}:{route}", caller.user_id().unwrap_or_default());
    let (created, replayed) = state
        .db
        .write(move |conn| {
            if let Some(id) = parent {
                require_meeting(conn, id)?;
            }
            let input = write::read(body.0, Mode::Create, parent, writer.now)?;
            idempotency::once(conn, &scope, key.0.as_deref(), &raw, |conn| {
                let id = write::create(conn, input, writer)?;
                let directive = load_one(conn, id, today)?;
                Created::at(
                    format!("/api/v1/directives/{id}"),
                    directive.version,
                    &directive,
                )
            })
        })
        .await?;
    Ok(created.into_response(replayed))
}

/// Create a directive
///
/// Editor role or above. The meeting, the people and the organizations it names must exist
/// (422 naming the field otherwise).
#[utoipa::path(operation_id = "create_directive", tag = "directives",
    request_body(content = write::DirectiveBody, description = "The new directive", example = json!({
        "meeting_id": 2,
        "ordinal": 4,
        "text": "UBND Thành phố cho dự thảo quy hoạch phân khu cho phường Tuần Châu, báo cáo BTV trong năm 2021.",
        "lead_organization_id": 8,
        "due_date": "2021-12-31"
    })),
    responses((status = 201, description = "Created", body = Directive)))]
#[post("/directives")]
pub async fn create_directive(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    body: JsonObject,
) -> ApiResult<HttpResponse> {
    create(state, caller, key, body, None).await
}

/// Add a directive to a meeting
///
/// Editor role or above. Like `POST /directives`, with the meeting taken from the path (404 when
/// it does not exist).
#[utoipa::path(operation_id = "create_meeting_directive", tag = "directives",
    params(("id" = i64, Path, description = "The meeting's id")),
    request_body(content = write::DirectiveBody, description = "The new directive (without `meeting_id`)", example = json!({
        "ordinal": 1,
        "text": "Đảng bộ phường tập trung rà soát các chỉ tiêu của năm 2021.",
        "lead_organization_id": 6
    })),
    responses((status = 201, description = "Created", body = Directive)))]
#[post("/meetings/{id}/directives")]
pub async fn create_meeting_directive(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
    key: IdempotencyKey,
    body: JsonObject,
) -> ApiResult<HttpResponse> {
    create(state, caller, key, body, Some(path.into_inner())).await
}

crate::update_handler!(
    /// Change a directive
    ///
    /// Editor role or above. A JSON merge patch (RFC 7396): absent fields are kept, `null` clears a
    /// nullable field, `assignee_organization_ids` is replaced whole. Status rules: `done` stamps
    /// `completed_at` (now unless given), leaving `done` clears it; a cancelled directive may be
    /// changed by an admin only (403 otherwise).
    update_directive, "/directives/{id}", tag = "directives", id = "The directive's id",
    body = write::DirectiveBody,
    example = {"status": "done", "completed_at": "2021-12-20T03:00:00Z"},
    response = Directive, "The changed directive",
    given (writer, today) = |state, caller| (writer(state, caller), state.clock.today()),
    read = |body| write::read(body.0, Mode::Patch, None, writer.now),
    write = |conn, id, if_match, input| {
        write::update(conn, id, if_match, input, writer)?;
        load_one(conn, id, today)
    },
    etag = |_| Tag::Body,
);

crate::delete_handler!(
    /// Delete a directive
    ///
    /// Editor role or above (admin for a cancelled directive). Its progress updates go with it; the
    /// change feed keeps a `deleted` entry for each.
    delete_directive, "/directives/{id}", tag = "directives", id = "The directive's id",
    given = |state, caller| writer(state, caller),
);

/// Query parameters of `GET /directives/summary`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DirectiveSummaryQuery {
    /// Only directives this organization leads or co-ordinates.
    pub organization_id: Option<i64>,
    /// With `organization_id`: also those of every organization below it.
    pub descendants: Option<bool>,
    /// Only directives given at this meeting.
    pub meeting_id: Option<i64>,
    /// Only directives given at meetings held on or after this date.
    #[param(example = "2021-10-01")]
    pub issued_from: Option<NaiveDate>,
    /// Only directives given at meetings held on or before this date.
    #[param(example = "2021-12-31")]
    pub issued_to: Option<NaiveDate>,
    /// Count as things stood at the end of this day in Vietnam (default: today). Directives
    /// issued at meetings held later are left out; those done or cancelled later count as still
    /// to be done then.
    #[param(example = "2021-12-31")]
    pub as_of: Option<NaiveDate>,
}

/// How many directives stand in each progress bucket.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgressCounts {
    pub done_on_time: i64,
    pub done_late: i64,
    pub overdue: i64,
    pub due_soon: i64,
    pub on_track: i64,
    pub no_deadline: i64,
    pub cancelled: i64,
}

/// Where a set of directives stands, for the report leaders read.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "as_of": "2021-12-31",
    "total": 34,
    "counts": {"done_on_time": 3, "done_late": 1, "overdue": 2, "due_soon": 1, "on_track": 0, "no_deadline": 27, "cancelled": 0},
    "on_time_percent": 50.0
}))]
pub struct DirectiveSummary {
    /// The day the buckets are computed for (today in Vietnam unless `as_of` was given).
    pub as_of: NaiveDate,
    /// How many directives match the filters (on `as_of`).
    pub total: i64,
    pub counts: ProgressCounts,
    /// The share done on time, in percent (2 decimals): `done_on_time` out of the directives whose
    /// deadline has come or that are done (`done_on_time + done_late + overdue`); `null` when there
    /// are none.
    pub on_time_percent: Option<f64>,
}

/// Summarise directives by progress
///
/// Counts per progress bucket and the share done on time, for an organization (with
/// `descendants=true`, also the organizations below it), a meeting, meetings in a date range, and
/// on any day (`as_of`, for reports on past quarters): a directive issued at a meeting after that
/// day is left out, and one done or cancelled after it counts as still to be done on it.
#[utoipa::path(operation_id = "summarize_directives", tag = "directives",
    params(DirectiveSummaryQuery),
    responses((status = 200, description = "The counts", body = DirectiveSummary)))]
#[get("/directives/summary")]
pub async fn summarize_directives(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: StrictQuery<DirectiveSummaryQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let descendants = q.descendants.unwrap_or(false);
    if descendants && q.organization_id.is_none() {
        return Err(ApiError::bad_param("descendants", "needs organization_id"));
    }
    if let (Some(from), Some(to)) = (q.issued_from, q.issued_to) {
        if to < from {
            return Err(ApiError::bad_param(
                "issued_to",
                "must not be before issued_from",
            ));
        }
    }
    // A directive exists from the meeting that issued it: a report as of a day leaves out those
    // issued later.
    let (at, issued_to) = match q.as_of {
        Some(day) => (
            AsOf::Day(day),
            Some(q.issued_to.map_or(day, |to| to.min(day))),
        ),
        None => (AsOf::Today(state.clock.today()), q.issued_to),
    };
    let mut filter = DirectiveFilter {
        meeting_id: q.meeting_id,
        meeting_from: q.issued_from,
        meeting_to: issued_to,
        ..DirectiveFilter::default()
    };
    let organization_id = q.organization_id;
    let counts = state
        .db
        .run(move |conn| {
            filter.organization_ids = match organization_id {
                Some(id) if descendants => Some(model::organization_and_descendants(conn, id)?),
                Some(id) => Some(vec![id]),
                None => None,
            };
            Ok(model::summary(conn, &filter, at)?)
        })
        .await?;
    let decided = counts.get(Progress::DoneOnTime)
        + counts.get(Progress::DoneLate)
        + counts.get(Progress::Overdue);
    let summary = DirectiveSummary {
        as_of: at.day(),
        total: counts.total(),
        on_time_percent: (decided > 0).then(|| {
            let share = counts.get(Progress::DoneOnTime) as f64 * 100.0 / decided as f64;
            (share * 100.0).round() / 100.0
        }),
        counts: ProgressCounts {
            done_on_time: counts.get(Progress::DoneOnTime),
            done_late: counts.get(Progress::DoneLate),
            overdue: counts.get(Progress::Overdue),
            due_soon: counts.get(Progress::DueSoon),
            on_track: counts.get(Progress::OnTrack),
            no_deadline: counts.get(Progress::NoDeadline),
            cancelled: counts.get(Progress::Cancelled),
        },
    };
    json_response(&req, StatusCode::OK, &summary, Tag::Body)
}

/// A note in a directive's progress history. The history is append-only: notes are never changed
/// or removed (except with the directive itself).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 5, "directive_id": 12,
    "note": "Đã trình dự thảo quy hoạch phân khu lên Ban Thường vụ.",
    "status": "done", "author_user_id": 3, "author_name": "Ban biên tập",
    "created_at": "2021-12-20T03:00:00Z", "updated_at": "2021-12-20T03:00:00Z", "version": 1
}))]
pub struct DirectiveUpdate {
    pub id: i64,
    pub directive_id: i64,
    pub note: String,
    /// The status the directive was given with this note; `null` for a note alone.
    pub status: Option<DirectiveStatus>,
    /// The user who wrote it (from their token); `null` for anonymous readers.
    pub author_user_id: Option<i64>,
    /// Their display name when they wrote it; for signed-in readers, their username when they
    /// had no display name (anonymous readers then get `null`: login names are not public).
    pub author_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl DirectiveUpdate {
    /// The update as `caller` may see it: anonymous callers learn no login name or user id.
    fn for_caller(row: DirectiveUpdateRow, caller: &Caller) -> Self {
        let signed_in = caller.user_id().is_some();
        Self {
            id: row.id,
            directive_id: row.directive_id,
            note: row.note,
            status: row.status.as_deref().and_then(DirectiveStatus::parse),
            author_user_id: row.author_user_id.filter(|_| signed_in),
            author_name: Some(row.author_name).filter(|_| signed_in || !row.author_name_is_login),
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
            version: row.version,
        }
    }
}

/// List a directive's updates
///
/// The progress history, oldest first. 404 when the directive does not exist.
#[utoipa::path(operation_id = "list_directive_updates", tag = "directives",
    params(("id" = i64, Path, description = "The directive's id"), PagingQuery),
    responses((status = 200, description = "A page of updates", body = Page<DirectiveUpdate>)))]
#[get("/directives/{id}/updates")]
pub async fn list_directive_updates(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
    query: StrictQuery<PagingQuery>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let q = query.into_inner();
    let fields =
        FieldSelection::parse::<DirectiveUpdate>(q.fields.as_deref(), &Includes::default())?;
    let listing = Listing::new(&state.cursor_key, "directive_updates", "id");
    let page = q.page_request(&listing)?;
    let body = state
        .db
        .run(move |conn| {
            if model::find_row(conn, id)?.is_none() {
                return Err(ApiError::not_found(no_directive(id)));
            }
            let (rows, total) = model::updates(conn, id, &page)?;
            Ok(paginate(
                rows,
                &page,
                total,
                &listing,
                |r| (serde_json::Value::Null, r.id),
                |r| DirectiveUpdate::for_caller(r, &caller),
            ))
        })
        .await?;
    fields.page_response(&req, &body)
}

/// Get a directive update
///
/// One note of the history. Updates cannot be changed or deleted (405).
#[utoipa::path(operation_id = "get_directive_update", tag = "directives",
    params(("id" = i64, Path, description = "The directive's id"),
    ("update_id" = i64, Path, description = "The update's id"), FieldsQuery),
    responses((status = 200, description = "The update", body = DirectiveUpdate)))]
#[get("/directives/{id}/updates/{update_id}")]
pub async fn get_directive_update(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(i64, i64)>,
    query: StrictQuery<FieldsQuery>,
) -> ApiResult<HttpResponse> {
    let fields = FieldSelection::parse::<DirectiveUpdate>(
        query.into_inner().fields.as_deref(),
        &Includes::default(),
    )?;
    let (id, update_id) = path.into_inner();
    let update = state
        .db
        .run(move |conn| {
            model::find_update(conn, id, update_id)?
                .map(|r| DirectiveUpdate::for_caller(r, &caller))
                .ok_or_else(|| {
                    ApiError::not_found(format!("no update {update_id} of directive {id}"))
                })
        })
        .await?;
    fields.record_response(&req, &update, Tag::Version(update.version))
}

/// Add a directive update
///
/// Editor role or above. Appends a note to the history, written by the caller; with `status`, the
/// directive takes that status in the same transaction (its `version` grows by one).
#[utoipa::path(operation_id = "create_directive_update", tag = "directives",
    params(("id" = i64, Path, description = "The directive's id")),
    request_body(content = write::DirectiveUpdateBody, description = "The note", example = json!({
        "note": "Đã trình dự thảo quy hoạch phân khu lên Ban Thường vụ.",
        "status": "done"
    })),
    responses((status = 201, description = "Created", body = DirectiveUpdate)))]
#[post("/directives/{id}/updates")]
pub async fn create_directive_update(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
    key: IdempotencyKey,
    body: JsonObject,
) -> ApiResult<HttpResponse> {
    caller.require(Role::Editor)?;
    let id = path.into_inner();
    let author = caller
        .user_id()
        .ok_or_else(|| ApiError::Unauthorized("a bearer token is required".into()))?;
    let raw = serde_json::Value::Object(body.0.clone());
    let writer = writer(&state, &caller);
    let scope = format!("{author}:POST /directives/{id}/updates");
    let (created, replayed) = state
        .db
        .write(move |conn| {
            if model::find_row(conn, id)?.is_none() {
                return Err(ApiError::not_found(no_directive(id)));
            }
            let input = write::read_update(body.0)?;
            idempotency::once(conn, &scope, key.0.as_deref(), &raw, |conn| {
                let update = DirectiveUpdate::for_caller(
                    write::add_update(conn, id, input, author, writer)?,
                    &caller,
                );
                Created::at(
                    format!("/api/v1/directives/{id}/updates/{}", update.id),
                    update.version,
                    &update,
                )
            })
        })
        .await?;
    Ok(created.into_response(replayed))
}

/// Registers the routes (and their spec) of this resource. The summary comes before
/// `/directives/{id}`, which would otherwise take `summary` for an id.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(summarize_directives)
        .service(list_directives)
        .service(create_directive)
        .service(get_directive)
        .service(update_directive)
        .service(delete_directive)
        .service(list_directive_updates)
        .service(create_directive_update)
        .service(get_directive_update)
        .service(list_meeting_directives)
        .service(create_meeting_directive);
}

crate::fielded!(DirectiveUpdate);
