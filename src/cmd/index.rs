//! `gongkai index`: documents from JSON lines files into the live generation.
//!
//! Upserts by id (a file indexed twice changes nothing the second time);
//! a bad line is reported with its file and line number and skipped, the
//! good lines around it are still indexed.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use gongkai_index::taxonomy::Taxonomy;
use gongkai_index::{DataDir, Document, DocumentWriter, ValidDocument, WriteStats};
use indicatif::{ProgressBar, ProgressStyle};

/// Documents analysed per batch.
const BATCH: usize = 2_000;
/// Longest input line accepted (bytes); longer lines are reported, not read.
const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;

/// Arguments of `gongkai index`.
#[derive(Debug, clap::Args)]
pub struct IndexArgs {
    /// JSON lines files (`.jsonl` or `.jsonl.gz`; `-` for standard input).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub data: super::DataArgs,
    /// Analysis threads (0 = all cores).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
}

pub fn run(args: IndexArgs) -> anyhow::Result<ExitCode> {
    let dir = DataDir::new(&args.data.data);
    let taxonomy = Taxonomy::for_data_dir(dir.root())?;
    let _lock = super::lock_data_dir(&dir, "index")?;
    let mut totals = Totals::default();
    let stats = super::write_live(&dir, args.threads, |handle, writer| {
        // Documents neither metadata nor structure could place wait for the
        // classifier, trained once everything settled is in the index.
        let mut unsettled = Vec::new();
        for file in &args.files {
            index_file(file, writer, &taxonomy, &mut unsettled, &mut totals)?;
        }
        super::categories::classify_and_index(&dir, handle, writer, unsettled)
    })?;
    print_summary(&stats, &totals);
    Ok(if totals.failed_files > 0 {
        ExitCode::from(2)
    } else if totals.bad > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// What the input files held, over all of them.
#[derive(Debug, Default)]
struct Totals {
    /// Lines that are not a document.
    bad: u64,
    /// Files that could not be opened or were cut short / damaged.
    failed_files: u64,
    /// Lines whose invalid UTF-8 was replaced by U+FFFD.
    replaced_utf8: u64,
    /// Documents whose given category is unknown (left to the taxonomy and classifier).
    unknown_category: u64,
}

fn print_summary(stats: &WriteStats, totals: &Totals) {
    eprintln!(
        "indexed: {} added, {} updated, {} unchanged, {} bad lines",
        stats.added, stats.updated, stats.unchanged, totals.bad
    );
    if totals.replaced_utf8 > 0 {
        eprintln!(
            "warning: {} lines held invalid UTF-8, replaced by U+FFFD (indexed as replaced)",
            totals.replaced_utf8
        );
    }
    if totals.unknown_category > 0 {
        eprintln!(
            "warning: {} documents named an unknown category (not one of the 20 nor an alias in the \
             taxonomy); it was dropped and the column, URL or classifier decided instead",
            totals.unknown_category
        );
    }
    if totals.failed_files > 0 {
        eprintln!(
            "error: {} input files could not be read to the end; the good lines before the damage \
             were indexed and committed (exit status 2)",
            totals.failed_files
        );
    }
}

/// Opens a file, transparently gunzipping `.gz` (or gzip magic).
fn open_input(path: &Path) -> std::io::Result<Box<dyn BufRead>> {
    if path == Path::new("-") {
        return Ok(Box::new(BufReader::new(std::io::stdin())));
    }
    let file = std::fs::File::open(path)?;
    let mut reader = BufReader::new(file);
    let gz = reader
        .fill_buf()
        .map(|b| b.starts_with(&[0x1f, 0x8b]))
        .unwrap_or(false);
    if gz {
        Ok(Box::new(BufReader::new(flate2::read::MultiGzDecoder::new(
            reader,
        ))))
    } else {
        Ok(Box::new(reader))
    }
}

/// Indexes one file into `totals`. An unreadable or damaged file is
/// reported and counted, and the lines before the damage are kept; only a
/// failure to write the index is an error.
fn index_file(
    path: &Path,
    writer: &mut DocumentWriter,
    taxonomy: &Taxonomy,
    unsettled: &mut Vec<ValidDocument>,
    totals: &mut Totals,
) -> anyhow::Result<()> {
    let mut reader = match open_input(path) {
        Ok(opened) => opened,
        Err(e) => {
            totals.failed_files += 1;
            eprintln!("{}: cannot open: {e}", path.display());
            return Ok(());
        }
    };
    let progress = progress_bar(path);
    let mut batch = Vec::with_capacity(BATCH);
    let mut documents = 0u64;
    let outcome = read_lines::<anyhow::Error>(&mut reader, MAX_LINE_BYTES, |line| {
        let (number, text, replaced) = match line {
            Line::Text {
                number,
                text,
                replaced,
            } => (number, text, replaced),
            Line::Overlong { number } => {
                totals.bad += 1;
                eprintln!(
                    "{}:{number}: line longer than {MAX_LINE_BYTES} bytes, skipped",
                    path.display()
                );
                return Ok(());
            }
        };
        if replaced {
            totals.replaced_utf8 += 1;
            if totals.replaced_utf8 <= 10 {
                eprintln!(
                    "{}:{number}: invalid UTF-8 replaced by U+FFFD",
                    path.display()
                );
            }
        }
        match parse_line(text, taxonomy) {
            Ok(parsed) => {
                documents += 1;
                if let Some(unknown) = &parsed.unknown_category {
                    totals.unknown_category += 1;
                    if totals.unknown_category <= 10 {
                        eprintln!(
                            "{}:{number}: unknown category {unknown:?} dropped",
                            path.display()
                        );
                    }
                }
                if parsed.settled {
                    batch.push(parsed.doc);
                } else {
                    unsettled.push(parsed.doc);
                }
            }
            Err(message) => {
                totals.bad += 1;
                eprintln!("{}:{number}: {message}", path.display());
            }
        }
        if batch.len() >= BATCH {
            writer.upsert_all(std::mem::take(&mut batch))?;
            progress.set_position(number);
        }
        Ok(())
    })?;
    writer.upsert_all(batch)?;
    progress.finish_and_clear();
    if let Some(error) = outcome.error {
        totals.failed_files += 1;
        eprintln!(
            "{}: read failed after line {} ({error}): the file is cut short or damaged; \
             the {documents} documents before it are kept",
            path.display(),
            outcome.lines
        );
    }
    Ok(())
}

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
pub fn parse_line(text: &str, taxonomy: &Taxonomy) -> Result<Parsed, String> {
    let doc: Document = serde_json::from_str(text).map_err(|e| format!("not a document: {e}"))?;
    let doc = doc.validate().map_err(|e| e.to_string())?;
    let given = doc.category.clone().filter(|c| !c.trim().is_empty());
    let unknown_category = given.clone().filter(|name| !known_category(name, taxonomy));
    let (doc, settled) = doc
        .edit(|doc| {
            if gongkai_index::category::settle_given(doc) {
                return true;
            }
            doc.category = given;
            taxonomy.apply(doc)
        })
        .map_err(|e| e.to_string())?;
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
    if gongkai_index::category::settle_given(&mut given) && given.category.is_some() {
        return true;
    }
    taxonomy.apply(&mut probe())
}

fn progress_bar(path: &Path) -> ProgressBar {
    if !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::no_length();
    let style = ProgressStyle::with_template("{spinner} {msg}: {pos} lines, {per_sec} [{elapsed}]")
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar.set_message(path.display().to_string());
    bar
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::io::Read;

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
