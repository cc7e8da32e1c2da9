pub mod api;
pub mod embed;
pub mod jsonld;
pub mod model;
pub mod preview;
pub mod revisions;
pub mod scheduler;
pub mod write;
