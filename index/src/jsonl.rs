//! Documents as JSON lines, one per line (`gongkai index`, the demo's
//! bundled documents, `gongkai export`'s output read back): reading lines
//! robustly ([`read_lines`]: a byte-order mark, invalid UTF-8, overlong lines
//! and a file cut short never lose the good lines around them) and turning
//! each into a validated document with its category settled where the line
//! says ([`parse_line`]).
//!
//! It never opens files or prints: the caller names the input and reports.

use std::io::{BufRead, Read};

use crate::document::{Document, ValidDocument};
use crate::taxonomy::Taxonomy;

/// Longest input line accepted (bytes); longer lines are reported, not read.
pub const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;

/// One line of input, as [`read_lines`] hands it over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line<'a> {
    /// A non-blank line (without its newline or a leading byte-order mark).
    Text {
        /// 1-based line number.
        number: u64,
        /// The text; invalid UTF-8 replaced by U+FFFD.
        text: &'a str,
        /// Whether anything was replaced.
        replaced: bool,
    },
    /// A line longer than the limit, skipped unread.
    Overlong {
        /// 1-based line number.
        number: u64,
    },
}

/// How reading an input ended.
#[derive(Debug, Default)]
pub struct ReadOutcome {
    /// Lines read completely.
    pub lines: u64,
    /// The read error that ended it early (truncated gzip, I/O error);
    /// a partial last line is dropped, every complete line before it was
    /// handed over.
    pub error: Option<std::io::Error>,
}

/// Reads JSON lines: every complete line goes to `on_line`, lines longer
/// than `max_line` bytes are reported as [`Line::Overlong`] without being
/// held in memory, a read error ends the input (see [`ReadOutcome`]).
/// Only an error of `on_line` is returned as an error.
pub fn read_lines<E>(
    reader: &mut dyn BufRead,
    max_line: usize,
    mut on_line: impl FnMut(Line<'_>) -> Result<(), E>,
) -> Result<ReadOutcome, E> {
    let mut outcome = ReadOutcome::default();
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let read = (&mut *reader)
            .take(max_line as u64 + 1)
            .read_until(b'\n', &mut buf);
        match read {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                outcome.error = Some(e);
                break;
            }
        }
        let number = outcome.lines + 1;
        if buf.len() > max_line && !buf.ends_with(b"\n") {
            if let Err(e) = skip_line(reader) {
                outcome.error = Some(e);
                break;
            }
            outcome.lines = number;
            on_line(Line::Overlong { number })?;
            continue;
        }
        outcome.lines = number;
        let mut bytes = buf.as_slice();
        if number == 1 {
            bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        }
        let (text, replaced) = match String::from_utf8_lossy(bytes) {
            std::borrow::Cow::Borrowed(text) => (std::borrow::Cow::Borrowed(text), false),
            owned => (owned, true),
        };
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        on_line(Line::Text {
            number,
            text,
            replaced,
        })?;
    }
    Ok(outcome)
}

/// Consumes input up to and including the next newline, a buffer at a time.
fn skip_line(reader: &mut dyn BufRead) -> std::io::Result<()> {
    loop {
        let (done, used) = {
            let available = match reader.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if available.is_empty() {
                return Ok(());
            }
            match available.iter().position(|&b| b == b'\n') {
                Some(i) => (true, i + 1),
                None => (false, available.len()),
            }
        };
        reader.consume(used);
        if done {
            return Ok(());
        }
    }
}

/// Why a line is not a document.
#[derive(Debug, thiserror::Error)]
pub enum LineError {
    /// Not JSON, or not the shape of a document.
    #[error("not a document: {0}")]
    NotADocument(#[from] serde_json::Error),
    /// A document that is not acceptable (no id, no text, a bad date).
    #[error(transparent)]
    Invalid(#[from] gongkai_document::Error),
}

/// A parsed input line.
#[derive(Debug)]
pub struct Parsed {
    /// The validated document.
    pub doc: ValidDocument,
    /// Whether its category is settled (else the classifier decides).
    pub settled: bool,
    /// A category it named that is neither one of the 20 nor an alias.
    pub unknown_category: Option<String>,
}

/// One JSON line into a validated document with its category settled where
/// it says (a category or news kind, an alias, its column or URL). A `null`
/// field counts as absent.
pub fn parse_line(text: &str, taxonomy: &Taxonomy) -> Result<Parsed, LineError> {
    let doc: Document = serde_json::from_str(text)?;
    let doc = doc.validate()?;
    let given = doc.category.clone().filter(|c| !c.trim().is_empty());
    let unknown_category = given.clone().filter(|name| !known_category(name, taxonomy));
    let (doc, settled) = doc.edit(|doc| {
        if crate::category::settle_given(doc) {
            return true;
        }
        doc.category = given;
        taxonomy.apply(doc)
    })?;
    Ok(Parsed {
        doc,
        settled,
        unknown_category,
    })
}

/// Whether a category name is one of the 20 or an alias the taxonomy knows.
fn known_category(name: &str, taxonomy: &Taxonomy) -> bool {
    let probe = || Document {
        category: Some(name.to_string()),
        ..Default::default()
    };
    let mut given = probe();
    if crate::category::settle_given(&mut given) && given.category.is_some() {
        return true;
    }
    taxonomy.apply(&mut probe())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::io::BufReader;

    /// Gives `bytes`, then fails the way a truncated gzip stream does.
    struct CutShort {
        bytes: std::io::Cursor<Vec<u8>>,
        fail: bool,
    }

    impl Read for CutShort {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = self.bytes.read(out)?;
            if n == 0 && self.fail {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "unexpected end of file",
                ));
            }
            Ok(n)
        }
    }

    fn taxonomy() -> Taxonomy {
        Taxonomy::default_taxonomy().unwrap()
    }

    /// (line number, text, replaced) of every line read.
    fn read_all(bytes: &[u8], fail: bool, max: usize) -> (Vec<(u64, String, bool)>, ReadOutcome) {
        let mut reader = BufReader::with_capacity(
            7,
            CutShort {
                bytes: std::io::Cursor::new(bytes.to_vec()),
                fail,
            },
        );
        let mut lines = Vec::new();
        let outcome = read_lines(&mut reader, max, |line| {
            match line {
                Line::Text {
                    number,
                    text,
                    replaced,
                } => lines.push((number, text.to_string(), replaced)),
                Line::Overlong { number } => lines.push((number, String::new(), false)),
            }
            Ok::<(), ()>(())
        })
        .unwrap();
        (lines, outcome)
    }

    #[test]
    fn a_cut_short_input_keeps_the_lines_before_the_damage() {
        let (lines, outcome) = read_all(b"{\"a\":1}\n{\"b\":2}\n{\"c\":", true, 100);
        assert_eq!(lines.len(), 2);
        assert_eq!(outcome.lines, 2);
        assert!(outcome.error.is_some());
    }

    #[test]
    fn a_byte_order_mark_is_not_part_of_line_one() {
        let (lines, _) = read_all(b"\xEF\xBB\xBF{\"id\":\"a\",\"title\":\"t\"}\n", false, 100);
        let parsed = parse_line(&lines[0].1, &taxonomy()).unwrap();
        assert_eq!(parsed.doc.id, "a");
    }

    #[test]
    fn invalid_utf8_is_replaced_and_flagged() {
        let (lines, _) = read_all(b"{\"id\":\"a\",\"title\":\"t\xFF\"}\nok\n", false, 100);
        assert!(lines[0].2 && lines[0].1.contains('\u{FFFD}'));
        assert!(!lines[1].2);
    }

    #[test]
    fn an_unknown_category_is_reported_a_known_one_or_alias_is_not() {
        let tax = taxonomy();
        let unknown = parse_line(r#"{"id":"a","title":"t","category":"火星事务"}"#, &tax).unwrap();
        assert_eq!(unknown.unknown_category.as_deref(), Some("火星事务"));
        assert_eq!(unknown.doc.category, None);
        let known = parse_line(r#"{"id":"b","title":"t","category":"财政预决算"}"#, &tax).unwrap();
        assert_eq!(known.unknown_category, None);
        let news = parse_line(
            r#"{"id":"c","title":"t","category":"火星","kind":"新闻"}"#,
            &tax,
        )
        .unwrap();
        assert_eq!(news.unknown_category.as_deref(), Some("火星"));
        let null = parse_line(
            r#"{"id":"d","title":"t","category":null,"body":null}"#,
            &tax,
        );
        assert!(null.unwrap().unknown_category.is_none());
    }

    #[derive(Debug, Clone)]
    enum Segment {
        Good,
        Garbage(Vec<u8>),
        Huge(usize),
        Blank,
    }

    fn segment() -> impl Strategy<Value = Segment> {
        prop_oneof![
            4 => Just(Segment::Good),
            3 => proptest::collection::vec(any::<u8>().prop_filter("no newline", |b| *b != b'\n'), 0..300)
                .prop_map(Segment::Garbage),
            1 => (MAX..4 * MAX).prop_map(Segment::Huge),
            1 => Just(Segment::Blank),
        ]
    }

    const MAX: usize = 256;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

        /// Garbage, huge and truncated input never panics, and every good
        /// line that arrived whole is read, with its line number.
        #[test]
        fn no_good_line_is_lost(
            segments in proptest::collection::vec(segment(), 0..40),
            bom in any::<bool>(),
            cut in proptest::option::of(any::<proptest::sample::Index>()),
        ) {
            let mut bytes = Vec::new();
            if bom {
                bytes.extend_from_slice(b"\xEF\xBB\xBF");
            }
            // (line number, id, offset just past its newline)
            let mut good = Vec::new();
            for (i, s) in segments.iter().enumerate() {
                match s {
                    Segment::Good => {
                        let id = format!("g{i}");
                        bytes.extend_from_slice(
                            format!(r#"{{"id":"{id}","title":"第{i}号通知","body":null}}"#).as_bytes(),
                        );
                        bytes.push(b'\n');
                        good.push((i as u64 + 1, id, bytes.len()));
                        continue;
                    }
                    Segment::Garbage(g) => bytes.extend_from_slice(g),
                    Segment::Huge(n) => bytes.extend(std::iter::repeat_n(b'x', *n)),
                    Segment::Blank => {}
                }
                bytes.push(b'\n');
            }
            let cut = cut.map(|c| c.index(bytes.len() + 1));
            let input = &bytes[..cut.unwrap_or(bytes.len())];
            let (lines, outcome) = read_all(input, cut.is_some(), MAX);
            let tax = taxonomy();
            let found: Vec<(u64, String)> = lines
                .iter()
                .filter_map(|(n, text, _)| parse_line(text, &tax).ok().map(|p| (*n, p.doc.into_inner().id)))
                .collect();
            for (number, id, end) in &good {
                if *end <= input.len() {
                    prop_assert!(
                        found.contains(&(*number, id.clone())),
                        "line {} ({}) lost; found {:?}", number, id, found
                    );
                }
            }
            for (_, id) in &found {
                prop_assert!(good.iter().any(|(_, g, _)| g == id), "{} invented", id);
            }
            prop_assert_eq!(outcome.error.is_some(), cut.is_some());
            let whole_lines = input.iter().filter(|b| **b == b'\n').count() as u64;
            prop_assert!(outcome.lines >= whole_lines, "{} < {}", outcome.lines, whole_lines);
        }
    }
}
