//! The one write path every resource uses: a JSON object body, field-by-field validation that
//! reports every problem at once, JSON merge patch values, and `If-Match`.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::header;
use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use serde_json::{Map, Value};

use crate::error::{ApiError, ApiResult, FieldError};

/// A request body that is a JSON object, read under the App's JSON limits (413 over 1 MiB, 415 for
/// another content type, 400 for malformed JSON, 422 when it is not an object).
pub struct JsonObject(pub Map<String, Value>);

impl FromRequest for JsonObject {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json = web::Json::<Value>::from_request(req, payload);
        Box::pin(async move {
            match json.await?.into_inner() {
                Value::Object(map) => Ok(JsonObject(map)),
                _ => Err(ApiError::Validation(vec![FieldError::new(
                    "body",
                    "must be a JSON object",
                )])
                .into()),
            }
        })
    }
}

/// A request body that may be left out, read as `{}`; when given, a JSON object read as
/// [`JsonObject`] reads it.
pub struct OptionalJsonObject(pub Map<String, Value>);

impl FromRequest for OptionalJsonObject {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        use actix_web::http::header;
        let headers = req.headers();
        let empty = match headers.get(header::CONTENT_LENGTH) {
            Some(length) => length.as_bytes() == b"0",
            None => !headers.contains_key(header::TRANSFER_ENCODING),
        };
        if empty {
            return Box::pin(async { Ok(Self(Map::new())) });
        }
        let object = JsonObject::from_request(req, payload);
        Box::pin(async move { Ok(Self(object.await?.0)) })
    }
}

/// A field of a merge patch (RFC 7396): absent keeps, `null` clears, a value sets.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Patch<T> {
    #[default]
    Absent,
    Null,
    Set(T),
}

/// A present key: `null` clears, a value sets (an absent one is the field's default, `Absent`).
impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for Patch<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Option::<T>::deserialize(d)?.map_or(Self::Null, Self::Set))
    }
}

/// A value or none: set or absent, never `null`.
impl<T> From<Option<T>> for Patch<T> {
    fn from(value: Option<T>) -> Self {
        value.map_or(Self::Absent, Self::Set)
    }
}

/// For examples in the spec: a set value as itself, anything else as `null`.
impl<T: serde::Serialize> serde::Serialize for Patch<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.as_set().serialize(s)
    }
}

impl<T> Patch<T> {
    pub fn is_absent(&self) -> bool {
        matches!(self, Self::Absent)
    }

    /// The value for a create: absent and null are both "none".
    pub fn into_option(self) -> Option<T> {
        match self {
            Self::Set(v) => Some(v),
            _ => None,
        }
    }

    /// Applies the patch to a nullable field.
    pub fn apply(self, current: Option<T>) -> Option<T> {
        match self {
            Self::Absent => current,
            Self::Null => None,
            Self::Set(v) => Some(v),
        }
    }

    /// Applies the patch to a required field: a value replaces it, anything else keeps it.
    pub fn set(self, field: &mut T) {
        if let Self::Set(v) = self {
            *field = v;
        }
    }

    /// Applies the patch to a nullable field in place.
    pub fn patch(self, field: &mut Option<T>) {
        match self {
            Self::Absent => {}
            Self::Null => *field = None,
            Self::Set(v) => *field = Some(v),
        }
    }

    /// The value, when one was set.
    pub fn as_set(&self) -> Option<&T> {
        match self {
            Self::Set(v) => Some(v),
            _ => None,
        }
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Patch<U> {
        match self {
            Self::Absent => Patch::Absent,
            Self::Null => Patch::Null,
            Self::Set(v) => Patch::Set(f(v)),
        }
    }
}

/// Whether a body creates a record (required fields must be there) or patches one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Create,
    Patch,
}

/// Text as every write takes it ([`text_problem`]): something other than
/// white space, and no control character but tab, line feed and carriage return.
pub const TEXT_PATTERN: &str = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*\
    [^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$";

/// What is wrong with a text value, if anything: it is blank, longer than `max_chars`, or holds a
/// control character. Tab, line feed and carriage return are text; NUL and the other controls are
/// not (PostgreSQL cannot store NUL at all), so both databases refuse them alike.
pub fn text_problem(s: &str, max_chars: usize) -> Option<String> {
    if s.trim().is_empty() {
        return Some("must not be empty".to_owned());
    }
    if s.chars().count() > max_chars {
        return Some(format!("must be at most {max_chars} characters"));
    }
    s.chars().find(|c| is_refused_control(*c)).map(|c| {
        format!(
            "must not contain control characters such as U+{:04X} (tab and line breaks are allowed)",
            u32::from(c)
        )
    })
}

/// A control character that no text field takes.
pub fn is_refused_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// The version an `If-Match` header demands, if any. `*` demands only that the record exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IfMatch {
    Any,
    Version(i64),
    /// A header that names no version of ours: it can never match.
    Never,
}

impl IfMatch {
    pub fn from_request(req: &HttpRequest) -> Option<Self> {
        let raw = req.headers().get(header::IF_MATCH)?.to_str().unwrap_or("");
        let mut result = IfMatch::Never;
        for tag in raw.split(',').map(str::trim) {
            if tag == "*" {
                return Some(IfMatch::Any);
            }
            let bare = tag.trim_start_matches("W/").trim_matches('"');
            if let Ok(v) = bare.parse::<i64>() {
                result = IfMatch::Version(v);
            }
        }
        Some(result)
    }

    /// 412 unless the current version satisfies the header.
    pub fn check(expected: Option<Self>, current: i64) -> ApiResult<()> {
        match expected {
            None | Some(IfMatch::Any) => Ok(()),
            Some(IfMatch::Version(v)) if v == current => Ok(()),
            Some(_) => Err(ApiError::PreconditionFailed(format!(
                "the record is at version {current}; If-Match named another"
            ))),
        }
    }
}

/// 412 when an optimistic `UPDATE … WHERE version = read` touched no row: someone else wrote
/// between our read and our write.
pub fn expect_written(rows: usize, what: &str) -> ApiResult<()> {
    if rows == 0 {
        Err(ApiError::PreconditionFailed(format!(
            "the {what} changed meanwhile; read it again"
        )))
    } else {
        Ok(())
    }
}

/// The shared shape of every `POST` that creates: the role check, then the body read by `read`
/// (every field problem at once), then one transaction that replays a repeated
/// `Idempotency-Key` or runs `create`, and the 201 answer.
#[allow(clippy::too_many_arguments)]
pub async fn create<I: Send + 'static>(
    state: &crate::app::AppState,
    caller: &crate::auth::Caller,
    needed: crate::auth::Role,
    key: crate::http::idempotency::IdempotencyKey,
    route: &str,
    body: JsonObject,
    read: impl FnOnce(Map<String, Value>) -> ApiResult<I>,
    create: impl FnOnce(&mut crate::db::DbConnection, I) -> ApiResult<crate::http::idempotency::Created>
        + Send
        + 'static,
) -> ApiResult<actix_web::HttpResponse> {
    caller.require(needed)?;
    let raw = Value::Object(body.0.clone());
    let input = read(body.0)?;
    // Keys belong to their caller and their route.
    let scope = format!("{}:POST {route}", caller.user_id().unwrap_or_default());
    let (created, replayed) = state
        .db
        .write(move |conn| {
            crate::http::idempotency::once(conn, &scope, key.0.as_deref(), &raw, |conn| {
                create(conn, input)
            })
        })
        .await?;
    Ok(created.into_response(replayed))
}

/// The shared shape of every `PATCH` of content: editors and up, the body read by `read` (every
/// field problem at once), `If-Match`, one transaction running `update`, and the record as it now
/// is with the ETag `etag` gives it.
pub async fn update<I: Send + 'static, T: serde::Serialize + Send + 'static>(
    req: &HttpRequest,
    state: &crate::app::AppState,
    caller: &crate::auth::Caller,
    read: impl FnOnce() -> ApiResult<I>,
    update: impl FnOnce(&mut crate::db::DbConnection, Option<IfMatch>, I) -> ApiResult<T>
        + Send
        + 'static,
    etag: impl FnOnce(&T) -> crate::http::etag::Tag,
) -> ApiResult<actix_web::HttpResponse> {
    caller.require(crate::auth::Role::Editor)?;
    let if_match = IfMatch::from_request(req);
    let input = read()?;
    let record = state
        .db
        .write(move |conn| update(conn, if_match, input))
        .await?;
    let tag = etag(&record);
    crate::http::etag::json_response(req, actix_web::http::StatusCode::OK, &record, tag)
}

/// The shared shape of every `DELETE` of content: editors and up.
pub async fn delete(
    req: &HttpRequest,
    state: &crate::app::AppState,
    caller: &crate::auth::Caller,
    delete: impl FnOnce(&mut crate::db::DbConnection, Option<IfMatch>) -> ApiResult<()> + Send + 'static,
) -> ApiResult<actix_web::HttpResponse> {
    delete_as(req, state, caller, crate::auth::Role::Editor, delete).await
}

/// The shared shape of every `DELETE`: the role check, `If-Match`, one transaction, 204.
pub async fn delete_as(
    req: &HttpRequest,
    state: &crate::app::AppState,
    caller: &crate::auth::Caller,
    needed: crate::auth::Role,
    delete: impl FnOnce(&mut crate::db::DbConnection, Option<IfMatch>) -> ApiResult<()> + Send + 'static,
) -> ApiResult<actix_web::HttpResponse> {
    caller.require(needed)?;
    let if_match = IfMatch::from_request(req);
    state.db.write(move |conn| delete(conn, if_match)).await?;
    Ok(actix_web::HttpResponse::NoContent().finish())
}

/// Declares the `DELETE /{collection}/{id}` handler of a resource whose `write::delete(conn, id,
/// if_match)` does the work: editors and up, `If-Match`, one transaction, 204; a `conflict`
/// description documents the 409 of a record still in use; `given` computes, from the state and
/// the caller, a last argument of `write::delete`. The caller imports `actix_web::delete`
/// (the spec learns the method and path from that attribute by name).
#[macro_export]
macro_rules! delete_handler {
    ($(#[doc = $doc:literal])* $name:ident, $path:literal, tag = $tag:literal,
        id = $id_doc:literal $(, conflict = $conflict:literal)?
        $(, given = |$st:ident, $ca:ident| $given:expr)? $(,)?) => {
        $(#[doc = $doc])*
        #[utoipa::path(tag = $tag, params(("id" = i64, Path, description = $id_doc)),
            responses((status = 204, description = "Deleted")
                $(, (status = 409, description = $conflict, body = $crate::error::Problem,
                    content_type = "application/problem+json"))?))]
        #[delete($path)]
        pub async fn $name(
            req: actix_web::HttpRequest,
            state: actix_web::web::Data<$crate::app::AppState>,
            caller: $crate::auth::Caller,
            path: actix_web::web::Path<i64>,
        ) -> $crate::error::ApiResult<actix_web::HttpResponse> {
            let id = path.into_inner();
            $(let given = {
                let ($st, $ca) = (&state, &caller);
                $given
            };)?
            $crate::http::write::delete(&req, &state, &caller, move |conn, if_match| {
                // `stringify!` only ties the argument to the `given` it is there for.
                write::delete(conn, id, if_match $(, { let _ = stringify!($given); given })?)
            })
            .await
        }
    };
}

/// Declares the `PATCH /{collection}/{id}` handler of a resource: editors and up, the body read
/// by `read` (every field problem at once), `If-Match`, one transaction running `write`, and the
/// record as it now is with the ETag `etag` gives it; `given` computes, from the state and the
/// caller, what `read` and `write` also need. The caller imports `actix_web::patch`.
#[macro_export]
macro_rules! update_handler {
    ($(#[doc = $doc:literal])* $name:ident, $path:literal, tag = $tag:literal,
        id = $id_doc:literal, body = $body:ty, example = $example:tt,
        response = $response:ty, $described:literal, $(conflict = $conflict:literal,)?
        $(given $given:pat = |$st:ident, $ca:ident| $given_expr:expr,)?
        read = |$body_var:ident| $read:expr,
        write = |$conn:ident, $id:ident, $if_match:ident, $input:ident| $write:expr,
        etag = $etag:expr $(,)?) => {
        $(#[doc = $doc])*
        #[utoipa::path(tag = $tag, params(("id" = i64, Path, description = $id_doc)),
            request_body(content = $body, content_type = "application/merge-patch+json",
                description = "The fields to change", example = json!($example)),
            responses((status = 200, description = $described, body = $response)
                $(, (status = 409, description = $conflict, body = $crate::error::Problem,
                    content_type = "application/problem+json"))?))]
        #[patch($path)]
        pub async fn $name(
            req: actix_web::HttpRequest,
            state: actix_web::web::Data<$crate::app::AppState>,
            caller: $crate::auth::Caller,
            path: actix_web::web::Path<i64>,
            body: $crate::http::write::JsonObject,
        ) -> $crate::error::ApiResult<actix_web::HttpResponse> {
            let id = path.into_inner();
            $(let $given = {
                let ($st, $ca) = (&state, &caller);
                $given_expr
            };)?
            $crate::http::write::update(
                &req,
                &state,
                &caller,
                || {
                    let $body_var = body;
                    $read
                },
                move |$conn, $if_match, $input| {
                    let $id = id;
                    $write
                },
                $etag,
            )
            .await
        }
    };
}

/// Declares the `POST /{collection}` handler of a resource: editors and up, the body read by
/// `read` (every field problem at once), then one transaction that replays a repeated
/// `Idempotency-Key` or runs `write`, and the 201. `described` describes the body, `conflict` the
/// 409; `given` computes, from the state and the caller, what `write` also needs. The caller
/// imports `actix_web::post`.
#[macro_export]
macro_rules! create_handler {
    ($(#[doc = $doc:literal])* $name:ident, $path:literal, tag = $tag:literal,
        body = $body:ty, $(described = $described:literal,)? example = $example:tt,
        response = $response:ty, $(conflict = $conflict:literal,)?
        $(given $given:pat = |$st:ident $(, $cl:ident)?| $given_expr:expr,)?
        read = |$body_var:ident| $read:expr,
        write = |$conn:ident, $input:ident| $write:expr $(,)?) => {
        $(#[doc = $doc])*
        #[utoipa::path(tag = $tag,
            request_body(content = $body, $(description = $described,)? example = json!($example)),
            responses((status = 201, description = "Created", body = $response)
                $(, (status = 409, description = $conflict, body = $crate::error::Problem,
                    content_type = "application/problem+json"))?))]
        #[post($path)]
        pub async fn $name(
            state: actix_web::web::Data<$crate::app::AppState>,
            caller: $crate::auth::Caller,
            key: $crate::http::idempotency::IdempotencyKey,
            body: $crate::http::write::JsonObject,
        ) -> $crate::error::ApiResult<actix_web::HttpResponse> {
            $(let $given = {
                let $st = &state;
                $(let $cl = &caller;)?
                $given_expr
            };)?
            let role = $crate::auth::Role::Editor;
            $crate::http::write::create(&state, &caller, role, key, $path, body, |$body_var| $read,
                move |$conn, $input| $write)
            .await
        }
    };
}

/// Declares the `GET /{collection}/{id}` handler of a record: `role`, when given, is the least
/// role that may read it (the spec then names the bearer token); `read` loads the record in one
/// database call, and the answer carries the ETag `etag` gives it. The caller imports
/// `actix_web::get`.
#[macro_export]
macro_rules! get_handler {
    ($(#[doc = $doc:literal])* $name:ident, $path:literal, tag = $tag:literal,
        id = $id_doc:literal, response = $response:ty, $described:literal,
        role = $role:ident, $($rest:tt)*) => {
        $crate::get_handler!(@fn [security(("bearer" = [])),] [$crate::auth::Caller]
            [$role]
            $(#[doc = $doc])* $name, $path, $tag, $id_doc, $response, $described, $($rest)*);
    };
    ($(#[doc = $doc:literal])* $name:ident, $path:literal, tag = $tag:literal,
        id = $id_doc:literal, response = $response:ty, $described:literal, $($rest:tt)*) => {
        $crate::get_handler!(@fn [] [()] []
            $(#[doc = $doc])* $name, $path, $tag, $id_doc, $response, $described, $($rest)*);
    };
    (@fn [$($security:tt)*] [$caller:ty] [$($role:ident)?]
        $(#[doc = $doc:literal])* $name:ident, $path:literal, $tag:literal, $id_doc:literal,
        $response:ty, $described:literal,
        $(given $given:pat = |$st:ident| $given_expr:expr,)?
        read = |$conn:ident, $id:ident| $read:expr,
        etag = $etag:expr $(,)?) => {
        $(#[doc = $doc])*
        #[utoipa::path(tag = $tag, params(("id" = i64, Path, description = $id_doc),
            $crate::http::fields::FieldsQuery),
            $($security)*
            responses((status = 200, description = $described, body = $response)))]
        #[get($path)]
        pub async fn $name(
            req: actix_web::HttpRequest,
            state: actix_web::web::Data<$crate::app::AppState>,
            caller: $caller,
            path: actix_web::web::Path<i64>,
            query: $crate::http::query::StrictQuery<$crate::http::fields::FieldsQuery>,
        ) -> $crate::error::ApiResult<actix_web::HttpResponse> {
            $(caller.require($crate::auth::Role::$role)?;)?
            let _ = &caller;
            let fields = $crate::http::fields::FieldSelection::parse::<$response>(
                query.into_inner().fields.as_deref(),
                &$crate::http::include::Includes::default(),
            )?;
            let id = path.into_inner();
            $(let $given = {
                let $st = &state;
                $given_expr
            };)?
            let record = state.db.run(move |$conn| {
                let $id = id;
                $read
            }).await?;
            let tag = ($etag)(&record);
            fields.record_response(&req, &record, tag)
        }
    };
}
