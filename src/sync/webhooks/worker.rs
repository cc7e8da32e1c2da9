//! The delivery worker that runs inside every server.
//!
//! Each round it (1) turns new change-feed rows into deliveries for every active subscriber,
//! under a lock on the subscriber's row, advancing the subscriber's feed position in the same
//! transaction — the feed is the outbox, so a restart loses nothing; (2) claims due deliveries
//! with a compare-and-set on `claimed_until`, so with several servers each delivery is sent by
//! one of them; (3) sends them, signed, with a timeout; (4) records the outcome: delivered, or
//! retried later with exponential backoff and jitter, or — once the retry window has passed —
//! failed, which disables the subscriber with the reason shown to the admin.
//!
//! Delivery is at least once: a delivery is marked delivered only after the subscriber's 2xx,
//! so a server stopped between the two sends it again; `webhook-id` stays the same for every
//! attempt, for the receiver to de-duplicate.

use std::time::{Duration, Instant};

use actix_web::web;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use rand::Rng;
use serde_json::json;

use super::guard::{self, GuardedResolver};
use super::model::{self, DeliveryRow, NewAttemptRow, NewDeliveryRow, WebhookRow};
use super::sign;
use crate::app::AppState;
use crate::config::WebhookSettings;
use crate::db::schema::{changes, webhook_deliveries, webhooks};
use crate::db::{transaction, DbConnection};
use crate::error::ApiResult;
use crate::sync::changes::ChangeRow;
use crate::time::utc;

/// Changes turned into deliveries per subscriber per round.
const FAN_OUT_BATCH: i64 = 500;
/// Deliveries claimed per round.
const CLAIM_BATCH: i64 = 32;
/// The longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);
/// Delivered records are kept this long for the admin to look at.
const KEEP_DELIVERED: chrono::Duration = chrono::Duration::days(7);
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// A running worker; stopping it is what a server shutting down does to it.
pub struct WorkerHandle(actix_web::rt::task::JoinHandle<()>);

impl WorkerHandle {
    pub fn stop(self) {
        self.0.abort();
    }
}

/// Starts the worker on the current actix system (the server's).
pub fn spawn(state: web::Data<AppState>) -> WorkerHandle {
    WorkerHandle(actix_web::rt::spawn(run(state)))
}

async fn run(state: web::Data<AppState>) {
    let settings = state.webhooks.clone();
    let client = client(&settings);
    let me = format!(
        "{}-{:08x}",
        std::process::id(),
        rand::thread_rng().gen::<u32>()
    );
    let mut last_prune: Option<Instant> = None;
    loop {
        match round(&state, &settings, &client, &me).await {
            Ok(sent) if sent > 0 => continue,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "webhook worker: round failed; retrying"),
        }
        if last_prune.is_none_or(|t| t.elapsed() >= PRUNE_EVERY) {
            last_prune = Some(Instant::now());
            if let Err(e) = state.db.run(prune).await {
                tracing::warn!(error = %e, "webhook worker: pruning failed");
            }
        }
        actix_web::rt::time::sleep(settings.poll).await;
    }
}

/// The client every delivery goes through: no redirects (a redirect could lead inside), the
/// guarded resolver, the timeout.
fn client(settings: &WebhookSettings) -> awc::Client {
    let resolver = actix_tls::connect::Resolver::custom(GuardedResolver {
        allow_private: settings.allow_private,
    });
    let mut connector = awc::Connector::new()
        .connector(actix_tls::connect::Connector::new(resolver).service())
        .timeout(settings.timeout);
    if let Some(tls) = tls_connector() {
        connector = connector.openssl(tls);
    }
    awc::Client::builder()
        .connector(connector)
        .disable_redirects()
        .timeout(settings.timeout)
        .add_default_header((
            "user-agent",
            concat!("bantin-webhooks/", env!("CARGO_PKG_VERSION")),
        ))
        .finish()
}

/// TLS with the system's certificate authorities.
fn tls_connector() -> Option<openssl::ssl::SslConnector> {
    let mut builder = openssl::ssl::SslConnector::builder(openssl::ssl::SslMethod::tls()).ok()?;
    let probe = openssl_probe::probe();
    if let Some(file) = &probe.cert_file {
        let _ = builder.set_ca_file(file);
    }
    let _ = builder.set_alpn_protos(b"\x08http/1.1");
    Some(builder.build())
}

/// One round: fan out, claim, send, record. Returns how many deliveries were attempted.
async fn round(
    state: &AppState,
    settings: &WebhookSettings,
    client: &awc::Client,
    me: &str,
) -> ApiResult<usize> {
    state.db.run(fan_out).await?;
    let lease = settings.timeout * 2 + Duration::from_secs(30);
    let me_owned = me.to_owned();
    let claimed = state
        .db
        .run(move |conn| claim(conn, &me_owned, lease))
        .await?;
    let n = claimed.len();
    let sends = claimed.into_iter().map(|(delivery, hook)| async move {
        let outcome = send(client, settings, &delivery, &hook).await;
        (delivery, outcome)
    });
    for (delivery, outcome) in futures_util::future::join_all(sends).await {
        let (me, settings) = (me.to_owned(), settings.clone());
        state
            .db
            .write(move |conn| record(conn, &delivery, &me, &outcome, &settings))
            .await?;
    }
    Ok(n)
}

/// Turns the changes after each active subscriber's feed position into deliveries.
fn fan_out(conn: &mut DbConnection) -> ApiResult<()> {
    // Only subscribers behind the head of the feed have anything to do.
    let head = model::feed_head(conn)?;
    let ids: Vec<i64> = webhooks::table
        .filter(webhooks::active.eq(true))
        .filter(webhooks::feed_position.lt(head))
        .select(webhooks::id)
        .load(conn)?;
    for id in ids {
        transaction(conn, |conn| fan_out_one(conn, id))?;
    }
    Ok(())
}

fn fan_out_one(conn: &mut DbConnection, id: i64) -> ApiResult<()> {
    // The subscriber's row, locked: on PostgreSQL another server fanning out the same subscriber
    // skips it; SQLite writes one transaction at a time already.
    let hook = match conn {
        DbConnection::Pg(pg) => webhooks::table
            .find(id)
            .filter(webhooks::active.eq(true))
            .select(WebhookRow::as_select())
            .for_update()
            .skip_locked()
            .first(pg)
            .optional()?,
        DbConnection::Sqlite(_) => model::find(conn, id)?.filter(|h| h.active),
    };
    let Some(hook) = hook else { return Ok(()) };
    let rows: Vec<ChangeRow> = changes::table
        .filter(changes::seq.gt(hook.feed_position))
        .order(changes::seq.asc())
        .select(ChangeRow::as_select())
        .limit(FAN_OUT_BATCH)
        .load(conn)?;
    let Some(last) = rows.last().map(|r| r.seq) else {
        return Ok(());
    };
    let wanted = hook.resource_list();
    let now = crate::time::now();
    for row in rows {
        let ChangeRow {
            seq,
            resource,
            resource_id,
            action,
            version,
            changed_at,
        } = row;
        if !wanted.is_empty() && !wanted.contains(&resource) {
            continue;
        }
        let event_type = format!("{resource}.{action}");
        let payload = json!({
            "type": event_type,
            "timestamp": utc(changed_at),
            "data": {
                "seq": seq,
                "resource": resource,
                "id": resource_id,
                "action": action,
                "version": version,
                "changed_at": utc(changed_at),
            }
        });
        diesel::insert_into(webhook_deliveries::table)
            .values(NewDeliveryRow {
                webhook_id: hook.id,
                change_seq: seq,
                event_type,
                payload: payload.to_string(),
                status: "pending",
                attempts: 0,
                next_attempt_at: now,
                created_at: now,
                updated_at: now,
            })
            .execute(conn)?;
    }
    diesel::update(webhooks::table.find(hook.id))
        .set(webhooks::feed_position.eq(last))
        .execute(conn)?;
    Ok(())
}

/// Claims up to [`CLAIM_BATCH`] due deliveries of active subscribers for `lease`. A claim is a
/// compare-and-set on the claim columns, so two servers never both win the same delivery.
fn claim(
    conn: &mut DbConnection,
    me: &str,
    lease: Duration,
) -> ApiResult<Vec<(DeliveryRow, WebhookRow)>> {
    let now = crate::time::now();
    let free = webhook_deliveries::claimed_until
        .is_null()
        .or(webhook_deliveries::claimed_until.lt(now));
    let candidates: Vec<i64> = webhook_deliveries::table
        .inner_join(webhooks::table)
        .filter(webhook_deliveries::status.eq("pending"))
        .filter(webhook_deliveries::next_attempt_at.le(now))
        .filter(webhooks::active.eq(true))
        .filter(free)
        .order((
            webhook_deliveries::next_attempt_at.asc(),
            webhook_deliveries::id.asc(),
        ))
        .select(webhook_deliveries::id)
        .limit(CLAIM_BATCH)
        .load(conn)?;
    let lease = chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::minutes(5));
    let until = chrono::SubsecRound::trunc_subsecs(now + lease, 6);
    let mut mine = Vec::new();
    for id in candidates {
        let won = diesel::update(
            webhook_deliveries::table
                .find(id)
                .filter(webhook_deliveries::status.eq("pending"))
                .filter(
                    webhook_deliveries::claimed_until
                        .is_null()
                        .or(webhook_deliveries::claimed_until.lt(now)),
                ),
        )
        .set((
            webhook_deliveries::claimed_by.eq(me),
            webhook_deliveries::claimed_until.eq(until),
        ))
        .execute(conn)?;
        if won == 1 {
            mine.push(id);
        }
    }
    if mine.is_empty() {
        return Ok(Vec::new());
    }
    Ok(webhook_deliveries::table
        .inner_join(webhooks::table)
        .filter(webhook_deliveries::id.eq_any(&mine))
        .order(webhook_deliveries::id.asc())
        .select((DeliveryRow::as_select(), WebhookRow::as_select()))
        .load(conn)?)
}

/// What one attempt came to.
#[derive(Debug)]
pub struct Outcome {
    pub at: NaiveDateTime,
    pub response_code: Option<u16>,
    pub error: Option<String>,
    pub duration: Duration,
}

impl Outcome {
    fn delivered(&self) -> bool {
        self.error.is_none() && self.response_code.is_some_and(|c| (200..300).contains(&c))
    }
}

async fn send(
    client: &awc::Client,
    settings: &WebhookSettings,
    delivery: &DeliveryRow,
    hook: &WebhookRow,
) -> Outcome {
    let at = crate::time::now();
    let started = Instant::now();
    let done = |response_code: Option<u16>, error: Option<String>| Outcome {
        at,
        response_code,
        error,
        duration: started.elapsed(),
    };
    // A literal address never reaches the resolver, so it is checked here too.
    if let Err(m) = guard::check_url(&hook.url, settings.allow_private) {
        return done(None, Some(format!("the URL {m}")));
    }
    let msg_id = format!("msg_{}", delivery.change_seq);
    let timestamp = at.and_utc().timestamp();
    let body = delivery.payload.clone().into_bytes();
    let signature = sign::header(&hook.live_secrets(at), &msg_id, timestamp, &body);
    let sent = client
        .post(&hook.url)
        .insert_header(("content-type", "application/json"))
        .insert_header(("webhook-id", msg_id.as_str()))
        .insert_header(("webhook-timestamp", timestamp.to_string()))
        .insert_header(("webhook-signature", signature))
        .send_body(body)
        .await;
    match sent {
        Ok(res) => {
            let code = res.status().as_u16();
            if res.status().is_success() {
                done(Some(code), None)
            } else {
                done(Some(code), Some(format!("HTTP {code}")))
            }
        }
        Err(e) => done(None, Some(describe(&e))),
    }
}

fn describe(e: &awc::error::SendRequestError) -> String {
    use awc::error::SendRequestError as E;
    match e {
        E::Timeout => "no answer within the timeout".to_owned(),
        E::Connect(c) => format!("cannot connect: {c}"),
        other => other.to_string(),
    }
}

/// The wait before attempt `attempts + 1`: `base × 2^(attempts − 1)`, at most an hour, with
/// "equal jitter" (half fixed, half random) so that subscribers coming back are not stampeded.
pub fn backoff(base: Duration, attempts: i32) -> Duration {
    let exp = u32::try_from(attempts.saturating_sub(1))
        .unwrap_or(0)
        .min(20);
    let full = base.saturating_mul(1 << exp).min(MAX_BACKOFF);
    let half = full / 2;
    half + half.mul_f64(rand::thread_rng().gen::<f64>())
}

fn record(
    conn: &mut DbConnection,
    delivery: &DeliveryRow,
    me: &str,
    outcome: &Outcome,
    settings: &WebhookSettings,
) -> ApiResult<()> {
    let ours = webhook_deliveries::table
        .find(delivery.id)
        .filter(webhook_deliveries::claimed_by.eq(me))
        .filter(webhook_deliveries::status.eq("pending"));
    // The subscriber may have been deleted meanwhile (its deliveries with it).
    if webhook_deliveries::table
        .find(delivery.id)
        .count()
        .get_result::<i64>(conn)?
        == 0
    {
        return Ok(());
    }
    diesel::insert_into(crate::db::schema::webhook_attempts::table)
        .values(NewAttemptRow {
            delivery_id: delivery.id,
            attempted_at: outcome.at,
            response_code: outcome.response_code.map(i32::from),
            error: outcome.error.clone(),
            duration_ms: i64::try_from(outcome.duration.as_millis()).unwrap_or(i64::MAX),
        })
        .execute(conn)?;
    let now = crate::time::now();
    let attempts = delivery.attempts + 1;
    let code = outcome.response_code.map(i32::from);
    if outcome.delivered() {
        diesel::update(ours)
            .set((
                webhook_deliveries::status.eq("succeeded"),
                webhook_deliveries::attempts.eq(attempts),
                webhook_deliveries::response_code.eq(code),
                webhook_deliveries::last_error.eq(None::<String>),
                webhook_deliveries::last_attempt_at.eq(outcome.at),
                webhook_deliveries::delivered_at.eq(now),
                webhook_deliveries::claimed_by.eq(None::<String>),
                webhook_deliveries::claimed_until.eq(None::<NaiveDateTime>),
                webhook_deliveries::updated_at.eq(now),
            ))
            .execute(conn)?;
        diesel::update(webhooks::table.find(delivery.webhook_id))
            .filter(webhooks::failing_since.is_not_null())
            .set(webhooks::failing_since.eq(None::<NaiveDateTime>))
            .execute(conn)?;
        return Ok(());
    }
    let error = outcome.error.clone().unwrap_or_else(|| "failed".to_owned());
    let wait = chrono::Duration::from_std(backoff(settings.retry_base, attempts))
        .unwrap_or(chrono::Duration::hours(1));
    let next = chrono::SubsecRound::trunc_subsecs(now + wait, 6);
    let window =
        chrono::Duration::from_std(settings.retry_window).unwrap_or(chrono::Duration::hours(24));
    let gave_up = next > delivery.created_at + window;
    diesel::update(ours)
        .set((
            webhook_deliveries::status.eq(if gave_up { "failed" } else { "pending" }),
            webhook_deliveries::attempts.eq(attempts),
            webhook_deliveries::response_code.eq(code),
            webhook_deliveries::last_error.eq(&error),
            webhook_deliveries::last_attempt_at.eq(outcome.at),
            webhook_deliveries::next_attempt_at.eq(next),
            webhook_deliveries::claimed_by.eq(None::<String>),
            webhook_deliveries::claimed_until.eq(None::<NaiveDateTime>),
            webhook_deliveries::updated_at.eq(now),
        ))
        .execute(conn)?;
    diesel::update(webhooks::table.find(delivery.webhook_id))
        .filter(webhooks::failing_since.is_null())
        .set(webhooks::failing_since.eq(outcome.at))
        .execute(conn)?;
    if gave_up {
        let reason = format!(
            "disabled after delivery {} ({}) kept failing for {}; the last attempt: {error}",
            delivery.id,
            delivery.event_type,
            super::human_duration(settings.retry_window),
        );
        diesel::update(
            webhooks::table
                .find(delivery.webhook_id)
                .filter(webhooks::active.eq(true)),
        )
        .set((
            webhooks::active.eq(false),
            webhooks::disabled_at.eq(now),
            webhooks::disabled_reason.eq(reason),
            webhooks::updated_at.eq(now),
            webhooks::version.eq(webhooks::version + 1),
        ))
        .execute(conn)?;
        tracing::warn!(
            webhook = delivery.webhook_id,
            delivery = delivery.id,
            "webhook disabled: its deliveries kept failing"
        );
    }
    Ok(())
}

/// Forgets delivered records older than a week.
fn prune(conn: &mut DbConnection) -> ApiResult<()> {
    let before = crate::time::now() - KEEP_DELIVERED;
    diesel::delete(
        webhook_deliveries::table
            .filter(webhook_deliveries::status.eq("succeeded"))
            .filter(webhook_deliveries::updated_at.lt(before)),
    )
    .execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_stops_growing_at_an_hour() {
        let base = Duration::from_secs(10);
        for attempts in 1..=30 {
            let full = base
                .saturating_mul(1 << (attempts - 1).min(20))
                .min(MAX_BACKOFF);
            let d = backoff(base, attempts);
            assert!(d >= full / 2 && d <= full, "{attempts}: {d:?} of {full:?}");
        }
        assert!(backoff(base, 30) >= Duration::from_secs(1800));
    }
}
