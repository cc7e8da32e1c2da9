//! Slows down password guessing: after 5 failed logins within a minute from one client address,
//! or for one username, further attempts get 429 until the oldest failure leaves the window.
//! Counted in the database so every server behind a load balancer sees the same count.

use chrono::Duration;
use diesel::prelude::*;

use crate::db::schema::login_failures;
use crate::db::DbConnection;
use crate::error::{ApiError, ApiResult};

pub const MAX_FAILURES: i64 = 5;
pub const WINDOW_SECS: i64 = 60;

/// 429 when the address or the username has used up its failures in the window.
pub fn check(conn: &mut DbConnection, address: &str, username: &str) -> ApiResult<()> {
    let now = crate::time::now();
    let since = now - Duration::seconds(WINDOW_SECS);
    let mut wait = 0i64;
    for (scope, key) in [("address", address), ("username", username)] {
        let recent: Vec<chrono::NaiveDateTime> = login_failures::table
            .filter(login_failures::scope.eq(scope))
            .filter(login_failures::key.eq(key))
            .filter(login_failures::failed_at.gt(since))
            .order(login_failures::failed_at.desc())
            .limit(MAX_FAILURES)
            .select(login_failures::failed_at)
            .load(conn)?;
        if recent.len() as i64 >= MAX_FAILURES {
            if let Some(oldest) = recent.last() {
                let free_at = *oldest + Duration::seconds(WINDOW_SECS);
                wait = wait.max((free_at - now).num_seconds() + 1);
            }
        }
    }
    if wait > 0 {
        return Err(ApiError::RateLimited {
            retry_after_secs: wait as u64,
        });
    }
    Ok(())
}

/// Records a failed login for both the address and the username.
pub fn record_failure(conn: &mut DbConnection, address: &str, username: &str) -> ApiResult<()> {
    let now = crate::time::now();
    for (scope, key) in [("address", address), ("username", username)] {
        diesel::insert_into(login_failures::table)
            .values((
                login_failures::scope.eq(scope),
                login_failures::key.eq(key),
                login_failures::failed_at.eq(now),
            ))
            .execute(conn)?;
    }
    // Old rows serve no purpose; keep the table small.
    diesel::delete(
        login_failures::table.filter(login_failures::failed_at.lt(now - Duration::hours(1))),
    )
    .execute(conn)?;
    Ok(())
}
