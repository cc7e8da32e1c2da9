//! Snippets: a few lines of the original text (with its diacritics) around the first match, the
//! matched words in `<mark>…</mark>` and everything else HTML-escaped.
//!
//! Matching happens on folded text; [`fold`] works character by character, so walking the
//! original text word by word and folding each word gives the folded words with the place in the
//! original that each one came from.

use unicode_normalization::char::is_combining_mark;

use crate::text::fold;

/// Words kept before the first match.
const WORDS_BEFORE: usize = 8;
/// Words in a snippet.
const WORDS: usize = 32;

/// One folded word and the bytes of the original word it comes from.
struct Word {
    start: usize,
    end: usize,
    folded: String,
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || is_combining_mark(c)
}

fn words(text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut start = None;
    let push = |start: usize, end: usize, out: &mut Vec<Word>| {
        for folded in fold(&text[start..end]).split(' ').filter(|w| !w.is_empty()) {
            out.push(Word {
                start,
                end,
                folded: folded.to_owned(),
            });
        }
    };
    for (i, c) in text.char_indices() {
        match (is_word_char(c), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                push(s, i, &mut out);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        push(s, text.len(), &mut out);
    }
    out
}

/// The snippet of `text` around the first place where one of `terms` (each a sequence of folded
/// words) occurs, or `None` when none does.
pub fn around_match(text: &str, terms: &[Vec<String>]) -> Option<String> {
    let words = words(text);
    let mut marked = vec![false; words.len()];
    let mut first = None;
    for i in 0..words.len() {
        for term in terms.iter().filter(|t| !t.is_empty()) {
            let end = i + term.len();
            if end <= words.len() && words[i..end].iter().zip(term).all(|(w, t)| w.folded == *t) {
                marked[i..end].iter_mut().for_each(|m| *m = true);
                first.get_or_insert(i);
            }
        }
    }
    // A few words before the match, and as many after as fill the snippet.
    let from = first?
        .saturating_sub(WORDS_BEFORE)
        .min(words.len().saturating_sub(WORDS));
    Some(render(text, &words, &marked, from))
}

/// The beginning of `text`, for a record whose match is elsewhere.
pub fn lead(text: &str) -> String {
    let words = words(text);
    render(text, &words, &vec![false; words.len()], 0)
}

fn render(text: &str, words: &[Word], marked: &[bool], from: usize) -> String {
    let mut out = String::new();
    if words.is_empty() {
        escape_into(
            &mut out,
            text.chars().take(200).collect::<String>().as_str(),
        );
        return out.trim().to_owned();
    }
    let to = (from + WORDS).min(words.len());
    let mut pos = if from == 0 {
        0
    } else {
        out.push('…');
        out.push(' ');
        words[from].start
    };
    let mut i = from;
    while i < to {
        let (start, end) = (words[i].start, words[i].end);
        // One original word may fold to several; it is shown once, marked if any part matched.
        let mut mark = false;
        while i < to && words[i].start == start {
            mark |= marked[i];
            i += 1;
        }
        escape_into(&mut out, &text[pos..start]);
        if mark {
            out.push_str("<mark>");
        }
        escape_into(&mut out, &text[start..end]);
        if mark {
            out.push_str("</mark>");
        }
        pos = end;
    }
    if to == words.len() {
        escape_into(&mut out, &text[pos..]);
        let trimmed = out.trim_end().len();
        out.truncate(trimmed);
    } else {
        out.push_str(" …");
    }
    out.trim_start().to_owned()
}

/// HTML-escapes `s` onto `out`, making every run of white space one space.
fn escape_into(out: &mut String, s: &str) {
    let mut space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    if space {
        out.push(' ');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn terms(q: &str) -> Vec<Vec<String>> {
        crate::search::Query::parse(q)
            .unwrap()
            .positive()
            .map(|t| t.words.clone())
            .collect()
    }

    #[test]
    fn marks_the_matched_words_keeping_diacritics() {
        let text = "Ngày 8/11, Ban Thường vụ Thành ủy đã làm việc với Đảng ủy phường Tuần Châu.";
        assert_eq!(
            around_match(text, &terms("tuan chau")).unwrap(),
            "Ngày 8/11, Ban Thường vụ Thành ủy đã làm việc với Đảng ủy phường <mark>Tuần</mark> <mark>Châu</mark>."
        );
        assert_eq!(
            around_match(text, &terms("\"dang uy\"")).unwrap(),
            "Ngày 8/11, Ban Thường vụ Thành ủy đã làm việc với <mark>Đảng</mark> <mark>ủy</mark> phường Tuần Châu."
        );
        assert_eq!(around_match(text, &terms("covid")), None);
    }

    #[test]
    fn cuts_around_the_first_match_and_escapes_the_rest() {
        let mut text = "<b>mở đầu</b> & ".to_owned();
        text.push_str(&"lời ".repeat(40));
        text.push_str("Hương Trà\n\n");
        text.push_str(&"kết ".repeat(40));
        let s = around_match(&text, &terms("huong tra")).unwrap();
        assert!(s.starts_with("… lời lời"), "{s}");
        assert!(s.contains("<mark>Hương</mark> <mark>Trà</mark> kết"), "{s}");
        assert!(s.ends_with(" …"), "{s}");
        assert_eq!(s.matches("lời").count(), WORDS_BEFORE);
        let head = lead(&text);
        assert!(
            head.starts_with("&lt;b&gt;mở đầu&lt;/b&gt; &amp; lời"),
            "{head}"
        );
    }

    proptest! {
        #[test]
        fn never_panics_and_never_lets_markup_through(text in "\\PC{0,200}", q in "[a-zđ ]{1,12}") {
            let terms: Vec<Vec<String>> = crate::search::Query::parse(&q)
                .map(|q| q.positive().map(|t| t.words.clone()).collect())
                .unwrap_or_default();
            for s in [around_match(&text, &terms).unwrap_or_default(), lead(&text)] {
                let bare = s.replace("<mark>", "").replace("</mark>", "");
                prop_assert!(!bare.contains('<') && !bare.contains('>'), "{}", s);
            }
        }
    }
}
