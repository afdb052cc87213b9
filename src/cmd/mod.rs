//! Command-line interface: argument definitions and dispatch to one module per
//! subcommand. Command modules never import one another: what several of
//! them share is in [`crate::cli`] or in the libraries.

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
pub mod inspect;
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
    /// Self-inspection of the crawled site against the national checklist.
    Inspect(inspect::InspectArgs),
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
        Command::Inspect(args) => inspect::run(args),
        Command::Reindex(args) => reindex::run(args),
        Command::Rollback(args) => rollback::run(args),
        Command::Generations(args) => generations::run(args),
        Command::Rebuild(args) => rebuild::run(args),
        Command::Verify(args) => verify::run(args),
    }
}
