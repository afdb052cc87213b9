//! `gongkai eval` (not implemented yet).

use std::process::ExitCode;

/// Arguments of `gongkai eval`.
#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    #[command(flatten)]
    pub data: super::DataArgs,
}

pub fn run(_args: EvalArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`gongkai eval` is not implemented yet")
}
