//! `gongkai rebuild` (not implemented yet).

use std::process::ExitCode;

/// Arguments of `gongkai rebuild`.
#[derive(Debug, clap::Args)]
pub struct RebuildArgs {
    #[command(flatten)]
    pub data: super::DataArgs,
}

pub fn run(_args: RebuildArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`gongkai rebuild` is not implemented yet")
}
