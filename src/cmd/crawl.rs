//! `gongkai crawl`: crawl portals into the index (filled in by the crawler work).

use std::process::ExitCode;

/// Arguments of `gongkai crawl`.
#[derive(Debug, clap::Args)]
pub struct CrawlArgs {
    /// Seed URLs (the portal's home page, or several).
    #[arg(required = true)]
    pub urls: Vec<String>,
    #[command(flatten)]
    pub data: super::DataArgs,
}

pub fn run(_args: CrawlArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("crawl is not implemented yet")
}
