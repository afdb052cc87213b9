//! `gongkai inspect`: the site's self-inspection (网站常态化自查) from the last
//! crawl, against the national checklist (see `gongkai_reports::inspect`).
//! Exit status: 0 when nothing was found, 1 when there are findings, 2 on
//! an error (no crawl state, a bad `inspect.toml`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use gongkai_reports::inspect::{self, InspectConfig};

use crate::cli::DataArgs;

/// Arguments of `gongkai inspect`.
#[derive(Debug, clap::Args)]
pub struct InspectArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = InspectFormat::Html)]
    pub format: InspectFormat,
    /// Write the report into this folder (`inspect.html`, `.json` or `.csv`)
    /// instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Also check links to other sites (HEAD, then GET; politely, one at a
    /// time per host). The only part that goes on the network.
    #[arg(long)]
    pub external: bool,
    /// The day ages are counted to (YYYY-MM-DD) [default: today, UTC].
    #[arg(long)]
    pub as_of: Option<String>,
    /// Thresholds [default: DATA/inspect.toml when it exists, else the checklist's].
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Days a 动态/要闻 column may go without a new item (overrides the config).
    #[arg(long)]
    pub news_days: Option<u32>,
    /// Answers at least this slow are reported, in ms (overrides the config).
    #[arg(long)]
    pub slow_ms: Option<u32>,
}

/// Output format of `gongkai inspect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InspectFormat {
    /// One page, no JavaScript.
    Html,
    /// The whole report.
    Json,
    /// One row per finding.
    Csv,
}

pub fn run(args: InspectArgs) -> anyhow::Result<ExitCode> {
    let mut config = match &args.config {
        Some(path) => InspectConfig::load_file(path)?,
        None => InspectConfig::load(&args.data.data)?,
    };
    if let Some(d) = args.news_days {
        config.news_days = d;
    }
    if let Some(ms) = args.slow_ms {
        config.slow_ms = ms;
    }
    let as_of = match &args.as_of {
        Some(d) => {
            inspect::parse_day(d).with_context(|| format!("--as-of {d:?}: not a YYYY-MM-DD day"))?
        }
        None => inspect::today(),
    };
    let mut report = inspect::inspect_data_dir(&args.data.data, &config, as_of)?;
    if args.external {
        let state = gongkai_crawler::State::open(&args.data.data.join("crawl.sqlite"))?;
        if let Some(snapshot) = state.snapshot()? {
            let runtime = crate::cli::term::runtime(0)?;
            let found = runtime.block_on(inspect::external::check(
                &snapshot,
                &config,
                Duration::from_secs(15),
            ));
            report.add_findings(found);
        }
    }
    let (text, name) = match args.format {
        InspectFormat::Html => (inspect::to_html(&report), "inspect.html"),
        InspectFormat::Json => (inspect::to_json(&report)?, "inspect.json"),
        InspectFormat::Csv => (inspect::to_csv(&report)?, "inspect.csv"),
    };
    match &args.out {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            let path = dir.join(name);
            std::fs::write(&path, text)
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!(
                "{} findings; report in {}",
                report.findings.len(),
                path.display()
            );
        }
        None => {
            use std::io::Write;
            std::io::stdout().write_all(text.as_bytes())?;
        }
    }
    Ok(if report.findings.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
