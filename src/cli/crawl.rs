//! Crawling a portal into the data directory, as `gongkai crawl` and
//! `gongkai demo` do: the crawl with its spinner and Ctrl-C stop, its
//! summary (and a diagnosis when few pages were documents), and the
//! crawled documents, settled by the index's taxonomy, written into the
//! live generation. Also the crawl runner `reindex` shares.

use std::path::Path;
use std::sync::atomic::Ordering;

use anyhow::Context;
use gongkai_crawler::{CrawlConfig, CrawlSummary, Crawler, Progress};
use gongkai_index::DataDir;
use gongkai_index::taxonomy::Taxonomy;

use super::term::{runtime, spinner, stop_on_ctrl_c};

/// What [`crawl_into_index`] did.
#[derive(Debug)]
pub struct Crawled {
    /// The crawl's summary.
    pub summary: CrawlSummary,
    /// Whether Ctrl-C stopped it.
    pub stopped: bool,
}

/// Crawls with `cfg` into the data directory at `data` (whose crawl state
/// makes a killed crawl resume), prints the summary, writes the crawled
/// documents as JSON lines to `export` when given, and indexes them unless
/// `index` is false. Takes the data directory's lock.
pub fn crawl_into_index(
    data: &Path,
    cfg: CrawlConfig,
    index: bool,
    export: Option<&Path>,
) -> anyhow::Result<Crawled> {
    let dir = DataDir::new(data);
    let _lock = super::lock_data_dir(&dir, "crawl")?;
    let runtime = runtime(0)?;
    let mut crawler = Crawler::open(data, cfg).context("opening the crawl state")?;
    let summary = run_crawl(
        &runtime,
        &mut crawler,
        "stopping: finishing the pages in flight (Ctrl-C again to abort)",
        |p| {
            let secs = p.elapsed.as_secs_f64().max(0.001);
            format!(
                "{} pages ({:.0}/s) · queue {} · in flight {} · documents {} · errors {}",
                p.fetched,
                p.fetched as f64 / secs,
                p.queued,
                p.in_flight,
                p.documents,
                p.errors
            )
        },
    )
    .context("crawl failed")?;
    print_summary(&summary);
    diagnose(&summary);

    let crawled = crawler
        .state()
        .documents()
        .context("reading crawled documents")?;
    if let Some(path) = export {
        write_export(path, crawler.state())?;
    }
    if index {
        let taxonomy = Taxonomy::for_data_dir(data).context("loading the taxonomy")?;
        let (docs, skipped) = taxonomy.settle_all_crawled(crawled);
        let (stats, ()) = super::write::write_live(&dir, 0, |builder| {
            let writer = builder.writer()?;
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
    Ok(Crawled {
        summary,
        stopped: crawler.stop_flag().load(Ordering::Relaxed),
    })
}

/// Runs `crawler` to its end on `runtime`, with a spinner whose message
/// `show` makes of the crawl's progress, and the Ctrl-C stop (`stopping`
/// is said at the first Ctrl-C).
pub fn run_crawl(
    runtime: &tokio::runtime::Runtime,
    crawler: &mut Crawler,
    stopping: &'static str,
    show: impl Fn(&Progress) -> String + Send + Sync,
) -> Result<CrawlSummary, gongkai_crawler::Error> {
    let stop = crawler.stop_flag();
    let bar = spinner();
    let progress = |p: &Progress| bar.set_message(show(p));
    let summary = runtime.block_on(async {
        stop_on_ctrl_c(stop, stopping);
        crawler.run(&progress).await
    });
    bar.finish_and_clear();
    summary
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
