//! Searching: filters, one-pass collection of hits and facets, snippets.
//! Answers are structure: a [`Hit`] is the stored document with its score
//! and [`Snippet`]s (text and highlight ranges); rendering them (HTML,
//! terminal, files) is the front ends' job, never this module's.
//!
//! [`SearchCollector`] is the extension point (as tantivy intends): in one
//! pass over the matching documents it counts the category facet for the
//! query *before* the category filter (so a citizen sees where else results
//! are), applies the category filter, counts the year and publisher facets
//! of what remains, and keeps the top `offset + limit` by score or date.

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashMap};
use std::ops::Bound;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::query::{BooleanQuery, Occur, Query, RangeQuery, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{
    DateTime, DocAddress, DocId, IndexReader, Score, SegmentOrdinal, SegmentReader,
    TantivyDocument, Term,
};
use time::Date;

use crate::Error;
use crate::category::{CATEGORIES, KIND_NEWS};
use crate::document::Document;
use crate::query::{ParsedQuery, Piece, QueryBuilder, covering_runs, parse};
use crate::result_cache::{ResultCache, fingerprint};
use crate::snippet::{Highlighter, Snippet};
use crate::store::IndexHandle;

/// Most results one request may page through (offset + limit).
pub const MAX_DEPTH: usize = 10_000;
/// Most hits on one page.
pub const MAX_LIMIT: usize = 1_000;
/// Publishers listed in the facet.
const PUBLISHER_FACET_SIZE: usize = 30;
/// Snippet length in characters.
pub const SNIPPET_CHARS: usize = 120;

/// Result order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sort {
    /// Best match first.
    #[default]
    Relevance,
    /// Newest first.
    Date,
}

impl std::str::FromStr for Sort {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "relevance" | "" => Ok(Sort::Relevance),
            "date" => Ok(Sort::Date),
            other => Err(Error::InvalidQuery(format!(
                "unknown sort {other:?} (relevance or date)"
            ))),
        }
    }
}

/// What to search for.
#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    /// Query text in the portal's query language.
    pub query: String,
    /// Only these categories (any of them); `新闻` selects news.
    pub categories: Vec<String>,
    /// Published on or after.
    pub from: Option<Date>,
    /// Published on or before.
    pub to: Option<Date>,
    /// Only this 发布机构.
    pub publisher: Option<String>,
    /// Order.
    pub sort: Sort,
    /// Page size.
    pub limit: usize,
    /// Hits to skip.
    pub offset: usize,
    /// Whether to make snippets (costs a little per hit).
    pub snippets: bool,
    /// Skip counting facets (a batch run shows none; they cost a fast-field
    /// read per matching document). The response's facets are then empty.
    pub without_facets: bool,
    /// Set by the caller when nobody waits for the answer any more (the
    /// HTTP client left): the search stops at the next segment, before the
    /// relaxed pass and before snippets, with [`Error::Cancelled`].
    pub cancel: Option<Arc<AtomicBool>>,
}

/// One hit: the stored document, its score, and the title and an extract
/// with the query's matches marked. Text, not markup: each front end
/// renders the [`Snippet`]s its own way.
#[derive(Debug, Clone)]
pub struct Hit {
    /// The document as stored, without `body` and `attachment_text` (the
    /// snippet is cut from them; `/api/doc` and `export` give them whole).
    pub document: Document,
    /// Relevance score.
    pub score: f32,
    /// The whole title, matches marked.
    pub title: Snippet,
    /// An extract of the body, matches marked; from the text of an
    /// attachment when only that matched (see `snippet_source`).
    pub snippet: Snippet,
    /// Where the snippet comes from.
    pub snippet_source: SnippetSource,
}

/// The text a hit's snippet was cut from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SnippetSource {
    /// The document's own text.
    #[default]
    Body,
    /// The text of an attached file (PDF, DOC…): the query matched there and
    /// not in the body, as for a project code found only in a budget table.
    Attachment,
}

/// Facet counts, in display order (serialised as a JSON object).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counts(pub Vec<(String, u64)>);

impl Serialize for Counts {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Counts {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = serde_json::Map::<String, serde_json::Value>::deserialize(deserializer)?;
        Ok(Counts(
            map.into_iter()
                .map(|(k, v)| (k, v.as_u64().unwrap_or(0)))
                .collect(),
        ))
    }
}

impl Counts {
    /// Count of one value (0 when absent).
    pub fn get(&self, key: &str) -> u64 {
        self.0.iter().find(|(k, _)| k == key).map_or(0, |(_, v)| *v)
    }
}

/// Facets of a result set.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Facets {
    /// All 20 categories and 新闻, for the query before the category filter.
    pub category: Counts,
    /// Every document the query matched before the category filter,
    /// categorised or not (the facet's 全部).
    #[serde(default)]
    pub category_total: u64,
    /// Years, newest first.
    pub year: Counts,
    /// Most frequent publishers.
    pub publisher: Counts,
}

/// The answer to a [`SearchRequest`].
#[derive(Debug, Clone)]
pub struct SearchResponse {
    /// Matching documents (after all filters).
    pub total: u64,
    /// Time taken inside the searcher, in milliseconds.
    pub took_ms: f64,
    /// Whether no document matched every word, so any word was accepted.
    pub relaxed: bool,
    /// When `relaxed` came from a fragment (a run of characters) with no
    /// exact match: its parts no shown document matched, in order (the
    /// stray `获` of `南市工务局获`). Empty otherwise.
    pub unmatched: Vec<String>,
    /// The page of hits.
    pub hits: Vec<Hit>,
    /// Facet counts.
    pub facets: Facets,
}

/// Searches one index generation. Cheap to clone; share it between threads.
#[derive(Clone)]
pub struct Searcher {
    handle: IndexHandle,
    reader: IndexReader,
    /// Answers kept for repeated requests (the server's), if any.
    cache: Option<Arc<ResultCache>>,
}

impl Searcher {
    /// A searcher whose reader reloads shortly after every commit.
    pub fn new(handle: IndexHandle) -> Result<Self, Error> {
        let reader = handle
            .index
            .reader_builder()
            .reload_policy(tantivy::ReloadPolicy::OnCommitWithDelay)
            .try_into()?;
        Ok(Searcher {
            handle,
            reader,
            cache: None,
        })
    }

    /// This searcher, keeping answers in a cache of about `budget` bytes
    /// (see [`crate::result_cache`]); 0 keeps none. Worth it where requests
    /// repeat (a portal's search page), not for a batch of distinct queries.
    pub fn with_result_cache(mut self, budget: usize) -> Self {
        self.cache = (budget > 0).then(|| Arc::new(ResultCache::new(budget)));
        self
    }

    /// The answer cache, if this searcher keeps one.
    pub fn result_cache(&self) -> Option<&ResultCache> {
        self.cache.as_deref()
    }

    /// The index this searcher reads.
    pub fn handle(&self) -> &IndexHandle {
        &self.handle
    }

    /// The reader of the index's segments.
    pub(crate) fn reader(&self) -> &IndexReader {
        &self.reader
    }

    /// Documents in the index.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Changes when the documents the reader sees change (a commit or a
    /// merge in this generation became visible): the key for what is
    /// counted over all the documents and kept (the server's `/stats`).
    /// A fingerprint of the segments and their deletions, not the reader's
    /// reload count: tantivy's meta.json watcher reloads once at start
    /// with nothing changed.
    pub fn reader_version(&self) -> u64 {
        fingerprint(&self.reader.searcher())
    }

    /// Reloads the reader now (after a commit in this process).
    pub fn reload(&self) -> Result<(), Error> {
        Ok(self.reader.reload()?)
    }

    /// Runs a request. A read that fails on a damaged file comes back as
    /// [`Error::Damaged`] naming the file, not as tantivy's bare message.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResponse, Error> {
        let started = Instant::now();
        // One view of the segments for the whole request: the answer and
        // the cache key describe the same documents.
        let searcher = self.reader.searcher();
        let Some(cache) = &self.cache else {
            return self
                .search_unchecked(request, &searcher, started)
                .map_err(|e| self.name_damage(e));
        };
        let version = fingerprint(&searcher);
        if let Some(mut kept) = cache.get(version, request) {
            kept.took_ms = started.elapsed().as_secs_f64() * 1000.0;
            return Ok(kept);
        }
        let response = self
            .search_unchecked(request, &searcher, started)
            .map_err(|e| self.name_damage(e))?;
        cache.put(version, request, &response);
        Ok(response)
    }

    /// Turns a read error into [`Error::Damaged`] when the generation's
    /// files fail their checksums, so the message says which file and what
    /// to do. Checking reads every file, but only after a read has already
    /// failed; other errors pass unchanged.
    pub(crate) fn name_damage(&self, error: Error) -> Error {
        if !matches!(error, Error::Tantivy(_) | Error::InvalidDocument(_)) {
            return error;
        }
        match self.handle.index.validate_checksum() {
            Ok(damaged) if !damaged.is_empty() => {
                let mut files: Vec<_> = damaged.into_iter().collect();
                files.sort();
                Error::Damaged {
                    generation: self.handle.generation,
                    detail: format!(
                        "{} ({error})",
                        crate::generation::Health::Damaged { files }.describe()
                    ),
                }
            }
            _ => error,
        }
    }

    fn search_unchecked(
        &self,
        request: &SearchRequest,
        searcher: &tantivy::Searcher,
        started: Instant,
    ) -> Result<SearchResponse, Error> {
        let limit = request.limit.min(MAX_LIMIT);
        if request.offset.saturating_add(limit) > MAX_DEPTH {
            return Err(Error::InvalidQuery(format!(
                "offset + limit may not exceed {MAX_DEPTH}; narrow the search instead"
            )));
        }
        if let (Some(from), Some(to)) = (request.from, request.to)
            && from > to
        {
            return Err(Error::InvalidQuery(format!(
                "from ({from}) is after to ({to})"
            )));
        }
        let parsed = parse(&request.query)?;
        let builder = QueryBuilder::new(&self.handle.fields, &self.handle.analyzer);
        let collector = SearchCollector {
            sort: request.sort,
            keep: request.offset + limit,
            categories: request.categories.clone(),
            facets: !request.without_facets,
            cancel: request.cancel.clone(),
        };
        let cancelled = || {
            request
                .cancel
                .as_ref()
                .is_some_and(|c| c.load(AtomicOrdering::Acquire))
        };
        // A collector that refuses the next segment ends tantivy's search
        // with an error: a cancellation, not a fault.
        let run = |query: Box<dyn Query>| match searcher.search(&query, &collector) {
            Err(_) if cancelled() => Err(Error::Cancelled),
            other => Ok(other?),
        };
        let mut relaxed = false;
        let mut unmatched = Vec::new();
        let mut parsed = parsed;
        let mut fruit = run(self.filtered(builder.build(&parsed, false), request))?;
        if fruit.total == 0 && parsed.can_relax() {
            if cancelled() {
                return Err(Error::Cancelled);
            }
            if let Some(piece) = parsed.single_run().cloned() {
                // A fragment: the longest parts of it that match, counted
                // first (no scoring, no facets), then searched together.
                let count = |query: &ParsedQuery| -> Result<u64, Error> {
                    let counter = SearchCollector {
                        sort: Sort::Date,
                        keep: 0,
                        facets: false,
                        ..collector.clone()
                    };
                    let query = self.filtered(builder.build(query, false), request);
                    match searcher.search(&query, &counter) {
                        Err(_) if cancelled() => Err(Error::Cancelled),
                        other => Ok(other?.total),
                    }
                };
                let chars: Vec<char> = piece.text.chars().collect();
                for level in covering_runs(&piece.text) {
                    let mut found = Vec::new();
                    for range in level {
                        let part = ParsedQuery {
                            must: vec![vec![Piece {
                                text: chars[range.clone()].iter().collect(),
                                title_only: piece.title_only,
                                quoted: false,
                            }]],
                            ..parsed.clone()
                        };
                        if count(&part)? > 0 {
                            found.push((range, part.must.concat()));
                        }
                    }
                    if found.is_empty() {
                        continue;
                    }
                    let mut covered = vec![false; chars.len()];
                    for (range, _) in &found {
                        covered[range.clone()].iter_mut().for_each(|c| *c = true);
                    }
                    unmatched = uncovered_runs(&chars, &covered);
                    let parts = ParsedQuery {
                        must: vec![found.into_iter().flat_map(|(_, p)| p).collect()],
                        ..parsed.clone()
                    };
                    fruit = run(self.filtered(builder.build(&parts, false), request))?;
                    parsed = parts;
                    relaxed = true;
                    break;
                }
            } else {
                let relaxed_fruit = run(self.filtered(builder.build(&parsed, true), request))?;
                if relaxed_fruit.total > 0 {
                    fruit = relaxed_fruit;
                    relaxed = true;
                }
            }
        }
        if cancelled() {
            return Err(Error::Cancelled);
        }
        let highlighter = Highlighter::new(&self.handle.analyzer, &parsed.positive_texts());
        let mut hits = Vec::with_capacity(limit);
        for &(score, address) in fruit.top.iter().skip(request.offset).take(limit) {
            let stored: TantivyDocument = searcher.doc(address)?;
            let doc = self.stored_document(&stored)?;
            hits.push(make_hit(
                doc,
                score,
                &highlighter,
                request.snippets && !parsed.is_match_all(),
            ));
        }
        Ok(SearchResponse {
            total: fruit.total,
            took_ms: started.elapsed().as_secs_f64() * 1000.0,
            relaxed,
            unmatched,
            hits,
            facets: fruit.facets,
        })
    }

    /// The text query with every filter but the category (the collector applies that).
    fn filtered(&self, text: Box<dyn Query>, request: &SearchRequest) -> Box<dyn Query> {
        let fields = &self.handle.fields;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, text)];
        if request.from.is_some() || request.to.is_some() {
            // Dates are indexed at midnight UTC, so both ends include their day.
            let bound = |d: Option<Date>| match d {
                None => Bound::Unbounded,
                Some(d) => Bound::Included(Term::from_field_date(
                    fields.published,
                    DateTime::from_utc(d.midnight().assume_utc()),
                )),
            };
            clauses.push((
                Occur::Must,
                Box::new(RangeQuery::new(bound(request.from), bound(request.to))),
            ));
        }
        if let Some(publisher) = request
            .publisher
            .as_deref()
            .filter(|p| !p.trim().is_empty())
        {
            clauses.push((
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_text(fields.publisher, publisher.trim()),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        Box::new(BooleanQuery::new(clauses))
    }

    /// The stored document of a tantivy document.
    fn stored_document(&self, stored: &TantivyDocument) -> Result<Document, Error> {
        let json = stored
            .get_first(self.handle.fields.stored)
            .and_then(|v| v.as_str())
            .ok_or_else(|| Error::InvalidDocument("stored document missing".into()))?;
        serde_json::from_str(json)
            .map_err(|e| Error::InvalidDocument(format!("stored document unreadable: {e}")))
    }

    /// A document by id.
    pub fn get(&self, id: &str) -> Result<Option<Document>, Error> {
        self.first_by_term(Term::from_field_text(self.handle.fields.id, id))
    }

    /// A document by its URL or any of its aliases.
    pub fn get_by_url(&self, url: &str) -> Result<Option<Document>, Error> {
        self.first_by_term(Term::from_field_text(self.handle.fields.url, url))
    }

    fn first_by_term(&self, term: Term) -> Result<Option<Document>, Error> {
        self.first_by_term_unchecked(term)
            .map_err(|e| self.name_damage(e))
    }

    fn first_by_term_unchecked(&self, term: Term) -> Result<Option<Document>, Error> {
        let searcher = self.reader.searcher();
        let query = TermQuery::new(term, IndexRecordOption::Basic);
        let top = searcher.search(
            &query,
            &tantivy::collector::TopDocs::with_limit(1).order_by_score(),
        )?;
        match top.first() {
            Some((_, address)) => {
                let stored: TantivyDocument = searcher.doc(*address)?;
                Ok(Some(self.stored_document(&stored)?))
            }
            None => Ok(None),
        }
    }

    /// Every document, in index order (for export and rebuilds).
    pub fn for_each_document(
        &self,
        f: impl FnMut(Document) -> Result<(), Error>,
    ) -> Result<u64, Error> {
        let mut first = None;
        let count = self.for_each_readable_document(f, |e| {
            first.get_or_insert(e);
        })?;
        match first {
            Some(e) => Err(e),
            None => Ok(count),
        }
    }

    /// [`Searcher::for_each_document`] that goes on past a document whose
    /// stored fields cannot be read (a damaged file), handing each such
    /// error to `unreadable`. Returns the count of documents read.
    pub fn for_each_readable_document(
        &self,
        mut f: impl FnMut(Document) -> Result<(), Error>,
        mut unreadable: impl FnMut(Error),
    ) -> Result<u64, Error> {
        let searcher = self.reader.searcher();
        let mut count = 0;
        for (ord, segment) in searcher.segment_readers().iter().enumerate() {
            let alive = segment.alive_bitset();
            for doc in 0..segment.max_doc() {
                if alive.is_some_and(|bits| !bits.is_alive(doc)) {
                    continue;
                }
                let read = searcher
                    .doc::<TantivyDocument>(DocAddress::new(ord as u32, doc))
                    .map_err(Error::from)
                    .and_then(|stored| self.stored_document(&stored));
                match read {
                    Ok(document) => {
                        f(document)?;
                        count += 1;
                    }
                    Err(e) => unreadable(e),
                }
            }
        }
        Ok(count)
    }
}

/// The runs of `chars` not `covered`, in order.
fn uncovered_runs(chars: &[char], covered: &[bool]) -> Vec<String> {
    let mut runs = Vec::new();
    let mut current = String::new();
    for (&c, &covered) in chars.iter().zip(covered) {
        if covered {
            if !current.is_empty() {
                runs.push(std::mem::take(&mut current));
            }
        } else {
            current.push(c);
        }
    }
    if !current.is_empty() {
        runs.push(current);
    }
    runs
}

/// Bytes of an attachment's text searched for a snippet.
const MAX_ATTACHMENT_SCAN: usize = 256 * 1024;

fn make_hit(mut doc: Document, score: f32, highlighter: &Highlighter, snippets: bool) -> Hit {
    let (snippet, snippet_source) = if !snippets {
        let first: String = doc.body.trim().chars().take(SNIPPET_CHARS).collect();
        (Snippet::plain(first), SnippetSource::Body)
    } else if let Some(body) = highlighter.snippet_if_found(&doc.body, SNIPPET_CHARS) {
        (body, SnippetSource::Body)
    } else if let Some(attached) = highlighter.snippet_if_found(
        // Attachments run to a million characters; a hit matched in the
        // title must not cost a scan of all of them.
        crate::document::prefix_at_char(&doc.attachment_text, MAX_ATTACHMENT_SCAN),
        SNIPPET_CHARS,
    ) {
        (attached, SnippetSource::Attachment)
    } else {
        // Nothing the highlighter marks in the body (a title match, say).
        (
            crate::snippet::lead(&doc.body, SNIPPET_CHARS),
            SnippetSource::Body,
        )
    };
    // A page of hits need not hold every body (up to 4 MB each).
    doc.body = String::new();
    doc.attachment_text = String::new();
    Hit {
        title: highlighter.highlight(&doc.title),
        document: doc,
        score,
        snippet,
        snippet_source,
    }
}

/// Sort key: bigger is better; ties go to the earlier document.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Key {
    primary: f64,
    score: f32,
    address: DocAddress,
}

impl Eq for Key {}
impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Key {
    fn cmp(&self, other: &Self) -> Ordering {
        self.primary
            .total_cmp(&other.primary)
            .then(self.score.total_cmp(&other.score))
            .then(other.address.cmp(&self.address))
    }
}

/// What a [`SearchCollector`] gathers.
pub struct CollectedResults {
    /// Matches after the category filter.
    pub total: u64,
    /// The best `keep`, best first.
    pub top: Vec<(f32, DocAddress)>,
    /// Facet counts.
    pub facets: Facets,
}

/// Top documents and facets in one pass (see the module docs).
#[derive(Clone)]
pub struct SearchCollector {
    sort: Sort,
    keep: usize,
    categories: Vec<String>,
    facets: bool,
    cancel: Option<Arc<AtomicBool>>,
}

/// Per-segment state of [`SearchCollector`].
pub struct SegmentResults {
    segment: SegmentOrdinal,
    sort: Sort,
    keep: usize,
    category: Option<StrColumn>,
    /// Per category ordinal: allowed by the filter (empty = no filter).
    allowed: Vec<bool>,
    filtering: bool,
    /// Whether to count facets.
    facets: bool,
    publisher: Option<StrColumn>,
    year: Option<Column<u64>>,
    published: Option<Column<DateTime>>,
    category_counts: Vec<u64>,
    /// Matches before the category filter.
    unfiltered: u64,
    publisher_counts: Vec<u64>,
    year_counts: HashMap<u64, u64>,
    total: u64,
    heap: BinaryHeap<Reverse<Key>>,
}

/// Fruit of one segment: counts already resolved to strings.
pub struct SegmentFruit {
    total: u64,
    unfiltered: u64,
    top: Vec<Key>,
    category: HashMap<String, u64>,
    publisher: HashMap<String, u64>,
    year: HashMap<u64, u64>,
}

impl Collector for SearchCollector {
    type Fruit = CollectedResults;
    type Child = SegmentResults;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentResults> {
        if self
            .cancel
            .as_ref()
            .is_some_and(|c| c.load(AtomicOrdering::Acquire))
        {
            return Err(tantivy::TantivyError::InternalError(
                "search cancelled".into(),
            ));
        }
        let fast = reader.fast_fields();
        let category = fast.str("category")?;
        let publisher = fast.str("publisher")?;
        let dict_len = |c: &Option<StrColumn>| c.as_ref().map_or(0, |c| c.num_terms());
        let mut allowed = vec![false; dict_len(&category)];
        if let Some(column) = &category {
            for name in &self.categories {
                if let Ok(Some(ord)) = column.dictionary().term_ord(name.as_bytes())
                    && let Some(slot) = allowed.get_mut(ord as usize)
                {
                    *slot = true;
                }
            }
        }
        Ok(SegmentResults {
            segment,
            sort: self.sort,
            keep: self.keep,
            category_counts: vec![0; dict_len(&category)],
            unfiltered: 0,
            publisher_counts: vec![0; dict_len(&publisher)],
            category,
            allowed,
            filtering: !self.categories.is_empty(),
            facets: self.facets,
            publisher,
            year: fast.column_opt::<u64>("year")?,
            published: fast.column_opt::<DateTime>("published")?,
            year_counts: HashMap::new(),
            total: 0,
            heap: BinaryHeap::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        self.sort == Sort::Relevance
    }

    fn merge_fruits(&self, fruits: Vec<SegmentFruit>) -> tantivy::Result<CollectedResults> {
        let mut total = 0;
        let mut unfiltered = 0;
        let mut top = Vec::new();
        let mut category: HashMap<String, u64> = HashMap::new();
        let mut publisher: HashMap<String, u64> = HashMap::new();
        let mut year: HashMap<u64, u64> = HashMap::new();
        for fruit in fruits {
            total += fruit.total;
            unfiltered += fruit.unfiltered;
            top.extend(fruit.top);
            for (k, v) in fruit.category {
                *category.entry(k).or_default() += v;
            }
            for (k, v) in fruit.publisher {
                *publisher.entry(k).or_default() += v;
            }
            for (k, v) in fruit.year {
                *year.entry(k).or_default() += v;
            }
        }
        top.sort_unstable_by(|a, b| b.cmp(a));
        top.truncate(self.keep);
        let mut category_counts: Vec<(String, u64)> = CATEGORIES
            .iter()
            .chain(std::iter::once(&KIND_NEWS))
            .map(|c| (c.to_string(), category.remove(*c).unwrap_or(0)))
            .collect();
        let mut others: Vec<(String, u64)> = category
            .into_iter()
            .filter(|(k, _)| !k.is_empty())
            .collect();
        others.sort();
        category_counts.extend(others);
        let mut publishers: Vec<(String, u64)> = publisher
            .into_iter()
            .filter(|(k, _)| !k.is_empty())
            .collect();
        publishers.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        publishers.truncate(PUBLISHER_FACET_SIZE);
        let mut years: Vec<(String, u64)> =
            year.into_iter().map(|(y, c)| (y.to_string(), c)).collect();
        years.sort_by(|a, b| b.0.cmp(&a.0));
        Ok(CollectedResults {
            total,
            top: top.into_iter().map(|k| (k.score, k.address)).collect(),
            facets: if self.facets {
                Facets {
                    category: Counts(category_counts),
                    category_total: unfiltered,
                    year: Counts(years),
                    publisher: Counts(publishers),
                }
            } else {
                Facets::default()
            },
        })
    }
}

impl SegmentResults {
    /// Counts the publisher and year of a document that passed every filter.
    fn count_facets(&mut self, doc: DocId) {
        if let Some(ord) = self
            .publisher
            .as_ref()
            .and_then(|c| c.term_ords(doc).next())
            && let Some(count) = self.publisher_counts.get_mut(ord as usize)
        {
            *count += 1;
        }
        if let Some(year) = self.year.as_ref().and_then(|c| c.first(doc)) {
            *self.year_counts.entry(year).or_default() += 1;
        }
    }
}

impl SegmentCollector for SegmentResults {
    type Fruit = SegmentFruit;

    fn collect(&mut self, doc: DocId, score: Score) {
        let category_ord = if self.facets || self.filtering {
            self.category.as_ref().and_then(|c| c.term_ords(doc).next())
        } else {
            None
        };
        if self.facets
            && let Some(ord) = category_ord
            && let Some(count) = self.category_counts.get_mut(ord as usize)
        {
            *count += 1;
        }
        self.unfiltered += 1;
        if self.filtering
            && !category_ord.is_some_and(|o| self.allowed.get(o as usize).copied().unwrap_or(false))
        {
            return;
        }
        self.total += 1;
        if self.facets {
            self.count_facets(doc);
        }
        if self.keep == 0 {
            return;
        }
        let primary = match self.sort {
            Sort::Relevance => f64::from(score),
            Sort::Date => self
                .published
                .as_ref()
                .and_then(|c| c.first(doc))
                .map_or(f64::MIN, |d| d.into_timestamp_secs() as f64),
        };
        let key = Key {
            primary,
            score,
            address: DocAddress::new(self.segment, doc),
        };
        if self.heap.len() < self.keep {
            self.heap.push(Reverse(key));
        } else if let Some(Reverse(worst)) = self.heap.peek()
            && key > *worst
        {
            self.heap.pop();
            self.heap.push(Reverse(key));
        }
    }

    fn harvest(self) -> SegmentFruit {
        let resolve = |column: &Option<StrColumn>, counts: &[u64]| {
            let mut out = HashMap::new();
            if let Some(column) = column {
                let mut name = String::new();
                for (ord, &count) in counts.iter().enumerate() {
                    if count > 0 && column.ord_to_str(ord as u64, &mut name).unwrap_or(false) {
                        out.insert(name.clone(), count);
                    }
                }
            }
            out
        };
        SegmentFruit {
            total: self.total,
            unfiltered: self.unfiltered,
            category: resolve(&self.category, &self.category_counts),
            publisher: resolve(&self.publisher, &self.publisher_counts),
            year: self.year_counts,
            top: self.heap.into_iter().map(|Reverse(k)| k).collect(),
        }
    }
}
