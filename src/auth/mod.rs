//! Who is calling, and what their role may do.

pub mod caller;

pub use caller::{Caller, Role};
