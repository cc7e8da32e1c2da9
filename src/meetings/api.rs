//! The meetings resource over HTTP.

use chrono::{DateTime, NaiveDate, Utc};

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};

use super::model::{self, MeetingFilter, MeetingKind, MeetingSort, MeetingStatus, OrgRole};
use super::write;
use crate::app::AppState;
use crate::articles::embed::visible_statuses;
use crate::auth::Caller;
use crate::db::DbConnection;
use crate::error::{ApiError, ApiResult};
use crate::http::etag::Tag;
use crate::http::fields::{answer_record, FieldSelection};
use crate::http::idempotency::Created;
use crate::http::include::Includes;
use crate::http::page::Page;
use crate::http::query::StrictQuery;
use crate::http::write::{JsonObject, Mode};
use crate::search::{ListPlan, ListRows, Resource};

pub use super::embed::*;

crate::list_query! {
    /// Query parameters of `GET /meetings`.
    pub struct ListMeetingsQuery {
        sort: MeetingSort => "Order of the list. Default `-date` (latest first), or best match first with `q`.",
        q => "Full-text search in the title, topic, summary and period, ignoring case and Vietnamese diacritics (`đ` as `d`): every word must match, `\"a phrase\"` matches as a phrase, `-word` excludes. Without `sort`, best match first: title matches, then the rest, each latest first.",
        example = "tuan chau",
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
}

crate::read_query! {
    /// Query parameters of `GET /meetings/{id}`.
    pub struct GetMeetingQuery {
        include => "Related records to embed, comma-separated: `attendees`, `directives`, `targets`, `articles`, `organizations`."; example = "attendees,organizations",
    }
}

/// List meetings
///
/// Latest first by default; best match first with `q`. Embeds stay cheap: a page costs the same number of queries whatever it
/// holds.
#[utoipa::path(operation_id = "list_meetings", tag = "meetings", params(ListMeetingsQuery),
    responses((status = 200, description = "A page of meetings", body = Page<Meeting>)))]
#[get("/meetings")]
pub async fn list_meetings(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    query: StrictQuery<ListMeetingsQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let includes = Includes::parse(q.include.as_deref(), INCLUDES)?;
    let fields = FieldSelection::parse::<Meeting>(q.fields.as_deref(), &includes)?;
    if q.org_role.is_some() && q.organization_id.is_none() {
        return Err(ApiError::bad_param("org_role", "needs organization_id"));
    }
    let sort = q.sort.unwrap_or_default();
    let (plan, search) = ListPlan::new(&state, Resource::Meetings, &q, sort.key())?;
    let filter = MeetingFilter {
        organization_id: q.organization_id,
        org_role: q.org_role,
        person_id: q.person_id,
        date_from: q.date_from,
        date_to: q.date_to,
        status: q.status,
        kind: q.kind,
        updated_since: q.updated_since.map(|t| t.naive_utc()),
        search,
    };
    let visible = visible_statuses(&caller);
    let today = state.clock.today();
    let site = state.site.clone();
    let rows = ListRows(model::find_by_ids, model::list);
    let finish = move |conn: &mut _, rows| {
        let mut dtos = to_dtos(conn, rows, visible.as_deref())?;
        embed(conn, &mut dtos, &includes, (today, &site))?;
        Ok(dtos)
    };
    plan.answer((&req, &state), fields, (filter, sort), rows, finish)
        .await
}

/// Get a meeting
///
/// With `include=attendees,directives,targets,articles,organizations` to embed what it points to.
#[utoipa::path(operation_id = "get_meeting", tag = "meetings",
    params(("id" = i64, Path, description = "The meeting's id"), GetMeetingQuery),
    responses((status = 200, description = "The meeting", body = Meeting)))]
#[get("/meetings/{id}")]
pub async fn get_meeting(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
    query: StrictQuery<GetMeetingQuery>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let q = query.into_inner();
    let visible = visible_statuses(&caller);
    let today = state.clock.today();
    let site = state.site.clone();
    let read = move |conn: &mut _, includes: &Includes| {
        let row = model::find(conn, id)?.ok_or_else(|| not_found(id))?;
        let mut dtos = to_dtos(conn, vec![row], visible.as_deref())?;
        embed(conn, &mut dtos, includes, (today, &site))?;
        dtos.pop().ok_or_else(|| not_found(id))
    };
    let selection = q.selection::<Meeting>(INCLUDES)?;
    answer_record((&req, &state.db), selection, read, |m| m.version).await
}

fn load_one(conn: &mut DbConnection, id: i64) -> ApiResult<Meeting> {
    let row = model::find(conn, id)?.ok_or_else(|| not_found(id))?;
    to_dtos(conn, vec![row], None)?
        .pop()
        .ok_or_else(|| not_found(id))
}

crate::create_handler!(
    /// Create a meeting
    ///
    /// Editor role or above. A chair named in `chair_person_id` is also recorded as an attendee with
    /// role `chair`.
    create_meeting, "/meetings", tag = "meetings", body = write::MeetingBody,
    example = {
        "title": "Ban Thường vụ Thành ủy làm việc với Đảng ủy phường Tuần Châu",
        "kind": "working_session", "date": "2021-11-08",
        "host_organization_ids": [5], "counterpart_organization_ids": [6], "chair_person_id": 3,
        "period_label": "10 tháng đầu năm 2021", "status": "held"
    },
    response = Meeting,
    read = |b| write::read(JsonObject(b), Mode::Create),
    write = |conn, input| {
        let id = write::create(conn, input)?.id;
        let meeting = load_one(conn, id)?;
        Created::at(format!("/api/v1/meetings/{id}"), meeting.version, &meeting)
    },
);

crate::update_handler!(
    /// Change a meeting
    ///
    /// Editor role or above. A JSON merge patch; the organization lists are replaced whole. Changing
    /// `chair_person_id` moves the `chair` role among the attendees to match.
    update_meeting, "/meetings/{id}", tag = "meetings", id = "The meeting's id",
    body = write::MeetingBody,
    example = {"status": "held", "summary": null},
    response = Meeting, "The changed meeting",
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
    delete_meeting, "/meetings/{id}", tag = "meetings", id = "The meeting's id",
    conflict = "Still in use"
);

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_meetings)
        .service(create_meeting)
        .service(get_meeting)
        .service(update_meeting)
        .service(delete_meeting);
}
