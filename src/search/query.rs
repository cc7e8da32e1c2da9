//! The `q` parameter, parsed once into a small syntax tree and rendered for each backend.
//!
//! Syntax: words separated by spaces must all match; `"a quoted phrase"` must match as a phrase;
//! `-word` or `-"a phrase"` excludes. Everything is folded first (case, diacritics, `đ` as `d`), and
//! a word that folds into several (`covid-19`, `2.317,8`) is read as a phrase of them. Anything
//! else — an unbalanced quote, a stray `-`, `AND`, `*`, parentheses — is read literally as text,
//! which folding turns into spaces.

use crate::text::fold;

/// The most characters `q` may have.
pub const MAX_CHARS: usize = 200;

/// One thing to find (or to exclude): a word, or a phrase of words in this order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// Folded words, at least one.
    pub words: Vec<String>,
    /// `-word`: documents with it are left out.
    pub negated: bool,
}

impl Term {
    /// The folded words joined by single spaces, as they appear in folded text.
    pub fn text(&self) -> String {
        self.words.join(" ")
    }
}

/// A parsed `q`: at least one term to find, and any number to exclude.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    terms: Vec<Term>,
}

/// Why a `q` cannot be searched for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("must be at most 200 characters")]
    TooLong,
    #[error("has no letters or digits to search for")]
    Empty,
    #[error("only excludes (`-word`); name at least one word to find")]
    OnlyExclusions,
}

impl Query {
    /// Parses `q`. Never fails on odd input: only when nothing is left to find.
    pub fn parse(raw: &str) -> Result<Self, QueryError> {
        let chars: Vec<char> = raw.chars().collect();
        if chars.len() > MAX_CHARS {
            return Err(QueryError::TooLong);
        }
        let mut terms: Vec<Term> = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            if chars[i].is_whitespace() {
                i += 1;
                continue;
            }
            let mut negated = false;
            if chars[i] == '-' && chars.get(i + 1).is_some_and(|c| !c.is_whitespace()) {
                negated = true;
                i += 1;
            }
            let closing = (chars[i] == '"')
                .then(|| chars[i + 1..].iter().position(|c| *c == '"'))
                .flatten();
            let text: String = match closing {
                Some(len) => {
                    let inner = chars[i + 1..i + 1 + len].iter().collect();
                    i += len + 2;
                    inner
                }
                None => {
                    let start = i;
                    while i < chars.len() && !chars[i].is_whitespace() {
                        i += 1;
                    }
                    chars[start..i].iter().collect()
                }
            };
            let words: Vec<String> = fold(&text)
                .split(' ')
                .filter(|w| !w.is_empty())
                .map(str::to_owned)
                .collect();
            let term = Term { words, negated };
            if !term.words.is_empty() && !terms.contains(&term) {
                terms.push(term);
            }
        }
        if terms.is_empty() {
            return Err(QueryError::Empty);
        }
        if terms.iter().all(|t| t.negated) {
            return Err(QueryError::OnlyExclusions);
        }
        Ok(Self { terms })
    }

    pub fn terms(&self) -> &[Term] {
        &self.terms
    }

    /// The terms to find.
    pub fn positive(&self) -> impl Iterator<Item = &Term> {
        self.terms.iter().filter(|t| !t.negated)
    }

    /// The terms to exclude.
    pub fn negative(&self) -> impl Iterator<Item = &Term> {
        self.terms.iter().filter(|t| t.negated)
    }

    /// A PostgreSQL `tsquery` over a document's vector, whose title lexemes carry weight A and
    /// body lexemes weight B: a phrase is matched within the title or within the body, never
    /// across the two (as SQLite's FTS5 matches phrases per column).
    pub fn to_tsquery(&self) -> String {
        render_tsquery(&self.terms, &[":A", ":B"])
    }

    /// A PostgreSQL `tsquery` over a title's vector: every term to find.
    pub fn to_tsquery_title(&self) -> String {
        let positive: Vec<Term> = self.positive().cloned().collect();
        render_tsquery(&positive, &[""])
    }

    /// An SQLite FTS5 query: every term a quoted string (so no word is read as an operator).
    pub fn to_fts5(&self) -> String {
        let positive = self.positive_fts5();
        let negative: Vec<String> = self.negative().map(quoted).collect();
        if negative.is_empty() {
            positive
        } else {
            format!("({positive}) NOT ({})", negative.join(" OR "))
        }
    }

    fn positive_fts5(&self) -> String {
        self.positive()
            .map(quoted)
            .collect::<Vec<_>>()
            .join(" AND ")
    }

    /// The FTS5 query of one rank: the documents that match and whose title holds every term to
    /// find (`title_holds`), or that match and whose title does not.
    pub fn to_fts5_ranked(&self, title_holds: bool) -> String {
        let op = if title_holds { "AND" } else { "NOT" };
        format!(
            "({}) {op} (title : ({}))",
            self.to_fts5(),
            self.positive_fts5()
        )
    }
}

fn render_tsquery(terms: &[Term], weights: &[&str]) -> String {
    fn lexeme(word: &str, weight: &str) -> String {
        format!(
            "'{}'{weight}",
            word.replace('\\', "\\\\").replace('\'', "''")
        )
    }
    let term = |t: &Term| match t.words.as_slice() {
        [word] => lexeme(word, ""),
        words => {
            let within = |weight: &&str| {
                words
                    .iter()
                    .map(|w| lexeme(w, weight))
                    .collect::<Vec<_>>()
                    .join(" <-> ")
            };
            format!(
                "({})",
                weights.iter().map(within).collect::<Vec<_>>().join(" | ")
            )
        }
    };
    terms
        .iter()
        .map(|t| {
            if t.negated {
                format!("!{}", term(t))
            } else {
                term(t)
            }
        })
        .collect::<Vec<_>>()
        .join(" & ")
}

fn quoted(t: &Term) -> String {
    format!("\"{}\"", t.text().replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn words(q: &str) -> Vec<(String, bool)> {
        Query::parse(q)
            .unwrap()
            .terms()
            .iter()
            .map(|t| (t.text(), t.negated))
            .collect()
    }

    #[test]
    fn words_phrases_and_exclusions_are_read() {
        assert_eq!(
            words(r#"Đảng ủy "Thái  Nguyên" -covid -"ha noi""#),
            vec![
                ("dang".into(), false),
                ("uy".into(), false),
                ("thai nguyen".into(), false),
                ("covid".into(), true),
                ("ha noi".into(), true),
            ]
        );
    }

    #[test]
    fn odd_input_is_read_literally() {
        assert_eq!(
            words(r#""thai nguyen"#),
            vec![("thai".into(), false), ("nguyen".into(), false)]
        );
        assert_eq!(
            words("a - b -- c"),
            vec![
                ("a".into(), false),
                ("b".into(), false),
                ("c".into(), false)
            ]
        );
        assert_eq!(
            words("covid-19 AND (x*)"),
            vec![
                ("covid 19".into(), false),
                ("and".into(), false),
                ("x".into(), false)
            ]
        );
        assert_eq!(words("\"\" x \"\"\""), vec![("x".into(), false)]);
        assert_eq!(words("tuan tuan"), vec![("tuan".into(), false)]);
    }

    #[test]
    fn nothing_to_find_is_an_error() {
        assert_eq!(Query::parse(" ,;- \"\" "), Err(QueryError::Empty));
        assert_eq!(
            Query::parse("-covid -\"ha noi\""),
            Err(QueryError::OnlyExclusions)
        );
        assert_eq!(Query::parse(&"a".repeat(201)), Err(QueryError::TooLong));
        assert!(
            Query::parse(&"ầ".repeat(200)).is_ok(),
            "characters, not bytes"
        );
    }

    #[test]
    fn rendering_for_each_backend() {
        let q = Query::parse(r#"tuan "thai nguyen" -covid"#).unwrap();
        assert_eq!(
            q.to_tsquery(),
            "'tuan' & ('thai':A <-> 'nguyen':A | 'thai':B <-> 'nguyen':B) & !'covid'"
        );
        assert_eq!(q.to_tsquery_title(), "'tuan' & ('thai' <-> 'nguyen')");
        assert_eq!(q.to_fts5(), r#"("tuan" AND "thai nguyen") NOT ("covid")"#);
        assert_eq!(
            q.to_fts5_ranked(false),
            r#"(("tuan" AND "thai nguyen") NOT ("covid")) NOT (title : ("tuan" AND "thai nguyen"))"#
        );
        assert_eq!(
            Query::parse("or NOT").unwrap().to_fts5(),
            r#""or" AND "not""#
        );
    }

    proptest! {
        #[test]
        fn parsing_never_panics_and_renders_only_folded_words(q in "\\PC{0,80}") {
            if let Ok(query) = Query::parse(&q) {
                prop_assert!(query.positive().count() > 0);
                for t in query.terms() {
                    prop_assert!(!t.words.is_empty());
                    for w in &t.words {
                        prop_assert!(!w.is_empty());
                        prop_assert!(w.chars().all(char::is_alphanumeric), "{w:?}");
                        prop_assert_eq!(&fold(w), w);
                    }
                }
                let _ = (query.to_tsquery(), query.to_tsquery_title(), query.to_fts5_ranked(true));
            }
        }

        #[test]
        fn operators_and_quotes_anywhere_never_panic(q in "[-\" a-zđĐầ()*:^]{0,60}") {
            let _ = Query::parse(&q);
        }
    }
}
