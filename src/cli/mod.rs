//! What several commands share, written once, so that no command module
//! imports another: the argument groups they flatten into theirs
//! ([`args`]), the terminal and the process (progress bars, logging, the
//! tokio runtime, the Ctrl-C stop: [`term`]), driving the index's
//! generation builder and saying what it did ([`write`]), and the two
//! pipelines `gongkai demo` runs as the commands do: crawling a portal into
//! the index ([`crawl`]) and indexing JSON lines files ([`jsonl`]).
//!
//! It holds no library logic (that is the crates'), and parses no command
//! line: commands hand it what their arguments say.

pub mod args;
pub mod crawl;
pub mod jsonl;
pub mod term;
pub mod write;

pub use args::{CrawlSettings, DataArgs, FilterArgs, SitesArgs, SwapArgs};

use std::path::Path;

use anyhow::Context;

/// Opens the live generation of a data directory for searching.
pub fn open_searcher(data: &Path) -> anyhow::Result<gongkai_index::Searcher> {
    let dir = gongkai_index::DataDir::new(data);
    // A live generation that cannot be opened: the previous good one answers.
    let handle = gongkai_index::generation::open_serving(&dir, dir.analyzer()?, false)?;
    Ok(gongkai_index::Searcher::new(handle)?)
}

/// Takes the data directory's lock for a writing `command`; says so when
/// another command holds it, then waits for it.
pub fn lock_data_dir(
    dir: &gongkai_index::DataDir,
    command: &str,
) -> anyhow::Result<gongkai_index::DataLock> {
    dir.lock(command, |holder| {
        eprintln!(
            "{}: another gongkai command is writing this data directory ({}); waiting for it to finish",
            dir.root().display(),
            if holder.is_empty() { "pid unknown" } else { holder }
        );
    })
    .with_context(|| format!("cannot lock the data directory {}", dir.root().display()))
}
