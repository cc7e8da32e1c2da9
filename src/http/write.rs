//! The one write path every resource uses: a JSON object body, field-by-field validation that
//! reports every problem at once, JSON merge patch values, and `If-Match`.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::header;
use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use chrono::{DateTime, NaiveDate, NaiveDateTime};
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

/// A field of a merge patch (RFC 7396): absent keeps, `null` clears, a value sets.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Patch<T> {
    #[default]
    Absent,
    Null,
    Set(T),
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

/// Reads the fields of a JSON object body, collecting every problem instead of stopping at the
/// first, and refusing fields the resource does not have.
pub struct BodyReader {
    obj: Map<String, Value>,
    mode: Mode,
    errors: Vec<FieldError>,
}

impl BodyReader {
    pub fn new(obj: Map<String, Value>, allowed: &[&str], read_only: &[&str], mode: Mode) -> Self {
        let mut errors = Vec::new();
        for key in obj.keys() {
            if allowed.contains(&key.as_str()) {
                continue;
            }
            if read_only.contains(&key.as_str()) {
                errors.push(FieldError::new(key, "is read-only"));
            } else {
                errors.push(FieldError::new(
                    key,
                    format!(
                        "is not a field of this resource; allowed: {}",
                        allowed.join(", ")
                    ),
                ));
            }
        }
        Self { obj, mode, errors }
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    pub fn error(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
    }

    pub fn has_error(&self, field: &str) -> bool {
        self.errors.iter().any(|e| e.field == field)
    }

    /// Ends validation: 422 with every problem found, if any.
    pub fn finish(self) -> ApiResult<()> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(self.errors))
        }
    }

    fn raw(&mut self, name: &str) -> Patch<Value> {
        match self.obj.remove(name) {
            None => Patch::Absent,
            Some(Value::Null) => Patch::Null,
            Some(v) => Patch::Set(v),
        }
    }

    /// A field that must have a value on create and may not be cleared.
    pub fn required<T>(&mut self, name: &str, value: Patch<T>) -> Patch<T> {
        match (&value, self.mode) {
            (Patch::Absent, Mode::Create) => {
                if !self.has_error(name) {
                    self.error(name, "is required");
                }
                Patch::Absent
            }
            (Patch::Null, _) => {
                self.error(name, "must not be null");
                Patch::Absent
            }
            _ => value,
        }
    }

    /// A field that may be left out but not set to `null`.
    pub fn not_null<T>(&mut self, name: &str, value: Patch<T>) -> Patch<T> {
        if let Patch::Null = value {
            self.error(name, "must not be null");
            return Patch::Absent;
        }
        value
    }

    fn typed<T>(
        &mut self,
        name: &str,
        expected: &str,
        read: impl FnOnce(&Value) -> Option<T>,
    ) -> Patch<T> {
        match self.raw(name) {
            Patch::Absent => Patch::Absent,
            Patch::Null => Patch::Null,
            Patch::Set(v) => match read(&v) {
                Some(t) => Patch::Set(t),
                None => {
                    self.error(name, format!("must be {expected}"));
                    Patch::Absent
                }
            },
        }
    }

    /// Text, NFC-normalised, at most `max_chars` characters; blank text and control characters
    /// are refused (see [`text_problem`]).
    pub fn text(&mut self, name: &str, max_chars: usize) -> Patch<String> {
        let v = self.typed(name, "a string", |v| v.as_str().map(crate::text::nfc));
        match v {
            Patch::Set(s) => match text_problem(&s, max_chars) {
                Some(problem) => {
                    self.error(name, problem);
                    Patch::Absent
                }
                None => Patch::Set(s),
            },
            other => other,
        }
    }

    /// One of `allowed`.
    pub fn choice(&mut self, name: &str, allowed: &[&'static str]) -> Patch<&'static str> {
        let v = self.typed(name, "a string", |v| v.as_str().map(str::to_owned));
        match v {
            Patch::Set(s) => match allowed.iter().find(|a| **a == s) {
                Some(a) => Patch::Set(*a),
                None => {
                    self.error(name, format!("must be one of: {}", allowed.join(", ")));
                    Patch::Absent
                }
            },
            Patch::Absent => Patch::Absent,
            Patch::Null => Patch::Null,
        }
    }

    /// An id: a positive whole number below 2^53.
    pub fn id(&mut self, name: &str) -> Patch<i64> {
        self.typed(name, "a positive whole number", as_id)
    }

    pub fn boolean(&mut self, name: &str) -> Patch<bool> {
        self.typed(name, "true or false", Value::as_bool)
    }

    pub fn number(&mut self, name: &str) -> Patch<f64> {
        self.typed(name, "a number", |v| v.as_f64().filter(|f| f.is_finite()))
    }

    pub fn integer(&mut self, name: &str, min: i64, max: i64) -> Patch<i64> {
        self.typed(name, &format!("a whole number from {min} to {max}"), |v| {
            v.as_i64().filter(|n| (min..=max).contains(n))
        })
    }

    /// An RFC 3339 time, stored in UTC to the microsecond.
    pub fn time(&mut self, name: &str) -> Patch<NaiveDateTime> {
        self.typed(name, "an RFC 3339 time such as 2021-11-07T20:42:00Z", |v| {
            v.as_str()
                .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                .map(|t| chrono::SubsecRound::trunc_subsecs(t.naive_utc(), 6))
        })
    }

    /// A calendar date, `YYYY-MM-DD`.
    pub fn date(&mut self, name: &str) -> Patch<NaiveDate> {
        self.typed(name, "a date such as 2021-11-08", |v| {
            v.as_str()
                .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        })
    }

    /// An array of non-empty texts.
    pub fn text_list(
        &mut self,
        name: &str,
        max_items: usize,
        max_chars: usize,
    ) -> Patch<Vec<String>> {
        let v = self.typed(name, "an array of strings", |v| {
            v.as_array().map(|items| {
                items
                    .iter()
                    .map(|i| i.as_str().map(crate::text::nfc))
                    .collect::<Vec<_>>()
            })
        });
        let Patch::Set(items) = v else {
            return v.map(|_| Vec::new());
        };
        if items.len() > max_items {
            self.error(name, format!("must have at most {max_items} items"));
            return Patch::Absent;
        }
        let mut out = Vec::with_capacity(items.len());
        let mut ok = true;
        for (i, item) in items.into_iter().enumerate() {
            match item {
                Some(s) => match text_problem(&s, max_chars) {
                    None => out.push(s),
                    Some(problem) => {
                        self.error(format!("{name}[{i}]"), problem);
                        ok = false;
                    }
                },
                None => {
                    self.error(format!("{name}[{i}]"), "must be a string");
                    ok = false;
                }
            }
        }
        if ok {
            Patch::Set(out)
        } else {
            Patch::Absent
        }
    }

    /// An array of distinct ids.
    pub fn id_list(&mut self, name: &str, max_items: usize) -> Patch<Vec<i64>> {
        let v = self.typed(name, "an array of ids", |v| v.as_array().cloned());
        let Patch::Set(items) = v else {
            return v.map(|_| Vec::new());
        };
        if items.len() > max_items {
            self.error(name, format!("must have at most {max_items} items"));
            return Patch::Absent;
        }
        let mut out: Vec<i64> = Vec::with_capacity(items.len());
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            match as_id(item) {
                Some(id) if out.contains(&id) => {
                    self.error(format!("{name}[{i}]"), "is listed twice");
                    ok = false;
                }
                Some(id) => out.push(id),
                None => {
                    self.error(format!("{name}[{i}]"), "must be a positive whole number");
                    ok = false;
                }
            }
        }
        if ok {
            Patch::Set(out)
        } else {
            Patch::Absent
        }
    }

    /// An array of objects, each read by `read` with its own field prefix (`media[2].caption`).
    pub fn object_list<T>(
        &mut self,
        name: &str,
        max_items: usize,
        mut read: impl FnMut(&mut BodyReader, usize) -> Option<T>,
    ) -> Patch<Vec<T>> {
        let v = self.typed(name, "an array of objects", |v| v.as_array().cloned());
        let Patch::Set(items) = v else {
            return v.map(|_| Vec::new());
        };
        if items.len() > max_items {
            self.error(name, format!("must have at most {max_items} items"));
            return Patch::Absent;
        }
        let mut out = Vec::with_capacity(items.len());
        let mut ok = true;
        for (i, item) in items.into_iter().enumerate() {
            let Value::Object(obj) = item else {
                self.error(format!("{name}[{i}]"), "must be an object");
                ok = false;
                continue;
            };
            let mut inner = BodyReader {
                obj,
                mode: Mode::Create,
                errors: Vec::new(),
            };
            let value = read(&mut inner, i);
            for leftover in inner.obj.keys() {
                inner
                    .errors
                    .push(FieldError::new(leftover, "is not a field here"));
            }
            for e in inner.errors.drain(..) {
                ok = false;
                self.errors.push(FieldError::new(
                    format!("{name}[{i}].{}", e.field),
                    e.message,
                ));
            }
            if let Some(v) = value {
                out.push(v);
            }
        }
        if ok {
            Patch::Set(out)
        } else {
            Patch::Absent
        }
    }
}

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

fn as_id(v: &Value) -> Option<i64> {
    v.as_i64().filter(|n| *n > 0 && *n < (1_i64 << 53))
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
