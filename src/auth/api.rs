//! `/auth`: tokens for a username and password, and who the caller is.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{password, throttle, Caller};
use crate::app::AppState;
use crate::error::{ApiError, ApiResult};
use crate::http::etag::Tag;
use crate::http::write::{JsonObject, Mode, Patch};
use crate::users::embed::User;

/// A username and password.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct TokenRequest {
    #[schema(value_type = String, required = true, example = "bientap.hanoi", min_length = 1,
        max_length = 64)]
    pub username: Patch<String>,
    #[schema(value_type = String, required = true, example = "một mật khẩu đủ dài",
        min_length = 1, max_length = 1024)]
    pub password: Patch<String>,
}

/// An access token.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// Send as `Authorization: Bearer <access_token>`.
    pub access_token: String,
    /// Always `Bearer`.
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds until the token expires.
    #[schema(example = 3600)]
    pub expires_in: u64,
}

const BAD_LOGIN: &str = "the username or password is wrong";

/// Get a token
///
/// Exchanges a username and password for a bearer token. After 5 failed attempts within a minute
/// from one client address, or for one username from one address, further attempts from there get
/// 429 with `Retry-After`; attempts from elsewhere are not affected.
#[utoipa::path(operation_id = "create_token", tag = "auth", request_body = TokenRequest, security(()),
    responses((status = 200, description = "A token", body = TokenResponse),
        (status = 401, description = "Wrong username or password", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed attempts", body = crate::error::Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait")))))]
#[post("/auth/token")]
pub async fn create_token(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: JsonObject,
) -> ApiResult<HttpResponse> {
    let TokenRequest {
        username: Patch::Set(username),
        password: Patch::Set(pw),
    } = crate::http::body::read(body.0, Mode::Create, &[]).finish()?
    else {
        return Err(ApiError::internal("validated fields missing"));
    };
    let address = crate::http::client::of_request(&req)
        .map(|ip| crate::http::client::limit_key(ip).to_string())
        .unwrap_or_default();
    // The attempt is counted before the password is checked; the check itself (argon2, tens of
    // milliseconds) runs on a blocking thread with no database connection held.
    let (attempt, user) = state
        .db
        .run(move |conn| {
            let attempt = throttle::begin(conn, &address, &username)?;
            let user = crate::users::model::find_by_username(conn, &username)?;
            Ok((attempt, user))
        })
        .await?;
    let verified = web::block(move || {
        // The same work whether or not the user exists: the answer and its timing agree.
        let stored = user
            .as_ref()
            .map(|u| u.password_hash.as_str())
            .unwrap_or(password::dummy_hash());
        let matches = password::verify(&pw, stored);
        user.filter(|u| matches && u.disabled_at.is_none())
    })
    .await?;
    let Some(user) = verified else {
        return Err(ApiError::Unauthorized(BAD_LOGIN.into()));
    };
    state
        .db
        .run(move |conn| throttle::succeeded(conn, attempt))
        .await?;
    let role = user.role;
    let token = state
        .tokens
        .issue(user.id, role)
        .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(TokenResponse {
            access_token: token,
            token_type: "Bearer",
            expires_in: state.tokens.ttl_secs,
        }))
}

/// Who am I
///
/// The user the bearer token belongs to.
#[utoipa::path(operation_id = "get_me", tag = "auth", security(("bearer" = [])),
    params(crate::http::fields::FieldsQuery),
    responses((status = 200, description = "The caller", body = User),
        (status = 401, description = "No valid token", body = crate::error::Problem, content_type = "application/problem+json")))]
#[get("/auth/me")]
pub async fn get_me(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    query: crate::http::query::StrictQuery<crate::http::fields::FieldsQuery>,
) -> ApiResult<HttpResponse> {
    let fields = crate::http::fields::FieldSelection::parse::<User>(
        query.into_inner().fields.as_deref(),
        &crate::http::include::Includes::default(),
    )?;
    let Some(id) = caller.user_id() else {
        return Err(ApiError::Unauthorized("a bearer token is required".into()));
    };
    let user = state
        .db
        .run(move |conn| {
            crate::users::model::find(conn, id)?
                .ok_or_else(|| ApiError::Unauthorized("the account no longer exists".into()))
        })
        .await?;
    let user = User::from(user);
    fields.record_response(&req, &user, Tag::Version(user.version))
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_token).service(get_me);
}
