//! The connection type that is either backend. The derive adds a module beside the enum, so the
//! enum has this module to itself.

/// A connection to PostgreSQL or to the embedded SQLite database.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Pg(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}
