//! Parsing of query values shared by several lists.

use chrono::{DateTime, Days, NaiveDate, NaiveDateTime, TimeZone};

use crate::error::{ApiError, ApiResult};
use crate::time::VIETNAM;

/// Which end of a range a date stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    /// `x_from=2021-11-08`: from the start of that day in Vietnam.
    Start,
    /// `x_to=2021-11-08`: up to the end of that day in Vietnam (returned as the exclusive start
    /// of the next day). An RFC 3339 time is taken as inclusive, so it is moved by a microsecond.
    End,
}

/// Reads an RFC 3339 time or a calendar date (in Vietnam) as a UTC bound. For `Bound::End` the
/// result is exclusive.
pub fn time_bound(
    field: &str,
    raw: Option<&str>,
    bound: Bound,
) -> ApiResult<Option<NaiveDateTime>> {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        let t = t.naive_utc();
        return Ok(Some(match bound {
            Bound::Start => t,
            Bound::End => t + chrono::Duration::microseconds(1),
        }));
    }
    let date = NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| {
        ApiError::bad_param(
            field,
            "must be a date (2021-11-08) or an RFC 3339 time (2021-11-07T20:42:00Z)",
        )
    })?;
    let day = match bound {
        Bound::Start => Some(date),
        Bound::End => date.checked_add_days(Days::new(1)),
    }
    .ok_or_else(|| ApiError::bad_param(field, "is out of range"))?;
    let start = VIETNAM
        .from_local_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default())
        .earliest()
        .ok_or_else(|| ApiError::bad_param(field, "is out of range"))?;
    Ok(Some(start.naive_utc()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_days_in_vietnam() {
        let from = time_bound("f", Some("2021-11-08"), Bound::Start)
            .unwrap()
            .unwrap();
        assert_eq!(from.to_string(), "2021-11-07 17:00:00");
        let to = time_bound("f", Some("2021-11-08"), Bound::End)
            .unwrap()
            .unwrap();
        assert_eq!(to.to_string(), "2021-11-08 17:00:00");
    }

    #[test]
    fn times_are_taken_as_given_and_junk_is_refused() {
        let t = time_bound("f", Some("2021-11-07T20:42:00Z"), Bound::Start)
            .unwrap()
            .unwrap();
        assert_eq!(t.to_string(), "2021-11-07 20:42:00");
        assert!(time_bound("f", Some("yesterday"), Bound::Start).is_err());
    }
}
