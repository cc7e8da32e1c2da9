//! The outermost layer that makes every error, from any layer, an `application/problem+json`
//! body carrying the request id, and sends `X-Request-Id` and `X-Content-Type-Options: nosniff` on
//! every response.

use actix_web::body::{to_bytes, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse, ResponseError};
use futures_util::FutureExt;

use crate::error::{ApiError, PROBLEM_JSON};

pub static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Problem bodies are small; a larger error body is not one of ours and is replaced.
const MAX_PROBLEM_BYTES: usize = 64 * 1024;

pub async fn problems(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let request_id = req
        .extensions()
        .get::<tracing_actix_web::RequestId>()
        .map(|id| id.to_string())
        .unwrap_or_default();
    // A panicking handler answers 500 like any other internal error, and the worker goes on.
    let called = std::panic::AssertUnwindSafe(next.call(req))
        .catch_unwind()
        .await;
    let Ok(called) = called else {
        tracing::error!("a request handler panicked");
        let response = ApiError::internal("a request handler panicked").error_response();
        let response = finish(response, &request_id).await;
        return Err(actix_web::error::InternalError::from_response("panicked", response).into());
    };
    match called {
        Ok(res) => {
            let (req, response) = res.into_parts();
            let response = finish(response.map_into_boxed_body(), &request_id).await;
            Ok(ServiceResponse::new(req, response))
        }
        Err(e) => {
            // An inner layer failed without a response; answer for it, in our shape.
            let response = finish(e.error_response(), &request_id).await;
            Err(actix_web::error::InternalError::from_response(e, response).into())
        }
    }
}

async fn finish(response: HttpResponse<BoxBody>, request_id: &str) -> HttpResponse<BoxBody> {
    let mut response = if response.status().as_u16() >= 400 {
        to_problem(response, request_id).await
    } else {
        response
    };
    if let Ok(value) = HeaderValue::from_str(request_id) {
        response.headers_mut().insert(X_REQUEST_ID.clone(), value);
    }
    // No browser reads an answer as another type than the one it is sent as.
    response.headers_mut().insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

async fn to_problem(response: HttpResponse<BoxBody>, request_id: &str) -> HttpResponse<BoxBody> {
    let status = response.status();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(PROBLEM_JSON));
    let (head, body) = response.into_parts();
    let bytes = to_bytes_limited(body).await;

    let mut problem: serde_json::Value = match (is_problem, &bytes) {
        (true, Some(b)) => serde_json::from_slice(b).unwrap_or(serde_json::Value::Null),
        _ => serde_json::Value::Null,
    };
    if !problem.is_object() {
        let text = bytes
            .as_deref()
            .and_then(|b| std::str::from_utf8(b).ok())
            .map(str::trim)
            .unwrap_or_default()
            .to_owned();
        problem = serde_json::to_value(fallback(status, text).to_problem()).unwrap_or_default();
    }
    if let Some(obj) = problem.as_object_mut() {
        obj.insert("status".into(), serde_json::Value::from(status.as_u16()));
        obj.insert(
            "request_id".into(),
            serde_json::Value::String(request_id.to_owned()),
        );
    }
    let mut rebuilt = HttpResponse::build(status);
    for (name, value) in head.headers() {
        if name != header::CONTENT_LENGTH && name != header::CONTENT_TYPE {
            rebuilt.append_header((name.clone(), value.clone()));
        }
    }
    rebuilt
        .insert_header((header::CONTENT_TYPE, PROBLEM_JSON))
        .body(serde_json::to_vec(&problem).unwrap_or_default())
}

async fn to_bytes_limited(body: BoxBody) -> Option<actix_web::web::Bytes> {
    match body.size() {
        actix_web::body::BodySize::Sized(n) if n as usize > MAX_PROBLEM_BYTES => None,
        _ => to_bytes(body).await.ok(),
    }
}

/// An error some layer answered in plain text (the framework's own), made a problem.
fn fallback(status: StatusCode, text: String) -> ApiError {
    // Only client errors keep their text; a server error's text may hold internals.
    let detail = if status.is_client_error() && !text.is_empty() && text.len() < 500 {
        text
    } else {
        status.canonical_reason().unwrap_or("error").to_owned()
    };
    match status.as_u16() {
        400 => ApiError::bad_request(detail),
        401 => ApiError::Unauthorized(detail),
        403 => ApiError::Forbidden(detail),
        404 => ApiError::NotFound(detail),
        405 => ApiError::MethodNotAllowed,
        409 => ApiError::Conflict(detail),
        412 => ApiError::PreconditionFailed(detail),
        413 => ApiError::PayloadTooLarge(detail),
        415 => ApiError::UnsupportedMediaType(detail),
        429 => ApiError::RateLimited {
            retry_after_secs: 1,
        },
        503 => ApiError::Unavailable(detail),
        s if s < 500 => ApiError::bad_request(detail),
        _ => ApiError::Internal(detail),
    }
}
