//! The scheduler: frontier, robots, sitemaps, fetch tasks, and recording.
//!
//! One loop owns the SQLite state and the frontier; fetch-and-extract work
//! runs in tokio tasks (at most `concurrency` per seed host, further limited
//! per host by [`Politeness`]). A task returns a [`PageOutcome`]; the loop
//! records it and its new links in one transaction. That split keeps every
//! database write on one thread and makes resume exact.

use std::collections::{BinaryHeap, HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tokio::task::JoinSet;
use url::Url;

use crate::config::CrawlConfig;
use crate::extract::{self, PageKind};
use crate::fetch::{Fetched, Fetcher, Validators};
use crate::politeness::Politeness;
use crate::robots::Robots;
use crate::state::{DocWrite, PageFacts, QueueItem, State, UrlRecord};
use crate::url_norm::{fetch_url, host_key, normalize, pattern};
use crate::{AttachmentRef, Document, Error, attachments, content_hash, document_id, sitemap};

/// Longest time spent extracting one attachment's text.
const ATTACHMENT_TIMEOUT: Duration = Duration::from_secs(30);

/// A progress snapshot, reported after every page.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    pub fetched: u64,
    pub queued: usize,
    pub in_flight: usize,
    pub errors: u64,
    pub documents: u64,
    pub elapsed: Duration,
}

/// What a crawl did, for the summary at the end.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct CrawlSummary {
    pub run: i64,
    pub resumed: bool,
    /// HTTP fetches of pages (not robots, sitemaps, attachments).
    pub fetched: u64,
    pub new: u64,
    pub changed: u64,
    pub unchanged: u64,
    /// 304 answers to conditional GETs.
    pub not_modified: u64,
    pub aliases: u64,
    pub lists: u64,
    pub soft_404: u64,
    pub other_pages: u64,
    pub redirects: u64,
    pub robots_blocked: u64,
    pub trap_limited: u64,
    pub attachments: u64,
    pub attachments_with_text: u64,
    /// Pages whose fetch failed transiently (5xx, 429, network, timeout)
    /// after the fetcher's retries and were tried once more at the end of
    /// the run; those that failed again are also counted in `failed`.
    pub retried_later: u64,
    pub failed: std::collections::BTreeMap<String, u64>,
    /// A few URLs of each kind of page that was not indexed (list, other,
    /// soft-404), each with the evidence that decided it, so a crawl that
    /// indexes little can say why.
    pub samples: std::collections::BTreeMap<String, Vec<PageSample>>,
    /// Documents of the crawled hosts this (finished) run no longer found.
    pub gone: Vec<String>,
    pub finished: bool,
    pub seconds: f64,
}

impl CrawlSummary {
    pub fn failed_total(&self) -> u64 {
        self.failed.values().sum()
    }

    /// Pages fetched that were read as something other than an article.
    pub fn not_articles(&self) -> u64 {
        self.lists + self.soft_404 + self.other_pages
    }
}

/// A page that was not indexed, and why.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PageSample {
    pub url: String,
    /// The article evidence score and its reasons, in one line.
    pub why: String,
}

/// Sample URLs kept per page kind.
const SAMPLES_PER_KIND: usize = 3;

/// What one fetch task saw besides the outcome, for the self-inspection.
#[derive(Default)]
struct Seen {
    /// Answer time of the last attempt, in milliseconds.
    ms: Option<u32>,
    /// What a list or other non-article page showed.
    facts: Option<PageFacts>,
}

/// Phrases of a list page that says it has nothing (空白栏目).
const EMPTY_NOTES: &[&str] = &[
    "暂无信息",
    "暂无数据",
    "暂无内容",
    "暂无记录",
    "暂无相关信息",
    "暂无相关内容",
    "暂无文章",
    "没有相关信息",
    "暫無信息",
    "暫無資料",
    "暫無數據",
    "查无数据",
];

/// Whether a page's text says it lists nothing: one of [`EMPTY_NOTES`], or
/// a count of zero items ("共0条", "共 0 条记录").
fn says_empty(text: &str) -> bool {
    if EMPTY_NOTES.iter().any(|n| text.contains(n)) {
        return true;
    }
    // "共", optional spaces, "0", optional spaces, then 条/條/篇/项 (bounded scan).
    let mut rest = text;
    for _ in 0..64 {
        let Some(at) = rest.find('共') else {
            return false;
        };
        rest = &rest[at + '共'.len_utf8()..];
        let after = rest.trim_start_matches([' ', '\u{3000}', '\u{a0}']);
        if let Some(tail) = after.strip_prefix('0') {
            let tail = tail.trim_start_matches([' ', '\u{3000}', '\u{a0}']);
            if tail.starts_with(['条', '條', '篇', '项', '項']) {
                return true;
            }
        }
    }
    false
}

/// The facts kept of a non-article page.
fn facts_of(ex: &extract::Extracted, html: &str) -> PageFacts {
    PageFacts {
        kind: ex.kind().name().into(),
        title: ex.document.title.chars().take(200).collect(),
        items: u32::try_from(ex.evidence.dated_links).unwrap_or(u32::MAX),
        empty_note: says_empty(html),
    }
}

/// What one fetch task produced.
enum PageOutcome {
    Document {
        doc: Box<Document>,
        validators: Validators,
        status: u16,
        links: Vec<(String, bool)>,
    },
    /// Same content hash as stored: nothing to rewrite.
    SameDocument {
        hash: String,
        validators: Validators,
        status: u16,
        links: Vec<(String, bool)>,
    },
    Page {
        kind: PageKind,
        validators: Validators,
        status: u16,
        links: Vec<(String, bool)>,
        /// The evidence that decided the kind.
        why: String,
    },
    NotModified,
    Redirect {
        status: u16,
        location: Url,
    },
    Failed {
        reason: String,
        status: Option<u16>,
    },
}

/// Frontier order: shallow first, then discovery order.
#[derive(PartialEq, Eq)]
struct Entry(std::cmp::Reverse<(u32, u64)>, QueueItemBox);

#[derive(PartialEq, Eq)]
struct QueueItemBox(
    String,
    String,
    u32,
    u32,
    Option<String>,
    Option<String>,
    Option<String>,
);

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.cmp(&other.0)
    }
}

/// A crawl over one data directory.
pub struct Crawler {
    cfg: CrawlConfig,
    state: State,
    fetcher: Arc<Fetcher>,
    politeness: Arc<Politeness>,
    stop: Arc<AtomicBool>,
}

struct Shared {
    fetcher: Arc<Fetcher>,
    robots: Arc<HashMap<String, Robots>>,
    seed_hosts: HashSet<String>,
    attachments: bool,
    sites: Arc<extract::SiteRules>,
}

impl Crawler {
    /// Opens the crawl state at `data_dir/crawl.sqlite`.
    pub fn open(data_dir: &Path, cfg: CrawlConfig) -> Result<Self, Error> {
        std::fs::create_dir_all(data_dir)?;
        let state = State::open(&data_dir.join("crawl.sqlite"))?;
        let politeness = Arc::new(Politeness::new(cfg.concurrency, cfg.delay));
        let fetcher = Arc::new(Fetcher::new(cfg.fetch.clone(), politeness.clone())?);
        Ok(Crawler {
            cfg,
            state,
            fetcher,
            politeness,
            stop: Arc::new(AtomicBool::new(false)),
        })
    }

    /// Setting this flag stops scheduling; in-flight pages finish and are recorded.
    pub fn stop_flag(&self) -> Arc<AtomicBool> {
        self.stop.clone()
    }

    pub fn state(&self) -> &State {
        &self.state
    }

    /// Crawls until the frontier is empty, the page budget is spent or the
    /// stop flag is set. Resumes an unfinished run.
    pub async fn run(
        &mut self,
        progress: &(dyn Fn(&Progress) + Send + Sync),
    ) -> Result<CrawlSummary, Error> {
        let started = Instant::now();
        let mut summary = CrawlSummary::default();
        let seeds: Vec<Url> = self
            .cfg
            .seeds
            .iter()
            .map(|s| Url::parse(s.trim()).map_err(|_| Error::Seed(s.clone())))
            .collect::<Result<_, _>>()?;
        if seeds.is_empty() {
            return Err(Error::Seed(String::new()));
        }
        // Robots first: nothing else is fetched from an origin before we
        // know its rules. A seed that redirects to another origin of the
        // same site (http → https, `x.gov.cn` → `www.x.gov.cn`) adds that
        // origin to the seed hosts, or the whole portal would be off-site.
        let last = self.state.last_run()?;
        let resuming = matches!(last, Some((_, false)));
        let mut seeds = seeds;
        if let (true, Some((id, _))) = (resuming, last) {
            // The unfinished run's seeds, with the origins resolved when it started.
            for s in self.state.run_seeds(id)? {
                if let Ok(u) = Url::parse(&s)
                    && !seeds.contains(&u)
                {
                    seeds.push(u);
                }
            }
        }
        let mut seed_hosts: HashSet<String> = seeds.iter().map(host_key).collect();
        let mut robots = HashMap::new();
        let mut todo: Vec<Url> = seeds.clone();
        let mut resolved = 0;
        while let Some(seed) = todo.pop() {
            let host = host_key(&seed);
            if !robots.contains_key(&host) {
                let rules = self.fetch_robots(&seed, &host).await;
                robots.insert(host.clone(), rules);
            }
            if resuming
                || resolved >= 16
                || !robots.get(&host).is_some_and(|r| r.allowed(seed.as_str()))
            {
                continue;
            }
            resolved += 1;
            if let Ok(Fetched::Redirect { location, .. }) =
                self.fetcher.get(&seed, &Validators::default()).await
                && same_site(&seed, &location)
                && !seeds.iter().any(|s| normalize(s) == normalize(&location))
            {
                tracing::info!(from = %seed, to = %location, "seed redirects: following");
                seed_hosts.insert(host_key(&location));
                seeds.push(location.clone());
                todo.push(location);
            }
        }
        let seed_hosts = seed_hosts;

        let robots = Arc::new(robots);
        let mut seen = self.state.seen()?;
        let (run, resumed) = match last {
            Some((id, false)) => (id, true),
            _ => {
                let all: Vec<String> = seeds.iter().map(|u| u.to_string()).collect();
                (self.state.start_run(&all)?, false)
            }
        };
        summary.run = run;
        summary.resumed = resumed;
        let mut pattern_pages: HashMap<String, u64> = HashMap::new();
        let mut pattern_nondoc: HashMap<String, (u64, u64)> = HashMap::new();
        if resumed {
            for (url, outcome) in self.state.done_in_run(run)? {
                if let Ok(u) = Url::parse(&url) {
                    let p = pattern(&u);
                    *pattern_pages.entry(p.clone()).or_default() += 1;
                    let e = pattern_nondoc.entry(p).or_default();
                    if outcome == "article" {
                        e.1 += 1;
                    } else {
                        e.0 += 1;
                    }
                }
            }
            tracing::info!(run, "resuming an unfinished crawl");
        }

        let mut ctx = Ctx {
            cfg: &self.cfg,
            run,
            seed_hosts: &seed_hosts,
            robots: &robots,
            seen: &mut seen,
            pattern_pages: &mut pattern_pages,
            pattern_nondoc: &mut pattern_nondoc,
            frontier: BinaryHeap::new(),
            seq: 0,
        };
        for item in self.state.queue(run)? {
            ctx.push(item);
        }
        if !resumed {
            // Seeds, then the sitemaps of every seed host.
            let tx = self.state.tx()?;
            for s in &seeds {
                ctx.add(&tx, s, 0, 0, &mut summary)?;
            }
            tx.commit()?;
            let mut sitemap_urls: Vec<String> = Vec::new();
            for host in &seed_hosts {
                let listed = robots.get(host).map(|r| r.sitemaps()).unwrap_or_default();
                if listed.is_empty() {
                    if let Some(seed) = seeds.iter().find(|s| host_key(s) == *host)
                        && let Ok(u) = seed.join("/sitemap.xml")
                    {
                        sitemap_urls.push(u.to_string());
                    }
                } else {
                    sitemap_urls.extend(listed);
                }
            }
            let pages = self.read_sitemaps(sitemap_urls, &seed_hosts, &robots).await;
            let tx = self.state.tx()?;
            for u in pages {
                ctx.add(&tx, &u, 1, 0, &mut summary)?;
            }
            tx.commit()?;
        }

        let shared = Arc::new(Shared {
            fetcher: self.fetcher.clone(),
            robots: robots.clone(),
            seed_hosts: seed_hosts.clone(),
            attachments: self.cfg.attachments,
            sites: Arc::new(self.cfg.sites.clone()),
        });
        let global = (self.cfg.concurrency * seed_hosts.len()).clamp(1, 512);
        let mut inflight: JoinSet<(QueueItem, PageOutcome, Seen)> = JoinSet::new();
        let mut started_pages = 0u64;
        let mut docs = 0u64;
        let mut budget_hit = false;
        // Pages that failed transiently, fetched once more after the rest of
        // the run: a server that is down for a few seconds (a deploy, an
        // overloaded CMS) recovers in the meantime. They are not marked done,
        // so an interrupted run fetches them again when resumed.
        let mut deferred: Vec<QueueItem> = Vec::new();
        let mut deferred_once: HashSet<String> = HashSet::new();
        loop {
            while inflight.len() < global && !self.stop.load(Ordering::Relaxed) {
                if self.cfg.max_pages.is_some_and(|m| started_pages >= m) {
                    budget_hit = true;
                    break;
                }
                let Some(Entry(_, b)) = ctx.frontier.pop() else {
                    break;
                };
                let item = QueueItem {
                    key: b.0,
                    url: b.1,
                    depth: b.2,
                    hops: b.3,
                    etag: b.4,
                    last_modified: b.5,
                    content_hash: b.6,
                };
                started_pages += 1;
                let shared = shared.clone();
                inflight.spawn(async move {
                    let mut seen = Seen::default();
                    let outcome = process(&shared, &item, &mut seen).await;
                    (item, outcome, seen)
                });
            }
            let Some(joined) = inflight.join_next().await else {
                if deferred.is_empty() || budget_hit || self.stop.load(Ordering::Relaxed) {
                    break;
                }
                let pause = self.cool_down();
                tracing::info!(pages = deferred.len(), ?pause, "retrying failed pages");
                let until = Instant::now() + pause;
                while Instant::now() < until && !self.stop.load(Ordering::Relaxed) {
                    tokio::time::sleep(Duration::from_millis(100).min(pause)).await;
                }
                for item in deferred.drain(..) {
                    ctx.push(item);
                }
                continue;
            };
            let (item, outcome, seen) = match joined {
                Ok(v) => v,
                Err(e) => {
                    // A panicking task loses only its page, which stays queued.
                    tracing::error!(error = %e, "fetch task failed");
                    *summary.failed.entry("internal".into()).or_default() += 1;
                    continue;
                }
            };
            if let PageOutcome::Failed { reason, status } = &outcome
                && is_transient(reason, *status)
                && deferred_once.insert(item.key.clone())
            {
                tracing::debug!(url = %item.url, %reason, "failed: will retry at the end of the run");
                summary.retried_later += 1;
                deferred.push(item);
                continue;
            }
            let is_doc = record(
                &mut self.state,
                &mut ctx,
                &item,
                outcome,
                seen,
                &mut summary,
            )?;
            if is_doc {
                docs += 1;
            }
            progress(&Progress {
                fetched: summary.fetched,
                queued: ctx.frontier.len(),
                in_flight: inflight.len(),
                errors: summary.failed_total(),
                documents: docs,
                elapsed: started.elapsed(),
            });
        }
        let finished = ctx.frontier.is_empty()
            && deferred.is_empty()
            && !budget_hit
            && !self.stop.load(Ordering::Relaxed);
        self.state.resolve_aliases()?;
        if finished {
            let hosts: Vec<String> = seed_hosts.iter().cloned().collect();
            summary.gone = self.state.mark_gone(run, &hosts)?;
            self.state.finish_run(run)?;
        }
        summary.finished = finished;
        summary.seconds = started.elapsed().as_secs_f64();
        Ok(summary)
    }

    /// How long the end-of-run retry waits: four times the fetcher's longest
    /// backoff (4 s by default), at most a minute.
    fn cool_down(&self) -> Duration {
        let f = &self.cfg.fetch;
        f.backoff
            .saturating_mul(2u32.saturating_pow(f.retries.saturating_add(1)))
            .min(Duration::from_secs(60))
    }

    /// Fetches and parses one origin's robots.txt (see [`Robots`] for the
    /// rules on errors) and applies its `Crawl-delay`.
    async fn fetch_robots(&self, seed: &Url, host: &str) -> Robots {
        let Ok(robots_url) = seed.join("/robots.txt") else {
            return Robots::allow_all();
        };
        // Only the first 500 KiB count: a larger file (or a gzip bomb, or a
        // claimed 2 GB) is read that far and parsed, never a reason to give
        // up on the host.
        let rules = match self
            .fetcher
            .get_prefix(&robots_url, crate::robots::MAX_ROBOTS_BYTES)
            .await
        {
            Ok(Fetched::Body { body, .. }) => Robots::parse(&self.cfg.fetch.user_agent, &body),
            Ok(Fetched::Status(s)) if (400..500).contains(&s) => Robots::allow_all(),
            Ok(Fetched::Redirect { .. }) | Ok(Fetched::NotModified) => Robots::allow_all(),
            Ok(Fetched::Status(s)) => {
                tracing::warn!(%host, status = s, "robots.txt unavailable: not crawling this host");
                Robots::deny_all()
            }
            Err(e) => {
                tracing::warn!(%host, error = %e, "robots.txt unreachable: not crawling this host");
                Robots::deny_all()
            }
        };
        if let Some(ms) = rules.crawl_delay_ms() {
            tracing::info!(%host, ms, "robots.txt Crawl-delay");
            self.politeness.set_delay(host, Duration::from_millis(ms));
        }
        rules
    }

    /// Fetches sitemaps (following index files, at most 200 files) and
    /// returns the page URLs on the seed hosts.
    async fn read_sitemaps(
        &self,
        mut todo: Vec<String>,
        seed_hosts: &HashSet<String>,
        robots: &HashMap<String, Robots>,
    ) -> Vec<Url> {
        let mut done = HashSet::new();
        let mut out = Vec::new();
        while let Some(s) = todo.pop() {
            if done.len() >= 200 || !done.insert(s.clone()) {
                continue;
            }
            let Ok(u) = Url::parse(&s) else { continue };
            let host = host_key(&u);
            if !seed_hosts.contains(&host)
                || !robots.get(&host).is_some_and(|r| r.allowed(u.as_str()))
            {
                continue;
            }
            match self.fetcher.get(&u, &Validators::default()).await {
                Ok(Fetched::Body { body, .. }) => {
                    let sm = sitemap::parse(&body);
                    tracing::info!(sitemap = %u, urls = sm.urls.len(), children = sm.sitemaps.len(), "sitemap");
                    todo.extend(sm.sitemaps);
                    out.extend(sm.urls.iter().filter_map(|l| Url::parse(l).ok()));
                }
                Ok(other) => tracing::debug!(sitemap = %u, ?other, "no sitemap"),
                Err(e) => tracing::debug!(sitemap = %u, error = %e, "sitemap failed"),
            }
        }
        out
    }
}

/// Two URLs on the same site: equal host names, or equal but for `www.`.
fn same_site(a: &Url, b: &Url) -> bool {
    let name = |u: &Url| {
        let h = u.host_str().unwrap_or("").to_ascii_lowercase();
        h.strip_prefix("www.").map(str::to_string).unwrap_or(h)
    };
    !name(a).is_empty() && name(a) == name(b)
}

struct Ctx<'a> {
    cfg: &'a CrawlConfig,
    run: i64,
    seed_hosts: &'a HashSet<String>,
    robots: &'a HashMap<String, Robots>,
    seen: &'a mut HashMap<String, i64>,
    pattern_pages: &'a mut HashMap<String, u64>,
    /// (non-document pages, documents) per pattern.
    pattern_nondoc: &'a mut HashMap<String, (u64, u64)>,
    frontier: BinaryHeap<Entry>,
    seq: u64,
}

impl Ctx<'_> {
    fn push(&mut self, item: QueueItem) {
        self.seq += 1;
        self.frontier.push(Entry(
            std::cmp::Reverse((item.depth, self.seq)),
            QueueItemBox(
                item.key,
                item.url,
                item.depth,
                item.hops,
                item.etag,
                item.last_modified,
                item.content_hash,
            ),
        ));
    }

    /// Considers a discovered URL for the frontier.
    fn add(
        &mut self,
        tx: &crate::state::Tx<'_>,
        url: &Url,
        depth: u32,
        hops: u32,
        summary: &mut CrawlSummary,
    ) -> Result<(), Error> {
        let host = host_key(url);
        if !self.seed_hosts.contains(&host) {
            return Ok(());
        }
        // A 繁體 mirror (`/big5/<path>`) is the same document as `<path>`:
        // record the alias, crawl the original only.
        let mut url = url.clone();
        if let Some(rest) = url.path().strip_prefix("/big5/").map(|r| format!("/{r}")) {
            let mirror = fetch_url(&url).to_string();
            url.set_path(&rest);
            tx.link_alias(&mirror, &normalize(&url), "mirror")?;
        }
        let key = normalize(&url);
        if self.seen.get(&key).is_some_and(|r| *r >= self.run) {
            return Ok(());
        }
        let fetch = fetch_url(&url);
        let s = fetch.as_str();
        if depth > self.cfg.max_depth
            || (!self.cfg.include.is_empty() && !self.cfg.include.iter().any(|r| r.is_match(s)))
            || self.cfg.exclude.iter().any(|r| r.is_match(s))
        {
            return Ok(());
        }
        if !self.robots.get(&host).is_some_and(|r| r.allowed(s)) {
            self.seen.insert(key.clone(), self.run);
            tx.skip(&key, s, depth, self.run, "robots")?;
            summary.robots_blocked += 1;
            return Ok(());
        }
        let p = pattern(&fetch);
        let pages = self.pattern_pages.entry(p.clone()).or_default();
        let (nondoc, docs) = self.pattern_nondoc.get(&p).copied().unwrap_or_default();
        if *pages >= self.cfg.max_per_pattern
            || (docs == 0 && nondoc >= self.cfg.max_nondoc_per_pattern)
        {
            summary.trap_limited += 1;
            return Ok(());
        }
        *pages += 1;
        self.seen.insert(key.clone(), self.run);
        if let Some((etag, last_modified, content_hash)) =
            tx.enqueue(&key, s, depth, hops, self.run)?
        {
            self.push(QueueItem {
                key,
                url: s.to_string(),
                depth,
                hops,
                etag,
                last_modified,
                content_hash,
            });
        }
        Ok(())
    }
}

/// A failure the server may get over: 5xx, 429, a network error or a timeout.
/// 4xx, oversized bodies and bad URLs will fail the same way again.
fn is_transient(reason: &str, status: Option<u16>) -> bool {
    match status {
        Some(s) => s >= 500 || s == 429,
        // A timeout already cost the fetcher two full deadlines.
        None => reason == "network",
    }
}

/// Fetches and extracts one URL (runs in a task; no database access).
async fn process(shared: &Shared, item: &QueueItem, seen: &mut Seen) -> PageOutcome {
    let Ok(url) = Url::parse(&item.url) else {
        return PageOutcome::Failed {
            reason: "bad-url".into(),
            status: None,
        };
    };
    let validators = Validators {
        etag: item.etag.clone(),
        last_modified: item.last_modified.clone(),
    };
    let (fetched, took) = shared.fetcher.get_timed(&url, &validators).await;
    seen.ms = Some(u32::try_from(took.as_millis()).unwrap_or(u32::MAX));
    let fetched = match fetched {
        Ok(f) => f,
        Err(e) => {
            tracing::warn!(%url, error = %e, "fetch failed");
            return PageOutcome::Failed {
                reason: e.reason().into(),
                status: None,
            };
        }
    };
    let (status, content_type, validators, body) = match fetched {
        Fetched::NotModified => return PageOutcome::NotModified,
        Fetched::Redirect { status, location } => {
            return PageOutcome::Redirect { status, location };
        }
        Fetched::Status(s) => {
            tracing::warn!(%url, status = s, "HTTP error");
            return PageOutcome::Failed {
                reason: format!("http-{s}"),
                status: Some(s),
            };
        }
        Fetched::Body {
            status,
            content_type,
            validators,
            body,
        } => (status, content_type, validators, body),
    };
    let ct = content_type.as_deref().unwrap_or("").to_ascii_lowercase();
    let decoded = || crate::charset::decode(&body, content_type.as_deref());
    // List data a list page names (TRS JSON feeds, Hanweb's dataproxy.jsp
    // XML): its links are followed, it is never a document.
    let data = ct.contains("json")
        || (ct.contains("xml") && !ct.contains("html") && {
            let head = &body[..body.len().min(4096)];
            head.windows(7).any(|w| w == b"<record") || head.windows(10).any(|w| w == b"<datastore")
        });
    if data {
        let links: Vec<(String, bool)> = extract::data_links(&decoded().text, &url)
            .into_iter()
            .map(|l| (l.url.to_string(), l.pagination))
            .collect();
        seen.facts = Some(PageFacts {
            kind: PageKind::List.name().into(),
            title: String::new(),
            items: u32::try_from(links.iter().filter(|l| !l.1).count()).unwrap_or(u32::MAX),
            empty_note: false,
        });
        return PageOutcome::Page {
            kind: PageKind::List,
            validators,
            status,
            links,
            why: format!("list data ({ct})"),
        };
    }
    if !(ct.is_empty() || ct.contains("html") || ct.contains("text/") || ct.contains("xml")) {
        return PageOutcome::Page {
            kind: PageKind::Other,
            validators,
            status,
            links: Vec::new(),
            why: format!("not a page ({ct})"),
        };
    }
    let decoded = decoded();
    let ex = extract::extract_with(&decoded.text, &url, shared.sites.for_url(&url));
    let links: Vec<(String, bool)> = ex
        .links
        .iter()
        .map(|l| (l.url.to_string(), l.pagination))
        .collect();
    let kind = ex.kind();
    if matches!(kind, PageKind::List | PageKind::Other) {
        seen.facts = Some(facts_of(&ex, &decoded.text));
    }
    if kind != PageKind::Article {
        let ev = &ex.evidence;
        let why = format!(
            "evidence {} of {} needed: {}",
            ev.article_score,
            extract::ARTICLE_THRESHOLD,
            ev.reasons.join("; ")
        );
        return PageOutcome::Page {
            kind,
            validators,
            status,
            links,
            why,
        };
    }
    let hash = content_hash(&ex.document.title, &ex.document.body);
    if item.content_hash.as_deref() == Some(hash.as_str()) {
        return PageOutcome::SameDocument {
            hash,
            validators,
            status,
            links,
        };
    }
    let mut atts = Vec::new();
    for (aurl, title) in ex.attachments.iter().take(20) {
        let mut att = AttachmentRef {
            url: aurl.to_string(),
            title: title.clone(),
            ..Default::default()
        };
        let host = host_key(aurl);
        let allowed = shared
            .robots
            .get(&host)
            .is_some_and(|r| r.allowed(aurl.as_str()));
        if shared.attachments && shared.seed_hosts.contains(&host) && allowed {
            match shared.fetcher.get(aurl, &Validators::default()).await {
                Ok(Fetched::Body {
                    body, content_type, ..
                }) => {
                    let ext = extract::attachment_ext(aurl).unwrap_or_default();
                    let fmt = attachments::format_of(&ext, content_type.as_deref(), &body);
                    // A parser stuck on a hostile file must not stall the crawl.
                    let job =
                        tokio::task::spawn_blocking(move || attachments::extract_text(&fmt, &body));
                    match tokio::time::timeout(ATTACHMENT_TIMEOUT, job).await {
                        Ok(Ok(Ok(t))) => att.text = t,
                        Ok(Ok(Err(e))) => att.error = Some(e.to_string()),
                        Ok(Err(e)) => att.error = Some(format!("extraction task failed: {e}")),
                        Err(_) => att.error = Some("text extraction timed out".into()),
                    }
                }
                Ok(Fetched::Status(s)) => att.error = Some(format!("HTTP {s}")),
                Ok(other) => att.error = Some(format!("{other:?}")),
                Err(e) => att.error = Some(e.to_string()),
            }
        } else if !shared.attachments {
            att.error = Some("attachments disabled".into());
        } else {
            att.error = Some("off-site or disallowed by robots.txt".into());
        }
        atts.push(att);
    }
    // The extractor's document, given its identity and attachments (its
    // `source` is the site's own name; the crawl state falls back to the host).
    let mut doc = ex.document;
    doc.id = document_id(Some(&doc.index_number), Some(&doc.doc_number), &hash);
    doc.url = url.to_string();
    doc.attachment_text = attachment_text(&atts);
    doc.attachments = atts;
    doc.content_hash = hash;
    PageOutcome::Document {
        doc: Box::new(doc),
        validators,
        status,
        links,
    }
}

/// What is recorded of a page fetched and read as an article, whatever
/// became of its document (the caller adds its hash and id).
fn article_record<'a>(
    status: u16,
    validators: &'a Validators,
    links: &[(String, bool)],
    ms: Option<u32>,
    facts: Option<PageFacts>,
) -> UrlRecord<'a> {
    UrlRecord {
        outcome: "article",
        http_status: Some(status),
        etag: validators.etag.as_deref(),
        last_modified: validators.last_modified.as_deref(),
        links: Some(serde_json::to_string(links).unwrap_or_default()),
        fetched: true,
        ms,
        facts,
        ..Default::default()
    }
}

/// The text of every attachment that has some, one after the other: what
/// the index searches with the body.
pub(crate) fn attachment_text(attachments: &[AttachmentRef]) -> String {
    let mut text = String::new();
    for a in attachments.iter().filter(|a| !a.text.is_empty()) {
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(&a.text);
    }
    text
}

/// Records one page's outcome and queues its links, in one transaction.
/// Returns whether a new or changed document was written.
fn record(
    state: &mut State,
    ctx: &mut Ctx<'_>,
    item: &QueueItem,
    outcome: PageOutcome,
    seen: Seen,
    summary: &mut CrawlSummary,
) -> Result<bool, Error> {
    let Seen { ms, facts } = seen;
    let mut facts = facts;
    let tx = state.tx()?;
    let mut wrote = false;
    let page_url = Url::parse(&item.url).ok();
    let pat = page_url.as_ref().map(pattern).unwrap_or_default();
    let mut links_to_add: Vec<(String, bool)> = Vec::new();
    match outcome {
        PageOutcome::Failed { reason, status } => {
            summary.fetched += status.is_some() as u64;
            *summary.failed.entry(reason.clone()).or_default() += 1;
            tx.done(
                &item.key,
                &UrlRecord {
                    outcome: &format!("failed:{reason}"),
                    http_status: status,
                    fetched: status.is_some(),
                    ms,
                    facts: facts.take(),
                    ..Default::default()
                },
            )?;
        }
        PageOutcome::Redirect { status, location } => {
            summary.fetched += 1;
            summary.redirects += 1;
            let target = normalize(&location);
            tx.done(
                &item.key,
                &UrlRecord {
                    outcome: "redirect",
                    http_status: Some(status),
                    redirect_to: Some(&target),
                    fetched: true,
                    ms,
                    facts: facts.take(),
                    ..Default::default()
                },
            )?;
            tx.link_alias(&item.url, &target, "redirect")?;
            if target == item.key && item.hops < 5 {
                // `dir/index.htm` → `dir/`: the same page under our key;
                // fetch the URL the server prefers instead.
                let url = fetch_url(&location).to_string();
                tx.requeue_as(&item.key, &url, item.hops + 1)?;
                ctx.push(QueueItem {
                    key: item.key.clone(),
                    url,
                    depth: item.depth,
                    hops: item.hops + 1,
                    etag: None,
                    last_modified: None,
                    content_hash: item.content_hash.clone(),
                });
            } else if item.hops < 5 {
                ctx.add(&tx, &location, item.depth, item.hops + 1, summary)?;
            } else {
                *summary.failed.entry("redirect-limit".into()).or_default() += 1;
            }
        }
        PageOutcome::NotModified => {
            summary.fetched += 1;
            summary.not_modified += 1;
            let (links, doc_id) = tx.links_of(&item.key)?;
            if doc_id.is_some() {
                summary.unchanged += 1;
            }
            if let Some(l) = links {
                links_to_add = serde_json::from_str(&l).unwrap_or_default();
            }
            tx.done(
                &item.key,
                &UrlRecord {
                    outcome: "not-modified",
                    http_status: Some(304),
                    fetched: true,
                    ms,
                    facts: facts.take(),
                    ..Default::default()
                },
            )?;
            // Keep the page's kind for pattern counting: a 304 article stays an article.
            let e = ctx.pattern_nondoc.entry(pat.clone()).or_default();
            e.1 += 1;
        }
        PageOutcome::Page {
            kind,
            validators,
            status,
            links,
            why,
        } => {
            summary.fetched += 1;
            let samples = summary.samples.entry(kind.name().to_string()).or_default();
            if samples.len() < SAMPLES_PER_KIND {
                samples.push(PageSample {
                    url: item.url.clone(),
                    why,
                });
            }
            match kind {
                PageKind::List => summary.lists += 1,
                PageKind::SoftNotFound => summary.soft_404 += 1,
                _ => summary.other_pages += 1,
            }
            ctx.pattern_nondoc.entry(pat.clone()).or_default().0 += 1;
            tx.done(
                &item.key,
                &UrlRecord {
                    outcome: kind.name(),
                    http_status: Some(status),
                    etag: validators.etag.as_deref(),
                    last_modified: validators.last_modified.as_deref(),
                    links: Some(serde_json::to_string(&links).unwrap_or_default()),
                    fetched: true,
                    ms,
                    facts: facts.take(),
                    ..Default::default()
                },
            )?;
            if kind != PageKind::SoftNotFound {
                links_to_add = links;
            }
        }
        PageOutcome::SameDocument {
            hash,
            validators,
            status,
            links,
        } => {
            summary.fetched += 1;
            summary.unchanged += 1;
            ctx.pattern_nondoc.entry(pat.clone()).or_default().1 += 1;
            tx.done(
                &item.key,
                &UrlRecord {
                    content_hash: Some(&hash),
                    ..article_record(status, &validators, &links, ms, facts.take())
                },
            )?;
            links_to_add = links;
        }
        PageOutcome::Document {
            doc,
            validators,
            status,
            links,
        } => {
            summary.fetched += 1;
            ctx.pattern_nondoc.entry(pat.clone()).or_default().1 += 1;
            summary.attachments += doc.attachments.len() as u64;
            summary.attachments_with_text += doc
                .attachments
                .iter()
                .filter(|a| !a.text.is_empty())
                .count() as u64;
            match tx.put_document(&doc, ctx.run)? {
                DocWrite::New => {
                    summary.new += 1;
                    wrote = true;
                }
                DocWrite::Changed => {
                    summary.changed += 1;
                    wrote = true;
                }
                DocWrite::Unchanged => summary.unchanged += 1,
                DocWrite::Alias => summary.aliases += 1,
            }
            tx.done(
                &item.key,
                &UrlRecord {
                    content_hash: Some(&doc.content_hash),
                    doc_id: Some(&doc.id),
                    ..article_record(status, &validators, &links, ms, facts.take())
                },
            )?;
            links_to_add = links;
        }
    }
    for (l, pagination) in links_to_add.into_iter().take(5000) {
        if let Ok(u) = Url::parse(&l) {
            let depth = if pagination {
                item.depth
            } else {
                item.depth + 1
            };
            ctx.add(&tx, &u, depth, 0, summary)?;
        }
    }
    tx.commit()?;
    Ok(wrote)
}

#[cfg(test)]
mod tests {
    use super::says_empty;

    #[test]
    fn pages_that_say_they_list_nothing() {
        assert!(says_empty("<div class=\"list\"><p>暂无信息</p></div>"));
        assert!(says_empty("<div class=\"page\">共0条 第1/1页</div>"));
        assert!(says_empty("共 0 条记录"));
        assert!(says_empty("共\u{3000}0\u{3000}條"));
        assert!(says_empty("暫無資料"));
        assert!(!says_empty("共10条 第1/1页"));
        assert!(!says_empty("共05条"));
        assert!(
            !says_empty("本月暂无活动。"),
            "a calendar month without events"
        );
        assert!(!says_empty("共同推进 0 项"));
        // Many 共 without a count end the scan.
        assert!(!says_empty(&"共同".repeat(10_000)));
    }
}
