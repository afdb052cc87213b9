//! `gongkai export`: every indexed document back out as JSON lines, with all
//! its stored fields, so that nothing indexed is a black box.

use std::io::Write;
use std::process::ExitCode;

use crate::cli::DataArgs;

/// Arguments of `gongkai export`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ExportFormat::Jsonl)]
    pub format: ExportFormat,
}

/// Output format of `gongkai export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// One document as JSON per line, as `gongkai index` reads it.
    Jsonl,
}

pub fn run(args: ExportArgs) -> anyhow::Result<ExitCode> {
    let searcher = crate::cli::open_searcher(&args.data.data)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut write_error = None;
    let mut unreadable = 0u64;
    let mut first_unreadable = None;
    let count = searcher.for_each_readable_document(
        |doc| {
            if write_error.is_none() {
                let result = serde_json::to_writer(&mut out, &doc)
                    .map_err(std::io::Error::from)
                    .and_then(|()| out.write_all(b"\n"));
                if let Err(e) = result {
                    write_error = Some(e);
                }
            }
            Ok(())
        },
        |e| {
            unreadable += 1;
            first_unreadable.get_or_insert(e);
        },
    )?;
    if let Some(e) = write_error
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        return Err(e.into());
    }
    out.flush().or_else(|e| {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            Ok(())
        } else {
            Err(e)
        }
    })?;
    tracing::info!(count, "exported");
    // Export reads every file anyway: check them all, so that damage the
    // decompressor did not notice is not exported as if it were text.
    let n = searcher.handle().generation;
    let dir = gongkai_index::DataDir::new(&args.data.data);
    let health = gongkai_index::generation::check(&dir, n);
    if first_unreadable.is_some() || !health.is_good() {
        let unread = match first_unreadable {
            Some(e) => format!("{unreadable} documents could not be read ({e}); "),
            None => String::new(),
        };
        eprintln!(
            "error: generation {n} is damaged: {}; {unread}{count} documents were exported. \
             `gongkai verify --data {}` checks every file; `gongkai rollback` makes the previous generation live.",
            health.describe(),
            dir.root().display()
        );
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}
