//! bantin: a headless JSON REST API for the news and working-meeting records of Vietnamese party
//! committees and local governments.

pub mod allocator;
pub mod app;
pub mod articles;
pub mod attendees;
pub mod auth;
pub mod config;
pub mod db;
pub mod demo;
pub mod directives;
pub mod error;
pub mod http;
pub mod media;
pub mod meetings;
pub mod openapi;
pub mod organizations;
pub mod people;
pub mod resource;
pub mod search;
pub mod site;
pub mod startup;
pub mod sync;
pub mod tags;
pub mod targets;
pub mod telemetry;
pub mod text;
pub mod time;
pub mod users;
pub mod versioned;
