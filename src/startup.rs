//! Start-up work that needs the whole application: migrating a database and filling what the
//! migrations cannot compute in SQL.

use crate::db::DbConnection;

/// Applies pending migrations and the backfills; returns how many migrations ran. Servers,
/// commands and tests all migrate through here.
pub fn migrate(conn: &mut DbConnection) -> Result<usize, String> {
    crate::db::migrate::run_then(conn, backfill)
}

/// From this many documents indexed at once, the index is optimized afterwards.
const BULK: usize = 1000;

/// Fills what migrations cannot compute in SQL, in one transaction: the search documents of
/// records that have none (SQL cannot fold Vietnamese). Returns how many it wrote.
pub fn backfill(conn: &mut DbConnection) -> Result<usize, String> {
    let targets = crate::targets::model::fill_folded_indicators(conn).map_err(|e| e.to_string())?;
    let indexed = crate::db::transaction(conn, |conn| Ok(crate::search::index_missing(conn)?))
        .map_err(|e| e.to_string())?;
    if indexed > 0 {
        tracing::info!(documents = indexed, "search index filled");
    }
    if indexed >= BULK {
        crate::search::optimize(conn).map_err(|e| e.to_string())?;
    }
    Ok(targets + indexed)
}
