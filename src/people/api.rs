//! The people resource over HTTP.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};

use super::model::{self, PersonFilter, PersonSort};
use super::write;
use crate::app::AppState;
use crate::articles::embed::visible_statuses;
use crate::auth::Caller;
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
    /// Query parameters of `GET /people`.
    pub struct ListPeopleQuery {
        sort: PersonSort => "Order of the list. Default `full_name`, or best match first with `q`.",
        q => "Full-text search in the full name and current title, ignoring case and Vietnamese diacritics (`đ` as `d`): every word must match, `\"a phrase\"` matches as a phrase, `-word` excludes. Without `sort`, best match first: name matches, then the rest.",
        example = "vu van dien",
        /// Only people of this organization.
        pub organization_id: Option<i64>,
        /// Only people changed at or after this RFC 3339 time.
        pub updated_since: Option<DateTime<Utc>>,
    }
}

crate::read_query! {
    /// Query parameters of `GET /people/{id}`.
    pub struct GetPersonQuery {
        include => "Related records to embed: `meetings` (each with the role and title held there).",
    }
}

/// List people
///
/// By full name by default; `q` searches names and titles ignoring case and diacritics, best
/// match first.
#[utoipa::path(operation_id = "list_people", tag = "people", params(ListPeopleQuery),
    responses((status = 200, description = "A page of people", body = Page<Person>)))]
#[get("/people")]
pub async fn list_people(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: StrictQuery<ListPeopleQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let fields = FieldSelection::parse::<Person>(q.fields.as_deref(), &Includes::default())?;
    let sort = q.sort.unwrap_or_default();
    let (plan, search) = ListPlan::new(&state, Resource::People, &q, sort.key())?;
    let filter = PersonFilter {
        organization_id: q.organization_id,
        updated_since: q.updated_since.map(|t| t.naive_utc()),
        search,
    };
    let rows = ListRows(model::find_many, model::list);
    let finish = |_: &mut _, rows: Vec<_>| Ok(rows.into_iter().map(Person::from).collect());
    plan.answer((&req, &state), fields, (filter, sort), rows, finish)
        .await
}

/// Get a person
///
/// With `include=meetings`, every meeting they attended with the role and the title held there.
#[utoipa::path(operation_id = "get_person", tag = "people",
    params(("id" = i64, Path, description = "The person's id"), GetPersonQuery),
    responses((status = 200, description = "The person", body = Person)))]
#[get("/people/{id}")]
pub async fn get_person(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
    query: StrictQuery<GetPersonQuery>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let q = query.into_inner();
    let visible = visible_statuses(&caller);
    let read = move |conn: &mut _, includes: &Includes| {
        let row = model::find(conn, id)?.ok_or_else(|| not_found(id))?;
        let mut person = Person::from(row);
        if includes.has("meetings") {
            let rows = crate::attendees::model::of_person(conn, id)?;
            let meeting_ids: Vec<i64> = rows.iter().map(|a| a.meeting_id).collect();
            let mut meetings =
                crate::meetings::embed::load_meetings(conn, &meeting_ids, visible.as_deref())?;
            let mut list: Vec<Attendance> = rows
                .into_iter()
                .filter_map(|a| {
                    Some(Attendance {
                        attendee_id: a.id,
                        role: a.role,
                        title_at_meeting: a.title_at_meeting,
                        organization_id: a.organization_id,
                        meeting: meetings.remove(&a.meeting_id)?,
                    })
                })
                .collect();
            list.sort_by(|a, b| {
                b.meeting
                    .date
                    .cmp(&a.meeting.date)
                    .then(b.meeting.id.cmp(&a.meeting.id))
            });
            person.meetings = Some(list);
        }
        Ok(person)
    };
    let selection = q.selection::<Person>(INCLUDES)?;
    answer_record((&req, &state.db), selection, read, |p| p.version).await
}

fn not_found(id: i64) -> ApiError {
    ApiError::not_found(format!("no person {id}"))
}

crate::create_handler!(
    /// Create a person
    ///
    /// Editor role or above.
    create_person, "/people", tag = "people", body = write::PersonBody,
    example = {"full_name": "Vũ Văn Diện", "current_title": "Bí thư Thành ủy", "organization_id": 5},
    response = Person,
    read = |b| write::read(JsonObject(b), Mode::Create),
    write = |conn, input| {
        let person = Person::from(write::create(conn, input)?);
        Created::at(format!("/api/v1/people/{}", person.id), person.version, &person)
    },
);

crate::update_handler!(
    /// Change a person
    ///
    /// Editor role or above. A JSON merge patch.
    update_person, "/people/{id}", tag = "people", id = "The person's id", body = write::PersonBody,
    example = {"current_title": "Ủy viên BTV Tỉnh ủy"},
    response = Person, "The changed person",
    read = |body| write::read(body, Mode::Patch),
    write = |conn, id, if_match, input| Ok(Person::from(write::update(conn, id, if_match, input)?)),
    etag = |person| Tag::Version(person.version),
);

crate::delete_handler!(
    /// Delete a person
    ///
    /// Editor role or above. Refused with 409 while they attend meetings, chair one, or issued
    /// directives.
    delete_person, "/people/{id}", tag = "people", id = "The person's id", conflict = "Still in use"
);

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_people)
        .service(create_person)
        .service(get_person)
        .service(update_person)
        .service(delete_person);
}
