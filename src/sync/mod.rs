pub mod change_feed;
pub mod changes;
pub mod dataset;
pub mod import_api;
pub mod sitemaps;
pub mod syndication;
pub mod webhooks;
