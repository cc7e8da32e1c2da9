//! The caller of a request, as an extractor: anonymous, or a user with a role.

use std::future::{ready, Ready};

use actix_web::{dev::Payload, FromRequest, HttpMessage, HttpRequest};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Viewer => "viewer",
            Self::Editor => "editor",
            Self::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "viewer" => Some(Self::Viewer),
            "editor" => Some(Self::Editor),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }
}

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

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(match req.extensions().get::<Caller>() {
            Some(caller) => Ok(caller.clone()),
            None => Ok(Caller::Anonymous),
        })
    }
}
