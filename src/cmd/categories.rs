//! `gongkai categories` (not implemented yet).

use std::process::ExitCode;

/// Arguments of `gongkai categories`.
#[derive(Debug, clap::Args)]
pub struct CategoriesArgs {
    #[command(flatten)]
    pub data: super::DataArgs,
}

pub fn run(_args: CategoriesArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`gongkai categories` is not implemented yet")
}
