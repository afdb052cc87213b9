//! `gongkai generations` (not implemented yet).

use std::process::ExitCode;

/// Arguments of `gongkai generations`.
#[derive(Debug, clap::Args)]
pub struct GenerationsArgs {
    #[command(flatten)]
    pub data: super::DataArgs,
}

pub fn run(_args: GenerationsArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`gongkai generations` is not implemented yet")
}
