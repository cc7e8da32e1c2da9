//! The integration suite: the real App over HTTP, on both database backends.

// Tests fail loudly: unwrapping is how they say what went wrong.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod helpers;

mod articles;
mod auth;
mod dataset;
mod directives;
mod directory;
mod distribution;
mod faults;
mod feeds;
mod foundation;
mod hardening;
mod limits;
mod logs;
mod media;
mod meetings;
mod publishing;
mod schemas;
mod search;
mod sync;
mod targets;
mod webhooks;
mod writes;
