//! Process-wide SQLite settings, applied once before the first connection opens.
//!
//! - **Query planner stability** (`SQLITE_DBCONFIG_ENABLE_QPSG`) on every connection: by default
//!   SQLite lets the value bound to a parameter shape the plan (a `LIMIT ?`, a `LIKE ?`), and a
//!   statement whose parameter is bound again is then marked expired and compiled again on its
//!   next step. Diesel binds every parameter on every execution, so each cached statement was
//!   parsed and planned anew each time: three quarters of the time of reading one article went
//!   to the parser. With the guarantee, a statement is prepared once per connection.
//! - **No memory statistics** (`SQLITE_CONFIG_MEMSTATUS` off): they are kept under one mutex for
//!   the whole process, which every allocation of every connection takes; under load the pool's
//!   threads queued on it.

use std::ffi::{c_char, c_int};
use std::sync::Once;

use libsqlite3_sys as ffi;

static SETUP: Once = Once::new();

/// Applies the settings; call before opening any SQLite connection (later calls do nothing).
pub fn apply() {
    SETUP.call_once(|| {
        // SAFETY: `sqlite3_config` is called before SQLite is initialised in this process (no
        // connection has been opened yet); if something initialised it earlier, SQLite refuses
        // with SQLITE_MISUSE and changes nothing, which is only a lost optimisation.
        let rc = unsafe { ffi::sqlite3_config(ffi::SQLITE_CONFIG_MEMSTATUS, 0 as c_int) };
        if rc != ffi::SQLITE_OK {
            tracing::debug!(
                rc,
                "SQLite memory statistics stay on (SQLite was already initialised)"
            );
        }
        // SAFETY: `on_open` has the signature SQLite calls extension entry points with, and only
        // touches the connection handle it is given.
        let rc = unsafe { ffi::sqlite3_auto_extension(Some(on_open)) };
        if rc != ffi::SQLITE_OK {
            tracing::warn!(rc, "cannot register the SQLite connection settings");
        }
    });
}

/// Runs for every new connection, inside `sqlite3_open`.
unsafe extern "C" fn on_open(
    db: *mut ffi::sqlite3,
    _error: *mut *mut c_char,
    _api: *const ffi::sqlite3_api_routines,
) -> c_int {
    // SAFETY: `db` is the connection being opened; the option takes an int and an int pointer
    // that may be null.
    unsafe {
        ffi::sqlite3_db_config(
            db,
            ffi::SQLITE_DBCONFIG_ENABLE_QPSG,
            1 as c_int,
            std::ptr::null_mut::<c_int>(),
        );
    }
    ffi::SQLITE_OK
}
