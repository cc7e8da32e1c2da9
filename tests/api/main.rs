//! The integration suite: the real App over HTTP, on both database backends.

mod helpers;

mod articles;
mod auth;
mod directory;
mod foundation;
mod logs;
mod meetings;
mod search;
mod writes;
