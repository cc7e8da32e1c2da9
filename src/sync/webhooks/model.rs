//! The webhook tables.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{changes, webhook_attempts, webhook_deliveries, webhooks};
use crate::db::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhooks)]
pub struct WebhookRow {
    pub id: i64,
    pub url: String,
    pub description: Option<String>,
    pub resources: String,
    pub active: bool,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_secret_expires_at: Option<NaiveDateTime>,
    pub feed_position: i64,
    pub failing_since: Option<NaiveDateTime>,
    pub disabled_at: Option<NaiveDateTime>,
    pub disabled_reason: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
}

impl WebhookRow {
    /// The resources it subscribes to; empty for all.
    pub fn resource_list(&self) -> Vec<String> {
        split_resources(&self.resources)
    }

    /// The secrets to sign with at `now`: the current one, and the one before a rotation until
    /// it expires.
    pub fn live_secrets(&self, now: NaiveDateTime) -> Vec<&str> {
        let mut out = vec![self.secret.as_str()];
        if let (Some(prev), Some(until)) = (&self.previous_secret, self.previous_secret_expires_at)
        {
            if now < until {
                out.push(prev);
            }
        }
        out
    }
}

pub fn split_resources(raw: &str) -> Vec<String> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

#[derive(Debug, Insertable)]
#[diesel(table_name = webhooks)]
pub struct NewWebhookRow {
    pub url: String,
    pub description: Option<String>,
    pub resources: String,
    pub active: bool,
    pub secret: String,
    pub feed_position: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries)]
pub struct DeliveryRow {
    pub id: i64,
    pub webhook_id: i64,
    pub change_seq: i64,
    pub event_type: String,
    pub payload: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub response_code: Option<i32>,
    pub last_error: Option<String>,
    pub last_attempt_at: Option<NaiveDateTime>,
    pub delivered_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = webhook_deliveries)]
pub struct NewDeliveryRow {
    pub webhook_id: i64,
    pub change_seq: i64,
    pub event_type: String,
    pub payload: String,
    pub status: &'static str,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_attempts)]
pub struct AttemptRow {
    pub id: i64,
    pub delivery_id: i64,
    pub attempted_at: NaiveDateTime,
    pub response_code: Option<i32>,
    pub error: Option<String>,
    pub duration_ms: i64,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = webhook_attempts)]
pub struct NewAttemptRow {
    pub delivery_id: i64,
    pub attempted_at: NaiveDateTime,
    pub response_code: Option<i32>,
    pub error: Option<String>,
    pub duration_ms: i64,
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<WebhookRow>> {
    webhooks::table
        .find(id)
        .select(WebhookRow::as_select())
        .first(conn)
        .optional()
}

/// The newest change's sequence number, 0 when there is none: where a new subscriber starts.
pub fn feed_head(conn: &mut DbConnection) -> QueryResult<i64> {
    changes::table
        .select(diesel::dsl::max(changes::seq))
        .first::<Option<i64>>(conn)
        .map(Option::unwrap_or_default)
}

/// One page of webhooks by id, and their count when asked.
pub fn page(
    conn: &mut DbConnection,
    page: &crate::http::page::PageRequest,
) -> QueryResult<(Vec<WebhookRow>, Option<i64>)> {
    let total = if page.count {
        Some(webhooks::table.count().get_result(conn)?)
    } else {
        None
    };
    let mut query = webhooks::table.order(webhooks::id).into_boxed();
    if let Some(after) = &page.after {
        query = query.filter(webhooks::id.gt(after.id));
    }
    let rows = query
        .select(WebhookRow::as_select())
        .limit(page.fetch())
        .load(conn)?;
    Ok((rows, total))
}
