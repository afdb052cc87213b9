//! `gongkai generations`: the index generations of a data directory.

use std::process::ExitCode;

use gongkai_index::DataDir;
use gongkai_index::generation::{self, format_time};

/// Arguments of `gongkai generations`.
#[derive(Debug, clap::Args)]
pub struct GenerationsArgs {
    #[command(flatten)]
    pub data: crate::cli::DataArgs,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: GenerationsArgs) -> anyhow::Result<ExitCode> {
    let dir = DataDir::new(&args.data.data);
    let mut infos = generation::list(&dir)?;
    for info in &mut infos {
        info.health = Some(generation::check(&dir, info.number));
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&infos)?);
        return Ok(ExitCode::SUCCESS);
    }
    if infos.is_empty() {
        eprintln!("no generations in {}", dir.root().display());
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:>6}  {:<8}  {:<8}  {:>8}  {:<19}  {:>9}  source",
        "number", "role", "state", "docs", "created", "size"
    );
    for info in &infos {
        let role = if info.live {
            "live"
        } else if info.previous {
            "previous"
        } else {
            ""
        };
        let (docs, created, source) = match &info.meta {
            Some(m) => (
                if m.state == generation::GenerationState::Complete {
                    m.documents.to_string()
                } else {
                    "-".into()
                },
                format_time(m.created),
                match &m.error {
                    Some(e) => format!("{} ({e})", m.source),
                    None => m.source.clone(),
                },
            ),
            None => ("?".into(), "?".into(), "(no metadata)".into()),
        };
        let (state, source) = match &info.health {
            Some(health) if !health.is_good() => {
                ("damaged", format!("{source} [{}]", health.describe()))
            }
            _ => (info.state().as_str(), source),
        };
        println!(
            "{:>6}  {:<8}  {:<8}  {:>8}  {:<19}  {:>9}  {}",
            info.number,
            role,
            state,
            docs,
            created,
            human_size(info.size_bytes),
            source
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `12.3 MB`.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}
