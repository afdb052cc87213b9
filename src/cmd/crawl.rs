//! `gongkai crawl`: crawl portals into the index.
//!
//! The crawler library does the crawling and keeps its state in
//! `DATA/crawl.sqlite` (so a killed crawl resumes); this command builds its
//! settings (defaults < `--config portal.toml` < flags) and runs
//! [`crate::cli::crawl::crawl_into_index`] (shared with `gongkai demo`),
//! which shows progress, prints the summary, and hands the crawled
//! documents to the index, with categories decided by the index's taxonomy.

use std::path::PathBuf;
use std::process::ExitCode;

use gongkai_crawler::CrawlConfig;
use gongkai_crawler::config::{ConfigFile, compile};

use crate::cli::{CrawlSettings, DataArgs, SitesArgs};

/// Arguments of `gongkai crawl`.
#[derive(Debug, clap::Args)]
pub struct CrawlArgs {
    /// Seed URLs (the portal's home page, or several); the crawl stays on their hosts.
    #[arg(required_unless_present = "config")]
    pub urls: Vec<String>,
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub crawl: CrawlSettings,
    /// Most links followed from a seed (pagination and sitemaps add none) [default: 12].
    #[arg(long)]
    pub max_depth: Option<u32>,
    /// User-Agent header (and the robots.txt agent name).
    #[arg(long)]
    pub user_agent: Option<String>,
    /// Only crawl URLs matching one of these regexes.
    #[arg(long)]
    pub include: Vec<String>,
    /// Never crawl URLs matching one of these regexes.
    #[arg(long)]
    pub exclude: Vec<String>,
    /// A portal.toml with the same settings (and `seeds`).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Do not index; only crawl (documents stay in the crawl state).
    #[arg(long)]
    pub no_index: bool,
    /// Also write every crawled document as JSON lines to this file.
    #[arg(long)]
    pub export: Option<PathBuf>,
    /// Print the summary as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub sites: SitesArgs,
}

fn settings(args: &CrawlArgs) -> anyhow::Result<CrawlConfig> {
    let mut cfg = CrawlConfig::default();
    if let Some(path) = &args.config {
        cfg.apply_file(ConfigFile::load(path)?)?;
    }
    cfg.seeds.extend(args.urls.iter().cloned());
    args.crawl.apply(&mut cfg);
    if let Some(v) = args.max_depth {
        cfg.max_depth = v;
    }
    if let Some(v) = &args.user_agent {
        cfg.fetch.user_agent = v.clone();
    }
    cfg.include.extend(compile(&args.include)?);
    cfg.exclude.extend(compile(&args.exclude)?);
    if let Some(rules) = args.sites.rules(&args.data.data)? {
        cfg.sites = rules;
    }
    Ok(cfg)
}

pub fn run(args: CrawlArgs) -> anyhow::Result<ExitCode> {
    let cfg = settings(&args)?;
    let crawled = crate::cli::crawl::crawl_into_index(
        &args.data.data,
        cfg,
        !args.no_index,
        args.export.as_deref(),
    )?;
    if args.json {
        println!("{}", serde_json::to_string(&crawled.summary)?);
    }
    Ok(if crawled.stopped {
        ExitCode::from(130)
    } else {
        ExitCode::SUCCESS
    })
}
