//! Request bodies declared once. A body is a serde struct deriving `ToSchema`; its schema
//! attributes (`required`, nullability, `min_length`/`max_length`, `minimum`/`maximum`, enum
//! values, `format`, `max_items`, `unique_items`) are both what the published spec says and what
//! [`read`] checks, so the two cannot drift. Every problem is reported at once, each under its
//! field's path (`media[2].caption`); the struct is only built from the fields that passed.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, SubsecRound};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use utoipa::openapi::schema::{ArrayItems, KnownFormat, Schema, SchemaFormat, SchemaType, Type};
use utoipa::openapi::RefOr;
use utoipa::ToSchema;

use super::write::{text_problem, Mode};
use crate::error::{ApiError, ApiResult, FieldError};

/// The format a time takes once read: UTC, to the microsecond, as the rows keep it.
const NAIVE_TIME: &str = "%Y-%m-%dT%H:%M:%S%.6f";

/// A body read against its declaration: the fields that passed, and every problem found.
pub struct Reading<T> {
    pub value: T,
    errors: Vec<FieldError>,
    /// The body's fields in declaration order, by which the problems are listed.
    fields: Vec<String>,
}

impl<T> Reading<T> {
    /// Adds a problem only the resource can see (two fields that disagree, a URL it refuses).
    pub fn error(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
    }

    pub fn has_error(&self, field: &str) -> bool {
        self.errors.iter().any(|e| e.field == field)
    }

    /// 422 with every problem found, or the body. Problems are listed field by field in the
    /// order the body declares them (fields it does not have first), whoever found them.
    pub fn finish(mut self) -> ApiResult<T> {
        if self.errors.is_empty() {
            return Ok(self.value);
        }
        let fields = &self.fields;
        self.errors.sort_by_key(|e| {
            let root = e.field.split(['.', '[']).next().unwrap_or_default();
            fields.iter().position(|f| f == root)
        });
        Err(ApiError::Validation(self.errors))
    }
}

impl<T> Reading<T> {
    /// The same reading, as another body with the same fields (a create read as its patch).
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Reading<U> {
        Reading {
            value: f(self.value),
            errors: self.errors,
            fields: self.fields,
        }
    }
}

/// Reads a JSON object as the body `T` declares. `read_only` names fields a client may see but
/// not write (the record's own, and those the path gives); a create must give every field the
/// schema requires, a patch any of them.
pub fn read<T: ToSchema + DeserializeOwned + Default>(
    obj: Map<String, Value>,
    mode: Mode,
    read_only: &[&str],
) -> Reading<T> {
    let mut named = Vec::new();
    T::schemas(&mut named);
    let checker = Checker {
        named: named.into_iter().collect(),
    };
    let mut errors = Vec::new();
    let mut fields = Vec::new();
    let out = match resolve(&checker.named, &T::schema()) {
        Some(Schema::Object(object)) => {
            fields = object.properties.keys().cloned().collect();
            checker.object(object, obj, mode, read_only, "", &mut errors)
        }
        _ => {
            errors.push(FieldError::new("body", "has no declared fields"));
            Map::new()
        }
    };
    let value = match serde_path_to_error::deserialize::<_, T>(Value::Object(out)) {
        Ok(value) => value,
        Err(e) => {
            errors.push(FieldError::new(e.path().to_string(), e.inner().to_string()));
            T::default()
        }
    };
    Reading {
        value,
        errors,
        fields,
    }
}

struct Checker {
    named: HashMap<String, RefOr<Schema>>,
}

/// The schema a property declares, through a `$ref` and the `oneOf [null, …]` of an optional
/// reference.
fn resolve<'a>(
    named: &'a HashMap<String, RefOr<Schema>>,
    s: &'a RefOr<Schema>,
) -> Option<&'a Schema> {
    match s {
        RefOr::T(Schema::OneOf(one)) => {
            one.items
                .iter()
                .find_map(|item| match resolve(named, item) {
                    Some(Schema::Object(o)) if types(&o.schema_type) == [Type::Null] => None,
                    other => other,
                })
        }
        RefOr::T(schema) => Some(schema),
        RefOr::Ref(r) => resolve(named, named.get(r.ref_location.rsplit('/').next()?)?),
    }
}

fn types(t: &SchemaType) -> Vec<Type> {
    match t {
        SchemaType::Type(t) => vec![t.clone()],
        SchemaType::Array(ts) => ts.clone(),
        SchemaType::AnyValue => Vec::new(),
    }
}

/// Whether a property takes `null` (to clear it).
fn nullable(s: &RefOr<Schema>) -> bool {
    match s {
        RefOr::T(Schema::Object(o)) => types(&o.schema_type).contains(&Type::Null),
        RefOr::T(Schema::Array(a)) => types(&a.schema_type).contains(&Type::Null),
        RefOr::T(Schema::OneOf(one)) => one.items.iter().any(
            |i| matches!(i, RefOr::T(Schema::Object(o)) if types(&o.schema_type) == [Type::Null]),
        ),
        _ => false,
    }
}

fn number(n: &Option<utoipa::Number>) -> Option<i64> {
    match n.as_ref()? {
        utoipa::Number::Int(i) => i64::try_from(*i).ok(),
        utoipa::Number::UInt(u) => i64::try_from(*u).ok(),
        utoipa::Number::Float(f) => Some(*f as i64),
    }
}

fn as_id(v: &Value) -> Option<i64> {
    v.as_i64().filter(|n| *n > 0 && *n < (1_i64 << 53))
}

impl Checker {
    /// The fields of an object that passed, with the problems of the others in `errors`.
    fn object(
        &self,
        object: &utoipa::openapi::schema::Object,
        mut obj: Map<String, Value>,
        mode: Mode,
        read_only: &[&str],
        prefix: &str,
        errors: &mut Vec<FieldError>,
    ) -> Map<String, Value> {
        let top = prefix.is_empty();
        let writable = |name: &str| !read_only.contains(&name);
        for key in obj.keys() {
            if object.properties.contains_key(key) && writable(key) {
                continue;
            }
            let message = if !top {
                "is not a field here".to_owned()
            } else if !writable(key) {
                "is read-only".to_owned()
            } else {
                let allowed: Vec<&str> = object
                    .properties
                    .keys()
                    .map(String::as_str)
                    .filter(|k| writable(k))
                    .collect();
                format!(
                    "is not a field of this resource; allowed: {}",
                    allowed.join(", ")
                )
            };
            errors.push(FieldError::new(format!("{prefix}{key}"), message));
        }
        let mut out = Map::new();
        for (name, property) in object.properties.iter().filter(|(k, _)| writable(k)) {
            let field = format!("{prefix}{name}");
            match obj.remove(name) {
                None if mode == Mode::Create && object.required.contains(name) => {
                    errors.push(FieldError::new(field, "is required"));
                }
                None => {}
                Some(Value::Null) if nullable(property) => {
                    out.insert(name.clone(), Value::Null);
                }
                Some(Value::Null) => errors.push(FieldError::new(field, "must not be null")),
                Some(v) => {
                    if let Some(v) = self.value(property, v, &field, errors) {
                        out.insert(name.clone(), v);
                    }
                }
            }
        }
        out
    }

    /// The value as the struct takes it (text in NFC, times in UTC), or `None` with its problems.
    fn value(
        &self,
        property: &RefOr<Schema>,
        v: Value,
        field: &str,
        errors: &mut Vec<FieldError>,
    ) -> Option<Value> {
        let mut fail = |message: String| {
            errors.push(FieldError::new(field, message));
            None
        };
        let Some(schema) = resolve(&self.named, property) else {
            return fail("has no declared type".to_owned());
        };
        let object = match schema {
            Schema::Array(array) => return self.array(array, v, field, errors),
            Schema::Object(o) => o,
            _ => return fail("has no declared type".to_owned()),
        };
        if !object.properties.is_empty() {
            let Value::Object(inner) = v else {
                return fail("must be an object".to_owned());
            };
            let prefix = format!("{field}.");
            let out = self.object(object, inner, Mode::Create, &[], &prefix, errors);
            return Some(Value::Object(out));
        }
        let kind = types(&object.schema_type)
            .into_iter()
            .find(|t| *t != Type::Null);
        let format = match &object.format {
            Some(SchemaFormat::KnownFormat(f)) => Some(f),
            _ => None,
        };
        match kind {
            Some(Type::String) => {
                let Value::String(s) = v else {
                    return fail(
                        match format {
                            Some(KnownFormat::DateTime) => {
                                "must be an RFC 3339 time such as 2021-11-07T20:42:00Z"
                            }
                            Some(KnownFormat::Date) => "must be a date such as 2021-11-08",
                            _ => "must be a string",
                        }
                        .to_owned(),
                    );
                };
                if let Some(allowed) = &object.enum_values {
                    if allowed.iter().any(|a| a.as_str() == Some(s.as_str())) {
                        return Some(Value::String(s));
                    }
                    let names: Vec<&str> = allowed.iter().filter_map(Value::as_str).collect();
                    return fail(format!("must be one of: {}", names.join(", ")));
                }
                match format {
                    Some(KnownFormat::DateTime) => match DateTime::parse_from_rfc3339(&s) {
                        Ok(t) => Some(Value::String(
                            t.naive_utc()
                                .trunc_subsecs(6)
                                .format(NAIVE_TIME)
                                .to_string(),
                        )),
                        Err(_) => {
                            fail("must be an RFC 3339 time such as 2021-11-07T20:42:00Z".to_owned())
                        }
                    },
                    Some(KnownFormat::Date) => match NaiveDate::parse_from_str(&s, "%Y-%m-%d") {
                        Ok(_) => Some(Value::String(s)),
                        Err(_) => fail("must be a date such as 2021-11-08".to_owned()),
                    },
                    _ => {
                        let s = crate::text::nfc(&s);
                        match text_problem(&s, object.max_length.unwrap_or(usize::MAX)) {
                            Some(problem) => fail(problem),
                            None => Some(Value::String(s)),
                        }
                    }
                }
            }
            Some(Type::Integer) => match (number(&object.minimum), number(&object.maximum)) {
                (Some(min), Some(max)) => match v.as_i64().filter(|n| (min..=max).contains(n)) {
                    Some(n) => Some(Value::from(n)),
                    None => fail(format!("must be a whole number from {min} to {max}")),
                },
                _ => match as_id(&v) {
                    Some(id) => Some(Value::from(id)),
                    None => fail("must be a positive whole number".to_owned()),
                },
            },
            Some(Type::Number) => match v.as_f64().filter(|f| f.is_finite()) {
                None => fail("must be a number".to_owned()),
                Some(n) => match number(&object.minimum) {
                    Some(0) if n < 0.0 => fail("must not be negative".to_owned()),
                    Some(min) if n < min as f64 => fail(format!("must be at least {min}")),
                    _ => Some(v),
                },
            },
            Some(Type::Boolean) => match v {
                Value::Bool(_) => Some(v),
                _ => fail("must be true or false".to_owned()),
            },
            _ => fail("has no declared type".to_owned()),
        }
    }

    /// A list: texts, distinct ids or objects, at most `max_items` of them.
    fn array(
        &self,
        array: &utoipa::openapi::schema::Array,
        v: Value,
        field: &str,
        errors: &mut Vec<FieldError>,
    ) -> Option<Value> {
        let ArrayItems::RefOrSchema(items) = &array.items else {
            errors.push(FieldError::new(field, "takes no items"));
            return None;
        };
        let item = resolve(&self.named, items);
        let (expected, ids) = match item {
            Some(Schema::Object(o)) if !o.properties.is_empty() => ("an array of objects", false),
            Some(Schema::Object(o)) if types(&o.schema_type).contains(&Type::Integer) => {
                ("an array of ids", true)
            }
            _ => ("an array of strings", false),
        };
        let Value::Array(values) = v else {
            errors.push(FieldError::new(field, format!("must be {expected}")));
            return None;
        };
        if let Some(max) = array.max_items.filter(|max| values.len() > *max) {
            errors.push(FieldError::new(
                field,
                format!("must have at most {max} items"),
            ));
            return None;
        }
        let before = errors.len();
        let mut out = Vec::with_capacity(values.len());
        for (i, value) in values.into_iter().enumerate() {
            let at = format!("{field}[{i}]");
            if ids {
                match as_id(&value) {
                    Some(_) if array.unique_items && out.contains(&value) => {
                        errors.push(FieldError::new(at, "is listed twice"));
                    }
                    Some(_) => out.push(value),
                    None => errors.push(FieldError::new(at, "must be a positive whole number")),
                }
            } else if let Some(v) = self.value(items, value, &at, errors) {
                out.push(v);
            }
        }
        (errors.len() == before).then_some(Value::Array(out))
    }
}

/// Declares the schema of a text that is an item of a list (an author's name): not blank, no
/// control characters, at most `$max` characters; [`read`] checks each item by it.
#[macro_export]
macro_rules! text_item {
    ($(#[doc = $doc:literal])* $name:ident, $max:literal) => {
        $(#[doc = $doc])*
        pub struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .description(Some(concat!($($doc),*).trim()))
                    .min_length(Some(1))
                    .max_length(Some($max))
                    .pattern(Some($crate::http::write::TEXT_PATTERN))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::write::Patch;
    use serde::Deserialize;

    #[derive(Debug, Default, Deserialize, serde::Serialize, ToSchema)]
    #[serde(default)]
    struct Item {
        #[schema(value_type = i64, required = true, minimum = 1)]
        id: Patch<i64>,
    }

    #[derive(Debug, Default, Deserialize, ToSchema)]
    #[serde(default)]
    struct Sample {
        #[schema(value_type = String, required = true, min_length = 1, max_length = 5)]
        name: Patch<String>,
        #[schema(value_type = Option<i32>, minimum = 1, maximum = 9)]
        rank: Patch<i32>,
        #[schema(value_type = Option<Vec<Item>>, max_items = 3)]
        items: Patch<Vec<Item>>,
        #[schema(value_type = Option<chrono::DateTime<chrono::Utc>>)]
        at: Patch<chrono::NaiveDateTime>,
    }

    fn problems(body: Value, mode: Mode) -> Vec<(String, String)> {
        let Value::Object(obj) = body else {
            return Vec::new();
        };
        match read::<Sample>(obj, mode, &["id"]).finish() {
            Err(ApiError::Validation(errors)) => {
                errors.into_iter().map(|e| (e.field, e.message)).collect()
            }
            _ => Vec::new(),
        }
    }

    #[test]
    fn every_problem_is_reported_under_its_path_in_declaration_order() {
        let found = problems(
            serde_json::json!({"rank": 10, "items": [{"id": 0}, {"x": 1}], "id": 4, "colour": 1}),
            Mode::Create,
        );
        let fields: Vec<&str> = found.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            [
                "id",
                "colour",
                "name",
                "rank",
                "items[0].id",
                "items[1].x",
                "items[1].id"
            ],
            "{found:?}"
        );
        assert_eq!(found[0].1, "is read-only");
        assert_eq!(found[2].1, "is required");
        assert_eq!(found[3].1, "must be a whole number from 1 to 9");
        assert_eq!(found[5].1, "is not a field here");
    }

    #[test]
    fn a_patch_needs_nothing_and_null_clears_only_what_may_be_cleared() {
        assert!(problems(serde_json::json!({}), Mode::Patch).is_empty());
        assert!(problems(serde_json::json!({"rank": null}), Mode::Patch).is_empty());
        let found = problems(serde_json::json!({"name": null}), Mode::Patch);
        assert_eq!(found, [("name".to_owned(), "must not be null".to_owned())]);
    }

    #[test]
    fn text_is_normalised_and_times_are_kept_in_utc_to_the_microsecond() {
        let Value::Object(obj) = serde_json::json!({
            "name": "Vie\u{0323}\u{0302}t",
            "at": "2021-11-08T09:30:00.1234567+07:00"
        }) else {
            return;
        };
        let Ok(sample) = read::<Sample>(obj, Mode::Create, &[]).finish() else {
            panic!("a valid body was refused");
        };
        assert_eq!(sample.name, Patch::Set("Việt".to_owned()));
        let at = chrono::NaiveDate::from_ymd_opt(2021, 11, 8)
            .and_then(|d| d.and_hms_micro_opt(2, 30, 0, 123_456));
        assert_eq!(sample.at.into_option(), at);
    }
}
