//! Database access: the pool, the backend enum, migrations and the one way handlers reach it.

mod conn;
pub mod fast_text;
pub mod fast_time;
pub mod migrate;
pub mod refs;
pub mod schema;
pub mod sql;
mod sqlite_tuning;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{self, ManageConnection, PooledConnection};
use diesel::{Connection, PgConnection, SqliteConnection};

pub use conn::DbConnection;
pub use conn::MultiBackend;

use crate::config::DatabaseUrl;
use crate::error::{ApiError, ApiResult};

/// Runs `$body` with `$c` bound to the backend's own connection (a `PgConnection` or a
/// `SqliteConnection`), compiling it once per backend. For the hottest reads, whose statement is
/// fixed when compiled: each execution then skips walking the query through [`MultiBackend`],
/// about a quarter of the instructions of an article read by id.
#[macro_export]
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Pg($c) => $body,
            $crate::db::DbConnection::Sqlite($c) => $body,
        }
    };
}

/// Which database engine is behind a pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

/// Opens connections for the pool, choosing the driver from the URL scheme so that a driver's own
/// error (a wrong password, a missing file) is what the caller sees.
#[derive(Debug, Clone)]
pub struct Manager {
    url: DatabaseUrl,
    statements: Arc<AtomicU64>,
}

/// Counts every SQL statement a pool's connections run (for metrics, and to prove that a page
/// costs a fixed number of statements whatever it holds).
struct CountStatements(Arc<AtomicU64>);

impl diesel::connection::Instrumentation for CountStatements {
    fn on_connection_event(&mut self, event: diesel::connection::InstrumentationEvent<'_>) {
        if let diesel::connection::InstrumentationEvent::StartQuery { .. } = event {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("{0}")]
    Connection(#[from] diesel::ConnectionError),
    #[error("{0}")]
    Query(#[from] diesel::result::Error),
}

/// Set on every SQLite connection: WAL for readers beside one writer, foreign keys enforced, and a
/// busy timeout instead of an immediate "database is locked".
/// The busy timeout comes first, so that even switching to WAL waits for a writer (an import, a
/// migration) instead of failing at once with "database is locked".
const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;";

impl Manager {
    fn new(url: &DatabaseUrl) -> Self {
        Self {
            url: url.clone(),
            statements: Arc::new(AtomicU64::new(0)),
        }
    }
}

impl ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = ConnectError;

    fn connect(&self) -> Result<DbConnection, ConnectError> {
        let counter = CountStatements(self.statements.clone());
        match &self.url {
            DatabaseUrl::Postgres(url) => {
                let mut conn = PgConnection::establish(url)?;
                conn.set_instrumentation(counter);
                Ok(DbConnection::Pg(conn))
            }
            DatabaseUrl::Sqlite(path) => {
                sqlite_tuning::apply();
                let mut conn = SqliteConnection::establish(&path.to_string_lossy())?;
                conn.batch_execute(SQLITE_PRAGMAS)?;
                conn.set_instrumentation(counter);
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), ConnectError> {
        conn.batch_execute("SELECT 1").map_err(Into::into)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        let broken = match conn {
            DbConnection::Pg(c) => r2d2::R2D2Connection::is_broken(c),
            DbConnection::Sqlite(c) => r2d2::R2D2Connection::is_broken(c),
        };
        // Diesel cannot tell that the server dropped a connection; after work on it failed as
        // unavailable, one ping tells, so a dead connection is discarded instead of reused.
        broken || (SUSPECT.with(std::cell::Cell::get) && self.is_valid(conn).is_err())
    }
}

thread_local! {
    /// Set while a connection whose work failed as unavailable returns to the pool.
    static SUSPECT: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

pub type Pool = r2d2::Pool<Manager>;

pub type Conn = PooledConnection<Manager>;

/// The database handle every handler shares: a pool and the backend behind it.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    /// One permit per pooled connection: work waits for its turn here, as a future, instead of
    /// as a blocked thread inside the pool (which cost a thread and two context switches each).
    gate: Arc<tokio::sync::Semaphore>,
    /// How long work may wait for a connection (the pool's time-out).
    wait: Duration,
    backend: Backend,
    statements: Arc<AtomicU64>,
    errors: Arc<AtomicU64>,
}

/// Why the database could not be opened at start-up.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("cannot connect to the database: {0}")]
    Connect(String),
    #[error("cannot migrate the database: {0}")]
    Migrate(String),
}

impl Db {
    /// Opens a pool and checks one connection now, so a bad URL or password stops start-up with the
    /// driver's own message.
    pub fn open(url: &DatabaseUrl, pool_size: u32, timeout: Duration) -> Result<Self, OpenError> {
        let manager = Manager::new(url);
        // Connect once by hand first: r2d2 would only report a time-out.
        let probe = manager
            .connect()
            .map_err(|e| OpenError::Connect(e.to_string().trim().to_owned()))?;
        drop(probe);
        let statements = manager.statements.clone();
        let pool = Self::pool_builder(url, pool_size, timeout)
            .build(manager)
            .map_err(|e| OpenError::Connect(e.to_string()))?;
        Ok(Self::from_pool(pool, url, statements))
    }

    /// A pool that does not connect until asked: used when the database may be down at start-up.
    pub fn open_lazy(url: &DatabaseUrl, pool_size: u32, timeout: Duration) -> Self {
        let manager = Manager::new(url);
        let statements = manager.statements.clone();
        let pool = Self::pool_builder(url, pool_size, timeout)
            .min_idle(Some(0))
            .build_unchecked(manager);
        Self::from_pool(pool, url, statements)
    }

    fn pool_builder(
        url: &DatabaseUrl,
        pool_size: u32,
        timeout: Duration,
    ) -> r2d2::Builder<Manager> {
        let _ = url;
        r2d2::Pool::builder()
            .max_size(pool_size)
            .min_idle(Some(pool_size.min(2)))
            .connection_timeout(timeout)
            .test_on_check_out(false)
            .error_handler(Box::new(r2d2::LoggingErrorHandler))
    }

    fn from_pool(pool: Pool, url: &DatabaseUrl, statements: Arc<AtomicU64>) -> Self {
        let backend = match url {
            DatabaseUrl::Postgres(_) => Backend::Postgres,
            DatabaseUrl::Sqlite(_) => Backend::Sqlite,
        };
        Self {
            gate: Arc::new(tokio::sync::Semaphore::new(pool.max_size() as usize)),
            wait: pool.connection_timeout(),
            pool,
            backend,
            statements,
            errors: Arc::default(),
        }
    }

    /// SQL statements run by this pool's connections so far (connection set-up excluded).
    pub fn statements(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// Runs blocking database work on the blocking thread pool, never on an async worker.
    pub async fn run<T, F>(&self, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut DbConnection) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        let span = tracing::Span::current();
        let permit = match actix_web::rt::time::timeout(
            self.wait,
            self.gate.clone().acquire_owned(),
        )
        .await
        {
            Ok(Ok(permit)) => permit,
            Ok(Err(closed)) => return Err(ApiError::internal(format!("pool gate: {closed}"))),
            Err(_) => {
                self.errors.fetch_add(1, Ordering::Relaxed);
                return Err(ApiError::Unavailable(format!(
                    "pool: no database connection came free within {} ms",
                    self.wait.as_millis()
                )));
            }
        };
        let result = actix_web::web::block(move || {
            let _permit = permit;
            let _entered = span.enter();
            let mut conn = pool.get()?;
            let result = f(&mut conn);
            // The connection goes back to the pool on this thread, checked if the work failed
            // as unavailable.
            SUSPECT.with(|s| s.set(matches!(result, Err(ApiError::Unavailable(_)))));
            drop(conn);
            SUSPECT.with(|s| s.set(false));
            result
        })
        .await?;
        if matches!(
            result,
            Err(ApiError::Unavailable(_) | ApiError::Internal(_))
        ) {
            self.errors.fetch_add(1, Ordering::Relaxed);
        }
        result
    }

    /// Database work that failed as unavailable or internal so far.
    pub fn errors(&self) -> u64 {
        self.errors.load(Ordering::Relaxed)
    }

    /// Runs `f` inside one transaction: on any error nothing of it stays. SQLite write transactions
    /// begin IMMEDIATE so that two writers queue on the busy timeout instead of failing.
    pub async fn write<T, F>(&self, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut DbConnection) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        self.run(move |conn| transaction(conn, f)).await
    }

    /// Checks that the database answers now.
    pub async fn ping(&self) -> ApiResult<()> {
        self.run(|conn| {
            conn.batch_execute("SELECT 1")
                .map_err(|e| ApiError::Unavailable(e.to_string()))
        })
        .await
    }
}

/// One write transaction on either backend.
pub fn transaction<T>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> ApiResult<T>,
) -> ApiResult<T> {
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    let DbConnection::Sqlite(inner) = conn else {
        return conn.transaction(f);
    };
    // Diesel's own state machine, begun with IMMEDIATE: nested transactions become savepoints.
    AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?;
    let result = f(conn);
    let DbConnection::Sqlite(inner) = conn else {
        return Err(ApiError::internal(
            "connection changed backend inside a transaction",
        ));
    };
    match result {
        Ok(value) => match AnsiTransactionManager::commit_transaction(inner) {
            Ok(()) => Ok(value),
            Err(e) => {
                let _ = AnsiTransactionManager::rollback_transaction(inner);
                Err(e.into())
            }
        },
        Err(e) => {
            AnsiTransactionManager::rollback_transaction(inner)?;
            Err(e)
        }
    }
}
pub mod keyset;
