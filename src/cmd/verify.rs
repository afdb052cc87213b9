//! `gongkai verify`: every file of every generation against the checksum
//! tantivy wrote into its footer, naming the damaged ones.

use std::process::ExitCode;

use gongkai_index::DataDir;
use gongkai_index::generation::{self, Health};

/// Arguments of `gongkai verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub data: crate::cli::DataArgs,
    /// Only this generation (default: all of them).
    #[arg(long)]
    pub generation: Option<u64>,
    /// Print JSON instead of lines.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, serde::Serialize)]
struct Verified {
    generation: u64,
    live: bool,
    #[serde(flatten)]
    health: Health,
}

pub fn run(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let dir = DataDir::new(&args.data.data);
    let live = dir.current_generation()?;
    let numbers = match args.generation {
        Some(n) => {
            if !dir.generation_path(n).is_dir() {
                anyhow::bail!("{}: no generation {n}", dir.root().display());
            }
            vec![n]
        }
        None => dir.generations()?,
    };
    if numbers.is_empty() {
        eprintln!("no generations in {}", dir.root().display());
        return Ok(ExitCode::SUCCESS);
    }
    let results: Vec<Verified> = numbers
        .into_iter()
        .map(|n| Verified {
            generation: n,
            live: live == Some(n),
            health: generation::check(&dir, n),
        })
        .collect();
    let bad = results.iter().filter(|r| !r.health.is_good()).count();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&results)?);
    } else {
        for r in &results {
            let role = if r.live { " (live)" } else { "" };
            match &r.health {
                Health::Good => println!("generation {}{role}: ok", r.generation),
                health => println!(
                    "generation {}{role}: DAMAGED: {}",
                    r.generation,
                    health.describe()
                ),
            }
        }
    }
    if bad > 0 {
        eprintln!(
            "{bad} damaged generation(s); a damaged live generation is not served (the previous good \
             one is): `gongkai rollback` or `gongkai rebuild` repairs"
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
