//! Embedded migrations, one folder per backend with the same meaning.

use diesel::connection::SimpleConnection;
use diesel::{sql_query, RunQueryDsl};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use super::DbConnection;

const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");
const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// An arbitrary constant: the PostgreSQL advisory lock that lets one of many starting servers
/// migrate while the others wait.
const MIGRATION_LOCK: i64 = 0x6261_6e74_696e;

/// Applies every pending migration; returns how many ran.
pub fn run(conn: &mut DbConnection) -> Result<usize, String> {
    let ran = match conn {
        DbConnection::Pg(pg) => {
            sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))
                .execute(pg)
                .map_err(|e| e.to_string())?;
            let result = pg
                .run_pending_migrations(POSTGRES)
                .map(|v| v.len())
                .map_err(|e| e.to_string());
            // Still under the lock, so that servers starting together do not backfill twice.
            let result = result.and_then(|ran| backfill(conn).map(|_| ran));
            if let DbConnection::Pg(pg) = conn {
                let _ = pg.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"));
            }
            result
        }
        DbConnection::Sqlite(sqlite) => sqlite
            .run_pending_migrations(SQLITE)
            .map(|v| v.len())
            .map_err(|e| e.to_string())
            .and_then(|ran| backfill(conn).map(|_| ran)),
    }?;
    Ok(ran)
}

/// From this many documents indexed at once, the index is optimized afterwards.
const BULK: usize = 1000;

/// Fills what migrations cannot compute in SQL, in one transaction: the search documents of
/// records that have none (SQL cannot fold Vietnamese). Returns how many it wrote.
pub fn backfill(conn: &mut DbConnection) -> Result<usize, String> {
    let targets = crate::targets::model::fill_folded_indicators(conn).map_err(|e| e.to_string())?;
    let indexed = super::transaction(conn, |conn| Ok(crate::search::index_missing(conn)?))
        .map_err(|e| e.to_string())?;
    if indexed > 0 {
        tracing::info!(documents = indexed, "search index filled");
    }
    if indexed >= BULK {
        crate::search::optimize(conn).map_err(|e| e.to_string())?;
    }
    Ok(targets + indexed)
}

/// True when no migration is pending (the readiness check uses it).
pub fn is_current(conn: &mut DbConnection) -> Result<bool, String> {
    let pending = match conn {
        DbConnection::Pg(pg) => pg.has_pending_migration(POSTGRES),
        DbConnection::Sqlite(sqlite) => sqlite.has_pending_migration(SQLITE),
    };
    pending.map(|p| !p).map_err(|e| e.to_string())
}
