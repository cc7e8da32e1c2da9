//! Text as the service stores and matches it: NFC on write, and one folding function for
//! slugs and search (lower case, diacritics removed, đ read as d).

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Unicode NFC, the form every stored text takes.
pub fn nfc(s: &str) -> String {
    s.nfc().collect()
}

/// Folds text for matching: NFC, lower case, diacritics removed, `đ`/`Đ` read as `d`, and every
/// run of punctuation or spaces made one space. Characters fold one by one, so the folded words of
/// a text are the folds of its words, in order (search snippets rely on it).
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
        if !c.is_alphanumeric() {
            pending_space = true;
            continue;
        }
        // Lower-casing may itself decompose (`İ` is `i` and a dot above): fold what it gives too.
        for lower in c.to_lowercase().nfd() {
            if is_combining_mark(lower) {
                continue;
            }
            if !lower.is_alphanumeric() {
                pending_space = true;
                continue;
            }
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(lower);
        }
    }
    // Compose what decomposition split apart that is not a diacritic (Hangul syllables).
    out.nfc().collect()
}

/// An ASCII slug from a title: folded, non-ASCII letters dropped, words joined by `-`.
/// Lower-case ASCII letters and digits in words joined by single hyphens.
pub fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.split('-').all(|w| {
            !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

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

    /// Every Vietnamese vowel with each of its five tone marks (and without), in both cases.
    const VOWELS: &[(&str, char)] = &[
        ("aàáảãạ", 'a'),
        ("ăằắẳẵặ", 'a'),
        ("âầấẩẫậ", 'a'),
        ("eèéẻẽẹ", 'e'),
        ("êềếểễệ", 'e'),
        ("iìíỉĩị", 'i'),
        ("oòóỏõọ", 'o'),
        ("ôồốổỗộ", 'o'),
        ("ơờớởỡợ", 'o'),
        ("uùúủũụ", 'u'),
        ("ưừứửữự", 'u'),
        ("yỳýỷỹỵ", 'y'),
    ];

    #[test]
    fn every_vietnamese_letter_folds_to_its_base() {
        for (letters, base) in VOWELS {
            assert_eq!(letters.chars().count(), 6);
            for c in letters.chars().chain(letters.to_uppercase().chars()) {
                assert_eq!(fold(&c.to_string()), base.to_string(), "{c}");
                let decomposed: String = c.to_string().nfd().collect();
                assert_eq!(fold(&decomposed), base.to_string(), "{c} decomposed");
            }
        }
        assert_eq!(fold("đĐ"), "dd");
    }

    proptest::proptest! {
        #[test]
        fn folding_is_idempotent_and_never_panics(s in "\\PC{0,64}|.{0,64}") {
            let once = fold(&s);
            proptest::prop_assert_eq!(fold(&once), once.clone());
            proptest::prop_assert!(!once.starts_with(' ') && !once.ends_with(' ') && !once.contains("  "));
        }

        #[test]
        fn vietnamese_text_folds_to_ascii(s in "[aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵđĐA-Z0-9 ,.]{0,64}") {
            let folded = fold(&s);
            proptest::prop_assert!(folded.is_ascii(), "{}", folded);
            proptest::prop_assert_eq!(fold(&s.to_uppercase()), folded);
        }
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
