//! `Cache-Control` and `Vary` on reads: anonymous callers only ever see public records, so their
//! answers may be cached briefly by browsers and proxies; answers to authenticated callers may
//! hold drafts and are never stored.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::Method;
use actix_web::middleware::Next;

/// For anonymous reads: fresh for 30 s, then served stale for up to 5 minutes while revalidating.
pub const PUBLIC: &str = "public, max-age=30, stale-while-revalidate=300";
pub const PRIVATE: &str = "private, no-store";

pub async fn cache_control(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let is_read = matches!(*req.method(), Method::GET | Method::HEAD);
    let authenticated = req.headers().contains_key(header::AUTHORIZATION);
    let uncacheable = req.path().starts_with("/health") || req.path().starts_with("/metrics");
    let mut res = next.call(req).await?;
    if is_read {
        let status = res.status();
        let headers = res.headers_mut();
        if !headers.contains_key(header::CACHE_CONTROL) {
            let value = if uncacheable || !(status.is_success() || status.as_u16() == 304) {
                "no-store"
            } else if authenticated {
                PRIVATE
            } else {
                PUBLIC
            };
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
        }
        headers.append(header::VARY, HeaderValue::from_static("Authorization"));
    }
    Ok(res)
}

/// The `Content-Security-Policy` of stored files (photos): nothing in them may run or load.
pub const STORED_FILE_CSP: &str = "default-src 'none'; sandbox";
