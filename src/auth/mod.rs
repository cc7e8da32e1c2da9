//! Who is calling, and what their role may do: tokens, passwords, the `Caller` extractor, and the
//! `/auth` routes.

pub mod api;
pub mod caller;
pub mod password;
pub mod throttle;
pub mod token;

pub use caller::{Caller, Role};
