//! `?fields=a,b` selection: the answer carries `id`, the named top-level fields and what the
//! request's `include` embeds. The names a record answers with are read from its schema, so the
//! spec, the check and the answer never disagree; an unknown name is a 400 that names it.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::openapi::{RefOr, Schema};
use utoipa::ToSchema;

use super::etag::{json_response, Tag};
use super::include::Includes;
use super::page::Page;
use crate::error::{ApiError, ApiResult};

/// Query parameters of a record's read that embeds nothing.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FieldsQuery {
    /// Only these top-level fields, comma-separated, besides `id`: a lighter answer. An unknown
    /// name is a 400. At most 1,000 characters.
    #[param(example = "title,version")]
    pub fields: Option<String>,
}

/// Answers one record that `read` loads in one database call with what `includes` embeds:
/// narrowed to `fields`, its ETag its `version` when it embeds nothing (else the body's, since
/// embedded records change on their own).
pub async fn answer_record<T: Serialize + Send + 'static>(
    (req, db): (&HttpRequest, &crate::db::Db),
    (includes, fields): (Includes, FieldSelection),
    read: impl FnOnce(&mut crate::db::DbConnection, &Includes) -> ApiResult<T> + Send + 'static,
    version: impl FnOnce(&T) -> i64,
) -> ApiResult<HttpResponse> {
    let embeds = !includes.is_empty();
    let record = db.run(move |conn| read(conn, &includes)).await?;
    let tag = if embeds {
        Tag::Body
    } else {
        Tag::Version(version(&record))
    };
    fields.record_response(req, &record, tag)
}

/// Declares the query of a record's read that may embed: `include` (the embeds it allows, as
/// `include` describes them), `fields`, then the fields given. The struct refuses unknown
/// parameters; `selection` checks both names at once.
#[macro_export]
macro_rules! read_query {
    ($(#[$meta:meta])* pub struct $name:ident {
        include => $include_doc:literal $(; example = $example:literal)?,
        $($fields:tt)*
    }) => {
        $(#[$meta])*
        #[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
        #[serde(deny_unknown_fields)]
        #[into_params(parameter_in = Query)]
        pub struct $name {
            #[doc = $include_doc]
            $(#[param(example = $example)])?
            pub include: Option<String>,
            /// Only these top-level fields, comma-separated, besides `id` and what `include` embeds: a
            /// lighter answer. An unknown name is a 400. At most 1,000 characters.
            pub fields: Option<String>,
            $($fields)*
        }

        impl $name {
            /// The embeds asked for among `allowed`, and the fields asked for of a `T`.
            pub fn selection<T: $crate::http::fields::Fielded>(
                &self,
                allowed: &[&'static str],
            ) -> $crate::error::ApiResult<(
                $crate::http::include::Includes,
                $crate::http::fields::FieldSelection,
            )> {
                $crate::http::fields::FieldSelection::with_includes::<T>(
                    self.include.as_deref(),
                    self.fields.as_deref(),
                    allowed,
                )
            }
        }
    };
}

/// At most this many characters in `fields`: more than every name of the widest record.
pub const MAX_FIELDS_LEN: usize = 1000;

/// A record type whose answers `fields` may narrow.
pub trait Fielded: ToSchema {
    /// The top-level fields of the record, in the schema's order.
    fn field_names() -> &'static [String];

    /// The fields of the answer that the include `name` fills besides the field of that name.
    fn include_fields(name: &'static str) -> &'static [&'static str] {
        let _ = name;
        &[]
    }
}

/// The top-level property names of `T`'s schema.
pub fn schema_fields<T: ToSchema>() -> Vec<String> {
    match T::schema() {
        RefOr::T(Schema::Object(object)) => object.properties.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

/// Declares record types whose answers `fields` may narrow, each optionally with the fields an
/// include fills when they are not named after it:
/// `fielded!(Article { "media" => ["cover_media", "media"] }, Meeting);`
#[macro_export]
macro_rules! fielded {
    ($($ty:ty $({ $($inc:literal => [$($field:literal),* $(,)?]),* $(,)? })?),* $(,)?) => {$(
        impl $crate::http::fields::Fielded for $ty {
            fn field_names() -> &'static [String] {
                static NAMES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
                NAMES.get_or_init($crate::http::fields::schema_fields::<$ty>)
            }

            $(fn include_fields(name: &'static str) -> &'static [&'static str] {
                match name {
                    $($inc => &[$($field),*],)*
                    _ => &[],
                }
            })?
        }
    )*};
}

/// The fields a request keeps; `None`: all of them. A handful of names, so a list is faster to
/// look in than a hash set.
#[derive(Debug, Clone, Default)]
pub struct FieldSelection(Option<Vec<String>>);

impl FieldSelection {
    /// Every field (no `fields` parameter).
    pub fn all() -> Self {
        Self(None)
    }

    /// Reads `fields` for a record of type `T`: `id`, the names given and what `includes` embeds.
    pub fn parse<T: Fielded>(raw: Option<&str>, includes: &Includes) -> ApiResult<Self> {
        let Some(raw) = raw else {
            return Ok(Self::all());
        };
        if raw.chars().count() > MAX_FIELDS_LEN {
            return Err(ApiError::bad_param(
                "fields",
                format!("is longer than {MAX_FIELDS_LEN} characters"),
            ));
        }
        let known = T::field_names();
        // What names the record: its `id`, else its first field (a revision's `version`).
        let key = if known.iter().any(|k| k == "id") {
            "id"
        } else {
            known.first().map_or("id", String::as_str)
        };
        let mut keep: Vec<String> = vec![key.to_owned()];
        let mut named = 0;
        for name in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            if !known.iter().any(|k| k == name) {
                return Err(ApiError::bad_param(
                    "fields",
                    format!(
                        "`{}` is not a field of this record; known: {}",
                        name.chars().take(100).collect::<String>(),
                        known.join(", ")
                    ),
                ));
            }
            add(&mut keep, name);
            named += 1;
        }
        if named == 0 {
            return Err(ApiError::bad_param(
                "fields",
                "names no field; leave it out for every field",
            ));
        }
        for include in includes.names() {
            add(&mut keep, include);
            for field in T::include_fields(include) {
                add(&mut keep, field);
            }
        }
        Ok(Self(Some(keep)))
    }

    /// `include` checked among `allowed`, and `fields` among those of a `T` and what `include`
    /// embeds.
    pub fn with_includes<T: Fielded>(
        include: Option<&str>,
        fields: Option<&str>,
        allowed: &[&'static str],
    ) -> ApiResult<(Includes, Self)> {
        let includes = Includes::parse(include, allowed)?;
        let fields = Self::parse::<T>(fields, &includes)?;
        Ok((includes, fields))
    }

    /// Whether the answer carries the field `name` (so that a read may leave out what it does not).
    pub fn wants(&self, name: &str) -> bool {
        self.0
            .as_ref()
            .is_none_or(|keep| keep.iter().any(|k| k == name))
    }

    /// Whether every field is kept.
    pub fn is_all(&self) -> bool {
        self.0.is_none()
    }

    /// `record` as the answer: only the kept fields, with an ETag from `tag` for the whole record
    /// and from the body otherwise (a part is another representation).
    pub fn record_response<T: Serialize>(
        &self,
        req: &HttpRequest,
        record: &T,
        tag: Tag,
    ) -> ApiResult<HttpResponse> {
        match &self.0 {
            None => json_response(req, StatusCode::OK, record, tag),
            Some(keep) => json_response(req, StatusCode::OK, &Narrowed { record, keep }, Tag::Body),
        }
    }

    /// A page as the answer (see [`super::page::page_response`]), each record narrowed.
    pub fn page_response<T: Serialize + ToSchema>(
        &self,
        req: &HttpRequest,
        page: &Page<T>,
    ) -> ApiResult<HttpResponse> {
        let next = page.page.next_cursor.as_deref();
        match &self.0 {
            None => super::page::page_response(req, page, next),
            Some(keep) => {
                let narrowed = NarrowedPage {
                    data: page
                        .data
                        .iter()
                        .map(|record| Narrowed { record, keep })
                        .collect(),
                    page: &page.page,
                };
                super::page::page_response(req, &narrowed, next)
            }
        }
    }
}

fn add(keep: &mut Vec<String>, name: &str) {
    if !keep.iter().any(|k| k == name) {
        keep.push(name.to_owned());
    }
}

#[derive(Serialize)]
struct NarrowedPage<'a, T: Serialize> {
    data: Vec<Narrowed<'a, T>>,
    page: &'a super::page::PageInfo,
}

/// A record serialized with only the kept top-level fields, written straight out (no
/// intermediate `serde_json::Value`): what it holds below the top level is written whole.
struct Narrowed<'a, T> {
    record: &'a T,
    keep: &'a [String],
}

impl<T: Serialize> Serialize for Narrowed<'_, T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.record.serialize(narrow::Narrowing {
            inner: serializer,
            keep: self.keep,
        })
    }
}

/// A serializer that passes everything through to another, except that the top-level struct
/// writes only the kept fields.
mod narrow {
    use serde::ser::{self, Serialize, SerializeStruct};

    pub struct Narrowing<'a, S> {
        pub inner: S,
        pub keep: &'a [String],
    }

    pub struct Struct<'a, S> {
        inner: S,
        keep: &'a [String],
    }

    impl<S: SerializeStruct> SerializeStruct for Struct<'_, S> {
        type Ok = S::Ok;
        type Error = S::Error;

        fn serialize_field<T: ?Sized + Serialize>(
            &mut self,
            key: &'static str,
            value: &T,
        ) -> Result<(), S::Error> {
            if self.keep.iter().any(|k| k == key) {
                self.inner.serialize_field(key, value)
            } else {
                Ok(())
            }
        }

        fn skip_field(&mut self, key: &'static str) -> Result<(), S::Error> {
            self.inner.skip_field(key)
        }

        fn end(self) -> Result<S::Ok, S::Error> {
            self.inner.end()
        }
    }

    /// Methods that hand their arguments on unchanged: `-> T` names what a compound one answers.
    macro_rules! pass {
        ($($method:ident($($arg:ident: $ty:ty),*) $(-> $ret:ty)?),* $(,)?) => {$(
            pass!(@one $method($($arg: $ty),*) [$($ret)?]);
        )*};
        (@one $method:ident($($arg:ident: $ty:ty),*) []) => {
            fn $method(self, $($arg: $ty),*) -> Result<Self::Ok, Self::Error> {
                self.inner.$method($($arg),*)
            }
        };
        (@one $method:ident($($arg:ident: $ty:ty),*) [$ret:ty]) => {
            fn $method(self, $($arg: $ty),*) -> Result<$ret, Self::Error> {
                self.inner.$method($($arg),*)
            }
        };
    }

    impl<'a, S: ser::Serializer> ser::Serializer for Narrowing<'a, S> {
        type Ok = S::Ok;
        type Error = S::Error;
        type SerializeSeq = S::SerializeSeq;
        type SerializeTuple = S::SerializeTuple;
        type SerializeTupleStruct = S::SerializeTupleStruct;
        type SerializeTupleVariant = S::SerializeTupleVariant;
        type SerializeMap = S::SerializeMap;
        type SerializeStruct = Struct<'a, S::SerializeStruct>;
        type SerializeStructVariant = S::SerializeStructVariant;

        pass!(
            serialize_bool(v: bool),
            serialize_i8(v: i8),
            serialize_i16(v: i16),
            serialize_i32(v: i32),
            serialize_i64(v: i64),
            serialize_u8(v: u8),
            serialize_u16(v: u16),
            serialize_u32(v: u32),
            serialize_u64(v: u64),
            serialize_f32(v: f32),
            serialize_f64(v: f64),
            serialize_char(v: char),
            serialize_str(v: &str),
            serialize_bytes(v: &[u8]),
            serialize_none(),
            serialize_unit(),
            serialize_unit_struct(name: &'static str),
            serialize_unit_variant(name: &'static str, index: u32, variant: &'static str),
            serialize_seq(len: Option<usize>) -> S::SerializeSeq,
            serialize_tuple(len: usize) -> S::SerializeTuple,
            serialize_tuple_struct(name: &'static str, len: usize) -> S::SerializeTupleStruct,
            serialize_tuple_variant(name: &'static str, index: u32, variant: &'static str, len: usize)
                -> S::SerializeTupleVariant,
            serialize_map(len: Option<usize>) -> S::SerializeMap,
            serialize_struct_variant(name: &'static str, index: u32, variant: &'static str, len: usize)
                -> S::SerializeStructVariant,
        );

        fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<S::Ok, S::Error> {
            self.inner.serialize_some(value)
        }

        fn serialize_newtype_struct<T: ?Sized + Serialize>(
            self,
            name: &'static str,
            value: &T,
        ) -> Result<S::Ok, S::Error> {
            self.inner.serialize_newtype_struct(name, value)
        }

        fn serialize_newtype_variant<T: ?Sized + Serialize>(
            self,
            name: &'static str,
            index: u32,
            variant: &'static str,
            value: &T,
        ) -> Result<S::Ok, S::Error> {
            self.inner
                .serialize_newtype_variant(name, index, variant, value)
        }

        fn serialize_struct(
            self,
            name: &'static str,
            len: usize,
        ) -> Result<Self::SerializeStruct, S::Error> {
            Ok(Struct {
                inner: self.inner.serialize_struct(name, len)?,
                keep: self.keep,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize, utoipa::ToSchema)]
    struct Thing {
        id: i64,
        name: String,
        body: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        parts: Option<Vec<i64>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        cover: Option<i64>,
    }

    crate::fielded!(Thing { "parts" => ["cover"] });

    fn thing() -> Thing {
        Thing {
            id: 1,
            name: "a".into(),
            body: "long".into(),
            parts: Some(vec![2]),
            cover: Some(3),
        }
    }

    fn narrowed(record: Thing, keep: &[String]) -> serde_json::Value {
        serde_json::to_value(Narrowed {
            record: &record,
            keep,
        })
        .unwrap()
    }

    #[test]
    fn names_come_from_the_schema() {
        assert_eq!(
            Thing::field_names(),
            ["id", "name", "body", "parts", "cover"]
        );
    }

    #[test]
    fn the_answer_keeps_id_the_names_and_the_includes() {
        let none = Includes::parse(None, &["parts"]).unwrap();
        let f = FieldSelection::parse::<Thing>(Some("name"), &none).unwrap();
        assert!(f.wants("name") && f.wants("id") && !f.wants("body"));
        let FieldSelection(Some(keep)) = f else {
            panic!()
        };
        assert_eq!(
            narrowed(thing(), &keep),
            serde_json::json!({"id": 1, "name": "a"})
        );

        let parts = Includes::parse(Some("parts"), &["parts"]).unwrap();
        let FieldSelection(Some(keep)) =
            FieldSelection::parse::<Thing>(Some("name"), &parts).unwrap()
        else {
            panic!()
        };
        assert_eq!(
            narrowed(thing(), &keep),
            serde_json::json!({"id": 1, "name": "a", "parts": [2], "cover": 3})
        );
    }

    #[test]
    fn unknown_empty_and_overlong_lists_are_refused() {
        let none = Includes::default();
        assert!(FieldSelection::parse::<Thing>(Some("name,secret"), &none).is_err());
        assert!(FieldSelection::parse::<Thing>(Some(" , "), &none).is_err());
        assert!(FieldSelection::parse::<Thing>(Some(&"name,".repeat(300)), &none).is_err());
        assert!(FieldSelection::parse::<Thing>(None, &none)
            .unwrap()
            .is_all());
    }
}
