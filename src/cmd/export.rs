//! `gongkai export`: every indexed document back out as JSON lines, with all
//! its stored fields, so that nothing indexed is a black box.

use std::io::Write;
use std::process::ExitCode;

/// Arguments of `gongkai export`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub data: super::DataArgs,
    /// Output format.
    #[arg(long, default_value = "jsonl", value_parser = ["jsonl"])]
    pub format: String,
}

pub fn run(args: ExportArgs) -> anyhow::Result<ExitCode> {
    let searcher = super::open_searcher(&args.data.data)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut write_error = None;
    let count = searcher.for_each_document(|doc| {
        if write_error.is_none() {
            let result = serde_json::to_writer(&mut out, &doc)
                .map_err(std::io::Error::from)
                .and_then(|()| out.write_all(b"\n"));
            if let Err(e) = result {
                write_error = Some(e);
            }
        }
        Ok(())
    })?;
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
    Ok(ExitCode::SUCCESS)
}
