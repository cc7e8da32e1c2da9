//! Users in the database.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::users;
use crate::db::DbConnection;
use crate::error::{ApiError, ApiResult};
use crate::http::page::PageRequest;
use crate::http::write::{expect_written, IfMatch, Patch};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Insertable)]
#[diesel(table_name = users)]
pub struct UserRow {
    /// Given by the database: a row built to be inserted leaves it 0.
    #[diesel(skip_insertion)]
    pub id: i64,
    pub username: String,
    pub display_name: Option<String>,
    pub password_hash: String,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub role: crate::auth::Role,
    pub disabled_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
    /// Tokens issued before this moment are refused (see [`crate::auth::token`]).
    pub tokens_valid_after: Option<NaiveDateTime>,
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<UserRow>> {
    users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_username(conn: &mut DbConnection, username: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::username.eq(username))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

/// Creates an account; a taken username is a 409.
pub fn create(
    conn: &mut DbConnection,
    username: String,
    display_name: Option<String>,
    password_hash: String,
    role: crate::auth::Role,
) -> ApiResult<UserRow> {
    if find_by_username(conn, &username)?.is_some() {
        return Err(ApiError::Conflict(format!(
            "the username `{username}` is taken"
        )));
    }
    let now = crate::time::now();
    let row = UserRow {
        id: 0,
        username,
        display_name,
        password_hash,
        role,
        disabled_at: None,
        created_at: now,
        updated_at: now,
        version: 1,
        tokens_valid_after: None,
    };
    Ok(diesel::insert_into(users::table)
        .values(row)
        .returning(users::all_columns)
        .get_result(conn)?)
}

/// Usernames: 3 to 64 of a-z, 0-9, `.`, `_`, `-`, starting with a letter or digit.
pub fn check_username(username: &str) -> Result<(), String> {
    let ok_len = (3..=64).contains(&username.len());
    let ok_chars = username
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    let ok_start = username
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    if ok_len && ok_chars && ok_start {
        Ok(())
    } else {
        Err("must be 3 to 64 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or digit".into())
    }
}

/// One page of users by id, and their count when asked.
pub fn page(
    conn: &mut DbConnection,
    page: &PageRequest,
) -> QueryResult<(Vec<UserRow>, Option<i64>)> {
    let total = if page.count {
        Some(users::table.count().get_result(conn)?)
    } else {
        None
    };
    let mut query = users::table.order(users::id).into_boxed();
    if let Some(after) = &page.after {
        query = query.filter(users::id.gt(after.id));
    }
    let rows = query
        .select(UserRow::as_select())
        .limit(page.fetch())
        .load(conn)?;
    Ok((rows, total))
}

/// What an admin changes in an account.
pub struct Change {
    pub role: Option<crate::auth::Role>,
    pub disabled: Option<bool>,
    pub display_name: Patch<String>,
    /// A new password, hashed.
    pub password_hash: Option<String>,
}

/// Changes an account; call inside a transaction. Tokens issued before a password change, a role
/// change or a disable stop working, and stay refused after the account is enabled again.
pub fn update(
    conn: &mut DbConnection,
    id: i64,
    if_match: Option<IfMatch>,
    change: Change,
) -> ApiResult<()> {
    let current = find(conn, id)?.ok_or_else(|| ApiError::not_found(format!("no user {id}")))?;
    IfMatch::check(if_match, current.version)?;
    let now = crate::time::now();
    let disabled_at = match change.disabled {
        Some(true) => current.disabled_at.or(Some(now)),
        Some(false) => None,
        None => current.disabled_at,
    };
    let role = change.role.unwrap_or(current.role);
    let revokes = change.password_hash.is_some()
        || role != current.role
        || (disabled_at.is_some() && current.disabled_at.is_none());
    let tokens_valid_after = if revokes {
        Some(now)
    } else {
        current.tokens_valid_after
    };
    let n = diesel::update(
        users::table
            .find(id)
            .filter(users::version.eq(current.version)),
    )
    .set((
        users::role.eq(role.as_str()),
        users::tokens_valid_after.eq(tokens_valid_after),
        users::display_name.eq(change.display_name.apply(current.display_name.clone())),
        users::password_hash.eq(change
            .password_hash
            .unwrap_or(current.password_hash.clone())),
        users::disabled_at.eq(disabled_at),
        users::updated_at.eq(now),
        users::version.eq(current.version + 1),
    ))
    .execute(conn)?;
    expect_written(n, "user")
}
