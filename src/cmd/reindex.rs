//! `gongkai reindex`: crawl a (migrated) site into a new generation beside
//! the live one, learn what the move did to every document, and swap the new
//! generation in when it passes validation.
//!
//! Steps, each resumable: (1) a new generation is created `building`, with
//! its own crawl state in `DATA/reindex/` (a killed reindex resumes the same
//! generation and the same crawl); (2) the crawl; (3) every old URL is
//! probed on the new site without following redirects; (4) old and new
//! documents are matched by identity ([`gongkai_migration`]) and old
//! URLs become aliases of the new documents; (5) the generation is written,
//! marked complete, validated against the live one, published atomically
//! and old generations pruned, by the index's generation builder
//! ([`gongkai_index::build`], driven through [`crate::cli::write`] as
//! `rebuild` drives it). `serve` keeps answering from the live generation
//! until the rename of `CURRENT`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use gongkai_crawler::url::Url;
use gongkai_crawler::{CrawlConfig, Crawler};
use gongkai_index::build::Builder;
use gongkai_index::generation;
use gongkai_index::store::write_atomic;
use gongkai_index::taxonomy::Taxonomy;
use gongkai_index::{DataDir, Document, Searcher};
use gongkai_migration as migration;

use crate::cli::crawl::run_crawl;
use crate::cli::term::{progress_bar, runtime};
use crate::cli::write::{said, validate_and_publish, write_generation};
use crate::cli::{CrawlSettings, DataArgs, SwapArgs};

/// Folder of the reindex crawl state, inside the data directory.
const REINDEX_DIR: &str = "reindex";
/// File naming the generation the crawl state belongs to.
const GENERATION_FILE: &str = "generation";

/// Arguments of `gongkai reindex`.
#[derive(Debug, clap::Args)]
pub struct ReindexArgs {
    /// The new site's seed URLs (its home page, or several).
    #[arg(required = true)]
    pub urls: Vec<String>,
    #[command(flatten)]
    pub data: DataArgs,
    /// Write the migration report (CSV, nginx map, report.json) into this folder.
    #[arg(long)]
    pub report: Option<PathBuf>,
    #[command(flatten)]
    pub swap: SwapArgs,
    #[command(flatten)]
    pub crawl: CrawlSettings,
    /// Where old paths are probed for redirects [default: the first URL's origin].
    #[arg(long)]
    pub redirect_origin: Option<String>,
    /// Do not probe old URLs for redirects.
    #[arg(long)]
    pub no_probe: bool,
    /// Analysis threads (0 = all cores).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
}

pub fn run(args: ReindexArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let seeds = migration::check_urls(&args.urls)?;
    let dir = DataDir::new(&args.data.data);
    let rules = args.swap.validation(0.9)?;
    let _lock = crate::cli::lock_data_dir(&dir, "reindex")?;
    let analyzer = dir
        .analyzer()
        .context("loading the analyzer (user-dict.txt)")?;
    let live = match dir.open_current(analyzer.clone()) {
        Ok(handle) => Searcher::new(handle)?,
        Err(gongkai_index::Error::NoIndex(_)) => anyhow::bail!(
            "{}: no live generation to reindex; crawl the site first (`gongkai crawl URL --data {}`)",
            dir.root().display(),
            dir.root().display()
        ),
        Err(e) => return Err(e.into()),
    };
    let live_number = live.handle().generation;

    // 1. The generation and its crawl state: resume, or start afresh.
    let source = format!(
        "reindex {}",
        seeds.iter().map(Url::as_str).collect::<Vec<_>>().join(" ")
    );
    let state_dir = dir.root().join(REINDEX_DIR);
    let recorded = std::fs::read_to_string(state_dir.join(GENERATION_FILE))
        .ok()
        .and_then(|t| t.trim().parse::<u64>().ok());
    let resume = generation::resumable(&dir, &source)?.filter(|n| Some(*n) == recorded);
    let builder = match resume {
        Some(n) => {
            eprintln!("resuming reindex into generation {n} (live: {live_number})");
            Builder::resume(&dir, analyzer, n, args.threads)?
        }
        None => {
            if state_dir.exists() {
                std::fs::remove_dir_all(&state_dir).with_context(|| {
                    format!("removing the old reindex state {}", state_dir.display())
                })?;
            }
            std::fs::create_dir_all(&state_dir)
                .with_context(|| format!("creating {}", state_dir.display()))?;
            let builder = Builder::begin(&dir, analyzer, &source, args.threads)
                .map_err(said)
                .context("creating the new generation")?;
            let n = builder.generation();
            write_atomic(
                &state_dir.join(GENERATION_FILE),
                format!("{n}\n").as_bytes(),
            )
            .with_context(|| format!("writing {}", state_dir.display()))?;
            eprintln!("reindexing into generation {n} beside live generation {live_number}");
            builder
        }
    };
    let n = builder.generation();

    // 2. The crawl.
    let runtime = runtime(0)?;
    let mut cfg = CrawlConfig {
        seeds: seeds.iter().map(|u| u.to_string()).collect(),
        ..Default::default()
    };
    args.crawl.apply(&mut cfg);
    let mut crawler = Crawler::open(&state_dir, cfg).context("opening the reindex crawl state")?;
    let summary = run_crawl(
        &runtime,
        &mut crawler,
        "stopping: the live generation keeps serving; run `gongkai reindex` again to resume",
        |p| {
            format!(
                "generation {n}: {} pages · queue {} · documents {} · errors {}",
                p.fetched, p.queued, p.documents, p.errors
            )
        },
    );
    let summary = summary.map_err(|e| {
        anyhow::anyhow!("{e}").context(format!(
            "crawling {} failed; generation {n} is not live, run `gongkai reindex` again to resume",
            source.trim_start_matches("reindex ")
        ))
    })?;
    eprintln!(
        "crawl: {} pages fetched in {:.1}s, {} new documents, {} aliases, {} failed{}",
        summary.fetched,
        summary.seconds,
        summary.new,
        summary.aliases,
        summary.failed_total(),
        if summary.resumed { " (resumed)" } else { "" }
    );
    if !summary.finished {
        eprintln!(
            "crawl unfinished: generation {n} stays unpublished; run `gongkai reindex` again to continue"
        );
        return Ok(ExitCode::from(3));
    }
    let crawled = crawler
        .state()
        .documents()
        .context("reading crawled documents")?;
    if crawled.is_empty() {
        // Nothing worth resuming: the empty generation and its crawl state go.
        let _ = builder.discard("the crawl found no documents");
        let _ = std::fs::remove_dir_all(&state_dir);
        anyhow::bail!(
            "the crawl of {} found no documents (wrong URL, or the site is unreachable: {} failed fetches); \
             the live generation keeps serving",
            source.trim_start_matches("reindex "),
            summary.failed_total()
        );
    }
    let taxonomy = Taxonomy::for_data_dir(dir.root()).context("loading the taxonomy")?;
    // Invalid documents are left out before the comparison; the aliases the
    // migration adds keep the others valid (`write_generation` checks again).
    let (valid, _) = taxonomy.settle_all_crawled(crawled);
    let mut new_docs: Vec<Document> = valid.into_iter().map(Document::from).collect();

    // 3. What old URLs answer now.
    let mut old_docs = Vec::with_capacity(live.num_docs() as usize);
    live.for_each_document(|doc| {
        old_docs.push(doc);
        Ok(())
    })?;
    let probes = if args.no_probe {
        HashMap::new()
    } else {
        let origin = match &args.redirect_origin {
            Some(o) => {
                Url::parse(o).with_context(|| format!("--redirect-origin {o:?} is not a URL"))?
            }
            None => seeds[0].clone(),
        };
        let urls: Vec<String> = old_docs
            .iter()
            .flat_map(|d| std::iter::once(d.url.clone()).chain(d.aliases.iter().cloned()))
            .filter(|u| !u.is_empty())
            .collect();
        let bar = progress_bar(urls.len() as u64, "checking old URLs");
        let probes = runtime.block_on(migration::probe_all(urls, &origin, || bar.inc(1)));
        bar.finish_and_clear();
        probes?
    };

    // 4. Identity and the report.
    let report = migration::compare(&old_docs, &new_docs, &probes);
    migration::apply_aliases(&mut new_docs, &report);
    let summary = report.summary(old_docs.len(), new_docs.len());
    if let Err(e) = report.write_json(&state_dir) {
        tracing::warn!(error = %e, "could not keep a copy of the report");
    }
    if let Some(folder) = &args.report {
        migration::write_report(folder, &report)
            .with_context(|| format!("writing the migration report to {}", folder.display()))?;
    }
    print_report_summary(&summary, args.report.as_deref());

    // 5. Write, validate, swap, prune.
    let finished = write_generation(builder, new_docs)?;
    let code = validate_and_publish(finished, Some(&live), &rules, &args.swap)?;
    if code == ExitCode::SUCCESS && !args.swap.no_swap {
        // The crawl state belongs to a finished reindex now.
        let _ = std::fs::remove_file(state_dir.join(GENERATION_FILE));
    }
    eprintln!("reindex took {:.1}s", started.elapsed().as_secs_f64());
    Ok(code)
}

fn print_report_summary(s: &migration::Summary, folder: Option<&Path>) {
    eprintln!(
        "migration: {} old documents, {} new: {} moved, {} modified, {} lost, {} added",
        s.old_documents, s.new_documents, s.moved, s.modified, s.lost, s.added
    );
    eprintln!(
        "old URLs: {} redirect to the right page, {} redirect elsewhere, {} dead, {} still answer, {} unchecked",
        s.redirects_correct, s.redirects_wrong, s.dead, s.alive, s.unchecked
    );
    if let Some(folder) = folder {
        eprintln!("report: {}", folder.display());
    }
}
