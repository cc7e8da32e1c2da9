pub mod api;
pub mod embed;
pub mod model;
pub mod write;
