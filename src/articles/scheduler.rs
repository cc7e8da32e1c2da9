//! The scheduler: every server publishes the scheduled articles whose time has come, once a
//! second and at start-up (after an outage, every overdue one at once). The database decides
//! which server publishes each ([`super::write::publish_due`]).

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use actix_web::web;

use crate::app::AppState;
use crate::error::ApiResult;

/// How often each server looks for due articles: an article goes live within about this long
/// of its time.
pub const TICK: Duration = Duration::from_secs(1);
/// The most articles one round publishes; a longer backlog takes the next rounds at once.
const BATCH: i64 = 100;

/// What `/metrics` shows of the scheduler.
#[derive(Debug, Default)]
pub struct SchedulerStats {
    published: AtomicU64,
    /// Milliseconds between the publication time and the moment the last article went live.
    last_lag_ms: AtomicI64,
}

impl SchedulerStats {
    fn record(&self, lags_ms: &[i64]) {
        if let Some(last) = lags_ms.last() {
            self.published
                .fetch_add(lags_ms.len() as u64, Ordering::Relaxed);
            self.last_lag_ms.store(*last, Ordering::Relaxed);
        }
    }

    /// Articles this server published on schedule.
    pub fn published(&self) -> u64 {
        self.published.load(Ordering::Relaxed)
    }

    /// Seconds late the last one went live.
    pub fn last_lag_seconds(&self) -> f64 {
        self.last_lag_ms.load(Ordering::Relaxed) as f64 / 1000.0
    }
}

/// A running scheduler; a server shutting down stops it.
pub struct SchedulerHandle(actix_web::rt::task::JoinHandle<()>);

impl SchedulerHandle {
    pub fn stop(self) {
        self.0.abort();
    }
}

/// Starts the scheduler on the current actix system (the server's).
pub fn spawn(state: web::Data<AppState>) -> SchedulerHandle {
    SchedulerHandle(actix_web::rt::spawn(async move {
        loop {
            match round(&state).await {
                Ok(n) if n as i64 == BATCH => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "scheduler: round failed; retrying"),
            }
            actix_web::rt::time::sleep(TICK).await;
        }
    }))
}

/// Publishes what is due now; returns how many this server published.
pub async fn round(state: &AppState) -> ApiResult<usize> {
    let now = state.clock.now();
    let published = state
        .db
        .run(move |conn| super::write::publish_due(conn, now, BATCH))
        .await?;
    let lags: Vec<i64> = published
        .iter()
        .map(|at| (now - *at).num_milliseconds().max(0))
        .collect();
    state.scheduler.record(&lags);
    for lag in &lags {
        tracing::info!(lag_ms = lag, "scheduler: article published");
    }
    Ok(published.len())
}
