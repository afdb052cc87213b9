//! `gongkai stats` (not implemented yet).

use std::process::ExitCode;

/// Arguments of `gongkai stats`.
#[derive(Debug, clap::Args)]
pub struct StatsArgs {
    #[command(flatten)]
    pub data: super::DataArgs,
}

pub fn run(_args: StatsArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`gongkai stats` is not implemented yet")
}
