//! Slows down password guessing without letting anyone lock another person out.
//!
//! Attempts are counted per (username, client address) and per client address: after 5 failed
//! logins within a minute in either, further attempts from there get 429 until the oldest failure
//! leaves the window. The right password from an address that has not failed is never refused
//! because of failures elsewhere.
//!
//! An attempt is recorded before its password is checked, atomically with the count (one
//! transaction, serialized per address: an advisory lock on PostgreSQL, the write lock on
//! SQLite), so parallel guesses cannot all pass the check: at most the limit are verified. A
//! right password then takes its attempt back. Counted in the database, so every server behind a
//! load balancer sees the same count.

use chrono::Duration;
use diesel::prelude::*;

use crate::db::schema::login_failures;
use crate::db::DbConnection;
use crate::error::{ApiError, ApiResult};

pub const MAX_FAILURES: i64 = 5;
pub const WINDOW_SECS: i64 = 60;

/// The advisory-lock class of login attempts (the first key of the two-key form).
const LOCK_CLASS: i32 = 0x6c67_6e00;

/// The counters an attempt counts in: the address, and the username from that address.
fn scopes<'a>(address: &'a str, username: &'a str) -> [(&'static str, String); 2] {
    [
        ("address", address.to_owned()),
        ("user_address", format!("{username}\n{address}")),
    ]
}

/// An attempt in flight: its rows count as failures until [`succeeded`] takes them back.
#[derive(Debug)]
pub struct Attempt {
    ids: Vec<i64>,
}

/// Records an attempt from `address` (see [`crate::http::client`]) for `username`, or refuses it
/// with 429 when either counter is used up. Runs its own transaction.
pub fn begin(conn: &mut DbConnection, address: &str, username: &str) -> ApiResult<Attempt> {
    crate::db::transaction(conn, |conn| {
        let now = crate::time::now();
        if let DbConnection::Pg(pg) = conn {
            diesel::sql_query("SELECT pg_advisory_xact_lock($1, hashtext($2))")
                .bind::<diesel::sql_types::Integer, _>(LOCK_CLASS)
                .bind::<diesel::sql_types::Text, _>(address)
                .execute(pg)?;
        }
        // Old rows serve no purpose; keep the table small.
        diesel::delete(
            login_failures::table.filter(login_failures::failed_at.lt(now - Duration::hours(1))),
        )
        .execute(conn)?;
        let since = now - Duration::seconds(WINDOW_SECS);
        let mut wait = 0i64;
        for (scope, key) in scopes(address, username) {
            let recent: Vec<chrono::NaiveDateTime> = login_failures::table
                .filter(login_failures::scope.eq(scope))
                .filter(login_failures::key.eq(&key))
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
        let mut ids = Vec::with_capacity(2);
        for (scope, key) in scopes(address, username) {
            let id: i64 = diesel::insert_into(login_failures::table)
                .values((
                    login_failures::scope.eq(scope),
                    login_failures::key.eq(key),
                    login_failures::failed_at.eq(now),
                ))
                .returning(login_failures::id)
                .get_result(conn)?;
            ids.push(id);
        }
        Ok(Attempt { ids })
    })
}

/// The password was right: the attempt is not a failure.
pub fn succeeded(conn: &mut DbConnection, attempt: Attempt) -> ApiResult<()> {
    diesel::delete(login_failures::table.filter(login_failures::id.eq_any(attempt.ids)))
        .execute(conn)?;
    Ok(())
}
