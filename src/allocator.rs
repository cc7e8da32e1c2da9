//! The C allocator's share of memory. glibc gives a threaded process up to eight malloc arenas
//! per core and rarely returns their free space, so a server whose blocking threads each build
//! large answers (a page of meetings with everything embedded, search snippets) grows far past
//! what it holds at once. Two arenas per core keep threads from waiting on one another while
//! bounding that growth: under `bench/load.sh` on SQLite the peak went from 162 to 125 MiB at
//! about the same throughput.

/// Arenas per core when `MALLOC_ARENA_MAX` does not say.
const ARENAS_PER_CORE: usize = 2;

/// Caps the malloc arenas at [`ARENAS_PER_CORE`] per core, unless `MALLOC_ARENA_MAX` is set (glibc
/// reads it itself) or the C library is not glibc. Call first, before any thread starts.
pub fn limit_arenas() {
    if std::env::var_os("MALLOC_ARENA_MAX").is_some() {
        return;
    }
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    set_arena_max(cores.saturating_mul(ARENAS_PER_CORE));
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn set_arena_max(arenas: usize) {
    let arenas = libc::c_int::try_from(arenas).unwrap_or(libc::c_int::MAX);
    // SAFETY: mallopt only changes a tuning parameter of glibc's allocator; it is called before
    // any other thread exists, and an unknown or refused value leaves the default in place.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, arenas);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn set_arena_max(_arenas: usize) {}
