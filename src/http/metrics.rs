//! `GET /metrics`: Prometheus text with request counts and latency histograms by route, method and
//! status, the connection pool's use, and database errors.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{get, web, HttpRequest, HttpResponse};

use crate::app::AppState;
use crate::error::{ApiError, ApiResult};

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64) {
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                self.counts[i] += 1;
            }
        }
        self.count += 1;
        self.sum += seconds;
    }
}

/// The histograms of one route pattern, by method and status.
type ByRoute = HashMap<(&'static str, u16), Histogram>;

/// The methods the API serves; any other is counted as `OTHER`, so that made-up methods cannot
/// add series.
const METHODS: [&str; 7] = ["GET", "HEAD", "POST", "PATCH", "PUT", "DELETE", "OPTIONS"];

/// The label of a request's method.
fn method_label(method: &actix_web::http::Method) -> &'static str {
    METHODS
        .into_iter()
        .find(|m| *m == method.as_str())
        .unwrap_or("OTHER")
}

/// The request metrics of one server, by route pattern.
#[derive(Default)]
pub struct Metrics {
    requests: Mutex<HashMap<String, ByRoute>>,
}

impl Metrics {
    /// `route` is a pattern the App declares (or `unmatched`), `method` one of [`METHODS`] or
    /// `OTHER`, `status` a status code: every label is bounded by construction.
    fn observe(&self, route: &str, method: &'static str, status: u16, seconds: f64) {
        let mut map = self.requests.lock().unwrap_or_else(|e| e.into_inner());
        let by_route = match map.get_mut(route) {
            Some(m) => m,
            None => map.entry(route.to_owned()).or_default(),
        };
        by_route
            .entry((method, status))
            .or_default()
            .observe(seconds);
    }

    fn render(&self, out: &mut String) {
        let map = self.requests.lock().unwrap_or_else(|e| e.into_inner());
        let mut rows: Vec<(&String, &(&'static str, u16), &Histogram)> = map
            .iter()
            .flat_map(|(route, m)| m.iter().map(move |(k, h)| (route, k, h)))
            .collect();
        rows.sort_by(|a, b| (a.0, a.1 .0, a.1 .1).cmp(&(b.0, b.1 .0, b.1 .1)));
        out.push_str(
            "# HELP bantin_http_requests_total Requests answered, by route, method and status.\n",
        );
        out.push_str("# TYPE bantin_http_requests_total counter\n");
        for (route, (method, status), h) in &rows {
            let _ = writeln!(
                out,
                "bantin_http_requests_total{{route=\"{}\",method=\"{method}\",status=\"{status}\"}} {}",
                escape(route),
                h.count
            );
        }
        out.push_str("# HELP bantin_http_request_duration_seconds Time from the request to its response head.\n");
        out.push_str("# TYPE bantin_http_request_duration_seconds histogram\n");
        for (route, (method, status), h) in &rows {
            let labels = format!(
                "route=\"{}\",method=\"{method}\",status=\"{status}\"",
                escape(route)
            );
            for (bound, n) in BUCKETS.iter().zip(h.counts) {
                let _ = writeln!(
                    out,
                    "bantin_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {n}"
                );
            }
            let _ = writeln!(
                out,
                "bantin_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "bantin_http_request_duration_seconds_sum{{{labels}}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "bantin_http_request_duration_seconds_count{{{labels}}} {}",
                h.count
            );
        }
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Records every request under its route pattern (`/api/v1/articles/{id}`), never its raw path,
/// so the number of series stays bounded.
pub async fn track(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let method = method_label(req.method());
    let res = next.call(req).await?;
    if let Some(state) = state {
        let route = res.request().match_pattern();
        state.metrics.observe(
            route.as_deref().unwrap_or("unmatched"),
            method,
            res.status().as_u16(),
            started.elapsed().as_secs_f64(),
        );
    }
    Ok(res)
}

/// Metrics
///
/// Prometheus text: `bantin_http_requests_total` and `bantin_http_request_duration_seconds` by
/// route, method and status; `bantin_db_pool_connections` and `bantin_db_pool_idle_connections`;
/// `bantin_db_errors_total` (database failures answered as 500 or 503); `bantin_db_statements_total`;
/// the scheduler's `bantin_scheduled_published_total`, `bantin_scheduler_last_lag_seconds` and
/// `bantin_scheduler_overdue_seconds`.
///
/// Open to anyone unless `BANTIN_METRICS_TOKEN` is set; then it needs
/// `Authorization: Bearer <that token>` (a scraper's token, not a user's).
#[utoipa::path(operation_id = "metrics", tag = "operations", security((), ("metrics_token" = [])),
    responses((status = 200, description = "Prometheus text exposition", content_type = "text/plain; version=0.0.4", body = String),
        (status = 401, description = "`BANTIN_METRICS_TOKEN` is set and the request does not carry it", body = crate::error::Problem, content_type = "application/problem+json")))]
#[get("/metrics")]
pub async fn metrics(req: HttpRequest, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    if let Some(expected) = &state.metrics_token {
        let given = req
            .headers()
            .get(actix_web::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .unwrap_or_default();
        if !crate::http::page::constant_time_eq(given.as_bytes(), expected.expose()) {
            return Err(ApiError::Unauthorized(
                "the metrics need `Authorization: Bearer <BANTIN_METRICS_TOKEN>`".into(),
            ));
        }
    }
    let mut out = String::with_capacity(16 * 1024);
    state.metrics.render(&mut out);
    let now = state.clock.now();
    // Unknown while the database is down: the line is then left out, the rest still shown.
    let overdue = state
        .db
        .run(move |conn| Ok(crate::articles::model::oldest_overdue(conn, now)?))
        .await
        .map(|at| {
            at.map_or(0.0, |at| {
                (now - at).num_milliseconds().max(0) as f64 / 1000.0
            })
        });
    let pool = state.db.pool().state();
    #[rustfmt::skip]
    let singles = [
        ("bantin_db_pool_connections", GAUGE, "Open database connections.", pool.connections.to_string()),
        ("bantin_db_pool_idle_connections", GAUGE, "Idle database connections.", pool.idle_connections.to_string()),
        ("bantin_db_pool_max_connections", GAUGE, "The pool's size.", state.db.pool().max_size().to_string()),
        ("bantin_db_errors_total", COUNTER, "Database failures (unavailable or internal errors).", state.db.errors().to_string()),
        ("bantin_db_statements_total", COUNTER, "SQL statements run.", state.db.statements().to_string()),
        ("bantin_scheduled_published_total", COUNTER, "Scheduled articles this server published at their time.", state.scheduler.published().to_string()),
        ("bantin_scheduler_last_lag_seconds", GAUGE, "How late the last article this server published on schedule went live.", state.scheduler.last_lag_seconds().to_string()),
    ];
    let overdue = overdue.ok().map(|s| {
        (
            "bantin_scheduler_overdue_seconds",
            GAUGE,
            OVERDUE,
            s.to_string(),
        )
    });
    for (name, kind, help, value) in singles.into_iter().chain(overdue) {
        let _ = writeln!(
            out,
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
        );
    }
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .insert_header(("cache-control", "no-store"))
        .body(out))
}

const GAUGE: &str = "gauge";
const COUNTER: &str = "counter";
const OVERDUE: &str =
    "How long the most overdue scheduled article has waited past its time (0 when none is).";
