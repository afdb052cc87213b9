//! `gongkai`: crawl, index and search published Chinese government information.
//!
//! This binary is thin wiring: every subcommand lives in its own module under
//! [`cmd`] and calls into the `gongkai-crawler` and `gongkai-index` libraries.

mod cmd;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = cmd::Cli::parse();
    cmd::init_logging(cli.verbose);
    match cmd::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::from(2)
        }
    }
}
