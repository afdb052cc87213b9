//! `gongkai crawl`: crawl portals into the index.
//!
//! The crawler library does the crawling and keeps its state in
//! `DATA/crawl.sqlite` (so a killed crawl resumes); this command builds its
//! settings (defaults < `--config portal.toml` < flags), shows progress,
//! prints the summary, and hands the crawled documents to the index, with
//! categories decided by the index's taxonomy.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::Context;
use gongkai_crawler::config::{ConfigFile, compile};
use gongkai_crawler::{CrawlConfig, CrawlSummary, Crawler, Progress};
use gongkai_index::DataDir;
use gongkai_index::taxonomy::Taxonomy;
use indicatif::{ProgressBar, ProgressStyle};

/// Arguments of `gongkai crawl`.
#[derive(Debug, clap::Args)]
pub struct CrawlArgs {
    /// Seed URLs (the portal's home page, or several); the crawl stays on their hosts.
    #[arg(required_unless_present = "config")]
    pub urls: Vec<String>,
    #[command(flatten)]
    pub data: super::DataArgs,
    /// Most pages fetched by this invocation (the rest stays queued for the next).
    #[arg(long)]
    pub max_pages: Option<u64>,
    /// Most links followed from a seed (pagination and sitemaps add none) [default: 12].
    #[arg(long)]
    pub max_depth: Option<u32>,
    /// Connections per host [default: 2].
    #[arg(long)]
    pub concurrency: Option<usize>,
    /// Milliseconds between two requests to one host (robots.txt Crawl-delay wins if larger) [default: 500].
    #[arg(long)]
    pub delay_ms: Option<u64>,
    /// User-Agent header (and the robots.txt agent name).
    #[arg(long)]
    pub user_agent: Option<String>,
    /// Only crawl URLs matching one of these regexes.
    #[arg(long)]
    pub include: Vec<String>,
    /// Never crawl URLs matching one of these regexes.
    #[arg(long)]
    pub exclude: Vec<String>,
    /// A portal.toml with the same settings (and `seeds`).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Do not fetch attachments.
    #[arg(long)]
    pub no_attachments: bool,
    /// Do not index; only crawl (documents stay in the crawl state).
    #[arg(long)]
    pub no_index: bool,
    /// Also write every crawled document as JSON lines to this file.
    #[arg(long)]
    pub export: Option<PathBuf>,
    /// Print the summary as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Per-site extraction overrides [default: DATA/sites.toml when it exists].
    #[arg(long)]
    pub sites: Option<PathBuf>,
}

fn settings(args: &CrawlArgs) -> anyhow::Result<CrawlConfig> {
    let mut cfg = CrawlConfig::default();
    if let Some(path) = &args.config {
        cfg.apply_file(ConfigFile::load(path)?)?;
    }
    cfg.seeds.extend(args.urls.iter().cloned());
    if args.max_pages.is_some() {
        cfg.max_pages = args.max_pages;
    }
    if let Some(v) = args.max_depth {
        cfg.max_depth = v;
    }
    if let Some(v) = args.concurrency {
        cfg.concurrency = v.clamp(1, 256);
    }
    if let Some(v) = args.delay_ms {
        cfg.delay = Duration::from_millis(v);
    }
    if let Some(v) = &args.user_agent {
        cfg.fetch.user_agent = v.clone();
    }
    cfg.include.extend(compile(&args.include)?);
    cfg.exclude.extend(compile(&args.exclude)?);
    if args.no_attachments {
        cfg.attachments = false;
    }
    let sites = args
        .sites
        .clone()
        .or_else(|| Some(args.data.data.join("sites.toml")).filter(|p| p.exists()));
    if let Some(path) = sites {
        cfg.sites = gongkai_crawler::extract::SiteRules::load(&path)?;
    }
    Ok(cfg)
}

pub fn run(args: CrawlArgs) -> anyhow::Result<ExitCode> {
    let cfg = settings(&args)?;
    let _lock = super::lock_data_dir(&DataDir::new(&args.data.data), "crawl")?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let mut crawler = Crawler::open(&args.data.data, cfg).context("opening the crawl state")?;
    let stop = crawler.stop_flag();

    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {elapsed_precise} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    let show = {
        let bar = bar.clone();
        move |p: &Progress| {
            let secs = p.elapsed.as_secs_f64().max(0.001);
            bar.set_message(format!(
                "{} pages ({:.0}/s) · queue {} · in flight {} · documents {} · errors {}",
                p.fetched,
                p.fetched as f64 / secs,
                p.queued,
                p.in_flight,
                p.documents,
                p.errors
            ));
        }
    };
    let summary = runtime.block_on(async {
        let stop = stop.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!("stopping: finishing the pages in flight (Ctrl-C again to abort)");
                stop.store(true, Ordering::Relaxed);
                if tokio::signal::ctrl_c().await.is_ok() {
                    std::process::exit(130);
                }
            }
        });
        crawler.run(&show).await
    });
    bar.finish_and_clear();
    let summary = summary.context("crawl failed")?;
    print_summary(&summary);
    diagnose(&summary);

    let crawled = crawler
        .state()
        .documents()
        .context("reading crawled documents")?;
    if let Some(path) = &args.export {
        write_export(path, crawler.state())?;
    }
    if !args.no_index {
        let taxonomy = Taxonomy::for_data_dir(&args.data.data).context("loading the taxonomy")?;
        let mut docs = Vec::with_capacity(crawled.len());
        let mut skipped = 0usize;
        for mut doc in crawled {
            taxonomy.settle_crawled(&mut doc);
            let url = doc.url.clone();
            match doc.validate() {
                Ok(doc) => docs.push(doc),
                Err(e) => {
                    skipped += 1;
                    tracing::warn!(%url, error = %e, "crawled document skipped");
                }
            }
        }
        let dir = DataDir::new(&args.data.data);
        let stats = super::write_live(&dir, 0, |_, writer| {
            writer.upsert_all(docs)?;
            // Documents the portal no longer publishes leave the index.
            for id in &summary.gone {
                writer.delete(id);
            }
            Ok(())
        })?;
        eprintln!(
            "indexed: {} added, {} updated, {} unchanged{}",
            stats.added,
            stats.updated,
            stats.unchanged,
            if skipped > 0 {
                format!(", {skipped} not valid and skipped (see the warnings above)")
            } else {
                String::new()
            }
        );
    }
    if args.json {
        println!("{}", serde_json::to_string(&summary)?);
    }
    Ok(if stop.load(Ordering::Relaxed) {
        ExitCode::from(130)
    } else {
        ExitCode::SUCCESS
    })
}

fn print_summary(s: &CrawlSummary) {
    let failed = if s.failed.is_empty() {
        "none".to_string()
    } else {
        s.failed
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    eprintln!(
        "crawl {}{}: {} fetched in {:.1}s ({:.0} pages/s): {} new, {} changed, {} unchanged ({} not modified), \
         {} aliases; {} lists, {} soft 404s, {} other pages, {} redirects; {} blocked by robots.txt, \
         {} trap-limited; attachments {} ({} with text); {} gone; {} retried later; failed: {}{}",
        s.run,
        if s.resumed { " (resumed)" } else { "" },
        s.fetched,
        s.seconds,
        s.fetched as f64 / s.seconds.max(0.001),
        s.new,
        s.changed,
        s.unchanged,
        s.not_modified,
        s.aliases,
        s.lists,
        s.soft_404,
        s.other_pages,
        s.redirects,
        s.robots_blocked,
        s.trap_limited,
        s.attachments,
        s.attachments_with_text,
        s.gone.len(),
        s.retried_later,
        failed,
        if s.finished {
            ""
        } else {
            " (unfinished: run again to continue)"
        },
    );
}

/// Says so when a crawl indexed nothing, or far fewer documents than it
/// fetched pages, with sample URLs of each kind of page and why each was
/// not read as an article: never a silent "0 new".
fn diagnose(s: &CrawlSummary) {
    let documents = s.new + s.changed + s.unchanged + s.aliases;
    let pages = s.fetched.saturating_sub(s.not_modified);
    if pages < 10 || documents * 4 >= pages {
        return;
    }
    eprintln!(
        "warning: {pages} pages fetched but only {documents} read as documents. Pages not read as articles:"
    );
    for (kind, samples) in &s.samples {
        let count = match kind.as_str() {
            "list" => s.lists,
            "soft-404" => s.soft_404,
            _ => s.other_pages,
        };
        eprintln!("  {kind} ({count}), for example:");
        for sample in samples {
            eprintln!("    {}\n      {}", sample.url, sample.why);
        }
    }
    eprintln!(
        "  `gongkai extract URL` shows what gongkai sees on a page; a site the generic evidence \
         cannot read can be described in DATA/sites.toml (docs/crawler.md, \"Per-site overrides\")."
    );
}

fn write_export(path: &std::path::Path, state: &gongkai_crawler::State) -> anyhow::Result<()> {
    use std::io::Write;
    let file = std::fs::File::create(path)
        .with_context(|| format!("{}: cannot create", path.display()))?;
    let mut out = std::io::BufWriter::new(file);
    state.export(&mut out)?;
    out.flush()?;
    Ok(())
}
