//! `/users`: accounts and their roles (admin only).

use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

pub use super::embed::User;
use super::model;
use crate::app::AppState;
use crate::auth::{password, Caller, Role};
use crate::error::{ApiError, ApiResult};
use crate::http::etag::{json_response, Tag};
use crate::http::idempotency::{self, Created, IdempotencyKey};
use crate::http::page::{Page, PagingQuery};
use crate::http::write::{IfMatch, JsonObject, Mode, Patch};

/// A new account.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct NewUser {
    /// 3 to 64 of a-z, 0-9, `.`, `_`, `-`.
    #[schema(value_type = String, required = true, example = "bientap.hanoi", min_length = 3,
        max_length = 64, pattern = "^[a-z0-9][a-z0-9._-]*$")]
    pub username: Patch<String>,
    /// At least 12 characters.
    #[schema(value_type = String, required = true, example = "một mật khẩu đủ dài",
        min_length = 12, max_length = 1024)]
    pub password: Patch<String>,
    #[schema(value_type = Role, required = true)]
    pub role: Patch<Role>,
    #[schema(value_type = Option<String>, min_length = 1, max_length = 200)]
    pub display_name: Patch<String>,
}

/// Changes to an account (a JSON merge patch).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct UserChanges {
    #[schema(value_type = Role)]
    pub role: Patch<Role>,
    /// `true` disables the account (its tokens stop working at once); `false` enables it again.
    #[schema(value_type = bool)]
    pub disabled: Patch<bool>,
    #[schema(value_type = Option<String>, min_length = 1, max_length = 200)]
    pub display_name: Patch<String>,
    /// A new password, at least 12 characters.
    #[schema(value_type = String, min_length = 12, max_length = 1024)]
    pub password: Patch<String>,
}

crate::admin_list_handler!(
    /// List users
    ///
    /// Admin only. In order of creation.
    list_users, "/users", tag = "users", list = "users", response = User, "A page of users",
    read = model::page, row = model::UserRow, to = User::from,
);

crate::get_handler!(
    /// Get a user
    ///
    /// Admin only.
    get_user, "/users/{id}", tag = "users", id = "The user's id", response = User, "The user",
    role = Admin,
    read = |conn, id| {
        let row = model::find(conn, id)?;
        row.map(User::from).ok_or_else(|| ApiError::not_found(format!("no user {id}")))
    },
    etag = |user: &User| Tag::Version(user.version),
);

/// Create a user
///
/// Admin only. The password is stored as an argon2id hash and never returned.
#[utoipa::path(operation_id = "create_user", tag = "users",
    request_body = NewUser,
    responses((status = 201, description = "Created", body = User),
        (status = 409, description = "The username is taken", body = crate::error::Problem, content_type = "application/problem+json")))]
#[post("/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    body: JsonObject,
) -> ApiResult<HttpResponse> {
    caller.require(Role::Admin)?;
    let raw = serde_json::Value::Object(body.0.clone());
    let mut f = crate::http::body::read::<NewUser>(body.0, Mode::Create, &[]);
    if let Patch::Set(u) = &f.value.username {
        if let Err(m) = model::check_username(u) {
            f.error("username", m);
        }
    }
    if let Patch::Set(p) = &f.value.password {
        if let Err(m) = password::check_strength(p) {
            f.error("password", m);
        }
    }
    let NewUser {
        username: Patch::Set(username),
        password: Patch::Set(pw),
        role: Patch::Set(role),
        display_name,
    } = f.finish()?
    else {
        return Err(ApiError::internal("validated fields missing"));
    };
    let hash = web::block(move || password::hash(&pw))
        .await?
        .map_err(ApiError::internal)?;
    let scope = format!("{}:POST /users", caller.user_id().unwrap_or_default());
    let (created, replayed) = state
        .db
        .write(move |conn| {
            idempotency::once(conn, &scope, key.0.as_deref(), &raw, |conn| {
                let row = model::create(conn, username, display_name.into_option(), hash, role)?;
                let user = User::from(row);
                Created::at(format!("/api/v1/users/{}", user.id), user.version, &user)
            })
        })
        .await?;
    Ok(created.into_response(replayed))
}

/// Change a user
///
/// Admin only: the role, the display name, the password, or `disabled`. An admin cannot disable
/// or demote themselves, so the service always keeps an admin.
#[utoipa::path(operation_id = "update_user", tag = "users",
    params(("id" = i64, Path, description = "The user's id")),
    request_body(content = UserChanges, content_type = "application/merge-patch+json"),
    responses((status = 200, description = "The changed user", body = User)))]
#[patch("/users/{id}")]
pub async fn update_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
    body: JsonObject,
) -> ApiResult<HttpResponse> {
    caller.require(Role::Admin)?;
    let id = path.into_inner();
    let if_match = IfMatch::from_request(&req);
    const READ_ONLY: &[&str] = &[
        "id",
        "username",
        "created_at",
        "updated_at",
        "version",
        "disabled_at",
    ];
    let mut f = crate::http::body::read::<UserChanges>(body.0, Mode::Patch, READ_ONLY);
    if let Patch::Set(p) = &f.value.password {
        if let Err(m) = password::check_strength(p) {
            f.error("password", m);
        }
    }
    let (disabled, role) = (f.value.disabled.clone(), f.value.role.clone());
    if caller.user_id() == Some(id)
        && (matches!(disabled, Patch::Set(true))
            || matches!(role, Patch::Set(r) if r != Role::Admin))
    {
        f.error(
            if matches!(disabled, Patch::Set(true)) {
                "disabled"
            } else {
                "role"
            },
            "an admin cannot disable or demote themselves",
        );
    }
    let UserChanges {
        display_name,
        password: pw,
        ..
    } = f.finish()?;
    let hash = match pw {
        Patch::Set(p) => Some(
            web::block(move || password::hash(&p))
                .await?
                .map_err(ApiError::internal)?,
        ),
        _ => None,
    };
    let user = state
        .db
        .write(move |conn| {
            let change = model::Change {
                role: role.into_option(),
                disabled: disabled.into_option(),
                display_name,
                password_hash: hash,
            };
            model::update(conn, id, if_match, change)?;
            Ok(model::find(conn, id)?.map(User::from))
        })
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no user {id}")))?;
    json_response(&req, StatusCode::OK, &user, Tag::Version(user.version))
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_users)
        .service(create_user)
        .service(get_user)
        .service(update_user);
}
