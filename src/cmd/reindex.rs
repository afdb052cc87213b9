//! `gongkai reindex` (not implemented yet).

use std::process::ExitCode;

/// Arguments of `gongkai reindex`.
#[derive(Debug, clap::Args)]
pub struct ReindexArgs {
    #[command(flatten)]
    pub data: super::DataArgs,
}

pub fn run(_args: ReindexArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`gongkai reindex` is not implemented yet")
}
