//! `gongkai batch` (not implemented yet).

use std::process::ExitCode;

/// Arguments of `gongkai batch`.
#[derive(Debug, clap::Args)]
pub struct BatchArgs {
    #[command(flatten)]
    pub data: super::DataArgs,
}

pub fn run(_args: BatchArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`gongkai batch` is not implemented yet")
}
