//! `gongkai analyze`: shows the terms the analyzer makes, one output line per
//! input line (like Elasticsearch's `_analyze`), so staff can see why a query
//! matches or not.

use std::io::{BufRead, Write};
use std::process::ExitCode;

use anyhow::Context;
use gongkai_index::{Analyzer, TermStream};

/// Arguments of `gongkai analyze`.
#[derive(Debug, clap::Args)]
pub struct AnalyzeArgs {
    /// Which term stream to show. `bigram` is the fallback's former name and
    /// shows `chars`, the stream that replaced the overlapping bigrams.
    #[arg(long, default_value = "precise", value_parser = ["precise", "search", "chars", "bigram"])]
    pub field: String,
    /// Text to analyse; `-` or nothing reads lines from standard input.
    pub text: Option<String>,
    /// Also load this dictionary file (jieba format), as `DATA/user-dict.txt` is.
    #[arg(long)]
    pub dict: Option<std::path::PathBuf>,
}

pub fn run(args: AnalyzeArgs) -> anyhow::Result<ExitCode> {
    let stream = TermStream::parse(&args.field).context("unknown --field")?;
    let analyzer = match &args.dict {
        Some(path) => {
            anyhow::ensure!(path.exists(), "{}: no such dictionary file", path.display());
            Analyzer::with_user_dictionary(path)?
        }
        None => Analyzer::new(),
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut emit = |line: &str| -> anyhow::Result<()> {
        writeln!(out, "{}", analyzer.terms(stream, line).join(" "))?;
        Ok(())
    };
    match args.text.as_deref() {
        Some(text) if text != "-" => {
            for line in text.lines() {
                emit(line)?;
            }
        }
        _ => {
            for line in std::io::stdin().lock().lines() {
                emit(&line.context("reading standard input")?)?;
            }
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
