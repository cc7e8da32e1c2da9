//! The integration suite: the real App over HTTP, on both database backends.

mod helpers;

mod articles;
mod auth;
mod directives;
mod foundation;
mod logs;
mod targets;
mod writes;
