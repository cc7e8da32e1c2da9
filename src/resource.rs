//! The kinds of record bantin keeps, named once: the change feed, webhooks, search documents and
//! reference checks all speak of a record's kind through [`Resource`], never a string of their own.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A kind of record, as the change feed and webhooks name it (`articles`, `meetings`, …).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[schema(as = FeedResource)]
pub enum Resource {
    Articles,
    Meetings,
    Attendees,
    Directives,
    DirectiveUpdates,
    Targets,
    Organizations,
    People,
    Media,
    Tags,
}

impl Resource {
    /// Every kind, in the order the change feed and webhooks list them.
    pub const ALL: [Resource; 10] = [
        Self::Articles,
        Self::Meetings,
        Self::Attendees,
        Self::Directives,
        Self::DirectiveUpdates,
        Self::Targets,
        Self::Organizations,
        Self::People,
        Self::Media,
        Self::Tags,
    ];

    /// The name in the API and in stored rows.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Articles => "articles",
            Self::Meetings => "meetings",
            Self::Attendees => "attendees",
            Self::Directives => "directives",
            Self::DirectiveUpdates => "directive_updates",
            Self::Targets => "targets",
            Self::Organizations => "organizations",
            Self::People => "people",
            Self::Media => "media",
            Self::Tags => "tags",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Every name, comma-separated: for error messages.
    pub fn names() -> String {
        Self::ALL.map(Self::as_str).join(", ")
    }
}

impl std::fmt::Display for Resource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_serde() {
        for r in Resource::ALL {
            assert_eq!(Resource::parse(r.as_str()), Some(r));
            assert_eq!(
                serde_json::to_value(r).unwrap(),
                serde_json::Value::from(r.as_str())
            );
        }
        assert_eq!(Resource::parse("users"), None);
    }
}
