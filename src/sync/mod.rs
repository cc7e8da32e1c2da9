pub mod changes;
pub mod feed;
