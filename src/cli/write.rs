//! Driving the index's generation builder ([`gongkai_index::build`]) from a
//! command, and saying on the terminal what it did: a failed write (with
//! what was cleaned up, and a full disk in so many words), the validation
//! of a new generation and its publication.

use std::process::ExitCode;

use gongkai_index::build::{Builder, Finished, Validation, ValidationReport};
use gongkai_index::{DataDir, Document, Searcher, WriteStats};

use super::args::SwapArgs;
use super::term::progress_bar;

/// An index error, with "disk full" in front when it is one.
pub fn said(e: gongkai_index::Error) -> anyhow::Error {
    let full = e.is_disk_full();
    let e = anyhow::Error::new(e);
    if full { e.context("disk full") } else { e }
}

/// Writes with `f`, then finishes the builder. When either fails, what
/// this run wrote is cleaned up and the error says what became of it.
pub fn write<T>(
    mut builder: Builder,
    f: impl FnOnce(&mut Builder) -> anyhow::Result<T>,
) -> anyhow::Result<(Finished, T)> {
    match f(&mut builder) {
        Ok(value) => Ok((builder.finish()?, value)),
        Err(e) => Err(builder.abandon(e).into()),
    }
}

/// Writes with `f` into the live generation (creating a first one when
/// there is none). Hold the data directory's lock.
pub fn write_live<T>(
    dir: &DataDir,
    threads: usize,
    f: impl FnOnce(&mut Builder) -> anyhow::Result<T>,
) -> anyhow::Result<(WriteStats, T)> {
    let builder = Builder::live(dir, dir.analyzer()?, threads).map_err(said)?;
    let (finished, value) = write(builder, f)?;
    Ok((finished.stats(), value))
}

/// Writes `docs` as the whole of a new (or resumed) generation, with a
/// progress bar, and marks it complete.
pub fn write_generation(builder: Builder, docs: Vec<Document>) -> anyhow::Result<Finished> {
    let bar = progress_bar(
        docs.len() as u64,
        &format!("writing generation {}", builder.generation()),
    );
    let written = write(builder, |builder| {
        Ok(builder.replace_all(docs, |n| bar.inc(n))?)
    });
    bar.finish_and_clear();
    Ok(written?.0)
}

/// Validates a finished generation against the live one, then publishes
/// it and prunes old ones (unless `--no-swap`). One that fails validation
/// is not made live, and the exit status is 2.
pub fn validate_and_publish(
    finished: Finished,
    live: Option<&Searcher>,
    rules: &Validation,
    args: &SwapArgs,
) -> anyhow::Result<ExitCode> {
    let validated = finished.validate(live, rules)?;
    let n = validated.generation();
    print_validation(n, validated.report());
    if !validated.report().passed() {
        eprintln!(
            "generation {n} failed validation and was NOT made live; the live generation keeps serving"
        );
        return Ok(ExitCode::from(2));
    }
    if args.no_swap {
        eprintln!("generation {n} is complete and valid; not made live (--no-swap)");
        return Ok(ExitCode::SUCCESS);
    }
    let published = validated.publish(args.keep)?;
    match published.previous {
        Some(old) => {
            eprintln!("generation {n} is live (was {old}; `gongkai rollback` returns to it)")
        }
        None => eprintln!("generation {n} is live"),
    }
    if !published.pruned.is_empty() {
        eprintln!(
            "removed old generations: {:?} (keeping {})",
            published.pruned, args.keep
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn print_validation(n: u64, report: &ValidationReport) {
    match report.live_documents {
        Some(old) => eprintln!(
            "generation {n}: {} documents (live: {old})",
            report.documents
        ),
        None => eprintln!("generation {n}: {} documents", report.documents),
    }
    for (q, old, new) in &report.queries {
        tracing::info!(query = %q, old, new, "sample query");
    }
    for p in &report.problems {
        eprintln!("  validation: {p}");
    }
}
