//! Start-up work that needs the whole application: migrating a database and filling what the
//! migrations cannot compute in SQL.

use crate::db::DbConnection;

/// Applies pending migrations and the backfills; returns how many migrations ran. Servers,
/// commands and tests all migrate through here.
pub fn migrate(conn: &mut DbConnection) -> Result<usize, String> {
    crate::db::migrate::run_then(conn, backfill)
}

/// The search documents of records `ids` of one kind, each resource's own: the one place the
/// search index learns every searched resource ([`crate::search::DocsOf`]).
pub fn search_docs(
    conn: &mut DbConnection,
    resource: crate::search::Resource,
    ids: &[i64],
) -> diesel::QueryResult<Vec<crate::search::Doc>> {
    use crate::search::Resource;
    match resource {
        Resource::Articles => crate::articles::model::search_docs(conn, ids),
        Resource::Meetings => crate::meetings::model::search_docs(conn, ids),
        Resource::Directives => crate::directives::model::search_docs(conn, ids),
        Resource::People => crate::people::model::search_docs(conn, ids),
        Resource::Organizations => crate::organizations::model::search_docs(conn, ids),
    }
}

/// From this many documents indexed at once, the index is optimized afterwards.
const BULK: usize = 1000;

/// Fills what migrations cannot compute in SQL: folded indicators, a date for every published
/// article (through the write path, so the change feed has it), and the search documents of
/// records that have none (SQL cannot fold Vietnamese). Returns how many it wrote.
pub fn backfill(conn: &mut DbConnection) -> Result<usize, String> {
    let targets = crate::targets::model::fill_folded_indicators(conn).map_err(|e| e.to_string())?;
    let dated = crate::db::transaction(conn, crate::articles::write::date_undated)
        .map_err(|e| e.to_string())?;
    if dated > 0 {
        tracing::info!(articles = dated, "published articles dated");
    }
    let indexed = crate::db::transaction(conn, |conn| {
        Ok(crate::search::index_missing(conn, search_docs)?)
    })
    .map_err(|e| e.to_string())?;
    if indexed > 0 {
        tracing::info!(documents = indexed, "search index filled");
    }
    if indexed >= BULK {
        crate::search::optimize(conn).map_err(|e| e.to_string())?;
    }
    Ok(targets + dated + indexed)
}
