//! `?include=a,b` parsing: unknown names are a 400, never silently ignored.

use crate::error::{ApiError, ApiResult};

/// The embeds a request asked for, from the list a resource allows.
#[derive(Debug, Clone, Default)]
pub struct Includes(Vec<&'static str>);

impl Includes {
    pub fn parse(raw: Option<&str>, allowed: &[&'static str]) -> ApiResult<Self> {
        let mut chosen = Vec::new();
        let Some(raw) = raw else {
            return Ok(Self(chosen));
        };
        for name in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let Some(known) = allowed.iter().find(|a| **a == name) else {
                let list = if allowed.is_empty() {
                    "none".to_owned()
                } else {
                    allowed.join(", ")
                };
                return Err(ApiError::bad_param(
                    "include",
                    format!("`{name}` cannot be included here; allowed: {list}"),
                ));
            };
            if !chosen.contains(known) {
                chosen.push(*known);
            }
        }
        Ok(Self(chosen))
    }

    pub fn has(&self, name: &str) -> bool {
        self.0.contains(&name)
    }

    /// The names asked for, in the order given.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.0.iter().copied()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_names_parse_and_unknown_ones_are_refused() {
        let i = Includes::parse(Some("meetings, meetings"), &["meetings"]).unwrap();
        assert!(i.has("meetings"));
        assert!(Includes::parse(Some("meetings,secrets"), &["meetings"]).is_err());
        assert!(Includes::parse(None, &["meetings"]).unwrap().is_empty());
    }
}
