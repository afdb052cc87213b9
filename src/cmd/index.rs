//! `gongkai index`: documents from JSON lines files into the live generation.
//!
//! Upserts by id (a file indexed twice changes nothing the second time);
//! a bad line is reported with its file and line number and skipped, the
//! good lines around it are still indexed.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use gongkai_index::taxonomy::Taxonomy;
use gongkai_index::{DataDir, Document, DocumentWriter, WriteStats};
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
    let handle = dir.open_or_create_current(dir.analyzer()?)?;
    let mut writer = DocumentWriter::open(handle.clone(), args.threads)?;
    let mut bad_lines = 0u64;
    // Documents neither metadata nor structure could place wait for the
    // classifier, trained once everything settled is in the index.
    let mut unsettled = Vec::new();
    for file in &args.files {
        bad_lines += index_file(file, &mut writer, &taxonomy, &mut unsettled)?;
    }
    super::categories::classify_and_index(&dir, &handle, &mut writer, unsettled)?;
    let stats = writer.finish()?;
    print_summary(&stats, bad_lines);
    Ok(if bad_lines > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn print_summary(stats: &WriteStats, bad_lines: u64) {
    eprintln!(
        "indexed: {} added, {} updated, {} unchanged, {} bad lines",
        stats.added, stats.updated, stats.unchanged, bad_lines
    );
}

/// Opens a file, transparently gunzipping `.gz` (or gzip magic).
fn open_input(path: &Path) -> anyhow::Result<(Box<dyn BufRead>, u64)> {
    if path == Path::new("-") {
        return Ok((Box::new(BufReader::new(std::io::stdin())), 0));
    }
    let file =
        std::fs::File::open(path).with_context(|| format!("{}: cannot open", path.display()))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut reader = BufReader::new(file);
    let gz = reader
        .fill_buf()
        .map(|b| b.starts_with(&[0x1f, 0x8b]))
        .unwrap_or(false);
    if gz {
        // Compressed size says nothing about lines read: count lines instead.
        Ok((
            Box::new(BufReader::new(flate2::read::MultiGzDecoder::new(reader))),
            0,
        ))
    } else {
        Ok((Box::new(reader), size))
    }
}

/// Indexes one file; returns the number of bad lines.
fn index_file(
    path: &Path,
    writer: &mut DocumentWriter,
    taxonomy: &Taxonomy,
    unsettled: &mut Vec<Document>,
) -> anyhow::Result<u64> {
    let (mut reader, size) = open_input(path)?;
    let progress = progress_bar(size, path);
    let mut batch = Vec::with_capacity(BATCH);
    let mut bad = 0u64;
    let mut line_no = 0u64;
    let mut buf = Vec::new();
    let mut consumed = 0u64;
    loop {
        buf.clear();
        let read = (&mut reader)
            .take(MAX_LINE_BYTES as u64 + 1)
            .read_until(b'\n', &mut buf)
            .with_context(|| format!("{}: read failed after line {line_no}", path.display()))?;
        if read == 0 {
            break;
        }
        line_no += 1;
        consumed += read as u64;
        if buf.len() > MAX_LINE_BYTES && !buf.ends_with(b"\n") {
            bad += 1;
            eprintln!(
                "{}:{line_no}: line longer than {MAX_LINE_BYTES} bytes, skipped",
                path.display()
            );
            // Skip the rest of the overlong line.
            let mut rest = Vec::new();
            reader.read_until(b'\n', &mut rest)?;
            continue;
        }
        let text = String::from_utf8_lossy(&buf);
        if text.trim().is_empty() {
            continue;
        }
        match parse_line(&text, taxonomy) {
            Ok((doc, true)) => batch.push(doc),
            Ok((doc, false)) => unsettled.push(doc),
            Err(message) => {
                bad += 1;
                eprintln!("{}:{line_no}: {message}", path.display());
            }
        }
        if batch.len() >= BATCH {
            writer.upsert_all(std::mem::take(&mut batch))?;
            progress.set_position(if size > 0 {
                consumed.min(size)
            } else {
                line_no
            });
        }
    }
    writer.upsert_all(batch)?;
    progress.finish_and_clear();
    Ok(bad)
}

/// One JSON line into a validated document with its category settled where
/// it says (a category or news kind, an alias, its column or URL); the flag
/// tells whether it is settled or left for the classifier.
pub fn parse_line(text: &str, taxonomy: &Taxonomy) -> Result<(Document, bool), String> {
    let doc: Document = serde_json::from_str(text).map_err(|e| format!("not a document: {e}"))?;
    let mut doc = doc.validate().map_err(|e| e.to_string())?;
    let given = doc.category.clone();
    if gongkai_index::category::settle_given(&mut doc) {
        return Ok((doc, true));
    }
    doc.category = given;
    let settled = taxonomy.apply(&mut doc);
    Ok((doc, settled))
}

fn progress_bar(size: u64, path: &Path) -> ProgressBar {
    if !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        return ProgressBar::hidden();
    }
    let (bar, template) = if size > 0 {
        (
            ProgressBar::new(size),
            "{msg} [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        )
    } else {
        (
            ProgressBar::no_length(),
            "{spinner} {msg}: {pos} lines, {per_sec} [{elapsed}]",
        )
    };
    let style =
        ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar.set_message(path.display().to_string());
    bar
}
