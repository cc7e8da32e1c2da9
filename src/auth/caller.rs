//! The caller of a request, as an extractor: anonymous, or a user with a role. A token is checked
//! (signature, algorithm, expiry, issuer, audience) and its user looked up on every request, so a
//! disabled user or a changed role takes effect at once, and a token issued before the account's
//! `tokens_valid_after` (moved by a password change, a role change or a disable) is refused.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::header;
use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::AppState;
use crate::error::ApiError;

/// What a user may do. Each role includes the ones below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads drafts and everything not public.
    Viewer,
    /// Writes content.
    Editor,
    /// Everything, including users.
    Admin,
}

crate::text_enum!(Role { Viewer => "viewer", Editor => "editor", Admin => "admin" });

/// The caller of one request.
#[derive(Debug, Clone)]
pub enum Caller {
    Anonymous,
    User {
        id: i64,
        username: String,
        role: Role,
    },
}

impl Caller {
    pub fn role(&self) -> Option<Role> {
        match self {
            Self::Anonymous => None,
            Self::User { role, .. } => Some(*role),
        }
    }

    pub fn user_id(&self) -> Option<i64> {
        match self {
            Self::Anonymous => None,
            Self::User { id, .. } => Some(*id),
        }
    }

    /// True for viewers and above, who read drafts and other unpublished records.
    pub fn sees_unpublished(&self) -> bool {
        self.role().is_some_and(|r| r >= Role::Viewer)
    }

    /// Refuses the request unless the caller holds `needed` or a higher role.
    pub fn require(&self, needed: Role) -> Result<(), ApiError> {
        match self.role() {
            None => Err(ApiError::Unauthorized("a bearer token is required".into())),
            Some(r) if r >= needed => Ok(()),
            Some(r) => Err(ApiError::Forbidden(format!(
                "this needs the {} role; yours is {}",
                needed.as_str(),
                r.as_str()
            ))),
        }
    }
}

const INVALID_TOKEN: &str =
    "the bearer token is not valid: expired, badly signed, or not issued for this API";

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let authorization = req.headers().get(header::AUTHORIZATION).cloned();
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let Some(value) = authorization else {
                return Ok(Caller::Anonymous);
            };
            let state = state.ok_or_else(|| ApiError::internal("application state missing"))?;
            let token = value
                .to_str()
                .ok()
                .and_then(|v| {
                    v.strip_prefix("Bearer ")
                        .or_else(|| v.strip_prefix("bearer "))
                })
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .ok_or_else(|| {
                    ApiError::Unauthorized(
                        "the Authorization header must be `Bearer <token>`".into(),
                    )
                })?;
            let claims = state.tokens.verify(token).map_err(|reason| {
                tracing::info!(%reason, "refused a bearer token");
                ApiError::Unauthorized(INVALID_TOKEN.into())
            })?;
            let id: i64 = claims
                .sub
                .parse()
                .map_err(|_| ApiError::Unauthorized(INVALID_TOKEN.into()))?;
            let user = state
                .db
                .run(move |conn| Ok(crate::users::model::find(conn, id)?))
                .await?;
            let issued_ms = i64::try_from(claims.issued_at_ms()).unwrap_or(i64::MAX);
            match user {
                Some(u)
                    if u.tokens_valid_after.is_some_and(|after| {
                        issued_ms < after.and_utc().timestamp_millis()
                    }) =>
                {
                    Err(ApiError::Unauthorized(
                        "the bearer token was issued before the account's password, role or state changed; get a new one".into(),
                    ))
                }
                Some(u) if u.disabled_at.is_none() => Ok(Caller::User {
                    id: u.id,
                    role: u.role,
                    username: u.username,
                }),
                _ => Err(ApiError::Unauthorized(
                    "the account is disabled or no longer exists".into(),
                )),
            }
        })
    }
}
