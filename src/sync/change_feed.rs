//! `GET /changes`: every write of every resource, deletions included, in commit order.

use actix_web::http::StatusCode;
use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::auth::Caller;
use crate::db::schema::changes;
use crate::error::{ApiError, ApiResult};
use crate::http::etag::{json_response, Tag};
use crate::http::page::{CursorPos, Listing};
use crate::http::query::StrictQuery;
use crate::resource::Resource;
use crate::sync::changes::{Action, ChangeRow};
use crate::time::utc;

const DEFAULT_LIMIT: i64 = 100;
const MAX_LIMIT: i64 = 1000;

/// One write.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"seq": 42, "resource": "articles", "id": 7, "action": "updated", "version": 3, "changed_at": "2021-11-07T20:42:00Z"}))]
pub struct Change {
    /// Position in the feed; grows with commit order.
    pub seq: i64,
    /// The collection (`articles`, `meetings`, …).
    pub resource: Resource,
    /// The record's id.
    pub id: i64,
    pub action: Action,
    /// The record's version after this write (a deleted record's last version plus one).
    pub version: i64,
    pub changed_at: DateTime<Utc>,
}

/// Where a feed page ends.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedPage {
    pub limit: i64,
    /// Pass as `since` to continue; always present, so a client can poll from it.
    pub next_cursor: String,
    /// True when more changes are ready now; false when the client has caught up.
    pub has_more: bool,
}

/// A page of the change feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangesPage {
    pub data: Vec<Change>,
    pub page: FeedPage,
}

/// Query parameters of `GET /changes`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ChangesQuery {
    /// A `next_cursor` from an earlier page; `now` to start from the present; absent to start from
    /// the very first change.
    pub since: Option<String>,
    /// Changes per page.
    #[param(minimum = 1, maximum = 1000, default = 100)]
    pub limit: Option<i64>,
    /// Only these collections, comma-separated (`articles,meetings`).
    #[param(example = "articles,meetings")]
    pub resources: Option<String>,
}

/// The change feed
///
/// Every create, update and delete of every resource, in commit order, each exactly once: follow
/// `next_cursor` from the start (or from `since=now`) to mirror everything with no gaps and no
/// duplicates. Anonymous callers see changes to public records only; viewers and above also see
/// changes to drafts. A deleted record appears with `action: deleted` and then reads as 404.
#[utoipa::path(operation_id = "list_changes", tag = "sync", params(ChangesQuery),
    responses((status = 200, description = "A page of changes", body = ChangesPage)))]
#[get("/changes")]
pub async fn list_changes(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    query: StrictQuery<ChangesQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::bad_param(
            "limit",
            format!("must be between 1 and {MAX_LIMIT}"),
        ));
    }
    let resources: Option<Vec<&'static str>> = match q.resources.as_deref() {
        None => None,
        Some(raw) => {
            let mut list = Vec::new();
            for name in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                let resource = Resource::parse(name).ok_or_else(|| {
                    ApiError::bad_param(
                        "resources",
                        format!("`{name}` is not one of: {}", Resource::names()),
                    )
                })?;
                list.push(resource.as_str());
            }
            Some(list)
        }
    };
    let listing = Listing::new(&state.cursor_key, "changes", "seq");
    let since = q.since.clone();
    let public_only = !caller.sees_unpublished();
    let key = state.cursor_key.clone();
    let body = state
        .db
        .run(move |conn| {
            let after = match since.as_deref() {
                None | Some("") => 0,
                Some("now") => changes::table
                    .select(diesel::dsl::max(changes::seq))
                    .first::<Option<i64>>(conn)?
                    .unwrap_or(0),
                Some(raw) => {
                    let pos = CursorPos::decode(raw, &key, "changes", "seq").map_err(|_| {
                        ApiError::bad_param("since", "is not a cursor this feed issued (or `now`)")
                    })?;
                    pos.id
                }
            };
            let mut query = changes::table.filter(changes::seq.gt(after)).into_boxed();
            if public_only {
                query = query.filter(changes::public.eq(true));
            }
            if let Some(list) = &resources {
                query = query.filter(changes::resource.eq_any(list.clone()));
            }
            let mut rows: Vec<ChangeRow> = query
                .order(changes::seq)
                .limit(limit + 1)
                .select(ChangeRow::as_select())
                .load(conn)?;
            let has_more = rows.len() as i64 > limit;
            rows.truncate(limit as usize);
            let last = rows.last().map(|r| r.seq).unwrap_or(after);
            let next_cursor = listing.cursor_at(serde_json::Value::Null, last);
            let data = rows
                .into_iter()
                .map(|row| {
                    let ChangeRow {
                        seq,
                        resource,
                        resource_id: id,
                        action,
                        version,
                        changed_at: at,
                    } = row;
                    Ok(Change {
                        seq,
                        resource: Resource::parse(&resource).ok_or_else(|| {
                            ApiError::internal(format!(
                                "change {seq} names no resource: {resource}"
                            ))
                        })?,
                        id,
                        action: Action::parse(&action).ok_or_else(|| {
                            ApiError::internal(format!("change {seq} has no action: {action}"))
                        })?,
                        version,
                        changed_at: utc(at),
                    })
                })
                .collect::<ApiResult<Vec<Change>>>()?;
            Ok(ChangesPage {
                data,
                page: FeedPage {
                    limit,
                    next_cursor,
                    has_more,
                },
            })
        })
        .await?;
    json_response(&req, StatusCode::OK, &body, Tag::Body)
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_changes);
}
