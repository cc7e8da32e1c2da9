//! Attendees over HTTP: nested under a meeting and as one flat list.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};

use super::model::{self, AttendeeFilter, AttendeeRole};
use super::write;
use crate::app::AppState;
use crate::auth::{Caller, Role};
use crate::db::DbConnection;
use crate::error::{ApiError, ApiResult};
use crate::http::etag::Tag;
use crate::http::fields::{FieldSelection, FieldsQuery};
use crate::http::idempotency::{Created, IdempotencyKey};
use crate::http::include::Includes;
use crate::http::page::{Listing, Page, PagedList};
use crate::http::query::StrictQuery;
use crate::http::write::{JsonObject, Mode};

pub use super::embed::*;

crate::list_query! {
    /// Query parameters of `GET /attendees`.
    pub struct ListAttendeesQuery {
        pub meeting_id: Option<i64>,
        pub person_id: Option<i64>,
        #[param(inline)]
        pub role: Option<AttendeeRole>,
        /// The body represented.
        pub organization_id: Option<i64>,
        /// Only attendees changed at or after this RFC 3339 time.
        pub updated_since: Option<DateTime<Utc>>,
        /// Related records to embed: `person`.
        pub include: Option<String>,
    }
}

crate::list_query! {
    /// Query parameters of `GET /meetings/{id}/attendees`.
    pub struct ListMeetingAttendeesQuery {
        #[param(inline)]
        pub role: Option<AttendeeRole>,
        /// Related records to embed: `person`.
        pub include: Option<String>,
    }
}

async fn list(
    req: &HttpRequest,
    state: &AppState,
    filter: AttendeeFilter,
    (query, include): (&impl PagedList, Option<&str>),
    list_name: &'static str,
) -> ApiResult<HttpResponse> {
    let includes = Includes::parse(include, INCLUDES)?;
    let fields = FieldSelection::parse::<Attendee>(query.fields(), &includes)?;
    let listing = Listing::new(&state.cursor_key, list_name, "id");
    let page = query.page_request(&listing)?;
    let body = state
        .db
        .run(move |conn| {
            if let Some(meeting_id) = filter
                .meeting_id
                .filter(|_| list_name == "meeting_attendees")
            {
                crate::meetings::model::find(conn, meeting_id)?
                    .ok_or_else(|| crate::meetings::embed::not_found(meeting_id))?;
            }
            let (rows, total) = model::list(conn, &filter, &page)?;
            let (rows, next) = page.take_page(rows, &listing, |r| (serde_json::Value::Null, r.id));
            let data = if includes.has("person") {
                with_people(conn, rows)?
            } else {
                rows.into_iter().map(Attendee::from).collect()
            };
            Ok(page.page(data, total, next))
        })
        .await?;
    fields.page_response(req, &body)
}

/// List attendees
///
/// Across all meetings, in the order they were recorded.
#[utoipa::path(operation_id = "list_attendees", tag = "attendees", params(ListAttendeesQuery),
    responses((status = 200, description = "A page of attendees", body = Page<Attendee>)))]
#[get("/attendees")]
pub async fn list_attendees(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: StrictQuery<ListAttendeesQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let filter = AttendeeFilter {
        meeting_id: q.meeting_id,
        person_id: q.person_id,
        role: q.role.map(AttendeeRole::as_str),
        organization_id: q.organization_id,
        updated_since: q.updated_since.map(|t| t.naive_utc()),
    };
    let asked = (&q, q.include.as_deref());
    list(&req, &state, filter, asked, "attendees").await
}

/// List a meeting's attendees
///
/// In the order they were recorded; 404 when the meeting does not exist.
#[utoipa::path(operation_id = "list_meeting_attendees", tag = "attendees",
    params(("id" = i64, Path, description = "The meeting's id"), ListMeetingAttendeesQuery),
    responses((status = 200, description = "A page of the meeting's attendees", body = Page<Attendee>)))]
#[get("/meetings/{id}/attendees")]
pub async fn list_meeting_attendees(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    query: StrictQuery<ListMeetingAttendeesQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let filter = AttendeeFilter {
        meeting_id: Some(path.into_inner()),
        role: q.role.map(AttendeeRole::as_str),
        ..AttendeeFilter::default()
    };
    let asked = (&q, q.include.as_deref());
    list(&req, &state, filter, asked, "meeting_attendees").await
}

/// Get an attendee
///
/// With the person embedded.
#[utoipa::path(operation_id = "get_attendee", tag = "attendees",
    params(("id" = i64, Path, description = "The attendee's id"), FieldsQuery),
    responses((status = 200, description = "The attendee, with their person", body = Attendee)))]
#[get("/attendees/{id}")]
pub async fn get_attendee(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    query: StrictQuery<FieldsQuery>,
) -> ApiResult<HttpResponse> {
    // The person is always embedded here.
    let includes = Includes::parse(Some("person"), INCLUDES)?;
    let fields =
        FieldSelection::parse::<Attendee>(query.into_inner().fields.as_deref(), &includes)?;
    let id = path.into_inner();
    let attendee = state
        .db
        .run(move |conn| {
            let row = model::find(conn, id)?.ok_or_else(|| not_found(id))?;
            with_people(conn, vec![row])?
                .pop()
                .ok_or_else(|| not_found(id))
        })
        .await?;
    fields.record_response(&req, &attendee, Tag::Body)
}

fn not_found(id: i64) -> ApiError {
    ApiError::not_found(format!("no attendee {id}"))
}

fn create(
    conn: &mut DbConnection,
    meeting_id: i64,
    input: write::AttendeeBody,
) -> ApiResult<Created> {
    let row = write::create(conn, meeting_id, input)?;
    let attendee = with_people(conn, vec![row])?
        .pop()
        .ok_or_else(|| ApiError::internal("attendee vanished"))?;
    Created::at(
        format!("/api/v1/attendees/{}", attendee.id),
        attendee.version,
        &attendee,
    )
}

crate::create_handler!(
    /// Add an attendee
    ///
    /// Editor role or above. One person attends a meeting at most once (409). Role `chair` also sets
    /// the meeting's `chair_person_id`, and the previous chair becomes an `attendee`.
    create_attendee, "/attendees", tag = "attendees", body = write::AttendeeBody,
    example = {"meeting_id": 2, "person_id": 3, "role": "chair", "title_at_meeting": "Bí thư Thành ủy"},
    response = Attendee, conflict = "The person already attends this meeting",
    read = |b| write::read(JsonObject(b), Mode::Create, false),
    write = |conn, input| {
        let meeting_id = input.meeting_id.as_set().copied().unwrap_or_default();
        create(conn, meeting_id, input)
    },
);

/// Add an attendee to a meeting
///
/// As `POST /attendees`, with the meeting from the path.
#[utoipa::path(operation_id = "create_meeting_attendee", tag = "attendees",
    params(("id" = i64, Path, description = "The meeting's id")),
    request_body(content = write::AttendeeBody, example = json!({"person_id": 3, "role": "speaker", "title_at_meeting": "Phó Bí thư Thành ủy, Chủ tịch UBND thành phố"})),
    responses((status = 201, description = "Created", body = Attendee),
        (status = 409, description = "The person already attends this meeting", body = crate::error::Problem, content_type = "application/problem+json")))]
#[post("/meetings/{id}/attendees")]
pub async fn create_meeting_attendee(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    path: web::Path<i64>,
    body: JsonObject,
) -> ApiResult<HttpResponse> {
    let meeting_id = path.into_inner();
    let route = format!("/meetings/{meeting_id}/attendees");
    crate::http::write::create(
        &state,
        &caller,
        Role::Editor,
        key,
        &route,
        body,
        |b| write::read(JsonObject(b), Mode::Create, true),
        move |conn, input| {
            crate::meetings::model::find(conn, meeting_id)?
                .ok_or_else(|| crate::meetings::embed::not_found(meeting_id))?;
            create(conn, meeting_id, input)
        },
    )
    .await
}

crate::update_handler!(
    /// Change an attendee
    ///
    /// Editor role or above: role, title at the meeting, organization represented. Making someone
    /// `chair` moves the meeting's chair to them; taking `chair` away leaves the meeting without one.
    update_attendee, "/attendees/{id}", tag = "attendees", id = "The attendee's id",
    body = write::AttendeeBody,
    example = {"role": "speaker"},
    response = Attendee, "The changed attendee",
    read = |body| write::read(body, Mode::Patch, false),
    write = |conn, id, if_match, input| {
        let row = write::update(conn, id, if_match, input)?;
        with_people(conn, vec![row])?
            .pop()
            .ok_or_else(|| not_found(id))
    },
    etag = |_| Tag::Body,
);

crate::delete_handler!(
    /// Remove an attendee
    ///
    /// Editor role or above. Removing the chair leaves the meeting without one.
    delete_attendee, "/attendees/{id}", tag = "attendees", id = "The attendee's id"
);

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_attendees)
        .service(create_attendee)
        .service(get_attendee)
        .service(update_attendee)
        .service(delete_attendee)
        .service(list_meeting_attendees)
        .service(create_meeting_attendee);
}
