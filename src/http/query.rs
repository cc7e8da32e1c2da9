//! Strict query strings: an unknown or repeated parameter is a 400 that names it.

use std::future::{ready, Ready};

use actix_web::{dev::Payload, FromRequest, HttpRequest};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// Like `web::Query`, but unknown parameters are refused (the target type uses
/// `#[serde(deny_unknown_fields)]`) and every error names the parameter at fault.
#[derive(Debug)]
pub struct StrictQuery<T>(pub T);

impl<T> StrictQuery<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

/// Parses a query string into `T`, naming the parameter at fault in the error.
pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    // No stored text holds NUL (PostgreSQL cannot), so a filter holding one is a mistake.
    if let Some((name, _)) = form_urlencoded::parse(query.as_bytes())
        .find(|(name, value)| name.contains('\0') || value.contains('\0'))
    {
        return Err(ApiError::bad_param(
            &name,
            "must not contain a NUL character (%00)",
        ));
    }
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        if let Some((name, tail)) = unknown_field(&inner) {
            return ApiError::bad_param(name, format!("unknown query parameter; {tail}"));
        }
        if let Some(name) = duplicate_field(&inner) {
            return ApiError::bad_param(name, "given more than once");
        }
        let field = if path == "." || path.is_empty() {
            "query".to_owned()
        } else {
            path
        };
        ApiError::bad_param(&field, friendly(&inner))
    })
}

/// The name and the list of known names in serde's "unknown field `name`, expected …" message.
/// The name is whatever a client sent, backticks included, so it is read from the start of the
/// message and ends where serde's own text begins, never at the first backtick.
fn unknown_field(message: &str) -> Option<(&str, String)> {
    let rest = message.strip_prefix("unknown field `")?;
    if let Some(end) = rest.rfind("`, expected ") {
        let expected = &rest[end + "`, ".len()..];
        return Some((&rest[..end], expected.replace('`', "")));
    }
    let name = rest.strip_suffix("`, there are no fields")?;
    Some((name, "this list takes no parameters".to_owned()))
}

/// The name in serde's "duplicate field `name`" message, read whole.
fn duplicate_field(message: &str) -> Option<&str> {
    message.strip_prefix("duplicate field `")?.strip_suffix('`')
}

fn friendly(message: &str) -> String {
    if message.contains("invalid digit") || message.contains("cannot parse integer") {
        return "must be a whole number".to_owned();
    }
    if message.contains("premature end of input")
        || message.contains("input contains invalid characters")
        || message.contains("input is out of range")
        || message.contains("trailing input")
    {
        return "is not a valid date or time (use 2021-11-08 or 2021-11-07T20:42:00Z)".to_owned();
    }
    if message.contains("provided string was not `true` or `false`") {
        return "must be true or false".to_owned();
    }
    message.replace('`', "")
}

impl<T: DeserializeOwned> FromRequest for StrictQuery<T> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(parse_query(req.query_string()).map(StrictQuery))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Q {
        limit: Option<u32>,
        status: Option<String>,
        day: Option<chrono::NaiveDate>,
    }

    fn field_of(e: ApiError) -> String {
        match e {
            ApiError::BadRequest { errors, .. } => errors[0].field.clone(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_good_query_reads_every_parameter() {
        let q = parse_query::<Q>("limit=2&status=held&day=2021-11-08").unwrap();
        assert_eq!(
            q,
            Q {
                limit: Some(2),
                status: Some("held".into()),
                day: chrono::NaiveDate::from_ymd_opt(2021, 11, 8),
            }
        );
    }

    #[test]
    fn unknown_parameters_are_named() {
        assert_eq!(
            field_of(parse_query::<Q>("limit=2&colour=red").unwrap_err()),
            "colour"
        );
    }

    #[test]
    fn repeated_parameters_are_refused() {
        assert_eq!(
            field_of(parse_query::<Q>("limit=2&limit=3").unwrap_err()),
            "limit"
        );
    }

    #[test]
    fn bad_values_name_their_parameter() {
        assert_eq!(
            field_of(parse_query::<Q>("limit=abc").unwrap_err()),
            "limit"
        );
        assert_eq!(
            field_of(parse_query::<Q>("day=2021-13-01").unwrap_err()),
            "day"
        );
    }

    #[test]
    fn names_are_read_whole_whatever_they_or_the_values_hold() {
        assert_eq!(
            field_of(parse_query::<Q>("l%60imit=2").unwrap_err()),
            "l`imit"
        );
        assert_eq!(
            field_of(parse_query::<Q>("colour%60%2C%20expected%20%60x=1").unwrap_err()),
            "colour`, expected `x"
        );
        // A value that reads like serde's message does not name another parameter.
        assert_eq!(
            field_of(parse_query::<Q>("status=unknown%20field%20%60limit%60&x=1").unwrap_err()),
            "x"
        );
        assert_eq!(
            field_of(parse_query::<Q>("limit=unknown%20field%20%60status%60").unwrap_err()),
            "limit"
        );
        match parse_query::<Q>("colour=red").unwrap_err() {
            ApiError::BadRequest { errors, .. } => {
                assert_eq!(errors[0].field, "colour");
                assert!(
                    errors[0].message.contains("limit, status, day"),
                    "{}",
                    errors[0].message
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct NoFields {}

    #[test]
    fn a_list_without_parameters_says_so() {
        assert_eq!(
            field_of(parse_query::<NoFields>("a%60b=1").unwrap_err()),
            "a`b"
        );
    }

    #[test]
    fn nul_characters_are_refused_naming_the_parameter() {
        assert_eq!(
            field_of(parse_query::<Q>("status=a%00b").unwrap_err()),
            "status"
        );
        assert_eq!(
            field_of(parse_query::<Q>("limit=1&x%00=1").unwrap_err()),
            "x\0"
        );
    }

    #[test]
    fn good_queries_parse() {
        let q: Q = parse_query("limit=5&status=published&day=2021-11-08").unwrap();
        assert_eq!(q.limit, Some(5));
    }
}
