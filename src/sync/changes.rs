//! The change feed's table: one row per write, written in the write's own transaction.

use diesel::prelude::*;

use crate::db::schema::changes;
use crate::db::DbConnection;
use crate::resource::Resource;

/// What happened to a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Created,
    Updated,
    Deleted,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Updated => "updated",
            Self::Deleted => "deleted",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Created, Self::Updated, Self::Deleted]
            .into_iter()
            .find(|a| a.as_str() == s)
    }
}

/// One entry as stored.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = changes)]
pub struct ChangeRow {
    pub seq: i64,
    pub resource: String,
    pub resource_id: i64,
    pub action: String,
    pub version: i64,
    pub changed_at: chrono::NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = changes)]
struct NewChange<'a> {
    resource: &'a str,
    resource_id: i64,
    action: &'a str,
    version: i64,
    public: bool,
    changed_at: chrono::NaiveDateTime,
}

/// An arbitrary constant naming the PostgreSQL advisory lock that orders change rows.
const FEED_LOCK: i64 = 0x6368_616e_6765;

/// Records one change. `public` is false for changes that anonymous readers may not see (drafts).
///
/// Ordering: a feed reader must never pass a sequence number whose transaction commits later. On
/// PostgreSQL each writing transaction takes a transaction-scoped advisory lock before its first
/// change row, so change rows are numbered in commit order (the lock is released at commit or
/// rollback). SQLite has one writer at a time already (BEGIN IMMEDIATE).
pub fn record(
    conn: &mut DbConnection,
    resource: Resource,
    resource_id: i64,
    action: Action,
    version: i64,
    public: bool,
) -> QueryResult<()> {
    if let DbConnection::Pg(pg) = conn {
        diesel::sql_query(format!("SELECT pg_advisory_xact_lock({FEED_LOCK})")).execute(pg)?;
    }
    diesel::insert_into(changes::table)
        .values(NewChange {
            resource: resource.as_str(),
            resource_id,
            action: action.as_str(),
            version,
            public,
            changed_at: crate::time::now(),
        })
        .execute(conn)
        .map(|_| ())
}

/// Tombstones for the records (`(id, version)`) of `resource` that went with their parent.
pub fn record_gone(
    conn: &mut DbConnection,
    resource: Resource,
    gone: Vec<(i64, i64)>,
) -> QueryResult<()> {
    for (id, version) in gone {
        record(conn, resource, id, Action::Deleted, version + 1, true)?;
    }
    Ok(())
}
