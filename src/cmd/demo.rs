//! `gongkai demo` (not implemented yet).

use std::process::ExitCode;

/// Arguments of `gongkai demo`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub data: super::DataArgs,
}

pub fn run(_args: DemoArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`gongkai demo` is not implemented yet")
}
