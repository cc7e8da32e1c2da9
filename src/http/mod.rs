//! What every resource shares over HTTP: strict queries, pages and cursors, ETags, includes, and
//! the problem+json layer.

pub mod body;
pub mod caching;
pub mod client;
pub mod etag;
pub mod fields;
pub mod idempotency;
pub mod include;
pub mod limits;
pub mod metrics;
pub mod page;
pub mod params;
pub mod problems;
pub mod query;
pub mod write;
