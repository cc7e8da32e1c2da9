//! Timestamp columns read without chrono's format parser on SQLite.
//!
//! SQLite keeps a timestamp as text (`2021-11-08 07:00:00.123456`, as diesel writes it), and
//! diesel reads it back by trying chrono format strings one after another: on a page of 20
//! articles, three timestamps a row, that parsing was the largest cost of reading the page.
//! [`FastTime`] reads the text diesel writes directly and hands anything else to diesel's own
//! parser, so every value diesel accepts is still accepted, with the same result. PostgreSQL sends
//! timestamps as binary numbers and is read by diesel as before.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use diesel::deserialize::{self, FromSql};
use diesel::pg::Pg;
use diesel::sql_types::{Nullable, Timestamp};
use diesel::sqlite::Sqlite;

use super::MultiBackend;

/// A `TIMESTAMP` value, for `#[diesel(deserialize_as = FastTime)]` on `NaiveDateTime` fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, diesel::deserialize::FromSqlRow)]
pub struct FastTime(pub NaiveDateTime);

/// A nullable `TIMESTAMP` value, for `#[diesel(deserialize_as = MaybeFastTime)]` on
/// `Option<NaiveDateTime>` fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, diesel::deserialize::FromSqlRow)]
pub struct MaybeFastTime(pub Option<NaiveDateTime>);

impl From<FastTime> for NaiveDateTime {
    fn from(t: FastTime) -> Self {
        t.0
    }
}

impl From<MaybeFastTime> for Option<NaiveDateTime> {
    fn from(t: MaybeFastTime) -> Self {
        t.0
    }
}

/// `YYYY-MM-DD HH:MM:SS` with an optional fraction of 1 to 9 digits; `None` for anything else.
fn parse(text: &[u8]) -> Option<NaiveDateTime> {
    fn digits(b: &[u8]) -> Option<u32> {
        b.iter().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    }
    if text.len() < 19
        || text[4] != b'-'
        || text[7] != b'-'
        || text[10] != b' '
        || text[13] != b':'
        || text[16] != b':'
    {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(
        i32::try_from(digits(&text[0..4])?).ok()?,
        digits(&text[5..7])?,
        digits(&text[8..10])?,
    )?;
    let nanos = match &text[19..] {
        [] => 0,
        [b'.', fraction @ ..] if (1..=9).contains(&fraction.len()) => {
            digits(fraction)? * 10u32.pow(9 - fraction.len() as u32)
        }
        _ => return None,
    };
    let time = NaiveTime::from_hms_nano_opt(
        digits(&text[11..13])?,
        digits(&text[14..16])?,
        digits(&text[17..19])?,
        nanos,
    )?;
    Some(NaiveDateTime::new(date, time))
}

impl FromSql<Timestamp, Sqlite> for FastTime {
    fn from_sql(mut value: diesel::sqlite::SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        if let Some(t) = parse(value.read_blob()) {
            return Ok(Self(t));
        }
        <NaiveDateTime as FromSql<Timestamp, Sqlite>>::from_sql(value).map(Self)
    }
}

impl FromSql<Timestamp, Pg> for FastTime {
    fn from_sql(value: diesel::pg::PgValue<'_>) -> deserialize::Result<Self> {
        <NaiveDateTime as FromSql<Timestamp, Pg>>::from_sql(value).map(Self)
    }
}

impl FromSql<Timestamp, MultiBackend> for FastTime {
    fn from_sql(
        bytes: <MultiBackend as diesel::backend::Backend>::RawValue<'_>,
    ) -> deserialize::Result<Self> {
        bytes.from_sql::<Self, Timestamp>()
    }
}

impl<DB: diesel::backend::Backend> FromSql<Nullable<Timestamp>, DB> for MaybeFastTime
where
    FastTime: FromSql<Timestamp, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        <FastTime as FromSql<Timestamp, DB>>::from_sql(bytes).map(|t| Self(Some(t.0)))
    }

    fn from_nullable_sql(bytes: Option<DB::RawValue<'_>>) -> deserialize::Result<Self> {
        match bytes {
            Some(bytes) => Self::from_sql(bytes),
            None => Ok(Self(None)),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDateTime;
    use diesel::prelude::*;
    use diesel::sql_types::{Nullable, Timestamp};

    use super::{FastTime, MaybeFastTime};
    use crate::db::DbConnection;

    fn sqlite() -> DbConnection {
        DbConnection::Sqlite(diesel::SqliteConnection::establish(":memory:").unwrap())
    }

    fn read(conn: &mut DbConnection, expr: &str) -> QueryResult<NaiveDateTime> {
        diesel::select(diesel::dsl::sql::<Timestamp>(expr))
            .get_result::<FastTime>(conn)
            .map(|t| t.0)
    }

    /// What diesel's own parser makes of the same text.
    fn diesel_reads(conn: &mut DbConnection, expr: &str) -> QueryResult<NaiveDateTime> {
        diesel::select(diesel::dsl::sql::<Timestamp>(expr)).get_result(conn)
    }

    #[test]
    fn every_text_diesel_reads_is_read_the_same() {
        let mut conn = sqlite();
        for text in [
            "'2021-11-08 07:00:00'",
            "'2021-11-08 07:00:00.5'",
            "'2021-11-08 07:00:00.123456'",
            "'2021-11-08 07:00:00.123456789'",
            "'2024-02-29 23:59:59'",
            "'2021-11-08T07:00:00'",
            "'2021-11-08 07:00'",
            "'2021-11-08 07:00:00Z'",
            "CURRENT_TIMESTAMP",
        ] {
            assert_eq!(
                read(&mut conn, text).unwrap(),
                diesel_reads(&mut conn, text).unwrap(),
                "{text}"
            );
        }
    }

    #[test]
    fn impossible_times_are_errors_not_guesses() {
        let mut conn = sqlite();
        for text in [
            "'2021-02-30 07:00:00'",
            "'2021-11-08 25:00:00'",
            "'yesterday'",
        ] {
            assert!(read(&mut conn, text).is_err(), "{text}");
        }
    }

    #[test]
    fn null_is_none() {
        let mut conn = sqlite();
        let t: MaybeFastTime = diesel::select(diesel::dsl::sql::<Nullable<Timestamp>>("NULL"))
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(t.0, None);
        let t: MaybeFastTime = diesel::select(diesel::dsl::sql::<Nullable<Timestamp>>(
            "'2021-11-08 07:00:00'",
        ))
        .get_result(&mut conn)
        .unwrap();
        assert!(t.0.is_some());
    }
}
