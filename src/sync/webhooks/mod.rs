//! Webhooks (`/webhooks`, admin only): subscribers that receive every change of the feed as a
//! signed POST. See [`worker`] for how deliveries are made.

pub mod guard;
pub mod model;
pub mod sign;
pub mod worker;

use std::collections::HashMap;
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use self::model::{AttemptRow, DeliveryRow, NewWebhookRow, WebhookRow};
use crate::app::AppState;
use crate::auth::{Caller, Role};
use crate::db::schema::{webhook_attempts, webhook_deliveries, webhooks};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::etag::{json_response, Tag};
use crate::http::fields::{FieldSelection, FieldsQuery};
use crate::http::idempotency::{Created, IdempotencyKey};
use crate::http::include::Includes;
use crate::http::page::{paginate, Listing, Page, PagingQuery};
use crate::http::query::StrictQuery;
use crate::http::write::{expect_written, IfMatch, JsonObject, Mode, Patch};
use crate::resource::Resource;
use crate::time::utc;

/// How long the secret before a rotation still signs deliveries.
const ROTATION_GRACE: chrono::Duration = chrono::Duration::hours(24);

/// A subscriber to the change feed. Its signing secret is shown only when it is created and when
/// it is rotated.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 1, "url": "https://congthongtin.quangninh.gov.vn/bantin/webhook",
    "description": "Cổng thông tin tỉnh", "resources": ["articles", "meetings"], "active": true,
    "failing_since": null, "disabled_at": null, "disabled_reason": null,
    "previous_secret_expires_at": null,
    "created_at": "2026-11-23T08:00:00Z", "updated_at": "2026-11-23T08:00:00Z", "version": 1
}))]
pub struct Webhook {
    pub id: i64,
    /// Where deliveries are POSTed: `http` or `https`; loopback and private addresses are
    /// refused unless the server allows them.
    pub url: String,
    pub description: Option<String>,
    /// The collections whose changes it receives; empty for all.
    pub resources: Vec<String>,
    /// Whether deliveries are made. The worker turns it off when a delivery keeps failing for the
    /// whole retry window (24 h by default), saying why in `disabled_reason`; setting it back to
    /// `true` resumes from where it stopped, with nothing lost.
    pub active: bool,
    /// Since when deliveries have been failing, if they are.
    pub failing_since: Option<DateTime<Utc>>,
    pub disabled_at: Option<DateTime<Utc>>,
    /// Why the worker disabled it.
    pub disabled_reason: Option<String>,
    /// Until when deliveries are also signed with the secret before the last rotation.
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl From<WebhookRow> for Webhook {
    fn from(row: WebhookRow) -> Self {
        let now = crate::time::now();
        Self {
            resources: row.resource_list(),
            id: row.id,
            url: row.url,
            description: row.description,
            active: row.active,
            failing_since: row.failing_since.map(utc),
            disabled_at: row.disabled_at.map(utc),
            disabled_reason: row.disabled_reason,
            previous_secret_expires_at: row
                .previous_secret_expires_at
                .filter(|t| *t > now)
                .map(utc),
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
            version: row.version,
        }
    }
}

/// A webhook with its signing secret, as creating it and rotating its secret answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookWithSecret {
    #[serde(flatten)]
    pub webhook: Webhook,
    /// The signing secret, `whsec_<base64 of 32 random bytes>`: the key of the HMAC-SHA256 in
    /// `webhook-signature`. Shown only now; keep it.
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwC3dPBJ0nVnA=")]
    pub secret: String,
}

/// Changes to a webhook (a JSON merge patch).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct WebhookChanges {
    /// An `http` or `https` URL without user or password.
    #[schema(value_type = String, required = true,
        example = "https://congthongtin.quangninh.gov.vn/bantin/webhook", min_length = 1,
        max_length = 2000, pattern = "^[Hh][Tt][Tt][Pp][Ss]?://[^\\s/?#@]+([/?#]\\S*)?$")]
    pub url: Patch<String>,
    /// Only these collections (`articles`, `meetings`, `attendees`, `directives`,
    /// `directive_updates`, `targets`, `organizations`, `people`, `media`); absent or empty for all.
    #[schema(value_type = Option<Vec<Resource>>, max_items = 9)]
    pub resources: Patch<Vec<Resource>>,
    /// Whether changes are delivered (`true` when a create leaves it out). `true` re-enables a
    /// webhook the worker disabled; deliveries resume where they stopped.
    #[schema(value_type = bool)]
    pub active: Patch<bool>,
    #[schema(value_type = Option<String>, min_length = 1, max_length = 500)]
    pub description: Patch<String>,
}

/// One attempt to deliver.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryAttempt {
    pub attempted_at: DateTime<Utc>,
    /// The subscriber's HTTP status, when it answered.
    pub response_code: Option<i32>,
    /// Why it failed, when it did.
    pub error: Option<String>,
    pub duration_ms: i64,
}

/// One change sent (or being sent) to one subscriber.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 17, "webhook_id": 1, "seq": 42, "event_type": "articles.updated", "status": "succeeded",
    "attempt_count": 3, "response_code": 200, "last_error": null,
    "last_attempt_at": "2026-11-23T08:00:41Z", "next_attempt_at": null,
    "delivered_at": "2026-11-23T08:00:41Z", "created_at": "2026-11-23T08:00:00Z",
    "attempts": [
        {"attempted_at": "2026-11-23T08:00:01Z", "response_code": 500, "error": "HTTP 500", "duration_ms": 12},
        {"attempted_at": "2026-11-23T08:00:11Z", "response_code": 500, "error": "HTTP 500", "duration_ms": 9},
        {"attempted_at": "2026-11-23T08:00:41Z", "response_code": 200, "error": null, "duration_ms": 8}
    ]
}))]
pub struct Delivery {
    pub id: i64,
    pub webhook_id: i64,
    /// The change's `seq` in the change feed; the delivery's `webhook-id` is `msg_<seq>`.
    pub seq: i64,
    /// `<resource>.<action>`, e.g. `articles.updated`.
    pub event_type: String,
    /// `pending` (to be tried, or retried at `next_attempt_at`), `succeeded`, or `failed` (retried
    /// for the whole retry window without success).
    pub status: String,
    pub attempt_count: i32,
    /// The last answer's HTTP status.
    pub response_code: Option<i32>,
    pub last_error: Option<String>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// When it is tried next (pending deliveries only).
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// Every attempt, oldest first.
    pub attempts: Vec<DeliveryAttempt>,
}

impl Delivery {
    fn from_row(row: DeliveryRow, attempts: &mut HashMap<i64, Vec<DeliveryAttempt>>) -> Self {
        Self {
            attempts: attempts.remove(&row.id).unwrap_or_default(),
            next_attempt_at: (row.status == "pending").then(|| utc(row.next_attempt_at)),
            id: row.id,
            webhook_id: row.webhook_id,
            seq: row.change_seq,
            event_type: row.event_type,
            status: row.status,
            attempt_count: row.attempts,
            response_code: row.response_code,
            last_error: row.last_error,
            last_attempt_at: row.last_attempt_at.map(utc),
            delivered_at: row.delivered_at.map(utc),
            created_at: utc(row.created_at),
        }
    }
}

/// "24 h", "90 s": a retry window as people read it.
pub fn human_duration(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 && s % 3600 == 0 {
        format!("{} h", s / 3600)
    } else if s >= 60 && s % 60 == 0 {
        format!("{} min", s / 60)
    } else {
        format!("{s} s")
    }
}

fn not_found(id: i64) -> ApiError {
    ApiError::not_found(format!("no webhook {id}"))
}

/// Reads a create or a patch, with every problem at once; the URL is
/// trimmed and must pass the guard.
fn read_input(
    body: serde_json::Map<String, serde_json::Value>,
    mode: Mode,
    allow_private: bool,
) -> ApiResult<WebhookChanges> {
    const READ_ONLY: &[&str] = &[
        "id",
        "secret",
        "failing_since",
        "disabled_at",
        "disabled_reason",
        "previous_secret_expires_at",
        "created_at",
        "updated_at",
        "version",
    ];
    let mut read = crate::http::body::read::<WebhookChanges>(body, mode, READ_ONLY);
    if let Patch::Set(u) = &read.value.url {
        if let Err(m) = guard::check_url(u.trim(), allow_private) {
            read.error("url", m);
        }
    }
    let mut input = read.finish()?;
    input.url = input.url.map(|u| u.trim().to_owned());
    Ok(input)
}

/// The addresses a subscriber's host name resolves to now must not be internal either (checked
/// again on every connection). A name that does not resolve yet is accepted: its deliveries will
/// fail and say so.
async fn check_resolved(url: &Patch<String>, allow_private: bool) -> ApiResult<()> {
    let Patch::Set(raw) = url else { return Ok(()) };
    if allow_private {
        return Ok(());
    }
    let Ok(parsed) = url::Url::parse(raw) else {
        return Ok(());
    };
    if let (Some(url::Host::Domain(host)), Some(port)) =
        (parsed.host(), parsed.port_or_known_default())
    {
        if let Err(m) = guard::resolve(host, port, false).await {
            if m.ends_with(&guard::refusal()) {
                return Err(ApiError::Validation(vec![FieldError::new(
                    "url",
                    guard::refusal(),
                )]));
            }
        }
    }
    Ok(())
}

fn resources_text(list: Vec<Resource>) -> String {
    let mut list = list;
    list.sort_unstable();
    list.dedup();
    list.iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

crate::admin_list_handler!(
    /// List webhooks
    ///
    /// Admin only. In order of creation.
    list_webhooks, "/webhooks", tag = "webhooks", list = "webhooks", response = Webhook, "A page of webhooks",
    read = model::page, row = model::WebhookRow, to = Webhook::from,
);

crate::get_handler!(
    /// Get a webhook
    ///
    /// Admin only. `disabled_reason` says why the worker turned it off, if it did.
    get_webhook, "/webhooks/{id}", tag = "webhooks", id = "The webhook's id", response = Webhook,
    "The webhook",
    role = Admin,
    read = |conn, id| model::find(conn, id)?.map(Webhook::from).ok_or_else(|| not_found(id)),
    etag = |_: &Webhook| Tag::Body,
);

/// Create a webhook
///
/// Admin only. The subscriber receives every change made from now on (of the chosen `resources`)
/// as a `POST` with a JSON body `{"type": "articles.updated", "timestamp": …, "data": {seq,
/// resource, id, action, version, changed_at}}` — the change feed's entry, drafts included —
/// signed the Standard Webhooks way: `webhook-id` (`msg_<seq>`, the same on every retry, to
/// de-duplicate), `webhook-timestamp` (Unix seconds) and `webhook-signature` (`v1,<base64
/// HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}">` keyed with the bytes behind
/// `whsec_`). Any 2xx acknowledges; anything else, a redirect or no answer within the timeout is
/// retried with exponential backoff and jitter for 24 hours, after which the delivery is
/// `failed` and the webhook disabled. Delivery is at least once and not ordered: use `seq`.
/// The answer carries the signing secret, shown only here.
#[utoipa::path(operation_id = "create_webhook", tag = "webhooks",
    request_body = WebhookChanges,
    responses((status = 201, description = "Created, with its secret", body = WebhookWithSecret),
        (status = 422, description = "A field is wrong, e.g. the URL points at a private address", body = crate::error::Problem, content_type = "application/problem+json")))]
#[post("/webhooks")]
pub async fn create_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    body: JsonObject,
) -> ApiResult<HttpResponse> {
    caller.require(Role::Admin)?;
    let allow_private = state.webhooks.allow_private;
    let raw = body.0.clone();
    let input = read_input(body.0, Mode::Create, allow_private)?;
    check_resolved(&input.url, allow_private).await?;
    crate::http::write::create(
        &state,
        &caller,
        Role::Admin,
        key,
        "/webhooks",
        JsonObject(raw),
        |_| Ok(input),
        |conn, input| {
            let Patch::Set(url) = input.url else {
                return Err(ApiError::internal("validated url missing"));
            };
            let now = crate::time::now();
            let secret = sign::new_secret();
            let row: WebhookRow = diesel::insert_into(webhooks::table)
                .values(NewWebhookRow {
                    url,
                    description: input.description.into_option(),
                    resources: resources_text(input.resources.into_option().unwrap_or_default()),
                    active: input.active.into_option().unwrap_or(true),
                    secret: secret.clone(),
                    feed_position: model::feed_head(conn)?,
                    created_at: now,
                    updated_at: now,
                    version: 1,
                })
                .returning(webhooks::all_columns)
                .get_result(conn)?;
            let body = WebhookWithSecret {
                webhook: Webhook::from(row),
                secret,
            };
            Created::at(
                format!("/api/v1/webhooks/{}", body.webhook.id),
                body.webhook.version,
                &body,
            )
        },
    )
    .await
}

/// Change a webhook
///
/// Admin only, as a JSON merge patch. `active: true` re-enables a webhook the worker disabled
/// (clearing `disabled_reason`); its deliveries resume where they stopped.
#[utoipa::path(operation_id = "update_webhook", tag = "webhooks",
    params(("id" = i64, Path, description = "The webhook's id")),
    request_body(content = WebhookChanges, content_type = "application/merge-patch+json"),
    responses((status = 200, description = "The changed webhook", body = Webhook),
        (status = 422, description = "A field is wrong", body = crate::error::Problem, content_type = "application/problem+json")))]
#[patch("/webhooks/{id}")]
pub async fn update_webhook(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
    body: JsonObject,
) -> ApiResult<HttpResponse> {
    caller.require(Role::Admin)?;
    let id = path.into_inner();
    let if_match = IfMatch::from_request(&req);
    let allow_private = state.webhooks.allow_private;
    let input = read_input(body.0, Mode::Patch, allow_private)?;
    check_resolved(&input.url, allow_private).await?;
    let hook = state
        .db
        .write(move |conn| {
            let current = model::find(conn, id)?.ok_or_else(|| not_found(id))?;
            IfMatch::check(if_match, current.version)?;
            let now = crate::time::now();
            let active = input.active.into_option().unwrap_or(current.active);
            let resumed = active && !current.active;
            let n = diesel::update(
                webhooks::table
                    .find(id)
                    .filter(webhooks::version.eq(current.version)),
            )
            .set((
                webhooks::url.eq(input.url.into_option().unwrap_or(current.url.clone())),
                webhooks::description.eq(input.description.apply(current.description.clone())),
                webhooks::resources.eq(match input.resources {
                    Patch::Set(list) => resources_text(list),
                    Patch::Null => String::new(),
                    Patch::Absent => current.resources.clone(),
                }),
                webhooks::active.eq(active),
                webhooks::disabled_at.eq(if resumed { None } else { current.disabled_at }),
                webhooks::disabled_reason.eq(if resumed {
                    None
                } else {
                    current.disabled_reason.clone()
                }),
                webhooks::failing_since.eq(if resumed { None } else { current.failing_since }),
                webhooks::updated_at.eq(now),
                webhooks::version.eq(current.version + 1),
            ))
            .execute(conn)?;
            expect_written(n, "webhook")?;
            model::find(conn, id)?.ok_or_else(|| not_found(id))
        })
        .await?;
    let hook = Webhook::from(hook);
    json_response(&req, StatusCode::OK, &hook, Tag::Version(hook.version))
}

/// Delete a webhook
///
/// Admin only. Its deliveries go with it; nothing more is sent.
#[utoipa::path(operation_id = "delete_webhook", tag = "webhooks",
    params(("id" = i64, Path, description = "The webhook's id")),
    responses((status = 204, description = "Deleted")))]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    crate::http::write::delete_as(&req, &state, &caller, Role::Admin, move |conn, if_match| {
        let current = model::find(conn, id)?.ok_or_else(|| not_found(id))?;
        IfMatch::check(if_match, current.version)?;
        let n = diesel::delete(
            webhooks::table
                .find(id)
                .filter(webhooks::version.eq(current.version)),
        )
        .execute(conn)?;
        expect_written(n, "webhook")
    })
    .await
}

/// Rotate a webhook's secret
///
/// Admin only. Returns the new secret (shown only here). For 24 hours deliveries carry two
/// signatures in `webhook-signature`, one with each secret, so the subscriber can switch over
/// without missing a delivery.
#[utoipa::path(operation_id = "rotate_webhook_secret", tag = "webhooks",
    params(("id" = i64, Path, description = "The webhook's id")),
    responses((status = 200, description = "The webhook with its new secret", body = WebhookWithSecret, headers(("ETag" = String)))))]
#[post("/webhooks/{id}/rotate-secret")]
pub async fn rotate_webhook_secret(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    caller.require(Role::Admin)?;
    let id = path.into_inner();
    let body = state
        .db
        .write(move |conn| {
            let current = model::find(conn, id)?.ok_or_else(|| not_found(id))?;
            let now = crate::time::now();
            let secret = sign::new_secret();
            diesel::update(webhooks::table.find(id))
                .set((
                    webhooks::previous_secret.eq(Some(current.secret.clone())),
                    webhooks::previous_secret_expires_at.eq(Some(now + ROTATION_GRACE)),
                    webhooks::secret.eq(&secret),
                    webhooks::updated_at.eq(now),
                    webhooks::version.eq(current.version + 1),
                ))
                .execute(conn)?;
            let row = model::find(conn, id)?.ok_or_else(|| not_found(id))?;
            Ok(WebhookWithSecret {
                webhook: Webhook::from(row),
                secret,
            })
        })
        .await?;
    let mut res = json_response(
        &req,
        StatusCode::OK,
        &body,
        Tag::Version(body.webhook.version),
    )?;
    res.headers_mut().insert(
        actix_web::http::header::CACHE_CONTROL,
        actix_web::http::header::HeaderValue::from_static("no-store"),
    );
    Ok(res)
}

crate::list_query! {
    /// Query parameters of `GET /webhooks/{id}/deliveries`.
    pub struct ListDeliveriesQuery {
        /// Only `pending`, `succeeded` or `failed` deliveries.
        #[param(inline)]
        pub status: Option<DeliveryStatus>,
    }
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    Pending,
    Succeeded,
    Failed,
}

impl DeliveryStatus {
    fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
        }
    }
}

/// List a webhook's deliveries
///
/// Admin only. Newest first, each with its status, last response code, attempt count and every
/// attempt. Delivered ones are kept for 7 days.
#[utoipa::path(operation_id = "list_webhook_deliveries", tag = "webhooks",
    params(("id" = i64, Path, description = "The webhook's id"), ListDeliveriesQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "A page of deliveries", body = Page<Delivery>)))]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_webhook_deliveries(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
    query: StrictQuery<ListDeliveriesQuery>,
) -> ApiResult<HttpResponse> {
    caller.require(Role::Admin)?;
    let id = path.into_inner();
    let q = query.into_inner();
    let fields = FieldSelection::parse::<Delivery>(q.fields.as_deref(), &Includes::default())?;
    let listing = Listing::new(&state.cursor_key, "webhook_deliveries", "-id");
    let page = q.page_request(&listing)?;
    let body = state
        .db
        .run(move |conn| {
            model::find(conn, id)?.ok_or_else(|| not_found(id))?;
            let filtered = || {
                let mut query = webhook_deliveries::table
                    .filter(webhook_deliveries::webhook_id.eq(id))
                    .into_boxed();
                if let Some(status) = q.status {
                    query = query.filter(webhook_deliveries::status.eq(status.as_str()));
                }
                query
            };
            let total = if page.count {
                Some(filtered().count().get_result(conn)?)
            } else {
                None
            };
            let mut query = filtered().order(webhook_deliveries::id.desc());
            if let Some(after) = &page.after {
                query = query.filter(webhook_deliveries::id.lt(after.id));
            }
            let rows: Vec<DeliveryRow> = query
                .select(DeliveryRow::as_select())
                .limit(page.fetch())
                .load(conn)?;
            let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
            let mut attempts = attempts_of(conn, &ids)?;
            Ok(paginate(
                rows,
                &page,
                total,
                &listing,
                |r| (serde_json::Value::Null, r.id),
                |r| Delivery::from_row(r, &mut attempts),
            ))
        })
        .await?;
    fields.page_response(&req, &body)
}

/// Every attempt at each of `ids`, oldest first: one query.
fn attempts_of(
    conn: &mut crate::db::DbConnection,
    ids: &[i64],
) -> ApiResult<HashMap<i64, Vec<DeliveryAttempt>>> {
    let mut attempts: HashMap<i64, Vec<DeliveryAttempt>> = HashMap::new();
    let rows: Vec<AttemptRow> = webhook_attempts::table
        .filter(webhook_attempts::delivery_id.eq_any(ids))
        .order((webhook_attempts::delivery_id, webhook_attempts::id))
        .select(AttemptRow::as_select())
        .load(conn)?;
    for a in rows {
        attempts
            .entry(a.delivery_id)
            .or_default()
            .push(DeliveryAttempt {
                attempted_at: utc(a.attempted_at),
                response_code: a.response_code,
                error: a.error,
                duration_ms: a.duration_ms,
            });
    }
    Ok(attempts)
}

/// Get a delivery
///
/// Admin only. One delivery of a webhook with every attempt.
#[utoipa::path(operation_id = "get_webhook_delivery", tag = "webhooks",
    params(("id" = i64, Path, description = "The webhook's id"), ("delivery_id" = i64, Path, description = "The delivery's id"), FieldsQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "The delivery", body = Delivery)))]
#[get("/webhooks/{id}/deliveries/{delivery_id}")]
pub async fn get_webhook_delivery(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(i64, i64)>,
    query: StrictQuery<FieldsQuery>,
) -> ApiResult<HttpResponse> {
    caller.require(Role::Admin)?;
    let fields = FieldSelection::parse::<Delivery>(
        query.into_inner().fields.as_deref(),
        &Includes::default(),
    )?;
    let (id, delivery_id) = path.into_inner();
    let delivery = state
        .db
        .run(move |conn| {
            let row: DeliveryRow = webhook_deliveries::table
                .find(delivery_id)
                .filter(webhook_deliveries::webhook_id.eq(id))
                .select(DeliveryRow::as_select())
                .first(conn)
                .optional()?
                .ok_or_else(|| {
                    ApiError::not_found(format!("no delivery {delivery_id} of webhook {id}"))
                })?;
            let mut attempts = attempts_of(conn, &[delivery_id])?;
            Ok(Delivery::from_row(row, &mut attempts))
        })
        .await?;
    fields.record_response(&req, &delivery, Tag::Body)
}

crate::fielded!(Webhook, Delivery);

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_webhooks)
        .service(create_webhook)
        .service(get_webhook)
        .service(update_webhook)
        .service(delete_webhook)
        .service(rotate_webhook_secret)
        .service(list_webhook_deliveries)
        .service(get_webhook_delivery);
}
