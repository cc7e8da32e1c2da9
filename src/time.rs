//! Time as the service sees it: UTC instants truncated to microseconds (what PostgreSQL keeps, so
//! both backends hold equal values), and calendar dates in Vietnam.

use chrono::{DateTime, NaiveDate, NaiveDateTime, SubsecRound, Utc};

/// The zone in which calendar dates are read.
pub const VIETNAM: chrono_tz::Tz = chrono_tz::Asia::Ho_Chi_Minh;

/// Now, truncated to microseconds.
pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(6)
}

/// A stored UTC timestamp as the API's RFC 3339 UTC value.
pub fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

/// Today's date in Vietnam.
pub fn today_in_vietnam() -> NaiveDate {
    Utc::now().with_timezone(&VIETNAM).date_naive()
}

/// The RFC 3339 text used inside cursors: exact to the microsecond.
pub fn cursor_text(t: NaiveDateTime) -> String {
    t.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// Parses [`cursor_text`] back.
pub fn parse_cursor_text(s: &str) -> Option<NaiveDateTime> {
    DateTime::parse_from_rfc3339(s).ok().map(|t| t.naive_utc())
}
