//! Indexing documents from JSON lines files into the live generation, as
//! `gongkai index` and `gongkai demo` (its bundled documents) do: each file
//! read with [`gongkai_index::jsonl`], its bad lines reported with file and
//! line number (the good lines around them are still indexed), settled
//! documents written in batches and the rest left to the classifier
//! ([`gongkai_index::classifier::classify_unsettled`]).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use gongkai_index::classifier::{LOW_CONFIDENCE, MIN_CONFIDENCE, Settings, classify_unsettled};
use gongkai_index::jsonl::{Line, MAX_LINE_BYTES, parse_line, read_lines};
use gongkai_index::taxonomy::Taxonomy;
use gongkai_index::{DataDir, DocumentWriter, ValidDocument, WriteStats};

use super::term::line_counter;

/// Documents analysed per batch.
const BATCH: usize = 2_000;

/// Indexes `files` (`-` for standard input; gzip is read transparently)
/// into the live generation with `threads` analysis threads (0 = all
/// cores), and prints what happened. `default_model`: whether the model
/// shipped with gongkai may place what nothing else does, recorded in
/// `DATA/classifier.toml`; `None` keeps what is recorded there (on when
/// nothing is). Upserts by id, so a file indexed twice
/// changes nothing the second time. Exit status 1 when lines were bad, 2
/// when a file could not be read to the end. Takes the data directory's lock.
pub fn index_files(
    data: &Path,
    files: &[PathBuf],
    threads: usize,
    default_model: Option<bool>,
) -> anyhow::Result<ExitCode> {
    let dir = DataDir::new(data);
    let taxonomy = Taxonomy::for_data_dir(dir.root())?;
    let _lock = super::lock_data_dir(&dir, "index")?;
    let mut settings = Settings::for_data_dir(dir.root())?;
    if let Some(choice) = default_model
        && choice != settings.default_model
    {
        settings.default_model = choice;
        settings.save(dir.root())?;
    }
    let default_model = settings.default_model;
    let mut totals = Totals::default();
    let (stats, ()) = super::write::write_live(&dir, threads, |builder| {
        // Documents neither metadata nor structure could place wait for the
        // classifier, trained once everything settled is in the index.
        let mut unsettled = Vec::new();
        for file in files {
            index_file(
                file,
                builder.writer()?,
                &taxonomy,
                &mut unsettled,
                &mut totals,
            )?;
        }
        if let Some(classified) = classify_unsettled(builder, unsettled, default_model)? {
            print_classified(&classified);
        }
        Ok(())
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

fn print_classified(c: &gongkai_index::classifier::Classified) {
    if !c.placed {
        eprintln!(
            "warning: {} documents have no category, column or URL that names one, and no model could \
             place them: indexed without a category",
            c.documents
        );
        return;
    }
    let by = match c.learned {
        None => "the default model (the index has too few categorised documents to learn from)"
            .to_string(),
        Some(learned) if c.own_weight >= 1.0 => format!(
            "the index's classifier (learned from {learned}) alone, without the default model"
        ),
        Some(learned) => format!(
            "the index's classifier (learned from {learned}) blended with the default model (own share {:.2})",
            c.own_weight
        ),
    };
    eprintln!(
        "classified: {} documents by text, with {by}; {} left 未分类 below confidence {MIN_CONFIDENCE:.2}, \
         {} below {LOW_CONFIDENCE:.2} (see `gongkai categories`)",
        c.documents, c.uncertain, c.low_confidence
    );
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
    let progress = line_counter(&path.display().to_string());
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
