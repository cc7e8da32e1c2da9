pub mod changes;
pub mod dataset;
pub mod feed;
pub mod feeds;
