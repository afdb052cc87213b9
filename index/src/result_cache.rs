//! A small cache of whole search answers, keyed by the request and the
//! documents the reader sees.
//!
//! Portal traffic repeats itself: the same few hundred queries (a typhoon,
//! the mayor's name, this year's budget) make up much of it. An answer is
//! kept under the exact request (query text, filters, sort, page, snippets)
//! *and* the reader's fingerprint of its segments and deletions, so a
//! commit or merge that changes what the index holds makes every older entry
//! unreachable at once; a new generation gets a new searcher and a new,
//! empty cache. Entries are weighed by their approximate size and the least
//! recently used go first, so the cache never holds more than its budget.
//!
//! It owns nothing but answers already computed; it never decides what
//! matches. A cancelled or failed search is never stored.

use std::hash::{Hash, Hasher};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use lru::LruCache;

use crate::search::{SearchRequest, SearchResponse, Sort};

/// What an answer depends on besides the index.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    version: u64,
    query: String,
    categories: Vec<String>,
    from: Option<time::Date>,
    to: Option<time::Date>,
    publisher: Option<String>,
    sort: Sort,
    limit: usize,
    offset: usize,
    snippets: bool,
    without_facets: bool,
}

impl Key {
    fn new(version: u64, request: &SearchRequest) -> Self {
        Key {
            version,
            query: request.query.trim().to_string(),
            categories: request.categories.clone(),
            from: request.from,
            to: request.to,
            publisher: request.publisher.clone(),
            sort: request.sort,
            limit: request.limit,
            offset: request.offset,
            snippets: request.snippets,
            without_facets: request.without_facets,
        }
    }
}

struct Entry {
    response: SearchResponse,
    bytes: usize,
}

struct Inner {
    map: LruCache<Key, Entry>,
    bytes: usize,
}

/// Hit and miss counts since the cache was made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Answers served from the cache.
    pub hits: u64,
    /// Answers that had to be searched.
    pub misses: u64,
}

/// A byte-bounded LRU cache of search answers (see the module docs).
pub struct ResultCache {
    inner: Mutex<Inner>,
    budget: usize,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl std::fmt::Debug for ResultCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResultCache")
            .field("budget", &self.budget)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl ResultCache {
    /// A cache holding at most about `budget` bytes of answers.
    pub fn new(budget: usize) -> Self {
        ResultCache {
            inner: Mutex::new(Inner {
                map: LruCache::unbounded(),
                bytes: 0,
            }),
            budget,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// The answer kept for `request` on the index as seen at `version`.
    pub(crate) fn get(&self, version: u64, request: &SearchRequest) -> Option<SearchResponse> {
        let key = Key::new(version, request);
        let found = self
            .inner
            .lock()
            .ok()
            .and_then(|mut inner| inner.map.get(&key).map(|e| e.response.clone()));
        let counter = if found.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// Keeps `response` as the answer to `request` at `version`, dropping
    /// the least recently used answers to stay within the budget. An answer
    /// larger than a quarter of the budget is not kept.
    pub(crate) fn put(&self, version: u64, request: &SearchRequest, response: &SearchResponse) {
        let bytes = approximate_bytes(response);
        if bytes > self.budget / 4 {
            return;
        }
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        let entry = Entry {
            response: response.clone(),
            bytes,
        };
        if let Some((_, old)) = inner.map.push(Key::new(version, request), entry) {
            inner.bytes -= old.bytes;
        }
        inner.bytes += bytes;
        while inner.bytes > self.budget {
            match inner.map.pop_lru() {
                Some((_, old)) => inner.bytes -= old.bytes,
                None => break,
            }
        }
    }

    /// Hits and misses so far.
    pub fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
        }
    }

    /// Entries and their approximate bytes.
    pub fn usage(&self) -> (usize, usize) {
        self.inner
            .lock()
            .map(|inner| (inner.map.len(), inner.bytes))
            .unwrap_or_default()
    }
}

/// Bytes an answer holds, roughly: its strings and a fixed cost per value.
fn approximate_bytes(response: &SearchResponse) -> usize {
    const PER_VALUE: usize = 48;
    let counts = |c: &crate::search::Counts| {
        c.0.iter()
            .map(|(name, _)| name.len() + PER_VALUE)
            .sum::<usize>()
    };
    let facets = counts(&response.facets.category)
        + counts(&response.facets.year)
        + counts(&response.facets.publisher);
    let hits: usize = response
        .hits
        .iter()
        .map(|hit| {
            let d = &hit.document;
            let attachments: usize = d
                .attachments
                .iter()
                .map(|a| a.url.len() + a.title.len() + a.text.len() + 4 * PER_VALUE)
                .sum();
            16 * PER_VALUE
                + d.id.len()
                + d.url.len()
                + d.title.len()
                + d.publisher.len()
                + d.aliases.iter().map(|a| a.len() + PER_VALUE).sum::<usize>()
                + attachments
                + hit.title.text.len()
                + hit.snippet.text.len()
                + 16 * (hit.title.highlights.len() + hit.snippet.highlights.len())
        })
        .sum();
    256 + facets + hits
}

/// A fingerprint of what a tantivy searcher sees: its segments and their
/// deletions, in a stable order.
pub(crate) fn fingerprint(searcher: &tantivy::Searcher) -> u64 {
    let mut segments: Vec<(tantivy::index::SegmentId, u32)> = searcher
        .segment_readers()
        .iter()
        .map(|r| (r.segment_id(), r.num_deleted_docs()))
        .collect();
    segments.sort_unstable();
    let mut h = std::collections::hash_map::DefaultHasher::new();
    segments.hash(&mut h);
    h.finish()
}

/// A default budget: 32 MB holds a few thousand pages of ten hits.
pub const DEFAULT_BUDGET: usize = 32 << 20;
