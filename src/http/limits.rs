//! Per-client rate limiting and the request time limit.
//!
//! Each server keeps a token bucket per client (the TCP peer, or the address a trusted proxy
//! forwarded: see [`crate::http::client`]; IPv6 clients by their /64). Over the limit
//! a request is answered 429 with `Retry-After` before any work is done. A read that takes longer
//! than the request time limit is answered 503; writes are not cut short (their transaction bounds
//! them), so a client never sees a failure for a write that went through.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::web;

use crate::app::AppState;
use crate::error::ApiError;

/// Buckets idle this long are forgotten (a full bucket refills in two seconds at any rate).
const FORGET_AFTER: Duration = Duration::from_secs(120);
/// How often idle buckets are swept out: one pass over the table per interval at most, never a
/// scan per request.
const SWEEP_EVERY: Duration = Duration::from_secs(10);
/// The most clients tracked at once. Past it, new clients share one bucket until a sweep frees
/// room: memory stays bounded whatever the number of addresses a flood comes from.
pub const MAX_CLIENTS: usize = 100_000;

struct Bucket {
    tokens: f64,
    at: Instant,
}

struct Buckets {
    by_client: HashMap<IpAddr, Bucket>,
    /// Shared by clients that arrive while the table is full.
    overflow: Option<Bucket>,
    swept_at: Instant,
}

/// Token buckets by client (see [`crate::http::client`]: the address, or the /64 of an IPv6
/// one): `rate` requests a second, bursts of up to twice that.
pub struct RateLimiter {
    rate: f64,
    burst: f64,
    capacity: usize,
    buckets: Mutex<Buckets>,
}

impl RateLimiter {
    /// `None` when `per_second` is 0 (no limit).
    pub fn new(per_second: u32) -> Option<Self> {
        Self::with_capacity(per_second, MAX_CLIENTS)
    }

    /// The same, tracking at most `capacity` clients apart.
    pub fn with_capacity(per_second: u32, capacity: usize) -> Option<Self> {
        (per_second > 0).then(|| Self {
            rate: f64::from(per_second),
            burst: f64::from(per_second) * 2.0,
            capacity,
            buckets: Mutex::new(Buckets {
                by_client: HashMap::new(),
                overflow: None,
                swept_at: Instant::now(),
            }),
        })
    }

    /// How many clients have a bucket of their own.
    pub fn tracked(&self) -> usize {
        self.buckets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .by_client
            .len()
    }

    /// Takes a token for `client`, or says how many seconds until one is free.
    pub fn take(&self, client: IpAddr, now: Instant) -> Result<(), u64> {
        let key = crate::http::client::limit_key(client);
        let mut guard = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let buckets = &mut *guard;
        if now.saturating_duration_since(buckets.swept_at) >= SWEEP_EVERY {
            buckets
                .by_client
                .retain(|_, b| now.saturating_duration_since(b.at) < FORGET_AFTER);
            buckets.swept_at = now;
        }
        let fresh = Bucket {
            tokens: self.burst,
            at: now,
        };
        let bucket =
            if buckets.by_client.contains_key(&key) || buckets.by_client.len() < self.capacity {
                buckets.by_client.entry(key).or_insert(fresh)
            } else {
                buckets.overflow.get_or_insert(fresh)
            };
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.rate).min(self.burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - bucket.tokens) / self.rate).ceil().max(1.0) as u64)
        }
    }
}

/// The longest request target (path and query) accepted.
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// The most header bytes (names and values) accepted.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

/// Paths that load balancers and scrapers call: never limited.
fn exempt(path: &str) -> bool {
    path.starts_with("/health/") || path == "/metrics"
}

/// Whether a request path holds an encoded NUL character.
fn has_nul(path: &str) -> bool {
    path.as_bytes()
        .windows(3)
        .any(|w| w[0] == b'%' && w[1] == b'0' && w[2] == b'0')
}

pub async fn limits(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let uri_len = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
    let header_len: usize = req
        .headers()
        .iter()
        .map(|(n, v)| n.as_str().len() + v.len())
        .sum();
    let refused = if uri_len > MAX_URI_BYTES {
        Some(ApiError::UriTooLong(format!(
            "the path and query have {uri_len} bytes; at most {MAX_URI_BYTES} are accepted"
        )))
    } else if header_len > MAX_HEADER_BYTES {
        Some(ApiError::HeadersTooLarge(format!(
            "the headers have {header_len} bytes; at most {MAX_HEADER_BYTES} are accepted"
        )))
    } else if has_nul(req.path()) {
        Some(ApiError::bad_request(
            "the path holds a NUL character (%00), which no record's key contains",
        ))
    } else {
        None
    };
    if let Some(err) = refused {
        let res = actix_web::ResponseError::error_response(&err);
        return Ok(req.into_response(res).map_into_right_body());
    }
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    };
    let client = crate::http::client::of_request(req.request());
    if let (Some(limiter), Some(client)) = (&state.rate_limiter, client) {
        if !exempt(req.path()) {
            if let Err(retry_after_secs) = limiter.take(client, Instant::now()) {
                let res = actix_web::ResponseError::error_response(&ApiError::RateLimited {
                    retry_after_secs,
                });
                return Ok(req.into_response(res).map_into_right_body());
            }
        }
    }
    let reads = matches!(*req.method(), Method::GET | Method::HEAD);
    match state.request_timeout.filter(|_| reads) {
        Some(limit) => match actix_web::rt::time::timeout(limit, next.call(req)).await {
            Ok(res) => res.map(ServiceResponse::map_into_left_body),
            Err(_) => {
                let err = ApiError::TimedOut(format!(
                    "the request took longer than {} ms; try again shortly",
                    limit.as_millis()
                ));
                let res = actix_web::ResponseError::error_response(&err);
                Err(actix_web::error::InternalError::from_response("timed out", res).into())
            }
        },
        None => next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_allows_bursts_then_the_rate() {
        let limiter = RateLimiter::new(5).unwrap();
        let ip: IpAddr = "203.113.131.2".parse().unwrap();
        let other: IpAddr = "203.113.131.3".parse().unwrap();
        let t0 = Instant::now();
        for _ in 0..10 {
            assert!(limiter.take(ip, t0).is_ok());
        }
        assert_eq!(limiter.take(ip, t0), Err(1));
        assert!(
            limiter.take(other, t0).is_ok(),
            "each client has its own bucket"
        );
        assert!(limiter.take(ip, t0 + Duration::from_millis(200)).is_ok());
        assert!(limiter.take(ip, t0 + Duration::from_millis(200)).is_err());
        assert!(RateLimiter::new(0).is_none());
    }

    #[test]
    fn ipv6_addresses_of_one_slash_64_share_a_bucket() {
        let limiter = RateLimiter::new(1).unwrap();
        let t0 = Instant::now();
        assert!(limiter.take("2001:db8:0:1::1".parse().unwrap(), t0).is_ok());
        assert!(limiter.take("2001:db8:0:1::2".parse().unwrap(), t0).is_ok());
        assert_eq!(
            limiter.take("2001:db8:0:1:ffff::3".parse().unwrap(), t0),
            Err(1)
        );
        assert!(limiter.take("2001:db8:0:2::1".parse().unwrap(), t0).is_ok());
    }

    #[test]
    fn the_table_is_bounded_and_idle_clients_are_swept() {
        let limiter = RateLimiter::with_capacity(1, 100).unwrap();
        let t0 = Instant::now();
        for i in 0..1000u32 {
            let ip = IpAddr::from(std::net::Ipv4Addr::from(0x0a00_0000 + i));
            let _ = limiter.take(ip, t0);
        }
        assert_eq!(
            limiter.tracked(),
            100,
            "at most the capacity is tracked apart"
        );
        // Those past the capacity share one bucket: two requests, then refused.
        let late = IpAddr::from(std::net::Ipv4Addr::new(192, 0, 2, 1));
        assert!(limiter.take(late, t0).is_err());
        // After the idle time, a sweep empties the table.
        let later = t0 + FORGET_AFTER + SWEEP_EVERY;
        assert!(limiter.take(late, later).is_ok());
        assert_eq!(limiter.tracked(), 1);
    }
}
