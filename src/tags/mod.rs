//! Tags: a newsroom's own keywords. An article lists its tags in order, the first being its
//! primary tag; `GET /articles?tag=<slug>` finds the articles of a tag.

pub mod api;
pub mod embed;
pub mod model;
pub mod write;
