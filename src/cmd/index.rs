//! `gongkai index`: documents from JSON lines files into the live generation.
//!
//! Upserts by id (a file indexed twice changes nothing the second time);
//! a bad line is reported with its file and line number and skipped, the
//! good lines around it are still indexed. The pipeline is
//! [`crate::cli::jsonl`], which `gongkai demo` runs too.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::cli::DataArgs;

/// Arguments of `gongkai index`.
#[derive(Debug, clap::Args)]
pub struct IndexArgs {
    /// JSON lines files (`.jsonl` or `.jsonl.gz`; `-` for standard input).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub data: DataArgs,
    /// Analysis threads (0 = all cores).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Do not let the default model shipped with gongkai place documents
    /// (only the index's own classifier, once it has enough categorised
    /// documents): what nothing places stays 未分类. Recorded in
    /// DATA/classifier.toml, so later `index` and `rebuild` runs keep it.
    #[arg(long, conflicts_with = "default_model")]
    pub no_default_model: bool,
    /// Let the default model place documents again (the default; recorded
    /// like --no-default-model).
    #[arg(long)]
    pub default_model: bool,
}

pub fn run(args: IndexArgs) -> anyhow::Result<ExitCode> {
    let choice = match (args.no_default_model, args.default_model) {
        (true, _) => Some(false),
        (_, true) => Some(true),
        _ => None,
    };
    crate::cli::jsonl::index_files(&args.data.data, &args.files, args.threads, choice)
}
