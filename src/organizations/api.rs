//! The organizations resource over HTTP.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};

use super::model::{self, OrgFilter, OrgKind, OrgLevel, OrgSort};
use super::write;
use crate::app::AppState;
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
    /// Query parameters of `GET /organizations`.
    pub struct ListOrganizationsQuery {
        sort: OrgSort => "Order of the list. Default `name`, or best match first with `q`.",
        q => "Full-text search in the name and short name, ignoring case and Vietnamese diacritics (`đ` as `d`): every word must match, `\"a phrase\"` matches as a phrase, `-word` excludes. Without `sort`, best match first: name matches, then the rest.",
        example = "dang uy tuan chau",
        #[param(inline)]
        pub kind: Option<OrgKind>,
        #[param(inline)]
        pub level: Option<OrgLevel>,
        /// Only direct sub-organizations of this one.
        pub parent_id: Option<i64>,
        /// Only bodies that existed on this day (by `valid_from`/`valid_to`).
        #[param(example = "2025-07-01")]
        pub active_on: Option<NaiveDate>,
        /// Only organizations changed at or after this RFC 3339 time.
        pub updated_since: Option<DateTime<Utc>>,
        /// Related records to embed: `children`.
        pub include: Option<String>,
    }
}

crate::read_query! {
    /// Query parameters of `GET /organizations/{id}`.
    pub struct GetOrganizationQuery {
        include => "Related records to embed: `children`.",
    }
}

/// List organizations
///
/// By name by default; best match first with `q`. Filter by kind, level, parent, name (`q`) and
/// the day they existed.
#[utoipa::path(operation_id = "list_organizations", tag = "organizations", params(ListOrganizationsQuery),
    responses((status = 200, description = "A page of organizations", body = Page<Organization>)))]
#[get("/organizations")]
pub async fn list_organizations(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: StrictQuery<ListOrganizationsQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let sort = q.sort.unwrap_or_default();
    let (plan, search) = ListPlan::new(&state, Resource::Organizations, &q, sort.key())?;
    let includes = Includes::parse(q.include.as_deref(), INCLUDES)?;
    let fields = FieldSelection::parse::<Organization>(q.fields.as_deref(), &includes)?;
    let filter = OrgFilter {
        kind: q.kind.map(OrgKind::as_str),
        level: q.level.map(OrgLevel::as_str),
        parent_id: q.parent_id,
        active_on: q.active_on,
        updated_since: q.updated_since.map(|t| t.naive_utc()),
        search,
    };
    let rows = ListRows(model::find_many, model::list);
    let finish = move |conn: &mut _, rows: Vec<_>| {
        let mut data: Vec<_> = rows.into_iter().map(Organization::from).collect();
        if includes.has("children") {
            embed_children(conn, &mut data)?;
        }
        Ok(data)
    };
    plan.answer((&req, &state), fields, (filter, sort), rows, finish)
        .await
}

/// Get an organization
///
/// With `include=children` to embed its direct sub-organizations.
#[utoipa::path(operation_id = "get_organization", tag = "organizations",
    params(("id" = i64, Path, description = "The organization's id"), GetOrganizationQuery),
    responses((status = 200, description = "The organization", body = Organization)))]
#[get("/organizations/{id}")]
pub async fn get_organization(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    query: StrictQuery<GetOrganizationQuery>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let q = query.into_inner();
    let read = move |conn: &mut _, includes: &Includes| {
        let row = model::find(conn, id)?.ok_or_else(|| not_found(id))?;
        let mut org = Organization::from(row);
        if includes.has("children") {
            embed_children(conn, std::slice::from_mut(&mut org))?;
        }
        Ok(org)
    };
    let selection = q.selection::<Organization>(INCLUDES)?;
    answer_record((&req, &state.db), selection, read, |o| o.version).await
}

fn not_found(id: i64) -> ApiError {
    ApiError::not_found(format!("no organization {id}"))
}

fn to_created(org: Organization) -> ApiResult<Created> {
    Created::at(
        format!("/api/v1/organizations/{}", org.id),
        org.version,
        &org,
    )
}

crate::create_handler!(
    /// Create an organization
    ///
    /// Editor role or above.
    create_organization, "/organizations", tag = "organizations", body = write::OrganizationBody,
    example = {"name": "Đảng ủy phường Tuần Châu", "kind": "party_committee", "level": "commune", "parent_id": 1},
    response = Organization,
    read = |b| write::read(JsonObject(b), Mode::Create),
    write = |conn, input| to_created(write::create(conn, input)?.into()),
);

crate::update_handler!(
    /// Change an organization
    ///
    /// Editor role or above. A JSON merge patch; `If-Match` with the version read avoids lost updates.
    update_organization, "/organizations/{id}", tag = "organizations", id = "The organization's id",
    body = write::OrganizationBody,
    example = {"valid_to": "2025-06-30", "successor_id": 40},
    response = Organization, "The changed organization",
    read = |body| write::read(body, Mode::Patch),
    write = |conn, id, if_match, input| {
        Ok(Organization::from(write::update(
            conn, id, if_match, input,
        )?))
    },
    etag = |org| Tag::Version(org.version),
);

crate::delete_handler!(
    /// Delete an organization
    ///
    /// Editor role or above. Refused with 409, naming what still uses it, while meetings, people,
    /// attendees, directives, targets or other organizations point to it.
    delete_organization, "/organizations/{id}", tag = "organizations", id = "The organization's id",
    conflict = "Still in use"
);

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_organizations)
        .service(create_organization)
        .service(get_organization)
        .service(update_organization)
        .service(delete_organization);
}
