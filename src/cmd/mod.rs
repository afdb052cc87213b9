//! Command-line interface: argument definitions and dispatch to one module per
//! subcommand.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub mod analyze;
pub mod batch;
pub mod categories;
pub mod crawl;
pub mod demo;
pub mod eval;
pub mod export;
pub mod extract;
pub mod generations;
pub mod index;
pub mod rebuild;
pub mod reindex;
pub mod rollback;
pub mod search;
pub mod serve;
pub mod stats;
pub mod verify;

/// Search engine for published government information (政府信息公开).
#[derive(Debug, Parser)]
#[command(name = "gongkai", version, about)]
pub struct Cli {
    /// More log output (-v info, -vv debug); RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the terms the analyzer makes of each input line.
    Analyze(analyze::AnalyzeArgs),
    /// Index documents from JSON lines files (.jsonl or .jsonl.gz).
    Index(index::IndexArgs),
    /// Search the index from the terminal.
    Search(search::SearchArgs),
    /// Write every indexed document back out.
    Export(export::ExportArgs),
    /// Crawl a portal into the index.
    Crawl(crawl::CrawlArgs),
    /// Show what gongkai extracts from one page, and why it is (not) indexed.
    Extract(extract::ExtractArgs),
    /// Serve the search page and JSON API over HTTP.
    Serve(serve::ServeArgs),
    /// Serve a bundled sample portal, crawl it, index it and serve search.
    Demo(demo::DemoArgs),
    /// Run many queries from a file or stdin.
    Batch(batch::BatchArgs),
    /// Score a run file against relevance judgments (qrels).
    Eval(eval::EvalArgs),
    /// Category counts, sources and the least confident classifications.
    Categories(categories::CategoriesArgs),
    /// Figures for the annual 政府信息公开 report.
    Stats(stats::StatsArgs),
    /// Crawl a (migrated) site into a new generation and swap it in.
    Reindex(reindex::ReindexArgs),
    /// Make the previous generation live again.
    Rollback(rollback::RollbackArgs),
    /// List index generations.
    Generations(generations::GenerationsArgs),
    /// Re-analyse stored documents into a new generation (no network).
    Rebuild(rebuild::RebuildArgs),
    /// Check every index file against its checksum; name the damaged ones.
    Verify(verify::VerifyArgs),
}

/// Runs one parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Analyze(args) => analyze::run(args),
        Command::Index(args) => index::run(args),
        Command::Search(args) => search::run(args),
        Command::Export(args) => export::run(args),
        Command::Crawl(args) => crawl::run(args),
        Command::Extract(args) => extract::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Demo(args) => demo::run(args),
        Command::Batch(args) => batch::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Categories(args) => categories::run(args),
        Command::Stats(args) => stats::run(args),
        Command::Reindex(args) => reindex::run(args),
        Command::Rollback(args) => rollback::run(args),
        Command::Generations(args) => generations::run(args),
        Command::Rebuild(args) => rebuild::run(args),
        Command::Verify(args) => verify::run(args),
    }
}

/// Arguments naming the data directory, shared by most commands.
#[derive(Debug, clap::Args)]
pub struct DataArgs {
    /// Data directory: index generations, crawl state, user dictionary.
    #[arg(long, env = "GONGKAI_DATA", default_value = "gongkai-data")]
    pub data: PathBuf,
}

/// Sets up `tracing` to stderr; `RUST_LOG` wins over `-v`.
pub fn init_logging(verbose: u8) {
    use tracing_subscriber::EnvFilter;
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Filters shared by `search` and `batch`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct FilterArgs {
    /// Only this category (repeat for several; `新闻` selects news).
    #[arg(long = "category")]
    pub categories: Vec<String>,
    /// Published on or after this date (YYYY-MM-DD).
    #[arg(long, value_parser = parse_date_arg)]
    pub from: Option<time::Date>,
    /// Published on or before this date (YYYY-MM-DD).
    #[arg(long, value_parser = parse_date_arg)]
    pub to: Option<time::Date>,
    /// Only this publisher (发布机构), exactly.
    #[arg(long)]
    pub publisher: Option<String>,
}

impl FilterArgs {
    /// A search request for `query` with these filters.
    pub fn request(&self, query: &str) -> gongkai_index::SearchRequest {
        gongkai_index::SearchRequest {
            query: query.to_string(),
            categories: self
                .categories
                .iter()
                .map(|c| gongkai_index::analysis::normalize(c))
                .collect(),
            from: self.from,
            to: self.to,
            publisher: self.publisher.clone(),
            ..Default::default()
        }
    }
}

/// Parses a date argument in any format portals use.
pub fn parse_date_arg(text: &str) -> Result<time::Date, String> {
    gongkai_index::document::parse_date(text)
        .ok_or_else(|| format!("not a date: {text:?} (expected YYYY-MM-DD)"))
}

/// Opens the live generation of a data directory for searching.
pub fn open_searcher(data: &std::path::Path) -> anyhow::Result<gongkai_index::Searcher> {
    let dir = gongkai_index::DataDir::new(data);
    // A live generation that cannot be opened: the previous good one answers.
    let handle = gongkai_index::generation::open_serving(&dir, dir.analyzer()?, false)?;
    Ok(gongkai_index::Searcher::new(handle)?)
}

/// Takes the data directory's lock for a writing `command`; says so when
/// another command holds it, then waits for it.
pub fn lock_data_dir(
    dir: &gongkai_index::DataDir,
    command: &str,
) -> anyhow::Result<gongkai_index::DataLock> {
    use anyhow::Context;
    dir.lock(command, |holder| {
        eprintln!(
            "{}: another gongkai command is writing this data directory ({}); waiting for it to finish",
            dir.root().display(),
            if holder.is_empty() { "pid unknown" } else { holder }
        );
    })
    .with_context(|| format!("cannot lock the data directory {}", dir.root().display()))
}

/// Whether an error is, somewhere in its chain, a full disk (`ENOSPC`).
pub fn is_disk_full(e: &anyhow::Error) -> bool {
    e.chain().any(gongkai_index::chain_is_disk_full)
}

/// Writes into the live generation (creating a first one if there is
/// none), then commits and waits for merges. Hold the data directory's lock.
///
/// When anything fails, what this run wrote goes: the segments it never
/// committed, or the whole generation when it created it, so that the disk
/// is not left full of orphans and the live generation serves as before.
/// A full disk is said in so many words.
pub fn write_live(
    dir: &gongkai_index::DataDir,
    threads: usize,
    f: impl FnOnce(
        &gongkai_index::IndexHandle,
        &mut gongkai_index::DocumentWriter,
    ) -> anyhow::Result<()>,
) -> anyhow::Result<gongkai_index::WriteStats> {
    let (handle, created) = dir
        .open_or_create_current_flagged(dir.analyzer()?)
        .map_err(|e| disk_full_said(anyhow::Error::new(e)))?;
    let snapshot = dir.snapshot(&handle)?;
    let result = (|| -> anyhow::Result<gongkai_index::WriteStats> {
        let mut writer = gongkai_index::DocumentWriter::open(handle.clone(), threads)?;
        f(&handle, &mut writer)?;
        Ok(writer.finish()?)
        // The writer is dropped here, its threads joined: nothing writes any more.
    })();
    let error = match result {
        Ok(stats) => return Ok(stats),
        Err(e) => e,
    };
    let n = handle.generation;
    // A failed indexing thread surfaces as "index writer was killed", its
    // ENOSPC lost: ask the disk itself while it is still full.
    let full = is_disk_full(&error) || disk_is_full(&dir.generation_path(n));
    let cleanup = if created {
        dir.remove_generation(n).map(|()| {
            format!("generation {n}, created by this run, was removed; there is still no index")
        })
    } else {
        dir.discard_since(&handle, &snapshot).map(|d| {
            format!(
                "removed the {} files ({} bytes) this run wrote and never committed; \
                 generation {n} serves as its last commit left it",
                d.files, d.bytes
            )
        })
    };
    let note = match cleanup {
        Ok(note) => note,
        Err(e) => format!("could not remove what this run wrote: {e}"),
    };
    tracing::warn!("{note}");
    let error = error.context(note);
    Err(if full {
        error.context("disk full")
    } else {
        error
    })
}

/// Whether 1 MiB more can be written (and synced) in `dir`: false with
/// `ENOSPC` when the disk is full.
fn disk_is_full(dir: &std::path::Path) -> bool {
    use std::io::Write;
    let probe = dir.join(".space-probe");
    let result = std::fs::File::create(&probe).and_then(|mut file| {
        file.write_all(&vec![0u8; 1 << 20])?;
        file.sync_all()
    });
    let _ = std::fs::remove_file(&probe);
    result.is_err_and(|e| gongkai_index::is_disk_full_io(&e))
}

/// Puts "disk full" in front of an error that is one.
pub fn disk_full_said(e: anyhow::Error) -> anyhow::Error {
    if is_disk_full(&e) {
        e.context("disk full")
    } else {
        e
    }
}
