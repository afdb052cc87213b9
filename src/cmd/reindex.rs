//! `gongkai reindex`: crawl a (migrated) site into a new generation beside
//! the live one, learn what the move did to every document, and swap the new
//! generation in when it passes validation.
//!
//! Steps, each resumable: (1) a new generation is created `building`, with
//! its own crawl state in `DATA/reindex/` (a killed reindex resumes the same
//! generation and the same crawl); (2) the crawl; (3) every old URL is
//! probed on the new site without following redirects; (4) old and new
//! documents are matched by identity ([`gongkai_index::migration`]) and old
//! URLs become aliases of the new documents; (5) the generation is written,
//! marked complete, validated against the live one, published atomically
//! and old generations pruned, by the index's generation builder
//! ([`gongkai_index::build`], driven through [`crate::cli::write`] as
//! `rebuild` drives it). `serve` keeps answering from the live generation
//! until the rename of `CURRENT`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use gongkai_crawler::fetch::{FetchConfig, Fetched, Fetcher, Validators};
use gongkai_crawler::politeness::Politeness;
use gongkai_crawler::url::Url;
use gongkai_crawler::{CrawlConfig, Crawler};
use gongkai_index::build::Builder;
use gongkai_index::generation;
use gongkai_index::migration::{self, Probe, Report};
use gongkai_index::store::write_atomic;
use gongkai_index::taxonomy::Taxonomy;
use gongkai_index::{DataDir, Document, Searcher};

use crate::cli::crawl::run_crawl;
use crate::cli::term::{progress_bar, runtime};
use crate::cli::write::{said, validate_and_publish, write_generation};
use crate::cli::{CrawlSettings, DataArgs, SwapArgs};

/// Folder of the reindex crawl state, inside the data directory.
const REINDEX_DIR: &str = "reindex";
/// File naming the generation the crawl state belongs to.
const GENERATION_FILE: &str = "generation";
/// Probes in flight at once.
const PROBE_CONCURRENCY: usize = 16;

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
    let seeds = check_urls(&args.urls)?;
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
        runtime.block_on(probe_all(urls, origin))?
    };

    // 4. Identity and the report.
    let report = migration::compare(&old_docs, &new_docs, &probes);
    migration::apply_aliases(&mut new_docs, &report);
    let summary = report.summary(old_docs.len(), new_docs.len());
    let report_json = report.to_json();
    let stored = state_dir.join("report.json");
    if let Err(e) = std::fs::write(&stored, &report_json) {
        tracing::warn!(path = %stored.display(), error = %e, "could not keep a copy of the report");
    }
    if let Some(folder) = &args.report {
        write_report(folder, &report, &report_json)
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

/// Seed URLs must be absolute http(s) URLs with a host.
fn check_urls(urls: &[String]) -> anyhow::Result<Vec<Url>> {
    urls.iter()
        .map(|u| {
            let url = Url::parse(u.trim()).with_context(|| {
                format!("{u:?} is not a URL (expected e.g. https://www.example.gov.cn/)")
            })?;
            if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
                anyhow::bail!("{u:?}: expected an http:// or https:// URL with a host");
            }
            Ok(url)
        })
        .collect()
}

/// Probes every old URL without following redirects: first its path on the
/// new site's origin (where a migrated server answers for old paths), then,
/// on another host, the old URL itself.
async fn probe_all(urls: Vec<String>, origin: Url) -> anyhow::Result<HashMap<String, Probe>> {
    let config = FetchConfig {
        timeout: Duration::from_secs(10),
        retries: 1,
        backoff: Duration::from_millis(100),
        max_body: 64 * 1024,
        ..Default::default()
    };
    let politeness = Arc::new(Politeness::new(PROBE_CONCURRENCY, Duration::ZERO));
    let fetcher = Arc::new(Fetcher::new(config, politeness).context("building the HTTP client")?);
    let bar = progress_bar(urls.len() as u64, "checking old URLs");
    let mut out = HashMap::with_capacity(urls.len());
    let mut tasks = tokio::task::JoinSet::new();
    let mut todo = urls.into_iter();
    loop {
        while tasks.len() < PROBE_CONCURRENCY {
            let Some(old) = todo.next() else { break };
            let fetcher = fetcher.clone();
            let origin = origin.clone();
            tasks.spawn(async move {
                let probe = probe_one(&fetcher, &old, &origin).await;
                (old, probe)
            });
        }
        let Some(joined) = tasks.join_next().await else {
            break;
        };
        if let Ok((old, probe)) = joined {
            out.insert(old, probe);
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(out)
}

async fn probe_one(fetcher: &Fetcher, old: &str, origin: &Url) -> Probe {
    let Ok(old_url) = Url::parse(old) else {
        return Probe::Dead {
            status: None,
            reason: "not a URL".into(),
        };
    };
    let mut on_new = origin.clone();
    on_new.set_path(old_url.path());
    on_new.set_query(old_url.query());
    let first = probe_url(fetcher, &on_new).await;
    if matches!(first, Probe::Redirect { .. }) || on_new.origin() == old_url.origin() {
        return first;
    }
    match probe_url(fetcher, &old_url).await {
        second @ (Probe::Redirect { .. } | Probe::Alive { .. }) => second,
        _ => first,
    }
}

async fn probe_url(fetcher: &Fetcher, url: &Url) -> Probe {
    match fetcher.get(url, &Validators::default()).await {
        Ok(Fetched::Redirect { status, location }) => Probe::Redirect {
            status,
            location: location.to_string(),
        },
        Ok(Fetched::Body { status, .. }) => Probe::Alive { status },
        Ok(Fetched::NotModified) => Probe::Alive { status: 304 },
        Ok(Fetched::Status(status)) => Probe::Dead {
            status: Some(status),
            reason: format!("HTTP {status}"),
        },
        Err(gongkai_crawler::fetch::FetchError::TooLarge(_)) => Probe::Alive { status: 200 },
        Err(e) => Probe::Dead {
            status: None,
            reason: e.to_string(),
        },
    }
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

/// Writes the report folder: CSV files for people (UTF-8 with a BOM so
/// spreadsheet programs read the Chinese right), the nginx map, report.json.
fn write_report(folder: &Path, report: &Report, json: &str) -> anyhow::Result<()> {
    std::fs::create_dir_all(folder)?;
    let id_or_none = |r: &Option<u16>| r.map(|s| s.to_string()).unwrap_or_default();
    let redirect_of: HashMap<&str, &migration::RedirectCheck> = report
        .redirects
        .iter()
        .map(|r| (r.old_url.as_str(), r))
        .collect();
    let old_status = |url: &str| {
        redirect_of
            .get(url)
            .map(|r| r.status.clone())
            .unwrap_or_default()
    };

    csv_file(
        &folder.join("moved.csv"),
        &[
            "old_url",
            "new_url",
            "title",
            "matched_by",
            "old_url_now",
            "old_id",
            "new_id",
        ],
        report.moved.iter().map(|m| {
            vec![
                m.old_url.clone(),
                m.new_url.clone(),
                m.title.clone(),
                m.matched_by.as_str().to_string(),
                old_status(&m.old_url),
                m.old_id.clone(),
                m.new_id.clone(),
            ]
        }),
    )?;
    csv_file(
        &folder.join("modified.csv"),
        &[
            "old_url",
            "new_url",
            "title",
            "similarity",
            "chars_added",
            "chars_removed",
            "title_changed",
            "matched_by",
            "old_url_now",
            "old_id",
            "new_id",
        ],
        report.modified.iter().map(|m| {
            vec![
                m.old_url.clone(),
                m.new_url.clone(),
                m.title.clone(),
                format!("{:.3}", m.similarity),
                m.chars_added.to_string(),
                m.chars_removed.to_string(),
                m.title_changed.to_string(),
                m.matched_by.as_str().to_string(),
                old_status(&m.old_url),
                m.old_id.clone(),
                m.new_id.clone(),
            ]
        }),
    )?;
    csv_file(
        &folder.join("lost.csv"),
        &[
            "old_url",
            "title",
            "published",
            "old_url_now",
            "http_status",
            "old_id",
        ],
        report.lost.iter().map(|l| {
            vec![
                l.old_url.clone(),
                l.title.clone(),
                l.published.clone().unwrap_or_default(),
                old_status(&l.old_url),
                redirect_of
                    .get(l.old_url.as_str())
                    .map(|r| id_or_none(&r.http_status))
                    .unwrap_or_default(),
                l.old_id.clone(),
            ]
        }),
    )?;
    csv_file(
        &folder.join("added.csv"),
        &["new_url", "title", "published", "new_id"],
        report.added.iter().map(|a| {
            vec![
                a.new_url.clone(),
                a.title.clone(),
                a.published.clone().unwrap_or_default(),
                a.new_id.clone(),
            ]
        }),
    )?;
    csv_file(
        &folder.join("redirects.csv"),
        &[
            "old_url",
            "status",
            "http_status",
            "location",
            "new_url",
            "correct",
        ],
        report.redirects.iter().map(|r| {
            vec![
                r.old_url.clone(),
                r.status.clone(),
                id_or_none(&r.http_status),
                r.location.clone().unwrap_or_default(),
                r.new_url.clone().unwrap_or_default(),
                r.correct.to_string(),
            ]
        }),
    )?;
    write_file(
        &folder.join("nginx-redirect-map.conf"),
        migration::nginx_map(report).as_bytes(),
    )?;
    write_file(&folder.join("report.json"), json.as_bytes())?;
    Ok(())
}

fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).with_context(|| format!("{}: cannot write", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("{}: cannot write", path.display()))?;
    Ok(())
}

fn csv_file(
    path: &Path,
    header: &[&str],
    rows: impl Iterator<Item = Vec<String>>,
) -> anyhow::Result<()> {
    let mut buf = Vec::from("\u{feff}".as_bytes());
    {
        let mut w = csv::Writer::from_writer(&mut buf);
        w.write_record(header)?;
        for row in rows {
            w.write_record(&row)?;
        }
        w.flush()?;
    }
    write_file(path, &buf)
}
