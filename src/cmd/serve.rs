//! `gongkai serve` (not implemented yet).

use std::process::ExitCode;

/// Arguments of `gongkai serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub data: super::DataArgs,
}

pub fn run(_args: ServeArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`gongkai serve` is not implemented yet")
}
