//! The crawl state in SQLite (`DIR/crawl.sqlite`): frontier, per-URL status,
//! validators (ETag/Last-Modified), content hashes, extracted documents and
//! aliases.
//!
//! Every fetched page is recorded in one transaction together with the
//! links it adds to the frontier, so a crawl killed at any instant (even
//! `kill -9`) resumes exactly: a page is either done with its links queued,
//! or still queued. WAL mode keeps those commits cheap.
//!
//! A *run* is one complete pass over the site. A new run re-queues known
//! URLs with their validators, so an unchanged site answers 304 and nothing
//! is rewritten; an unfinished run is resumed instead of restarted.

use std::collections::HashMap;
use std::path::Path;

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};

use crate::{AttachmentRef, Document};

/// A document as the crawl state stores it (the `json` column), and as
/// `gongkai crawl --export` writes it: the record layout of every gongkai
/// so far, kept so existing crawl states resume and exports read the same.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
struct Record {
    id: String,
    url: String,
    aliases: Vec<String>,
    title: String,
    body: String,
    published: Option<String>,
    publisher: Option<String>,
    column: Option<String>,
    breadcrumb: Vec<String>,
    category_hint: Option<String>,
    doc_number: Option<String>,
    index_number: Option<String>,
    site_name: Option<String>,
    attachments: Vec<RecordAttachment>,
    content_hash: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
struct RecordAttachment {
    url: String,
    title: String,
    text: String,
    error: Option<String>,
}

fn some(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_string())
}

impl Record {
    fn of(doc: &Document) -> Record {
        Record {
            id: doc.id.clone(),
            url: doc.url.clone(),
            aliases: doc.aliases.clone(),
            title: doc.title.clone(),
            body: doc.body.clone(),
            published: doc.published.clone(),
            publisher: some(&doc.publisher),
            column: some(&doc.column),
            breadcrumb: doc.breadcrumb.clone(),
            category_hint: some(&doc.category_hint),
            doc_number: some(&doc.doc_number),
            index_number: some(&doc.index_number),
            site_name: some(&doc.source),
            attachments: doc
                .attachments
                .iter()
                .map(|a| RecordAttachment {
                    url: a.url.clone(),
                    title: a.title.clone(),
                    text: a.text.clone(),
                    error: a.error.clone(),
                })
                .collect(),
            content_hash: doc.content_hash.clone(),
        }
    }

    /// The document; its source is the site's name, else the URL's host.
    fn into_document(self) -> Document {
        let source = self
            .site_name
            .or_else(|| {
                url::Url::parse(&self.url)
                    .ok()
                    .and_then(|u| u.host_str().map(str::to_string))
            })
            .unwrap_or_default();
        let attachments: Vec<AttachmentRef> = self
            .attachments
            .into_iter()
            .map(|a| AttachmentRef {
                url: a.url,
                title: a.title,
                text: a.text,
                error: a.error,
            })
            .collect();
        Document {
            id: self.id,
            url: self.url,
            aliases: self.aliases,
            title: self.title,
            body: self.body,
            published: self.published,
            publisher: self.publisher.unwrap_or_default(),
            column: self.column.unwrap_or_default(),
            breadcrumb: self.breadcrumb,
            category_hint: self.category_hint.unwrap_or_default(),
            doc_number: self.doc_number.unwrap_or_default(),
            index_number: self.index_number.unwrap_or_default(),
            source,
            attachment_text: crate::crawl::attachment_text(&attachments),
            attachments,
            content_hash: self.content_hash,
            ..Default::default()
        }
    }
}

/// Every document not yet gone, and whether one of its URLs answered (or
/// failed only for a passing reason) in run `?1`.
const GONE_SCAN: &str = "SELECT d.id, d.url,
    EXISTS (SELECT 1 FROM urls u WHERE u.doc_id = d.id AND u.run = ?1
            AND (u.outcome IN ('article', 'not-modified')
                 OR u.outcome LIKE 'failed:http-5%' OR u.outcome IN ('failed:network', 'failed:timeout', 'failed:http-429')))
 FROM documents d WHERE d.gone_run IS NULL";

const SCHEMA: &str = "
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    started INTEGER NOT NULL,
    finished INTEGER NOT NULL DEFAULT 0,
    seeds TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS urls (
    key TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    depth INTEGER NOT NULL,
    hops INTEGER NOT NULL DEFAULT 0,
    run INTEGER NOT NULL,
    state TEXT NOT NULL,            -- queued | done
    outcome TEXT,                   -- article | list | other | soft-404 | not-modified | redirect | robots | failed:<reason>
    http_status INTEGER,
    etag TEXT,
    last_modified TEXT,
    content_hash TEXT,
    doc_id TEXT,
    redirect_to TEXT,
    links TEXT,                     -- JSON [[url, pagination]] kept for 304 revisits
    fetches INTEGER NOT NULL DEFAULT 0,
    fetched_at INTEGER
);
CREATE INDEX IF NOT EXISTS urls_queue ON urls (run, state);
-- mark_gone asks, per document, for its URLs of this run: without this
-- index that is a scan of every URL per document (7 s at 2,000 documents).
CREATE INDEX IF NOT EXISTS urls_doc ON urls (doc_id, run);
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    json TEXT NOT NULL,
    updated_run INTEGER NOT NULL,
    gone_run INTEGER                -- set when a finished run no longer found it
);
CREATE TABLE IF NOT EXISTS aliases (
    url TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS url_links (   -- redirect sources and 繁體 mirrors, resolved to documents at the end of a run
    from_url TEXT PRIMARY KEY,
    to_key TEXT NOT NULL,
    why TEXT NOT NULL
);
";

/// Columns of `urls` the self-inspection reads, added to older states on open:
/// the last answer's time in milliseconds, a non-article page's kind
/// (list or other) and title, its list items (links beside a date) and
/// whether it says it has none ("暂无信息", "共0条").
const PAGE_FACT_COLUMNS: [&str; 5] = [
    "ms INTEGER",
    "kind TEXT",
    "title TEXT",
    "items INTEGER",
    "empty_note INTEGER",
];

/// One frontier entry, with what the last fetch left for revalidation.
#[derive(Debug, Clone)]
pub struct QueueItem {
    pub key: String,
    pub url: String,
    pub depth: u32,
    pub hops: u32,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub content_hash: Option<String>,
}

/// Validators kept from an earlier run: etag, last-modified, content hash.
pub type Revalidate = (Option<String>, Option<String>, Option<String>);

/// What became of a document write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocWrite {
    New,
    Changed,
    Unchanged,
    /// Same identity as a live document at another URL: recorded as alias.
    Alias,
}

/// The SQLite crawl state.
pub struct State {
    conn: Connection,
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

impl State {
    /// Opens (creating if needed) the state database.
    pub fn open(path: &Path) -> Result<Self, rusqlite::Error> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.execute_batch(SCHEMA)?;
        // State files from before `gone_run` existed.
        let _ = conn.execute("ALTER TABLE documents ADD COLUMN gone_run INTEGER", []);
        // State files from before the self-inspection's page facts
        // (`gongkai inspect`): added empty, filled by the next crawl.
        for column in PAGE_FACT_COLUMNS {
            let _ = conn.execute(&format!("ALTER TABLE urls ADD COLUMN {column}"), []);
        }
        Ok(State { conn })
    }

    /// The latest run: id and whether it finished.
    pub fn last_run(&self) -> Result<Option<(i64, bool)>, rusqlite::Error> {
        self.conn
            .query_row(
                "SELECT id, finished FROM runs ORDER BY id DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get::<_, i64>(1)? != 0)),
            )
            .optional()
    }

    pub fn start_run(&self, seeds: &[String]) -> Result<i64, rusqlite::Error> {
        self.conn.execute(
            "INSERT INTO runs (started, seeds) VALUES (?1, ?2)",
            params![now(), serde_json::to_string(seeds).unwrap_or_default()],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// The seeds a run started with (including origins seeds redirected to).
    pub fn run_seeds(&self, run: i64) -> Result<Vec<String>, rusqlite::Error> {
        let json: Option<String> = self
            .conn
            .query_row("SELECT seeds FROM runs WHERE id = ?1", [run], |r| r.get(0))
            .optional()?;
        Ok(json
            .and_then(|j| serde_json::from_str(&j).ok())
            .unwrap_or_default())
    }

    pub fn finish_run(&self, run: i64) -> Result<(), rusqlite::Error> {
        self.conn
            .execute("UPDATE runs SET finished = 1 WHERE id = ?1", [run])?;
        Ok(())
    }

    /// Every known URL key and the run it was last queued in.
    pub fn seen(&self) -> Result<HashMap<String, i64>, rusqlite::Error> {
        let mut stmt = self.conn.prepare("SELECT key, run FROM urls")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect()
    }

    /// Queued URLs of `run`, shallowest first.
    pub fn queue(&self, run: i64) -> Result<Vec<QueueItem>, rusqlite::Error> {
        let mut stmt = self.conn.prepare(
            "SELECT key, url, depth, hops, etag, last_modified, content_hash FROM urls
             WHERE run = ?1 AND state = 'queued' ORDER BY depth, rowid",
        )?;
        let rows = stmt.query_map([run], |r| {
            Ok(QueueItem {
                key: r.get(0)?,
                url: r.get(1)?,
                depth: r.get(2)?,
                hops: r.get(3)?,
                etag: r.get(4)?,
                last_modified: r.get(5)?,
                content_hash: r.get(6)?,
            })
        })?;
        rows.collect()
    }

    /// URLs done in `run` (key, url, outcome), for rebuilding per-pattern counters on resume.
    pub fn done_in_run(&self, run: i64) -> Result<Vec<(String, String)>, rusqlite::Error> {
        let mut stmt = self.conn.prepare(
            "SELECT url, COALESCE(outcome, '') FROM urls WHERE run = ?1 AND state = 'done'",
        )?;
        let rows = stmt.query_map([run], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect()
    }

    /// Starts a transaction for one page's results.
    pub fn tx(&mut self) -> Result<Tx<'_>, rusqlite::Error> {
        Ok(Tx {
            tx: self.conn.transaction()?,
        })
    }

    /// Every document with its aliases, as the index takes it (category
    /// not yet settled).
    pub fn documents(&self) -> Result<Vec<Document>, rusqlite::Error> {
        Ok(self
            .records()?
            .into_iter()
            .map(Record::into_document)
            .collect())
    }

    /// Writes every document with its aliases as JSON lines, in the record
    /// layout the state stores (what `gongkai crawl --export` writes).
    /// Returns how many.
    pub fn export(&self, out: &mut impl std::io::Write) -> Result<usize, crate::Error> {
        let records = self.records()?;
        for record in &records {
            serde_json::to_writer(&mut *out, record).map_err(std::io::Error::from)?;
            out.write_all(b"\n")?;
        }
        Ok(records.len())
    }

    /// Every live stored record, its URL and aliases filled in.
    fn records(&self) -> Result<Vec<Record>, rusqlite::Error> {
        let mut aliases: HashMap<String, Vec<String>> = HashMap::new();
        {
            let mut stmt = self
                .conn
                .prepare("SELECT url, doc_id FROM aliases ORDER BY url")?;
            let rows =
                stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
            for row in rows {
                let (url, id) = row?;
                aliases.entry(id).or_default().push(url);
            }
        }
        let mut stmt = self
            .conn
            .prepare("SELECT id, url, json FROM documents WHERE gone_run IS NULL ORDER BY id")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, url, json) = row?;
            let Ok(mut record) = serde_json::from_str::<Record>(&json) else {
                tracing::warn!(%id, "unreadable stored document skipped");
                continue;
            };
            record.url = url.clone();
            record.aliases = aliases
                .remove(&id)
                .unwrap_or_default()
                .into_iter()
                .filter(|a| *a != url)
                .collect();
            out.push(record);
        }
        Ok(out)
    }

    /// What the last run stored, as the self-inspection (`gongkai inspect`)
    /// reads it: every URL the run finished with its outcome, answer time,
    /// outlinks and page facts, the live documents, and the URLs that are
    /// redirects or 繁體 mirrors of another. `None` before any crawl.
    pub fn snapshot(&self) -> Result<Option<Snapshot>, rusqlite::Error> {
        let Some((run, finished, started)) = self
            .conn
            .query_row(
                "SELECT id, finished, started FROM runs ORDER BY id DESC LIMIT 1",
                [],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)? != 0, r.get(2)?)),
            )
            .optional()?
        else {
            return Ok(None);
        };
        let mut stmt = self.conn.prepare(
            "SELECT key, url, depth, COALESCE(outcome, ''), http_status, redirect_to, doc_id,
                    links, ms, title, items, empty_note, fetched_at, kind
             FROM urls WHERE run = ?1 AND state = 'done' ORDER BY rowid",
        )?;
        let rows = stmt.query_map([run], |r| {
            let links: Option<String> = r.get(7)?;
            let title: Option<String> = r.get(9)?;
            let items: Option<u32> = r.get(10)?;
            let empty: Option<bool> = r.get(11)?;
            let kind: Option<String> = r.get(13)?;
            Ok(UrlRow {
                key: r.get(0)?,
                url: r.get(1)?,
                depth: r.get(2)?,
                outcome: r.get(3)?,
                http_status: r.get(4)?,
                redirect_to: r.get(5)?,
                doc_id: r.get(6)?,
                links: links
                    .and_then(|l| serde_json::from_str(&l).ok())
                    .unwrap_or_default(),
                ms: r.get(8)?,
                facts: kind.map(|kind| PageFacts {
                    kind,
                    title: title.unwrap_or_default(),
                    items: items.unwrap_or(0),
                    empty_note: empty.unwrap_or(false),
                }),
                fetched_at: r.get(12)?,
            })
        })?;
        let urls = rows.collect::<Result<Vec<_>, _>>()?;
        let mut stmt = self.conn.prepare("SELECT from_url, why FROM url_links")?;
        let stand_ins = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<HashMap<String, String>, _>>()?;
        Ok(Some(Snapshot {
            run,
            finished,
            started,
            seeds: self.run_seeds(run)?,
            urls,
            documents: self.documents()?,
            stand_ins,
        }))
    }

    /// Outcome of a URL key: (state, outcome, fetches).
    pub fn url_status(
        &self,
        key: &str,
    ) -> Result<Option<(String, Option<String>, i64)>, rusqlite::Error> {
        self.conn
            .query_row(
                "SELECT state, outcome, fetches FROM urls WHERE key = ?1",
                [key],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
    }

    /// Count of URLs per outcome over all runs' latest state.
    pub fn outcome_counts(&self) -> Result<Vec<(String, i64)>, rusqlite::Error> {
        let mut stmt = self
            .conn
            .prepare("SELECT COALESCE(outcome, state), COUNT(*) FROM urls GROUP BY 1 ORDER BY 1")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect()
    }

    /// Total fetches recorded per URL, for checking that nothing was fetched twice.
    pub fn fetch_counts(&self) -> Result<Vec<(String, i64)>, rusqlite::Error> {
        let mut stmt = self.conn.prepare("SELECT url, fetches FROM urls")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect()
    }

    /// After a finished run: marks documents of the crawled hosts that the
    /// run no longer reached as gone, and returns their ids (for deletion
    /// from the index). A document whose page failed transiently (5xx,
    /// network, timeout) is kept. If more than half of a host's documents
    /// would go, nothing is marked: that is an outage or a block, not
    /// unpublishing.
    pub fn mark_gone(
        &mut self,
        run: i64,
        hosts: &[String],
    ) -> Result<Vec<String>, rusqlite::Error> {
        let tx = self.conn.transaction()?;
        let mut gone = Vec::new();
        let mut total = 0usize;
        {
            let mut stmt = tx.prepare(GONE_SCAN)?;
            let rows = stmt.query_map([run], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, bool>(2)?,
                ))
            })?;
            for row in rows {
                let (id, url, live) = row?;
                let on_hosts = url::Url::parse(&url)
                    .is_ok_and(|u| hosts.contains(&crate::url_norm::host_key(&u)));
                if on_hosts {
                    total += 1;
                    if !live {
                        gone.push(id);
                    }
                }
            }
        }
        if gone.len() * 2 > total {
            tracing::warn!(
                gone = gone.len(),
                total,
                "most documents not found this run: not marking them gone"
            );
            return Ok(Vec::new());
        }
        for id in &gone {
            tx.execute(
                "UPDATE documents SET gone_run = ?2 WHERE id = ?1",
                params![id, run],
            )?;
        }
        tx.commit()?;
        Ok(gone)
    }

    /// Documents marked gone by `run`.
    pub fn gone_in_run(&self, run: i64) -> Result<Vec<String>, rusqlite::Error> {
        let mut stmt = self
            .conn
            .prepare("SELECT id FROM documents WHERE gone_run = ?1 ORDER BY id")?;
        let rows = stmt.query_map([run], |r| r.get(0))?;
        rows.collect()
    }

    /// Turns redirect sources and mirrors into aliases of the documents
    /// their targets became (following redirect chains up to 5 hops).
    pub fn resolve_aliases(&mut self) -> Result<usize, rusqlite::Error> {
        let links: Vec<(String, String)> = {
            let mut stmt = self
                .conn
                .prepare("SELECT from_url, to_key FROM url_links")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<Result<_, _>>()?
        };
        let tx = self.conn.transaction()?;
        let mut added = 0;
        for (from, to) in links {
            let mut key = to;
            let mut doc = None;
            for _ in 0..6 {
                let row: Option<(Option<String>, Option<String>)> = tx
                    .query_row(
                        "SELECT doc_id, redirect_to FROM urls WHERE key = ?1",
                        [&key],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .optional()?;
                match row {
                    Some((Some(d), _)) => {
                        doc = Some(d);
                        break;
                    }
                    Some((None, Some(next))) => key = next,
                    _ => break,
                }
            }
            if let Some(d) = doc {
                added += tx.execute(
                    "INSERT OR REPLACE INTO aliases (url, doc_id) VALUES (?1, ?2)",
                    params![from, d],
                )?;
            }
        }
        tx.commit()?;
        Ok(added)
    }
}

/// The last run as the self-inspection reads it (see [`State::snapshot`]).
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub run: i64,
    pub finished: bool,
    /// Unix seconds.
    pub started: i64,
    /// The run's seeds (the home pages), with the origins they redirected to.
    pub seeds: Vec<String>,
    /// Every URL the run finished, in discovery order.
    pub urls: Vec<UrlRow>,
    /// Live documents, with their aliases.
    pub documents: Vec<Document>,
    /// URLs that stand for another page (`from_url` → `redirect`/`mirror`):
    /// aliases that are not a second publication.
    pub stand_ins: HashMap<String, String>,
}

/// One URL of a run, as stored.
#[derive(Debug, Clone, Default)]
pub struct UrlRow {
    pub key: String,
    pub url: String,
    pub depth: u32,
    /// article | list | other | soft-404 | not-modified | redirect | robots | failed:<reason>
    pub outcome: String,
    pub http_status: Option<u16>,
    /// The normalised key a redirect points to.
    pub redirect_to: Option<String>,
    pub doc_id: Option<String>,
    /// Outlinks as extracted: (absolute URL, is pagination).
    pub links: Vec<(String, bool)>,
    /// Answer time of the last fetch in milliseconds (crawls before
    /// `gongkai inspect` existed stored none).
    pub ms: Option<u32>,
    /// What a non-article page showed.
    pub facts: Option<PageFacts>,
    /// Unix seconds of the last fetch.
    pub fetched_at: Option<i64>,
}

/// One page's writes, committed together.
pub struct Tx<'a> {
    tx: Transaction<'a>,
}

/// The result of fetching one URL, as recorded.
#[derive(Debug, Default)]
pub struct UrlRecord<'a> {
    pub outcome: &'a str,
    pub http_status: Option<u16>,
    pub etag: Option<&'a str>,
    pub last_modified: Option<&'a str>,
    pub content_hash: Option<&'a str>,
    pub doc_id: Option<&'a str>,
    pub redirect_to: Option<&'a str>,
    /// `None` keeps the stored links (a 304 revisit).
    pub links: Option<String>,
    pub fetched: bool,
    /// Time of the answer in milliseconds (the last attempt, without the
    /// politeness wait); `None` when nothing answered.
    pub ms: Option<u32>,
    /// What a list (or other non-article) page shows, for the
    /// self-inspection; `None` keeps what is stored (a 304 revisit).
    pub facts: Option<PageFacts>,
}

/// What a non-article page shows, kept for the self-inspection.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageFacts {
    /// `list` or `other` (a 304 revisit keeps it while the outcome says
    /// `not-modified`).
    pub kind: String,
    /// Its title (at most 200 characters).
    pub title: String,
    /// Links beside a date: the items of a list.
    pub items: u32,
    /// The page says it has nothing ("暂无信息", "共0条").
    pub empty_note: bool,
}

impl Tx<'_> {
    /// Adds a URL to the frontier of `run` unless it is already there;
    /// a URL known from an earlier run is re-queued (keeping its validators).
    /// Returns the stored validators (etag, last-modified, content hash)
    /// when it was queued, `None` when it already was in this run.
    pub fn enqueue(
        &self,
        key: &str,
        url: &str,
        depth: u32,
        hops: u32,
        run: i64,
    ) -> Result<Option<Revalidate>, rusqlite::Error> {
        let n = self.tx.execute(
            "INSERT INTO urls (key, url, depth, hops, run, state) VALUES (?1, ?2, ?3, ?4, ?5, 'queued')
             ON CONFLICT(key) DO UPDATE SET run = excluded.run, state = 'queued', depth = excluded.depth,
                 hops = excluded.hops
             WHERE urls.run < excluded.run",
            params![key, url, depth, hops, run],
        )?;
        if n == 0 {
            return Ok(None);
        }
        self.tx
            .query_row(
                "SELECT etag, last_modified, content_hash FROM urls WHERE key = ?1",
                [key],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
    }

    /// Queues a URL again under the same key with another fetch URL (a
    /// redirect to a spelling that normalises to the same key).
    pub fn requeue_as(&self, key: &str, url: &str, hops: u32) -> Result<(), rusqlite::Error> {
        self.tx.execute(
            "UPDATE urls SET url = ?2, hops = ?3, state = 'queued' WHERE key = ?1",
            params![key, url, hops],
        )?;
        Ok(())
    }

    /// Records a URL that is known but will not be fetched (robots, filters).
    pub fn skip(
        &self,
        key: &str,
        url: &str,
        depth: u32,
        run: i64,
        outcome: &str,
    ) -> Result<(), rusqlite::Error> {
        self.tx.execute(
            "INSERT INTO urls (key, url, depth, run, state, outcome) VALUES (?1, ?2, ?3, ?4, 'done', ?5)
             ON CONFLICT(key) DO UPDATE SET run = excluded.run, state = 'done', outcome = excluded.outcome
             WHERE urls.run < excluded.run",
            params![key, url, depth, run, outcome],
        )?;
        Ok(())
    }

    /// Marks a URL done with what its fetch gave.
    pub fn done(&self, key: &str, rec: &UrlRecord<'_>) -> Result<(), rusqlite::Error> {
        self.tx.execute(
            "UPDATE urls SET state = 'done', outcome = ?2, http_status = COALESCE(?3, http_status),
                 etag = COALESCE(?4, etag), last_modified = COALESCE(?5, last_modified),
                 content_hash = COALESCE(?6, content_hash), doc_id = COALESCE(?7, doc_id),
                 redirect_to = ?8, links = COALESCE(?9, links),
                 fetches = fetches + ?10, fetched_at = ?11, ms = COALESCE(?12, ms),
                 kind = CASE WHEN ?13 THEN ?17 ELSE kind END,
                 title = CASE WHEN ?13 THEN ?14 ELSE title END,
                 items = CASE WHEN ?13 THEN ?15 ELSE items END,
                 empty_note = CASE WHEN ?13 THEN ?16 ELSE empty_note END
             WHERE key = ?1",
            params![
                key,
                rec.outcome,
                rec.http_status,
                rec.etag,
                rec.last_modified,
                rec.content_hash,
                rec.doc_id,
                rec.redirect_to,
                rec.links,
                rec.fetched as i64,
                now(),
                rec.ms,
                rec.facts.is_some(),
                rec.facts.as_ref().map(|f| f.title.as_str()),
                rec.facts.as_ref().map(|f| f.items),
                rec.facts.as_ref().map(|f| f.empty_note),
                rec.facts.as_ref().map(|f| f.kind.as_str()),
            ],
        )?;
        Ok(())
    }

    /// Stored outlinks and document id of a URL (for a 304 revisit).
    pub fn links_of(&self, key: &str) -> Result<(Option<String>, Option<String>), rusqlite::Error> {
        Ok(self
            .tx
            .query_row(
                "SELECT links, doc_id FROM urls WHERE key = ?1",
                [key],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?
            .unwrap_or((None, None)))
    }

    /// Remembers that `from_url` (a redirect or a mirror) stands for the page at `to_key`.
    pub fn link_alias(
        &self,
        from_url: &str,
        to_key: &str,
        why: &str,
    ) -> Result<(), rusqlite::Error> {
        self.tx.execute(
            "INSERT OR REPLACE INTO url_links (from_url, to_key, why) VALUES (?1, ?2, ?3)",
            params![from_url, to_key, why],
        )?;
        Ok(())
    }

    /// Writes a document found at `url` in `run`; `canonical_live` says
    /// whether a stored document's canonical URL was fetched in this run.
    pub fn put_document(&self, doc: &Document, run: i64) -> Result<DocWrite, rusqlite::Error> {
        let existing: Option<(String, String)> = self
            .tx
            .query_row(
                "SELECT url, content_hash FROM documents WHERE id = ?1",
                [&doc.id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let json = serde_json::to_string(&Record::of(doc)).unwrap_or_default();
        self.tx.execute(
            "UPDATE documents SET gone_run = NULL WHERE id = ?1 AND gone_run IS NOT NULL",
            [&doc.id],
        )?;
        let result = match existing {
            None => {
                self.tx.execute(
                    "INSERT INTO documents (id, url, content_hash, json, updated_run) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![doc.id, doc.url, doc.content_hash, json, run],
                )?;
                DocWrite::New
            }
            Some((url, hash)) if url == doc.url => {
                if hash == doc.content_hash {
                    DocWrite::Unchanged
                } else {
                    self.tx.execute(
                        "UPDATE documents SET content_hash = ?2, json = ?3, updated_run = ?4 WHERE id = ?1",
                        params![doc.id, doc.content_hash, json, run],
                    )?;
                    DocWrite::Changed
                }
            }
            Some((url, hash)) => {
                // Another URL already holds this identity. If that URL is
                // still live in this run, this page is a copy (mirror, print
                // view): an alias. Otherwise the document moved here.
                let live: bool = self
                    .tx
                    .query_row(
                        "SELECT run = ?2 AND outcome = 'article' FROM urls WHERE url = ?1 OR key = ?1 LIMIT 1",
                        params![url, run],
                        |r| r.get(0),
                    )
                    .optional()?
                    .unwrap_or(false);
                if live || hash == doc.content_hash {
                    self.tx.execute(
                        "INSERT OR REPLACE INTO aliases (url, doc_id) VALUES (?1, ?2)",
                        params![doc.url, doc.id],
                    )?;
                    if hash == doc.content_hash && !live {
                        DocWrite::Unchanged
                    } else {
                        DocWrite::Alias
                    }
                } else {
                    self.tx.execute(
                        "UPDATE documents SET url = ?2, content_hash = ?3, json = ?4, updated_run = ?5 WHERE id = ?1",
                        params![doc.id, doc.url, doc.content_hash, json, run],
                    )?;
                    self.tx.execute(
                        "INSERT OR REPLACE INTO aliases (url, doc_id) VALUES (?1, ?2)",
                        params![url, doc.id],
                    )?;
                    DocWrite::Changed
                }
            }
        };
        Ok(result)
    }

    pub fn commit(self) -> Result<(), rusqlite::Error> {
        self.tx.commit()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gone_scan_finds_a_documents_urls_by_index() {
        let dir = tempfile::tempdir().unwrap();
        let st = State::open(&dir.path().join("crawl.sqlite")).unwrap();
        let plan: Vec<String> = st
            .conn
            .prepare(&format!("EXPLAIN QUERY PLAN {GONE_SCAN}"))
            .unwrap()
            .query_map([1], |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(
            plan.iter().any(|step| step.contains("USING INDEX urls_doc")
                || step.contains("USING COVERING INDEX urls_doc")),
            "{plan:#?}"
        );
    }

    #[test]
    fn queue_done_and_documents() {
        let dir = tempfile::tempdir().unwrap();
        let mut st = State::open(&dir.path().join("crawl.sqlite")).unwrap();
        let run = st.start_run(&["http://h/".into()]).unwrap();
        let tx = st.tx().unwrap();
        assert!(
            tx.enqueue("http://h/", "http://h/", 0, 0, run)
                .unwrap()
                .is_some()
        );
        assert!(
            tx.enqueue("http://h/", "http://h/", 0, 0, run)
                .unwrap()
                .is_none()
        );
        tx.commit().unwrap();
        assert_eq!(st.queue(run).unwrap().len(), 1);
        let doc = Document {
            id: "idx:1".into(),
            url: "http://h/a".into(),
            title: "t".into(),
            content_hash: "c1".into(),
            ..Default::default()
        };
        let tx = st.tx().unwrap();
        assert_eq!(tx.put_document(&doc, run).unwrap(), DocWrite::New);
        assert_eq!(tx.put_document(&doc, run).unwrap(), DocWrite::Unchanged);
        tx.done(
            "http://h/",
            &UrlRecord {
                outcome: "article",
                fetched: true,
                doc_id: Some("idx:1"),
                ..Default::default()
            },
        )
        .unwrap();
        tx.commit().unwrap();
        assert!(st.queue(run).unwrap().is_empty());
        assert_eq!(st.documents().unwrap().len(), 1);
        // A new run re-queues known URLs.
        st.finish_run(run).unwrap();
        let run2 = st.start_run(&[]).unwrap();
        let tx = st.tx().unwrap();
        assert!(
            tx.enqueue("http://h/", "http://h/", 0, 0, run2)
                .unwrap()
                .is_some()
        );
        tx.commit().unwrap();
        assert_eq!(st.queue(run2).unwrap().len(), 1);
    }

    /// A state written before the self-inspection's page facts opens (the
    /// columns are added), reads with none, and keeps the facts a page gave
    /// through a 304 revisit that gives none.
    #[test]
    fn old_states_open_and_page_facts_survive_revisits() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("crawl.sqlite");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(SCHEMA).unwrap();
            conn.execute_batch(
                "INSERT INTO runs (id, started, finished, seeds) VALUES (1, 0, 1, '[\"http://h/\"]');
                 INSERT INTO urls (key, url, depth, run, state, outcome, http_status, links)
                 VALUES ('http://h/', 'http://h/', 0, 1, 'done', 'list', 200, '[[\"http://h/a\",false]]');",
            )
            .unwrap();
            let columns: Vec<String> = conn
                .prepare("SELECT name FROM pragma_table_info('urls')")
                .unwrap()
                .query_map([], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            assert!(!columns.iter().any(|c| c == "ms"), "the old layout");
        }
        let mut st = State::open(&path).unwrap();
        let snap = st.snapshot().unwrap().unwrap();
        assert_eq!((snap.run, snap.finished), (1, true));
        assert_eq!(snap.seeds, vec!["http://h/".to_string()]);
        assert_eq!(snap.urls.len(), 1);
        assert_eq!(snap.urls[0].links, vec![("http://h/a".to_string(), false)]);
        assert!(snap.urls[0].facts.is_none() && snap.urls[0].ms.is_none());
        let facts = PageFacts {
            kind: "list".into(),
            title: "工作动态".into(),
            items: 15,
            empty_note: false,
        };
        let tx = st.tx().unwrap();
        tx.done(
            "http://h/",
            &UrlRecord {
                outcome: "list",
                fetched: true,
                ms: Some(42),
                facts: Some(facts.clone()),
                ..Default::default()
            },
        )
        .unwrap();
        tx.commit().unwrap();
        let tx = st.tx().unwrap();
        tx.done(
            "http://h/",
            &UrlRecord {
                outcome: "not-modified",
                fetched: true,
                ms: Some(7),
                ..Default::default()
            },
        )
        .unwrap();
        tx.commit().unwrap();
        drop(st);
        let st = State::open(&path).unwrap();
        let row = &st.snapshot().unwrap().unwrap().urls[0];
        assert_eq!(row.outcome, "not-modified");
        assert_eq!(row.ms, Some(7));
        assert_eq!(row.facts.as_ref(), Some(&facts));
    }

    /// A record written by every gongkai so far reads into a document with
    /// what the index needs, and is written back field for field.
    #[test]
    fn records_keep_their_layout() {
        let old = r#"{"id":"wh:国发〔2016〕55号","url":"http://h/a.htm","aliases":[],"title":"标题","body":"正文","published":"2016-05-17","publisher":"国务院","column":null,"breadcrumb":["首页","政府文件"],"category_hint":"政府文件","doc_number":"国发〔2016〕55号","index_number":null,"site_name":null,"attachments":[{"url":"http://h/a.pdf","title":"附件","text":"附件正文","error":null},{"url":"http://h/b.doc","title":"","text":"","error":"HTTP 404"}],"content_hash":"c1"}"#;
        let record: Record = serde_json::from_str(old).unwrap();
        let doc = record.into_document();
        assert_eq!(doc.source, "h", "no site name: the host");
        assert_eq!(doc.attachment_text, "附件正文");
        assert_eq!(doc.category_hint, "政府文件");
        assert_eq!(doc.attachments[1].error.as_deref(), Some("HTTP 404"));
        // What the crawler stores (its source is the site's name, here none)
        // is written back field for field, and exported the same way.
        let mut doc = doc;
        doc.source.clear();
        assert_eq!(serde_json::to_string(&Record::of(&doc)).unwrap(), old);
        let dir = tempfile::tempdir().unwrap();
        let mut st = State::open(&dir.path().join("crawl.sqlite")).unwrap();
        let run = st.start_run(&["http://h/".into()]).unwrap();
        let tx = st.tx().unwrap();
        assert_eq!(tx.put_document(&doc, run).unwrap(), DocWrite::New);
        tx.commit().unwrap();
        let mut out = Vec::new();
        assert_eq!(st.export(&mut out).unwrap(), 1);
        assert_eq!(String::from_utf8(out).unwrap(), format!("{old}\n"));
    }
}
