//! `gongkai eval`: score a TREC run against qrels the way trec_eval does.
//! The measures are in [`crate::eval`]; see `docs/batch-eval.md`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;

use crate::eval::{self, Measure, Qrels, Run};

/// Measures to compute: a newtype so clap takes the list as one value.
#[derive(Debug, Clone)]
pub struct Measures(pub Vec<Measure>);

fn parse_measures(text: &str) -> Result<Measures, String> {
    eval::parse_measures(text).map(Measures)
}

/// Output format of `gongkai eval`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EvalFormat {
    /// A table for people.
    Table,
    /// The report as JSON.
    Json,
    /// trec_eval's `measure qid value` lines.
    Trec,
}

/// Arguments of `gongkai eval`.
#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// Relevance judgments: `qid iter docid rel` lines (rel ≥ 1 is relevant; grades are nDCG gains).
    #[arg(long)]
    pub qrels: PathBuf,
    /// The run: `qid Q0 docid rank score tag` lines (`gongkai batch --format trec`).
    #[arg(long)]
    pub run: PathBuf,
    /// Measures: ndcg, ndcg@K, map, mrr, recall@K, p@K (trec_eval names such as ndcg_cut_10, P_10 work too).
    #[arg(long, default_value = "ndcg@10,map,mrr,recall@100,p@10", value_parser = parse_measures)]
    pub metrics: Measures,
    /// Output format: a table, JSON, or trec_eval's `measure qid value` lines.
    #[arg(long, value_enum, default_value_t = EvalFormat::Table)]
    pub format: EvalFormat,
    /// Also average over queries in the qrels that the run lacks, as 0 (trec_eval -c).
    #[arg(long, short = 'c')]
    pub complete: bool,
}

fn read(path: &Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(path).with_context(|| path.display().to_string())?;
    String::from_utf8(bytes).map_err(|_| anyhow::anyhow!("{}: not valid UTF-8", path.display()))
}

pub fn run(args: EvalArgs) -> anyhow::Result<ExitCode> {
    let qrels =
        Qrels::parse(&read(&args.qrels)?).with_context(|| args.qrels.display().to_string())?;
    let run = Run::parse(&read(&args.run)?).with_context(|| args.run.display().to_string())?;
    let report = eval::evaluate(&qrels, &run, &args.metrics.0, args.complete);
    if report.per_query.is_empty() {
        eprintln!("warning: no query of the run has judgments in the qrels; nothing was scored");
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        EvalFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&report.to_json())?)?,
        EvalFormat::Trec => out.write_all(report.to_trec().as_bytes())?,
        EvalFormat::Table => out.write_all(report.to_table().as_bytes())?,
    }
    Ok(ExitCode::SUCCESS)
}
