pub mod changes;
pub mod dataset;
pub mod feed;
pub mod feeds;
pub mod import_api;
pub mod webhooks;
