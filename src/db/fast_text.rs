//! Text columns read with a vectorised UTF-8 check.
//!
//! Diesel checks every text value it reads with `std::str::from_utf8`, which walks Vietnamese
//! text (mostly two- and three-byte characters) one character at a time: on a page of 20
//! articles, that check took a quarter of the request's time. [`FastText`] reads the same bytes
//! and checks them with SIMD instead; invalid UTF-8 is still an error, never passed on.

use diesel::deserialize::{self, FromSql};
use diesel::pg::Pg;
use diesel::sql_types::Text;
use diesel::sqlite::Sqlite;

use super::MultiBackend;

/// A `TEXT` value, for `#[diesel(deserialize_as = FastText)]` on long `String` fields.
#[derive(Debug, Clone, PartialEq, Eq, diesel::deserialize::FromSqlRow)]
pub struct FastText(pub String);

/// A nullable `TEXT` value, for `#[diesel(deserialize_as = MaybeFastText)]` on long
/// `Option<String>` fields.
#[derive(Debug, Clone, PartialEq, Eq, diesel::deserialize::FromSqlRow)]
pub struct MaybeFastText(pub Option<String>);

impl From<MaybeFastText> for Option<String> {
    fn from(t: MaybeFastText) -> Self {
        t.0
    }
}

impl<DB: diesel::backend::Backend> FromSql<diesel::sql_types::Nullable<Text>, DB> for MaybeFastText
where
    FastText: FromSql<Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        <FastText as FromSql<Text, DB>>::from_sql(bytes).map(|t| Self(Some(t.0)))
    }

    fn from_nullable_sql(bytes: Option<DB::RawValue<'_>>) -> deserialize::Result<Self> {
        match bytes {
            Some(bytes) => Self::from_sql(bytes),
            None => Ok(Self(None)),
        }
    }
}

impl From<FastText> for String {
    fn from(t: FastText) -> Self {
        t.0
    }
}

fn from_bytes(bytes: &[u8]) -> deserialize::Result<FastText> {
    match simdutf8::basic::from_utf8(bytes) {
        Ok(s) => Ok(FastText(s.to_owned())),
        // The slow check again, only to say where the text goes wrong.
        Err(_) => match std::str::from_utf8(bytes) {
            Err(e) => Err(Box::new(e)),
            Ok(s) => Ok(FastText(s.to_owned())),
        },
    }
}

impl FromSql<Text, Pg> for FastText {
    fn from_sql(value: diesel::pg::PgValue<'_>) -> deserialize::Result<Self> {
        from_bytes(value.as_bytes())
    }
}

impl FromSql<Text, Sqlite> for FastText {
    fn from_sql(mut value: diesel::sqlite::SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        // The bytes of a TEXT value as stored (UTF-8), without SQLite converting them.
        from_bytes(value.read_blob())
    }
}

impl FromSql<Text, MultiBackend> for FastText {
    fn from_sql(
        bytes: <MultiBackend as diesel::backend::Backend>::RawValue<'_>,
    ) -> deserialize::Result<Self> {
        bytes.from_sql::<Self, Text>()
    }
}

#[cfg(test)]
mod tests {
    use diesel::prelude::*;
    use diesel::sql_types::Text;

    use super::FastText;
    use crate::db::DbConnection;

    fn read(conn: &mut DbConnection, expr: &str) -> QueryResult<FastText> {
        diesel::select(diesel::dsl::sql::<Text>(expr)).get_result(conn)
    }

    #[test]
    fn text_is_read_whole_and_bad_utf8_is_an_error() {
        let mut conn =
            DbConnection::Sqlite(diesel::SqliteConnection::establish(":memory:").unwrap());
        let text = "Đảng ủy phường Tuần Châu — chỉ tiêu 100%";
        assert_eq!(
            read(&mut conn, &format!("'{text}'")).unwrap(),
            FastText(text.to_owned())
        );
        assert_eq!(read(&mut conn, "''").unwrap(), FastText(String::new()));
        // "é" and then a byte that cannot start a character.
        let err = read(&mut conn, "CAST(x'c3a9ff' AS TEXT)").unwrap_err();
        assert!(
            matches!(err, diesel::result::Error::DeserializationError(_)),
            "{err:?}"
        );
    }
}
