//! `gongkai`: crawl, index and search published Chinese government information.
//!
//! This binary is thin wiring: every subcommand lives in its own module under
//! [`cmd`] and calls into the `gongkai-crawler` and `gongkai-index` libraries;
//! what several commands share (argument groups, progress bars, the runtime,
//! the Ctrl-C stop, the generation builder's messages) is in [`cli`].

mod batch;
mod cli;
mod cmd;
mod eval;
mod serve;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = cmd::Cli::parse();
    cli::term::init_logging(cli.verbose);
    match cmd::run(cli) {
        Ok(code) => code,
        // A closed pipe (`gongkai export | head`) is the reader's choice, not an error.
        Err(err) if is_broken_pipe(&err) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
