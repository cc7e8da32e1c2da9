//! JSON responses with an `ETag`, answered with 304 when `If-None-Match` matches.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;

use crate::error::ApiResult;

/// How the ETag of a response is made.
#[derive(Debug, Clone, Copy)]
pub enum Tag {
    /// A bare resource: its `version`, the same value `If-Match` takes.
    Version(i64),
    /// Anything else (lists, embeds): a hash of the body.
    Body,
}

/// Serialises `body` once and answers 200 with an ETag, or 304 when the client has it already.
pub fn json_response<T: Serialize>(
    req: &HttpRequest,
    status: StatusCode,
    body: &T,
    tag: Tag,
) -> ApiResult<HttpResponse> {
    Ok(bytes_response(
        req,
        status,
        "application/json",
        serde_json::to_vec(body)?,
        tag,
    ))
}

/// Answers with `bytes` of `content_type` and an ETag, or 304 when the client has it already.
pub fn bytes_response(
    req: &HttpRequest,
    status: StatusCode,
    content_type: &str,
    bytes: Vec<u8>,
    tag: Tag,
) -> HttpResponse {
    let etag = match tag {
        Tag::Version(v) => format!("\"{v}\""),
        // A 128-bit hash tells versions of one body apart; it need not resist a forger, and
        // XXH3 hashes a page of articles about ten times faster than SHA-256.
        Tag::Body => format!("\"h{:032x}\"", xxhash_rust::xxh3::xxh3_128(&bytes)),
    };
    if status == StatusCode::OK && if_none_match(req, &etag) {
        return HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .finish();
    }
    HttpResponse::build(status)
        .content_type(content_type)
        .insert_header((header::ETAG, etag))
        .body(bytes)
}

/// True when `If-None-Match` lists `etag` (weak comparison, as RFC 9110 asks for GET) or `*`.
pub fn if_none_match(req: &HttpRequest, etag: &str) -> bool {
    let Some(value) = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    value.split(',').map(str::trim).any(|candidate| {
        candidate == "*" || candidate.trim_start_matches("W/") == etag.trim_start_matches("W/")
    })
}
