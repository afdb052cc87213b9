//! `gongkai stats`: the figures a 政府信息公开工作年度报告 needs, straight from
//! the index: items published (in a year, or in all), news versus 信息公开,
//! per category, per publisher (发布机构) and per month.

use std::collections::BTreeMap;
use std::process::ExitCode;

use gongkai_index::category::{CATEGORIES, KIND_DISCLOSURE, KIND_NEWS, UNCLASSIFIED};
use gongkai_index::{Document, Searcher};
use serde::Serialize;

use crate::cli::DataArgs;

/// Publisher shown for documents that name none.
pub const NO_PUBLISHER: &str = "（未注明）";

/// Arguments of `gongkai stats`.
#[derive(Debug, clap::Args)]
pub struct StatsArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Only documents published in this year (by their publication date).
    #[arg(long)]
    pub year: Option<i32>,
    /// Output.
    #[arg(long, value_enum, default_value_t = StatsFormat::Table)]
    pub format: StatsFormat,
}

/// Output format of `gongkai stats`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StatsFormat {
    /// Tables for people.
    Table,
    /// `section,name,count` rows.
    Csv,
    /// The figures as JSON.
    Json,
}

/// The figures.
#[derive(Debug, Default, Serialize)]
pub struct Stats {
    /// The year counted, or null for all.
    pub year: Option<i32>,
    /// Items published (in the year; all documents when no year).
    pub total: u64,
    /// Documents without a publication date (counted only when no year is given).
    pub undated: u64,
    /// 信息公开, 新闻 and 未分类.
    pub kinds: BTreeMap<String, u64>,
    /// The 20 categories (zeros included).
    pub categories: BTreeMap<String, u64>,
    /// Per 发布机构.
    pub publishers: BTreeMap<String, u64>,
    /// Per month, `YYYY-MM` (the 12 months of the year when a year is given).
    pub months: BTreeMap<String, u64>,
}

pub fn run(args: StatsArgs) -> anyhow::Result<ExitCode> {
    let searcher = crate::cli::open_searcher(&args.data.data)?;
    let stats = compute(&searcher, args.year)?;
    match args.format {
        StatsFormat::Json => println!("{}", serde_json::to_string_pretty(&stats)?),
        StatsFormat::Csv => print!("{}", to_csv(&stats)?),
        StatsFormat::Table => print_table(&stats),
    }
    Ok(ExitCode::SUCCESS)
}

/// Counts the index's documents.
pub fn compute(searcher: &Searcher, year: Option<i32>) -> anyhow::Result<Stats> {
    let mut stats = Stats {
        year,
        ..Default::default()
    };
    for name in CATEGORIES {
        stats.categories.insert(name.to_string(), 0);
    }
    for kind in [KIND_DISCLOSURE, KIND_NEWS] {
        stats.kinds.insert(kind.to_string(), 0);
    }
    if let Some(y) = year {
        for m in 1..=12 {
            stats.months.insert(format!("{y:04}-{m:02}"), 0);
        }
    }
    searcher.for_each_document(|doc| {
        let date = doc.published_date();
        match (year, date) {
            (Some(y), Some(d)) if d.year() == y => {}
            (Some(_), _) => return Ok(()),
            (None, None) => stats.undated += 1,
            (None, Some(_)) => {}
        }
        count(&mut stats, &doc, date);
        Ok(())
    })?;
    Ok(stats)
}

fn count(stats: &mut Stats, doc: &Document, date: Option<time::Date>) {
    stats.total += 1;
    let kind = match (doc.category.as_deref(), doc.kind.as_deref()) {
        (Some(c), _) => {
            *stats.categories.entry(c.to_string()).or_insert(0) += 1;
            KIND_DISCLOSURE
        }
        (None, Some(KIND_NEWS)) => KIND_NEWS,
        _ => UNCLASSIFIED,
    };
    *stats.kinds.entry(kind.to_string()).or_insert(0) += 1;
    let publisher = doc.publisher.trim();
    let publisher = if publisher.is_empty() {
        NO_PUBLISHER
    } else {
        publisher
    };
    *stats.publishers.entry(publisher.to_string()).or_insert(0) += 1;
    if let Some(d) = date {
        *stats
            .months
            .entry(format!("{:04}-{:02}", d.year(), u8::from(d.month())))
            .or_insert(0) += 1;
    }
}

/// CSV rows `section,name,count`: `total`, `undated`, `kind`, `category`
/// (portal order), `publisher` (most first), `month`.
pub fn to_csv(stats: &Stats) -> anyhow::Result<String> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(["section", "name", "count"])?;
    out.write_record(["total", "", &stats.total.to_string()])?;
    if stats.year.is_none() {
        out.write_record(["undated", "", &stats.undated.to_string()])?;
    }
    for (name, n) in &stats.kinds {
        out.write_record(["kind", name, &n.to_string()])?;
    }
    for name in CATEGORIES {
        let n = stats.categories.get(name).copied().unwrap_or(0);
        out.write_record(["category", name, &n.to_string()])?;
    }
    for (name, n) in publishers_by_count(stats) {
        out.write_record(["publisher", name, &n.to_string()])?;
    }
    for (name, n) in &stats.months {
        out.write_record(["month", name, &n.to_string()])?;
    }
    Ok(String::from_utf8(out.into_inner()?)?)
}

fn publishers_by_count(stats: &Stats) -> Vec<(&str, u64)> {
    let mut v: Vec<(&str, u64)> = stats
        .publishers
        .iter()
        .map(|(k, n)| (k.as_str(), *n))
        .collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    v
}

fn print_table(stats: &Stats) {
    match stats.year {
        Some(y) => println!("{y}年: {} items published", stats.total),
        None => println!(
            "all years: {} items ({} without a date)",
            stats.total, stats.undated
        ),
    }
    println!();
    for (kind, n) in &stats.kinds {
        println!("{kind:<14} {n:>8}");
    }
    println!();
    println!("{:<14} {:>8}", "category", "items");
    for name in CATEGORIES {
        println!(
            "{name:<14} {:>8}",
            stats.categories.get(name).copied().unwrap_or(0)
        );
    }
    println!();
    println!("{:<14} {:>8}", "month", "items");
    for (month, n) in &stats.months {
        println!("{month:<14} {n:>8}");
    }
    println!();
    println!("{:>8}  publisher", "items");
    for (name, n) in publishers_by_count(stats) {
        println!("{n:>8}  {name}");
    }
}
