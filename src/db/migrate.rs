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

/// Applies every pending migration, then `backfill` (what SQL alone cannot compute, which the
/// layers above supply), under the same lock on PostgreSQL; returns how many migrations ran.
pub fn run_then(
    conn: &mut DbConnection,
    backfill: impl FnOnce(&mut DbConnection) -> Result<usize, String>,
) -> Result<usize, String> {
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

/// True when no migration is pending (the readiness check uses it).
pub fn is_current(conn: &mut DbConnection) -> Result<bool, String> {
    let pending = match conn {
        DbConnection::Pg(pg) => pg.has_pending_migration(POSTGRES),
        DbConnection::Sqlite(sqlite) => sqlite.has_pending_migration(SQLITE),
    };
    pending.map(|p| !p).map_err(|e| e.to_string())
}
