//! `gongkai stats`: the figures a 政府信息公开工作年度报告 needs, straight from
//! the index, as a terminal table, an HTML page with SVG charts, CSV or
//! JSON. Thin: the counting and every rendering are
//! [`gongkai_reports::stats`]'s.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use gongkai_reports::stats::{self, HtmlOptions, Tally};

use crate::cli::DataArgs;

/// Arguments of `gongkai stats`.
#[derive(Debug, clap::Args)]
pub struct StatsArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Only documents published in this year (by their publication date);
    /// without it, all documents.
    #[arg(long, value_parser = parse_year)]
    pub year: Option<i32>,
    /// Output.
    #[arg(long, value_enum, default_value_t = StatsFormat::Table)]
    pub format: StatsFormat,
    /// Write to this file instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Site name in the HTML page's header.
    #[arg(long, default_value = "政府信息公开")]
    pub title: String,
}

fn parse_year(text: &str) -> Result<i32, String> {
    stats::parse_year(text).map_err(|e| e.to_string())
}

/// Output format of `gongkai stats`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StatsFormat {
    /// Tables for people, aligned by display width.
    Table,
    /// A page with the figures as SVG bar charts and tables (no script).
    Html,
    /// `section,name,count` rows.
    Csv,
    /// The figures as JSON.
    Json,
}

pub fn run(args: StatsArgs) -> anyhow::Result<ExitCode> {
    let searcher = crate::cli::open_searcher(&args.data.data)?;
    let figures = Tally::count(&searcher)?.stats(args.year);
    let text = match args.format {
        StatsFormat::Table => stats::to_table(&figures),
        StatsFormat::Html => stats::to_html(
            &figures,
            &HtmlOptions {
                site_title: args.title.clone(),
                ..HtmlOptions::default()
            },
        ),
        StatsFormat::Csv => stats::to_csv(&figures)?,
        StatsFormat::Json => stats::to_json(&figures)? + "\n",
    };
    match &args.out {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?
        }
        None => {
            use std::io::Write as _;
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(text.as_bytes())?;
            stdout.flush()?;
        }
    }
    if let Some(year) = args.year
        && figures.total == 0
    {
        let years: Vec<String> = figures.years.keys().map(i32::to_string).collect();
        eprintln!(
            "note: no documents published in {year}; years with documents: {}",
            if years.is_empty() {
                "none".to_string()
            } else {
                years.join(", ")
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}
