//! `Idempotency-Key` on POST: a repeat with the same key and body within 24 hours gets the first
//! response and creates nothing; the same key with another body is a 422.

use std::future::{ready, Ready};

use actix_web::http::header;
use actix_web::{dev::Payload, FromRequest, HttpRequest, HttpResponse};
use chrono::Duration;
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::db::schema::idempotency_keys;
use crate::db::DbConnection;
use crate::error::{ApiError, ApiResult, FieldError};

pub const HEADER: &str = "Idempotency-Key";
const MAX_KEY_LEN: usize = 255;

/// The key a client sent, if any.
#[derive(Debug, Clone)]
pub struct IdempotencyKey(pub Option<String>);

impl FromRequest for IdempotencyKey {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let Some(value) = req.headers().get(HEADER) else {
            return ready(Ok(Self(None)));
        };
        let key = value.to_str().unwrap_or("").trim();
        if key.is_empty() || key.len() > MAX_KEY_LEN || !key.chars().all(|c| c.is_ascii_graphic()) {
            return ready(Err(ApiError::BadRequest {
                detail: format!(
                    "the {HEADER} header must be 1 to {MAX_KEY_LEN} visible ASCII characters"
                ),
                errors: vec![FieldError::new(HEADER, "is not a valid key")],
            }));
        }
        ready(Ok(Self(Some(key.to_owned()))))
    }
}

/// The response of a create, as stored for replays.
#[derive(Debug, Clone)]
pub struct Created {
    pub location: String,
    pub body: String,
    pub version: i64,
}

impl Created {
    /// The created record `body`, found at `location`, with its version.
    pub fn at(location: String, version: i64, body: &impl serde::Serialize) -> ApiResult<Self> {
        Ok(Self {
            location,
            version,
            body: serde_json::to_string(body)?,
        })
    }

    /// 201 with `Location`, the body and its ETag; replays say so in `Idempotent-Replayed`.
    pub fn into_response(self, replayed: bool) -> HttpResponse {
        let mut res = HttpResponse::Created();
        res.insert_header((header::LOCATION, self.location))
            .insert_header((header::ETAG, format!("\"{}\"", self.version)))
            .content_type("application/json");
        if replayed {
            res.insert_header(("Idempotent-Replayed", "true"));
        }
        res.body(self.body)
    }
}

#[derive(Queryable)]
struct Stored {
    request_hash: String,
    response_location: Option<String>,
    response_body: String,
    created_at: chrono::NaiveDateTime,
}

/// Runs `create` once per key: inside the caller's transaction, so the record and the stored
/// response commit together. Returns the response and whether it is a replay.
pub fn once(
    conn: &mut DbConnection,
    scope: &str,
    key: Option<&str>,
    body: &serde_json::Value,
    create: impl FnOnce(&mut DbConnection) -> ApiResult<Created>,
) -> ApiResult<(Created, bool)> {
    let Some(key) = key else {
        return create(conn).map(|c| (c, false));
    };
    if let Some(first) = replay(conn, scope, Some(key), body)? {
        return Ok((first, true));
    }
    let hash = request_hash(body)?;
    let now = crate::time::now();
    diesel::delete(
        idempotency_keys::table
            .filter(idempotency_keys::scope.eq(scope))
            .filter(idempotency_keys::key.eq(key)),
    )
    .execute(conn)?;
    let created = create(conn)?;
    diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::scope.eq(scope),
            idempotency_keys::key.eq(key),
            idempotency_keys::request_hash.eq(&hash),
            idempotency_keys::response_status.eq(201),
            idempotency_keys::response_location.eq(&created.location),
            idempotency_keys::response_body.eq(&created.body),
            idempotency_keys::created_at.eq(now),
        ))
        .execute(conn)
        .map_err(|e| match ApiError::from(e) {
            // Another request with this key committed first.
            ApiError::Conflict(_) => {
                ApiError::Conflict(format!("a request with this {HEADER} is being processed"))
            }
            other => other,
        })?;
    Ok((created, false))
}

fn request_hash(body: &serde_json::Value) -> ApiResult<String> {
    Ok(hex::encode(Sha256::digest(serde_json::to_vec(body)?)))
}

/// The first response to this key within 24 hours, if there was one and `body` is the same
/// request; a 422 when the key was used with another body.
pub fn replay(
    conn: &mut DbConnection,
    scope: &str,
    key: Option<&str>,
    body: &serde_json::Value,
) -> ApiResult<Option<Created>> {
    let Some(key) = key else { return Ok(None) };
    let hash = request_hash(body)?;
    let now = crate::time::now();
    let stored: Option<Stored> = idempotency_keys::table
        .filter(idempotency_keys::scope.eq(scope))
        .filter(idempotency_keys::key.eq(key))
        .select((
            idempotency_keys::request_hash,
            idempotency_keys::response_location,
            idempotency_keys::response_body,
            idempotency_keys::created_at,
        ))
        .first(conn)
        .optional()?;
    let Some(stored) = stored.filter(|s| s.created_at > now - Duration::hours(24)) else {
        return Ok(None);
    };
    if stored.request_hash != hash {
        return Err(ApiError::Validation(vec![FieldError::new(
            HEADER,
            "was already used with another request body",
        )]));
    }
    let version = serde_json::from_str::<serde_json::Value>(&stored.response_body)
        .ok()
        .and_then(|v| v["version"].as_i64())
        .unwrap_or(1);
    Ok(Some(Created {
        location: stored.response_location.unwrap_or_default(),
        body: stored.response_body,
        version,
    }))
}
