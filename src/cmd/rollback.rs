//! `gongkai rollback` (not implemented yet).

use std::process::ExitCode;

/// Arguments of `gongkai rollback`.
#[derive(Debug, clap::Args)]
pub struct RollbackArgs {
    #[command(flatten)]
    pub data: super::DataArgs,
}

pub fn run(_args: RollbackArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`gongkai rollback` is not implemented yet")
}
