//! `gongkai rollback`: make the previous generation live again.

use std::process::ExitCode;

use gongkai_index::DataDir;
use gongkai_index::generation;

/// Arguments of `gongkai rollback`.
#[derive(Debug, clap::Args)]
pub struct RollbackArgs {
    #[command(flatten)]
    pub data: crate::cli::DataArgs,
}

pub fn run(args: RollbackArgs) -> anyhow::Result<ExitCode> {
    let dir = DataDir::new(&args.data.data);
    let _lock = crate::cli::lock_data_dir(&dir, "rollback")?;
    match generation::rollback(&dir) {
        Ok(done) => {
            tracing::info!(from = done.from, to = done.to, "rolled back");
            println!(
                "generation {} is live again (was {}); `gongkai rollback` again returns to {}",
                done.to, done.from, done.from
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("error: cannot roll back: {e}");
            Ok(ExitCode::from(1))
        }
    }
}
