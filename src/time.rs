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

/// The calendar date in Vietnam of a stored UTC instant.
pub fn date_in_vietnam(t: NaiveDateTime) -> NaiveDate {
    t.and_utc().with_timezone(&VIETNAM).date_naive()
}

/// The first instant (UTC) of a calendar day in Vietnam.
pub fn start_of_day_in_vietnam(date: NaiveDate) -> NaiveDateTime {
    use chrono::TimeZone;
    let midnight = date.and_time(chrono::NaiveTime::MIN);
    VIETNAM
        .from_local_datetime(&midnight)
        .earliest()
        .map_or(midnight, |t| t.naive_utc())
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

/// Where "now" comes from: the system, or a fixed instant (tests, and reports "as of" a day).
#[derive(Debug, Clone, Copy, Default)]
pub enum Clock {
    #[default]
    System,
    Fixed(DateTime<Utc>),
}

impl Clock {
    /// Now in UTC, truncated to microseconds.
    pub fn now(&self) -> NaiveDateTime {
        match self {
            Self::System => now(),
            Self::Fixed(t) => t.naive_utc().trunc_subsecs(6),
        }
    }

    /// Today's date in Vietnam (Asia/Ho_Chi_Minh), whatever the server's zone.
    pub fn today(&self) -> NaiveDate {
        match self {
            Self::System => today_in_vietnam(),
            Self::Fixed(t) => t.with_timezone(&VIETNAM).date_naive(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn today_is_the_date_in_vietnam() {
        // 18:30 UTC on 31 Dec is already 1 Jan in Vietnam (UTC+7).
        let clock = Clock::Fixed(Utc.with_ymd_and_hms(2021, 12, 31, 18, 30, 0).unwrap());
        assert_eq!(clock.today(), NaiveDate::from_ymd_opt(2022, 1, 1).unwrap());
    }
}
