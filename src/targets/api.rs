//! The targets resource over HTTP: `/targets` and the summary.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::{self, TargetFilter, TargetSort, TargetStatus};
use super::write;
use crate::app::AppState;
use crate::error::ApiResult;
use crate::http::etag::Tag;
use crate::http::idempotency::Created;
use crate::http::page::{paginate, KeysetPlan, Listing, Page, PageInfo, PageRequest};
use crate::http::query::StrictQuery;
use crate::http::write::Mode;

pub use super::embed::*;

crate::list_query! {
    /// Query parameters of `GET /targets`.
    pub struct ListTargetsQuery {
        /// Order of the list: `-period` (the default: latest period first) or `period`, by
        /// `period_end`; `-percent` (highest percent of plan first) or `percent`. Targets without the
        /// value come last either way.
        #[param(inline)]
        pub sort: Option<TargetSort>,
        /// Only this organization's targets.
        pub organization_id: Option<i64>,
        /// Only targets reported at this meeting.
        pub meeting_id: Option<i64>,
        /// Only targets of this period (exact label).
        #[param(example = "năm 2021")]
        pub period_label: Option<String>,
        /// Words in the indicator, ignoring case and Vietnamese diacritics (`đ` read as `d`); all
        /// must occur; a "quoted phrase" must occur as written.
        #[param(example = "ho ngheo")]
        pub q: Option<String>,
        /// Only targets with this status (see `Target` for the rule).
        #[param(inline)]
        pub status: Option<TargetStatus>,
        /// Only targets changed at or after this RFC 3339 time.
        #[param(example = "2021-11-07T20:42:00Z")]
        pub updated_since: Option<DateTime<Utc>>,
    }
}

/// List targets
///
/// Latest period first by default; also by percent of plan. Filter by organization, meeting,
/// period, status, and words of the indicator (`q`).
#[utoipa::path(operation_id = "list_targets", tag = "targets",
    params(ListTargetsQuery),
    responses((status = 200, description = "A page of targets", body = Page<Target>)))]
#[get("/targets")]
pub async fn list_targets(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: StrictQuery<ListTargetsQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let sort = q.sort.unwrap_or_default();
    let plan = KeysetPlan::new::<Target>(&state.cursor_key, ("targets", sort.key()), &q)?;
    let filter = TargetFilter {
        organization_id: q.organization_id,
        meeting_id: q.meeting_id,
        period_label: q.period_label,
        terms: q
            .q
            .as_deref()
            .map(crate::text::search_terms)
            .unwrap_or_default(),
        status: q.status,
        updated_since: q.updated_since.map(|t| t.naive_utc()),
    };
    let finish = |_: &mut _, rows: Vec<_>| Ok(rows.into_iter().map(Target::from).collect());
    let to = (&req, &state.db);
    plan.answer(to, (filter, sort), model::list, finish).await
}

crate::get_handler!(
    /// Get a target
    ///
    /// With its computed percent of plan and status.
    get_target, "/targets/{id}", tag = "targets", id = "The target's id", response = Target,
    "The target",
    read = |conn, id| load_one(conn, id),
    etag = |target: &Target| Tag::Version(target.version),
);

crate::create_handler!(
    /// Create a target
    ///
    /// Editor role or above. The organization and the meeting must exist; a plan of 0 or less beside
    /// an actual, or a period that ends before it starts, is a 422 naming the field.
    create_target, "/targets", tag = "targets", body = write::TargetBody,
    described = "The new target",
    example = {
        "organization_id": 14,
        "meeting_id": 3,
        "indicator": "Tỷ lệ hộ nghèo",
        "unit": "%",
        "period_label": "năm 2021",
        "plan_value": 1.0,
        "actual_value": 0.24,
        "direction": "lower_is_better"
    },
    response = Target,
    given now = |state| state.clock.now(),
    read = |b| write::read(b, Mode::Create),
    write = |conn, input| {
        let id = write::create(conn, input, now)?;
        let target = load_one(conn, id)?;
        Created::at(format!("/api/v1/targets/{id}"), target.version, &target)
    },
);

crate::update_handler!(
    /// Change a target
    ///
    /// Editor role or above. A JSON merge patch (RFC 7396): absent fields are kept, `null` clears a
    /// nullable field. The figures are checked together after the patch is applied.
    update_target, "/targets/{id}", tag = "targets", id = "The target's id",
    body = write::TargetBody,
    example = {"actual_value": 12.0, "as_of": "2021-12-31"},
    response = Target, "The changed target",
    given now = |state, _caller| state.clock.now(),
    read = |body| write::read(body.0, Mode::Patch),
    write = |conn, id, if_match, input| {
        write::update(conn, id, if_match, input, now)?;
        load_one(conn, id)
    },
    etag = |target| Tag::Version(target.version),
);

crate::delete_handler!(
    /// Delete a target
    ///
    /// Editor role or above. It then reads as 404; the change feed keeps a `deleted` entry.
    delete_target, "/targets/{id}", tag = "targets", id = "The target's id"
);

/// Query parameters of `GET /targets/summary`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TargetSummaryQuery {
    /// Page size (groups per page).
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<u32>,
    /// The `page.next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Only this organization's targets.
    pub organization_id: Option<i64>,
    /// Only targets reported at this meeting.
    pub meeting_id: Option<i64>,
    /// Only this period (exact label).
    #[param(example = "năm 2021")]
    pub period_label: Option<String>,
}

/// How one organization's targets for one period stand.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "organization_id": 14, "period_label": "năm 2021", "total": 14,
    "exceeded": 5, "met": 7, "not_met": 2, "unknown": 0, "met_or_exceeded": 12
}))]
pub struct TargetSummary {
    pub organization_id: i64,
    pub period_label: String,
    /// How many targets the organization has for the period.
    pub total: i64,
    pub exceeded: i64,
    pub met: i64,
    pub not_met: i64,
    pub unknown: i64,
    /// `met + exceeded`: the "12/14 chỉ tiêu đạt và vượt" figure, out of `total`.
    pub met_or_exceeded: i64,
}

/// A page of the target summary.
#[derive(Debug, Serialize, ToSchema)]
pub struct TargetSummaryPage {
    /// One entry per organization and period, by organization id then period label.
    pub data: Vec<TargetSummary>,
    pub page: PageInfo,
}

/// Summarise targets by status
///
/// Per organization and period, how many targets were exceeded, met, not met or unknown. Ordered
/// by organization id, then period label.
#[utoipa::path(operation_id = "summarize_targets", tag = "targets",
    params(TargetSummaryQuery),
    responses((status = 200, description = "A page of counts per organization and period", body = TargetSummaryPage,
    headers(("ETag" = String), ("Link" = String, description = "`<…>; rel=\"next\"` when another page follows")))))]
#[get("/targets/summary")]
pub async fn summarize_targets(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: StrictQuery<TargetSummaryQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let listing = Listing::new(
        &state.cursor_key,
        "target_summary",
        "organization_id,period_label",
    );
    let page = PageRequest::new(q.limit, q.cursor.as_deref(), None, &listing)?;
    let filter = TargetFilter {
        organization_id: q.organization_id,
        meeting_id: q.meeting_id,
        period_label: q.period_label,
        ..TargetFilter::default()
    };
    let body = state
        .db
        .run(move |conn| {
            let rows = model::summary(conn, &filter, &page)?;
            let Page { data, page } = paginate(
                rows,
                &page,
                None,
                &listing,
                |r| (serde_json::json!(r.period_label), r.organization_id),
                |r| {
                    let n = |s| r.counts.get(&s).copied().unwrap_or_default();
                    TargetSummary {
                        organization_id: r.organization_id,
                        total: r.total,
                        exceeded: n(TargetStatus::Exceeded),
                        met: n(TargetStatus::Met),
                        not_met: n(TargetStatus::NotMet),
                        unknown: n(TargetStatus::Unknown),
                        met_or_exceeded: n(TargetStatus::Exceeded) + n(TargetStatus::Met),
                        period_label: r.period_label,
                    }
                },
            );
            Ok(TargetSummaryPage { data, page })
        })
        .await?;
    crate::http::page::page_response(&req, &body, body.page.next_cursor.as_deref())
}

/// Registers the routes (and their spec) of this resource. The summary comes before
/// `/targets/{id}`, which would otherwise take `summary` for an id.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(summarize_targets)
        .service(list_targets)
        .service(create_target)
        .service(get_target)
        .service(update_target)
        .service(delete_target);
}
