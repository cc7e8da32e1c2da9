//! Text as the service stores and matches it: NFC on write, and one folding function for
//! slugs and search (lower case, diacritics removed, đ read as d).

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Unicode NFC, the form every stored text takes.
pub fn nfc(s: &str) -> String {
    s.nfc().collect()
}

/// Folds text for matching: NFC, lower case, diacritics removed, `đ`/`Đ` read as `d`, and every
/// run of punctuation or spaces made one space.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        let c = match c {
            'đ' | 'Đ' => 'd',
            c => c,
        };
        if c.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.extend(c.to_lowercase());
        } else {
            pending_space = true;
        }
    }
    // Lower-casing can leave decomposed forms of non-Vietnamese letters; recompose.
    out.nfc().collect()
}

/// An ASCII slug from a title: folded, non-ASCII letters dropped, words joined by `-`.
pub fn slugify(s: &str) -> String {
    fold(s)
        .split(' ')
        .map(|w| {
            w.chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
        })
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// Escapes `%`, `_` and `\` for a LIKE pattern with `ESCAPE '\'`.
pub fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The folded words of a `q` parameter (empty when it has none).
pub fn query_words(q: &str) -> Vec<String> {
    fold(q)
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The terms of a search query, each folded: every word alone, and every "quoted phrase" whole
/// (its words in order). A record matches when its folded text contains every term.
pub fn search_terms(q: &str) -> Vec<String> {
    let mut terms = Vec::new();
    for (i, part) in q.split('"').enumerate() {
        if i % 2 == 1 {
            // Inside quotes: one phrase.
            let phrase = fold(part);
            if !phrase.is_empty() {
                terms.push(phrase);
            }
        } else {
            terms.extend(
                fold(part)
                    .split(' ')
                    .filter(|w| !w.is_empty())
                    .map(str::to_owned),
            );
        }
    }
    terms
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_reads_vietnamese_without_diacritics() {
        assert_eq!(fold("Đảng ủy phường Tuần Châu"), "dang uy phuong tuan chau");
        assert_eq!(fold("TUẦN CHÂU"), fold("tuần châu"));
        assert_eq!(
            fold("“nhiệm vụ kép”, 2.317,8 tỷ"),
            "nhiem vu kep 2 317 8 ty"
        );
    }

    #[test]
    fn slugs_are_ascii() {
        assert_eq!(slugify("Làm việc với Đảng ủy"), "lam-viec-voi-dang-uy");
        assert_eq!(slugify("  —  "), "");
    }

    #[test]
    fn nfc_composes_decomposed_input() {
        let decomposed = "Tua\u{0302}\u{0300}n";
        assert_eq!(nfc(decomposed), "Tuần");
    }

    #[test]
    fn search_terms_are_folded_words_and_quoted_phrases() {
        assert_eq!(search_terms("Hộ  NGHÈO"), vec!["ho", "ngheo"]);
        assert_eq!(
            search_terms("thu \"ngân sách nhà\" nước"),
            vec!["thu", "ngan sach nha", "nuoc"]
        );
        assert!(search_terms(" \"\" , ").is_empty());
    }
}
