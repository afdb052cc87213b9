//! Command-line interface: argument definitions and dispatch to one module per
//! subcommand.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub mod analyze;
pub mod crawl;
pub mod export;
pub mod index;
pub mod search;

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
}

/// Runs one parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Analyze(args) => analyze::run(args),
        Command::Index(args) => index::run(args),
        Command::Search(args) => search::run(args),
        Command::Export(args) => export::run(args),
        Command::Crawl(args) => crawl::run(args),
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
