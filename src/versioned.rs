//! The one versioned write path. Every resource creates, changes and deletes its records through
//! [`created`], [`update`] and [`delete`], inside the caller's transaction:
//!
//! load the current row → check `If-Match` → the resource's own validation and changes to a copy
//! of the row → write the copy with `version + 1` where the stored row is still the one loaded
//! (it did not change meanwhile) → refresh the record's search document → record the change in
//! the change feed.
//!
//! A resource supplies only what is its own, by implementing [`Versioned`] for its row (with
//! [`crate::versioned!`]): how to find it, its kind, and whether anonymous readers may see it.

use chrono::NaiveDateTime;

use crate::db::DbConnection;
use crate::error::{ApiError, ApiResult};
use crate::http::write::{expect_written, IfMatch};
use crate::resource::Resource;
use crate::sync::changes::{self, Action};

/// A row of a resource that is written through this path.
pub trait Versioned: Sized + Clone {
    const RESOURCE: Resource;
    /// What one record is called in messages: "no {NOUN} 7", "the {NOUN} changed meanwhile".
    const NOUN: &'static str;

    fn find(conn: &mut DbConnection, id: i64) -> ApiResult<Option<Self>>;
    fn id(&self) -> i64;
    fn version(&self) -> i64;
    /// Whether anonymous readers may see the record (and so its changes).
    fn public(&self) -> bool {
        true
    }
    /// The search documents of records `ids` of this kind, when it is searched.
    fn search_docs(_conn: &mut DbConnection, _ids: &[i64]) -> ApiResult<Vec<crate::search::Doc>> {
        Ok(Vec::new())
    }
    /// Deletes the row if it is still at `version`; returns the rows deleted.
    fn delete_row(conn: &mut DbConnection, id: i64, version: i64) -> ApiResult<usize>;
    /// Inserts the row (its `id` is the database's to give); answers it as stored.
    fn insert_row(self, conn: &mut DbConnection) -> ApiResult<Self>;
    /// Gives the row its next version, changed at `now`.
    fn stamp(&mut self, version: i64, now: NaiveDateTime);
    /// Writes the row over the stored one if that is still at `version`; returns the rows written.
    fn save_row(&self, conn: &mut DbConnection, version: i64) -> ApiResult<usize>;
}

/// The 404 of a record that does not exist.
pub fn not_found<R: Versioned>(id: i64) -> ApiError {
    ApiError::not_found(format!("no {} {id}", R::NOUN))
}

/// The record, or a 404.
pub fn load<R: Versioned>(conn: &mut DbConnection, id: i64) -> ApiResult<R> {
    R::find(conn, id)?.ok_or_else(|| not_found::<R>(id))
}

/// The search index's name for a kind of record, when it is searched.
fn searched(resource: Resource) -> Option<crate::search::Resource> {
    use crate::search::Resource as S;
    match resource {
        Resource::Articles => Some(S::Articles),
        Resource::Meetings => Some(S::Meetings),
        Resource::Directives => Some(S::Directives),
        Resource::People => Some(S::People),
        Resource::Organizations => Some(S::Organizations),
        Resource::Attendees
        | Resource::DirectiveUpdates
        | Resource::Targets
        | Resource::Media
        | Resource::Tags => None,
    }
}

/// Re-reads the search documents of records `ids` (a no-op for kinds that are not searched).
fn refresh_search<R: Versioned>(conn: &mut DbConnection, ids: &[i64]) -> ApiResult<()> {
    if let Some(kind) = searched(R::RESOURCE) {
        let docs = R::search_docs(conn, ids)?;
        crate::search::refresh(conn, kind, ids, &docs)?;
    }
    Ok(())
}

/// Inserts a new record's row: indexed and recorded as created.
pub fn create<R: Versioned>(conn: &mut DbConnection, row: R) -> ApiResult<R> {
    let row = row.insert_row(conn)?;
    created(conn, row)
}

/// Inserts a new record's row, for a create that writes more before it is [`created`].
pub fn insert<R: Versioned>(conn: &mut DbConnection, row: R) -> ApiResult<R> {
    row.insert_row(conn)
}

/// A row just inserted: indexed and recorded as created.
pub fn created<R: Versioned>(conn: &mut DbConnection, row: R) -> ApiResult<R> {
    refresh_search::<R>(conn, &[row.id()])?;
    changes::record(
        conn,
        R::RESOURCE,
        row.id(),
        Action::Created,
        row.version(),
        row.public(),
    )?;
    Ok(row)
}

/// Changes record `id` at `now`: `change` gets the current row and a copy to change (its own
/// checks, and what goes with the record in other tables), and the copy is written with the next
/// version where the stored row is still the current one. Answers the row as it now is.
pub fn update<R: Versioned>(
    conn: &mut DbConnection,
    id: i64,
    if_match: Option<IfMatch>,
    now: NaiveDateTime,
    change: impl FnOnce(&mut DbConnection, &R, &mut R) -> ApiResult<()>,
) -> ApiResult<R> {
    let current = load::<R>(conn, id)?;
    IfMatch::check(if_match, current.version())?;
    let mut next = current.clone();
    change(conn, &current, &mut next)?;
    let version = current.version() + 1;
    next.stamp(version, now);
    let written = next.save_row(conn, current.version())?;
    expect_written(written, R::NOUN)?;
    let after = load::<R>(conn, id)?;
    refresh_search::<R>(conn, &[id])?;
    changes::record(
        conn,
        R::RESOURCE,
        id,
        Action::Updated,
        version,
        current.public() || after.public(),
    )?;
    Ok(after)
}

/// Deletes record `id`, leaving a tombstone in the change feed. `before` runs after the
/// `If-Match` check and before the row goes: the resource's reference checks (a 409 naming what
/// still uses it) and the records that go with it. Answers the row as it was.
pub fn delete<R: Versioned>(
    conn: &mut DbConnection,
    id: i64,
    if_match: Option<IfMatch>,
    before: impl FnOnce(&mut DbConnection, &R) -> ApiResult<()>,
) -> ApiResult<R> {
    let current = load::<R>(conn, id)?;
    IfMatch::check(if_match, current.version())?;
    before(conn, &current)?;
    let deleted = R::delete_row(conn, id, current.version())?;
    expect_written(deleted, R::NOUN)?;
    if let Some(kind) = searched(R::RESOURCE) {
        crate::search::remove(conn, kind, id)?;
    }
    changes::record(
        conn,
        R::RESOURCE,
        id,
        Action::Deleted,
        current.version() + 1,
        current.public(),
    )?;
    Ok(current)
}

/// Implements [`Versioned`] for a row with `id`, `version` and `updated_at` fields, given its
/// table; the row is its own changeset (`AsChangeset` with `treat_none_as_null`).
#[macro_export]
macro_rules! versioned {
    ($row:ty, $table:ident, $resource:ident, $noun:literal, find = $find:path
        $(, public = $public:expr)? $(, search = $search:path)? $(,)?) => {
        impl $crate::versioned::Versioned for $row {
            const RESOURCE: $crate::resource::Resource = $crate::resource::Resource::$resource;
            const NOUN: &'static str = $noun;

            fn find(
                conn: &mut $crate::db::DbConnection,
                id: i64,
            ) -> $crate::error::ApiResult<Option<Self>> {
                Ok($find(conn, id)?)
            }
            fn id(&self) -> i64 {
                self.id
            }
            fn version(&self) -> i64 {
                self.version
            }
            $(fn public(&self) -> bool {
                let public: fn(&Self) -> bool = $public;
                public(self)
            })?
            $(fn search_docs(
                conn: &mut $crate::db::DbConnection,
                ids: &[i64],
            ) -> $crate::error::ApiResult<Vec<$crate::search::Doc>> {
                Ok($search(conn, ids)?)
            })?
            fn delete_row(
                conn: &mut $crate::db::DbConnection,
                id: i64,
                version: i64,
            ) -> $crate::error::ApiResult<usize> {
                use diesel::prelude::*;
                Ok(diesel::delete(
                    $crate::db::schema::$table::table
                        .find(id)
                        .filter($crate::db::schema::$table::version.eq(version)),
                )
                .execute(conn)?)
            }
            fn insert_row(
                self,
                conn: &mut $crate::db::DbConnection,
            ) -> $crate::error::ApiResult<Self> {
                use diesel::prelude::*;
                Ok(diesel::insert_into($crate::db::schema::$table::table)
                    .values(self)
                    .returning(
                        <Self as Selectable<$crate::db::MultiBackend>>::construct_selection(),
                    )
                    .get_result(conn)?)
            }
            fn stamp(&mut self, version: i64, now: chrono::NaiveDateTime) {
                self.version = version;
                self.updated_at = now;
            }
            fn save_row(
                &self,
                conn: &mut $crate::db::DbConnection,
                version: i64,
            ) -> $crate::error::ApiResult<usize> {
                use diesel::prelude::*;
                Ok(diesel::update(
                    $crate::db::schema::$table::table
                        .find(self.id)
                        .filter($crate::db::schema::$table::version.eq(version)),
                )
                .set(self.clone())
                .execute(conn)?)
            }
        }
    };
}
