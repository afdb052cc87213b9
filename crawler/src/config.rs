//! Crawl settings: command-line values over a `portal.toml` over defaults.
//!
//! Defaults are polite for a small county server (2 connections, 500 ms
//! between requests, robots `Crawl-delay` honoured when larger); tests and
//! benchmarks on loopback turn them down explicitly.

use std::path::Path;
use std::time::Duration;

use regex::Regex;
use serde::Deserialize;

use crate::Error;
use crate::fetch::FetchConfig;

/// A `portal.toml` file; every key optional.
///
/// ```toml
/// seeds = ["http://www.example.gov.cn/"]
/// max_pages = 50000
/// max_depth = 12
/// concurrency = 2
/// delay_ms = 500
/// user_agent = "gongkai-crawler (+mailto:webmaster@example.gov.cn)"
/// include = ['^https?://www\.example\.gov\.cn/']
/// exclude = ['/search/', '\?keyword=']
/// max_per_pattern = 20000
/// max_nondoc_per_pattern = 200
/// timeout_secs = 30
/// retries = 3
/// attachments = true
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConfigFile {
    pub seeds: Vec<String>,
    pub max_pages: Option<u64>,
    pub max_depth: Option<u32>,
    pub concurrency: Option<usize>,
    pub delay_ms: Option<u64>,
    pub user_agent: Option<String>,
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    pub max_per_pattern: Option<u64>,
    pub max_nondoc_per_pattern: Option<u64>,
    pub timeout_secs: Option<u64>,
    pub retries: Option<u32>,
    pub max_body_bytes: Option<usize>,
    pub attachments: Option<bool>,
}

impl ConfigFile {
    pub fn load(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path)?;
        toml::from_str(&text).map_err(|e| Error::Config(format!("{}: {e}", path.display())))
    }
}

/// Effective crawl settings.
#[derive(Debug, Clone)]
pub struct CrawlConfig {
    pub seeds: Vec<String>,
    /// Page fetches per invocation; the rest stays queued for the next run.
    pub max_pages: Option<u64>,
    /// Link depth from a seed (pagination and sitemaps do not add depth).
    pub max_depth: u32,
    /// Connections per host; the global limit is this times the seed hosts.
    pub concurrency: usize,
    /// Minimum time between two request starts on one host.
    pub delay: Duration,
    pub include: Vec<Regex>,
    pub exclude: Vec<Regex>,
    /// Pages per URL pattern (digits folded) per run.
    pub max_per_pattern: u64,
    /// Non-document pages per pattern before the pattern is treated as a
    /// trap (endless calendars, session-id loops) when it yielded no document.
    pub max_nondoc_per_pattern: u64,
    pub fetch: FetchConfig,
    /// Fetch attachments and extract their text.
    pub attachments: bool,
    /// Per-site extraction overrides (`DATA/sites.toml`).
    pub sites: crate::extract::SiteRules,
}

impl Default for CrawlConfig {
    fn default() -> Self {
        CrawlConfig {
            seeds: Vec::new(),
            max_pages: None,
            max_depth: 12,
            concurrency: 2,
            delay: Duration::from_millis(500),
            include: Vec::new(),
            exclude: Vec::new(),
            max_per_pattern: 50_000,
            max_nondoc_per_pattern: 200,
            fetch: FetchConfig::default(),
            attachments: true,
            sites: crate::extract::SiteRules::default(),
        }
    }
}

impl CrawlConfig {
    /// Applies a config file's values over `self`.
    pub fn apply_file(&mut self, f: ConfigFile) -> Result<(), Error> {
        if !f.seeds.is_empty() {
            self.seeds.extend(f.seeds);
        }
        if f.max_pages.is_some() {
            self.max_pages = f.max_pages;
        }
        if let Some(v) = f.max_depth {
            self.max_depth = v;
        }
        if let Some(v) = f.concurrency {
            self.concurrency = v.max(1);
        }
        if let Some(v) = f.delay_ms {
            self.delay = Duration::from_millis(v);
        }
        if let Some(v) = f.user_agent {
            self.fetch.user_agent = v;
        }
        self.include.extend(compile(&f.include)?);
        self.exclude.extend(compile(&f.exclude)?);
        if let Some(v) = f.max_per_pattern {
            self.max_per_pattern = v;
        }
        if let Some(v) = f.max_nondoc_per_pattern {
            self.max_nondoc_per_pattern = v;
        }
        if let Some(v) = f.timeout_secs {
            self.fetch.timeout = Duration::from_secs(v.max(1));
        }
        if let Some(v) = f.retries {
            self.fetch.retries = v.min(10);
        }
        if let Some(v) = f.max_body_bytes {
            self.fetch.max_body = v;
        }
        if let Some(v) = f.attachments {
            self.attachments = v;
        }
        Ok(())
    }
}

/// Compiles `--include` / `--exclude` patterns.
pub fn compile(patterns: &[String]) -> Result<Vec<Regex>, Error> {
    patterns
        .iter()
        .map(|p| Regex::new(p).map_err(|e| Error::Config(format!("bad pattern {p:?}: {e}"))))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_overrides_defaults() {
        let f: ConfigFile =
            toml::from_str("max_depth = 3\ndelay_ms = 0\nexclude = ['/search/']").unwrap();
        let mut c = CrawlConfig::default();
        c.apply_file(f).unwrap();
        assert_eq!(c.max_depth, 3);
        assert!(c.delay.is_zero());
        assert!(c.exclude[0].is_match("http://h/search/x"));
        assert!(toml::from_str::<ConfigFile>("nonsense = 1").is_err());
    }
}
