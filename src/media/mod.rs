//! Photos for articles: uploads, their resized variants, and where their bytes are kept.

pub mod api;
pub mod embed;
pub mod model;
pub mod process;
pub mod store;
pub mod write;
