//! Argument groups several commands flatten (`#[command(flatten)]`) into
//! their own: the data directory, per-site rules, crawl settings, the
//! validation and retention of a new generation, and search filters.

use std::path::{Path, PathBuf};
use std::time::Duration;

use gongkai_crawler::CrawlConfig;
use gongkai_crawler::extract::SiteRules;
use gongkai_index::build::{DEFAULT_SAMPLE_QUERIES, Validation};
use gongkai_index::generation::DEFAULT_KEEP;

/// The data directory, shared by most commands.
#[derive(Debug, Clone, clap::Args)]
pub struct DataArgs {
    /// Data directory: index generations, crawl state, user dictionary.
    #[arg(long, env = "GONGKAI_DATA", default_value = "gongkai-data")]
    pub data: PathBuf,
}

/// Per-site extraction overrides (`crawl`, `extract`).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SitesArgs {
    /// Per-site extraction overrides [default: DATA/sites.toml when it exists].
    #[arg(long)]
    pub sites: Option<PathBuf>,
}

impl SitesArgs {
    /// The rules of the file given, else of `DATA/sites.toml` when it
    /// exists; `None` without a file.
    pub fn rules(&self, data: &Path) -> anyhow::Result<Option<SiteRules>> {
        let path = self
            .sites
            .clone()
            .or_else(|| Some(data.join("sites.toml")).filter(|p| p.exists()));
        Ok(match path {
            Some(path) => Some(SiteRules::load(&path)?),
            None => None,
        })
    }
}

/// How much and how fast a crawl goes (`crawl`, `reindex`); what is not
/// given keeps the crawler's default (or the `--config` file's).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct CrawlSettings {
    /// Most pages fetched by this invocation (the rest waits for the next run).
    #[arg(long)]
    pub max_pages: Option<u64>,
    /// Connections per host [default: 2].
    #[arg(long)]
    pub concurrency: Option<usize>,
    /// Milliseconds between two requests to one host (robots.txt Crawl-delay wins if larger) [default: 500].
    #[arg(long)]
    pub delay_ms: Option<u64>,
    /// Do not fetch attachments.
    #[arg(long)]
    pub no_attachments: bool,
}

impl CrawlSettings {
    /// Sets what was given over `cfg`.
    pub fn apply(&self, cfg: &mut CrawlConfig) {
        if self.max_pages.is_some() {
            cfg.max_pages = self.max_pages;
        }
        if let Some(v) = self.concurrency {
            cfg.concurrency = v.clamp(1, 256);
        }
        if let Some(v) = self.delay_ms {
            cfg.delay = Duration::from_millis(v);
        }
        if self.no_attachments {
            cfg.attachments = false;
        }
    }
}

/// Validation and retention of a new generation (`rebuild`, `reindex`).
#[derive(Debug, Clone, clap::Args)]
pub struct SwapArgs {
    /// The new generation needs at least this many documents.
    #[arg(long)]
    pub min_docs: Option<u64>,
    /// The new generation needs at least this share of the live one's documents.
    #[arg(long)]
    pub min_ratio: Option<f64>,
    /// A query that must still find something (repeatable; default: a few common words).
    #[arg(long = "check-query")]
    pub check_queries: Vec<String>,
    /// Generations to keep (live and previous included).
    #[arg(long, default_value_t = DEFAULT_KEEP)]
    pub keep: usize,
    /// Build and validate, but do not make the new generation live.
    #[arg(long)]
    pub no_swap: bool,
}

impl SwapArgs {
    /// The validation rules, with `default_ratio` when neither count rule is given.
    pub fn validation(&self, default_ratio: f64) -> anyhow::Result<Validation> {
        if let Some(r) = self.min_ratio
            && !(0.0..=10.0).contains(&r)
        {
            anyhow::bail!("--min-ratio {r}: expected a share such as 0.9");
        }
        let min_ratio = match (self.min_docs, self.min_ratio) {
            (None, None) => Some(default_ratio),
            (_, r) => r,
        };
        let sample_queries = if self.check_queries.is_empty() {
            DEFAULT_SAMPLE_QUERIES
                .iter()
                .map(|q| q.to_string())
                .collect()
        } else {
            self.check_queries.clone()
        };
        Ok(Validation {
            min_docs: self.min_docs,
            min_ratio,
            sample_queries,
        })
    }
}

/// Which results `search` and `batch` return, and in which order.
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
    /// Order of results.
    #[arg(long, value_enum, default_value_t)]
    pub sort: SortArg,
}

/// `--sort`: best match or newest first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum SortArg {
    /// Best match first.
    #[default]
    Relevance,
    /// Newest first.
    Date,
}

impl FilterArgs {
    /// A search request for `query` with these filters and order.
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
            sort: match self.sort {
                SortArg::Relevance => gongkai_index::Sort::Relevance,
                SortArg::Date => gongkai_index::Sort::Date,
            },
            ..Default::default()
        }
    }
}

/// Parses a date argument in any format portals use.
pub fn parse_date_arg(text: &str) -> Result<time::Date, String> {
    gongkai_index::document::parse_date(text)
        .ok_or_else(|| format!("not a date: {text:?} (expected YYYY-MM-DD)"))
}
