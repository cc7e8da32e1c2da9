pub mod changes;
pub mod feed;
pub mod feeds;
