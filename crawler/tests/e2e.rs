//! End-to-end: crawl both fixture portal styles through the library API and
//! score against truth.jsonl (the binary-level tests live in the workspace's
//! tests/crawl_*.rs).

mod common;

use std::time::Duration;

use gongkai_crawler::{CrawlConfig, Crawler, url_norm};

fn config(base: &str) -> CrawlConfig {
    let mut cfg = CrawlConfig {
        seeds: vec![format!("{base}/")],
        concurrency: 16,
        delay: Duration::ZERO,
        ..Default::default()
    };
    cfg.fetch.backoff = Duration::from_millis(50);
    cfg
}

fn crawl(data: &std::path::Path, cfg: CrawlConfig) -> gongkai_crawler::CrawlSummary {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let mut c = Crawler::open(data, cfg).expect("open");
        c.run(&|_| {}).await.expect("crawl")
    })
}

fn run_style(style: &str) {
    let tmp = tempfile::tempdir().expect("tmp");
    let site = tmp.path().join("site");
    common::make_site(style, &site);
    let server = common::Server::start(&site, &[]);
    let data = tmp.path().join("data");
    let t0 = std::time::Instant::now();
    let summary = crawl(&data, config(&server.base));
    eprintln!("{style}: {summary:?} in {:?}", t0.elapsed());
    assert!(summary.finished);
    let state = gongkai_crawler::State::open(&data.join("crawl.sqlite")).expect("state");
    let docs = state.documents().expect("docs");
    let truth = common::truth(&site);
    let score = common::score(&docs, &truth);
    eprintln!("{style}: {}", score.report());
    eprintln!("{:?}", state.outcome_counts().expect("counts"));
    // robots.txt obeyed, traps bounded.
    for (url, fetches) in state.fetch_counts().expect("fetches") {
        assert!(!url.contains("/admin/") || fetches == 0, "{url} fetched");
        assert!(fetches <= 1, "{url} fetched {fetches} times in one crawl");
    }
    let calendar = state
        .fetch_counts()
        .expect("fetches")
        .iter()
        .filter(|(u, _)| u.contains("/calendar/"))
        .count();
    assert!(calendar < 100, "calendar trap followed {calendar} times");
    score.assert_targets();

    // A second crawl of the unchanged site revalidates and rewrites nothing.
    let again = crawl(&data, config(&server.base));
    eprintln!("{style} again: {again:?}");
    assert_eq!(again.new, 0, "{again:?}");
    assert_eq!(again.changed, 0, "{again:?}");
    assert!(
        again.not_modified as f64 >= 0.9 * score.articles as f64,
        "{again:?}"
    );
    let docs2 = state.documents().expect("docs");
    assert_eq!(docs2.len(), docs.len());
    assert!(again.gone.is_empty(), "{again:?}");

    // An article taken down (404 now) is gone after the next full crawl.
    let victim = truth
        .iter()
        .find(|t| t.kind == "article")
        .expect("an article");
    std::fs::remove_file(site.join("site").join(victim.url.trim_start_matches('/')))
        .expect("remove");
    let third = crawl(&data, config(&server.base));
    assert_eq!(third.gone.len(), 1, "{third:?}");
    let docs3 = state.documents().expect("docs");
    assert_eq!(docs3.len(), docs.len() - 1);
    assert!(docs3.iter().all(|d| !d.url.ends_with(&victim.url)));
    let _ = url_norm::normalize;
}

#[test]
fn crawl_classic_portal() {
    run_style("classic");
}

#[test]
fn crawl_jiyue_portal() {
    run_style("jiyue");
}

/// With 5% of article requests answered 503 (Retry-After: 1), retries with
/// backoff still get every article, and nothing else is indexed.
#[test]
fn crawl_survives_flaky_server() {
    let tmp = tempfile::tempdir().expect("tmp");
    let site = tmp.path().join("site");
    common::make_site("classic", &site);
    let server = common::Server::start(&site, &["--fail-rate", "0.05", "--seed", "7"]);
    let data = tmp.path().join("data");
    let summary = crawl(&data, config(&server.base));
    eprintln!("flaky: {summary:?}");
    let state = gongkai_crawler::State::open(&data.join("crawl.sqlite")).expect("state");
    let score = common::score(&state.documents().expect("docs"), &common::truth(&site));
    assert!(score.missing.is_empty(), "{}", score.report());
    assert!(score.non_documents.is_empty(), "{}", score.report());
}

/// A page that fails more often than the fetcher retries (4 attempts) is
/// fetched once more at the end of the run and kept; one that always fails is
/// recorded as failed once, and the run still finishes.
#[test]
fn transient_failures_are_retried_at_the_end_of_the_run() {
    let tmp = tempfile::tempdir().expect("tmp");
    let site = tmp.path().join("site");
    common::make_site("classic", &site);
    let truth = common::truth(&site);
    let faults_path = site.join("_meta").join("faults.tsv");
    let mut faults = std::fs::read_to_string(&faults_path).expect("faults.tsv");
    let already_faulty: Vec<String> = faults
        .lines()
        .filter_map(|l| l.split('\t').next().map(str::to_string))
        .collect();
    let mut articles = truth
        .iter()
        .filter(|t| t.kind == "article" && !already_faulty.contains(&t.url));
    let recovers = articles.next().expect("an article").url.clone();
    let broken = articles.next().expect("another article").url.clone();
    faults.push_str(&format!(
        "{recovers}\tstatus 503 first 4\n{broken}\tstatus 500 first 1000000\n"
    ));
    std::fs::write(&faults_path, faults).expect("write faults.tsv");
    let server = common::Server::start(&site, &[]);
    let data = tmp.path().join("data");
    let summary = crawl(&data, config(&server.base));
    eprintln!("retry: {summary:?}");
    assert!(summary.finished, "{summary:?}");
    assert_eq!(summary.retried_later, 2, "{summary:?}");
    assert_eq!(summary.failed.get("http-500"), Some(&1), "{summary:?}");
    assert_eq!(summary.failed.get("http-503"), None, "{summary:?}");
    let state = gongkai_crawler::State::open(&data.join("crawl.sqlite")).expect("state");
    let docs = state.documents().expect("docs");
    assert!(
        docs.iter().any(|d| d.url.ends_with(&recovers)),
        "{recovers} lost"
    );
    assert!(
        !docs.iter().any(|d| d.url.ends_with(&broken)),
        "{broken} kept"
    );
}

/// A portal moved to a new platform: crawling the old site, then the new
/// one into the same state keeps every moved document's id (索引号/文号 or
/// content hash) and records its old URL as an alias.
#[test]
fn migration_keeps_identity() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("mig");
    let portal = common::shared().join("portal");
    let status = std::process::Command::new("python3")
        .arg(portal.join("make_portal.py"))
        .args(["migration", "--docs"])
        .arg(portal.join("docs.jsonl.gz"))
        .arg("--out")
        .arg(&out)
        .status()
        .expect("python3");
    assert!(status.success());
    let old = common::Server::start(&out.join("old"), &[]);
    let new = common::Server::start(&out.join("new"), &[]);
    let data = tmp.path().join("data");
    crawl(&data, config(&old.base));
    let second = crawl(&data, config(&new.base));
    eprintln!("migration: {second:?}");
    let state = gongkai_crawler::State::open(&data.join("crawl.sqlite")).expect("state");
    let docs = state.documents().expect("docs");
    let mut id_of = std::collections::HashMap::new();
    for d in &docs {
        for u in std::iter::once(&d.url).chain(&d.aliases) {
            if let Ok(u) = gongkai_crawler::url::Url::parse(u) {
                id_of.insert(
                    format!("{}{}", u.port().unwrap_or(80), u.path()),
                    d.id.clone(),
                );
            }
        }
    }
    let port = |base: &str| base.rsplit(':').next().unwrap_or("").to_string();
    let (po, pn) = (port(&old.base), port(&new.base));
    let tsv = std::fs::read_to_string(out.join("migration-truth.tsv")).expect("tsv");
    let (mut moved, mut kept) = (0, 0);
    for line in tsv.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() < 3 || f[2] != "moved" {
            continue;
        }
        moved += 1;
        let a = id_of.get(&format!("{po}{}", f[0]));
        let b = id_of.get(&format!("{pn}{}", f[1]));
        if a.is_some() && a == b {
            kept += 1;
        }
    }
    assert!(
        moved > 1000 && kept * 100 >= moved * 99,
        "{kept}/{moved} moved documents kept their id"
    );
}
