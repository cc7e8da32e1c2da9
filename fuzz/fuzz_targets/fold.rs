//! The folding function behind slugs and search: whatever the text, it must not panic, and its
//! result must be what its documentation promises.
#![no_main]

use bantin::text::fold;
use libfuzzer_sys::fuzz_target;
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

fuzz_target!(|text: &str| {
    let folded = fold(text);
    // Folding what is folded changes nothing.
    assert_eq!(fold(&folded), folded, "not idempotent for {text:?}");
    // Words joined by single spaces, none at either end.
    assert!(
        !folded.starts_with(' ') && !folded.ends_with(' '),
        "{folded:?}"
    );
    assert!(!folded.contains("  "), "{folded:?}");
    for c in folded.chars() {
        assert!(c == ' ' || c.is_alphanumeric(), "{c:?} in {folded:?}");
        assert!(c != 'đ' && c != 'Đ', "đ left in {folded:?}");
        // Each letter is its own lower case (a letter with no lower case, such as `ϒ`, is too).
        assert!(
            c.to_lowercase().eq([c]),
            "{c:?} is not lower case in {folded:?}"
        );
    }
    // No diacritics, even once decomposed.
    assert!(
        !folded.nfd().any(is_combining_mark),
        "a diacritic left in {folded:?}"
    );
});
