//! Core benchmark (issue 2): indexing throughput against the segmentation
//! limit measured in the same run, query latency with snippets and facets
//! (and tantivy's own snippet generator as the baseline), index size, peak
//! memory and cold start.
//!
//!     cargo bench -p gongkai-index --bench core -- ../shared/corpus/tainan-2018-2024.jsonl.gz
//!
//! Wall time is noisy on a shared 2-core machine: CPU time and medians are
//! printed beside it.

use std::io::BufRead;
use std::time::{Duration, Instant};

use gongkai_index::query::{QueryBuilder, parse};
use gongkai_index::{DataDir, Document, DocumentWriter, SearchRequest, Searcher, ValidDocument};
use jieba_rs::Jieba;

fn cpu_seconds() -> f64 {
    // utime + stime of this process, from /proc (Linux).
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn dir_size(path: &std::path::Path) -> u64 {
    let mut total = 0;
    if let Ok(entries) = std::fs::read_dir(path) {
        for e in entries.flatten() {
            let p = e.path();
            total += if p.is_dir() {
                dir_size(&p)
            } else {
                e.metadata().map_or(0, |m| m.len())
            };
        }
    }
    total
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() {
    // tantivy's SnippetGenerator (the baseline below) panics on some texts; count, don't print.
    std::panic::set_hook(Box::new(|_| {
        PANICS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }));
    let path = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with("--"))
        .unwrap_or_else(|| "../shared/corpus/tainan-2018-2024.jsonl.gz".into());
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let reader = std::io::BufReader::new(flate2::read::GzDecoder::new(file));
    let docs: Vec<ValidDocument> = reader
        .lines()
        .map_while(Result::ok)
        .filter_map(|l| serde_json::from_str::<Document>(&l).ok())
        .filter_map(|d| d.validate().ok())
        .take(
            std::env::var("GONGKAI_BENCH_DOCS")
                .ok()
                .and_then(|n| n.parse().ok())
                .unwrap_or(usize::MAX),
        )
        .collect();
    let mb = text_mb(&docs);
    let text_bytes = mb * 1e6;
    println!(
        "corpus: {} documents, {:.1} MB of title+body text",
        docs.len(),
        mb
    );

    let index_only = std::env::var_os("GONGKAI_BENCH_INDEX_ONLY").is_some();
    // Baseline: jieba cut_for_search alone over the same text, 2 threads.
    let jieba = Jieba::new();
    let (wall, cpu) = timed(|| {
        if index_only {
            return;
        }
        std::thread::scope(|s| {
            for half in docs.chunks(docs.len().div_ceil(2)) {
                let jieba = &jieba;
                s.spawn(move || {
                    let mut n = 0usize;
                    for d in half {
                        n += jieba.cut_for_search(&d.title, true).len();
                        n += jieba.cut_for_search(&d.body, true).len();
                    }
                    std::hint::black_box(n);
                });
            }
        });
    });
    // The target: half of what two threads of jieba alone reach.
    let target = (!index_only).then(|| mb / wall.as_secs_f64() / 2.0);
    if !index_only {
        println!(
            "baseline jieba cut_for_search (2 threads): {:.1} MB/s wall, {:.1} MB per CPU-second",
            mb / wall.as_secs_f64(),
            mb / cpu
        );
    }

    // Where indexing time goes: analysis alone, then building tantivy documents, one thread.
    let analyzer = std::sync::Arc::new(gongkai_index::Analyzer::new());
    let sample = &docs[..docs.len().min(5_000)];
    let sample_mb = text_mb(sample);
    let (_, cpu) = timed(|| {
        for d in sample {
            std::hint::black_box(analyzer.analyze(&d.body));
            std::hint::black_box(analyzer.analyze(&d.title));
        }
    });
    println!(
        "analysis alone (1 thread, {} docs): {:.1} MB per CPU-second",
        sample.len(),
        sample_mb / cpu
    );
    let (schema_fields, fields) = gongkai_index::schema::build_schema();
    drop(schema_fields);
    let (_, cpu) = timed(|| {
        for d in sample {
            std::hint::black_box(gongkai_index::schema::to_tantivy(d, &fields));
        }
    });
    println!(
        "tantivy document without analysis (1 thread): {:.1} MB per CPU-second",
        sample_mb / cpu
    );

    // Floor: tantivy's IndexWriter fed the very same terms, precomputed, so
    // analysis costs nothing: no analyzer can index faster than this. Also
    // each character-fallback design alone (characters, as indexed, against
    // the overlapping bigrams they replaced).
    // The precomputed terms take ≈ 0.5 GB per 10,000 documents: a slice.
    if std::env::var_os("GONGKAI_BENCH_FLOOR").is_some() {
        let slice = &docs[..docs.len().min(15_000)];
        let slice_mb = text_mb(slice);
        let precomputed = replay::Precomputed::new(slice, &analyzer);
        // gongkai's own segmentation (precise mode, no HMM, of the
        // normalised text), one thread: CPU-seconds per MB of input.
        let normalized: Vec<String> = slice
            .iter()
            .flat_map(|d| [&d.title, &d.body])
            .map(|t| gongkai_index::analysis::normalize(t))
            .collect();
        let (_, cpu) = timed(|| {
            let n: usize = normalized.iter().map(|t| jieba.cut(t, false).len()).sum();
            std::hint::black_box(n);
        });
        let segmentation = cpu / slice_mb;
        println!(
            "segmentation as gongkai does it (jieba cut, no HMM, normalised text, 1 thread): {:.1} MB per CPU-second",
            1.0 / segmentation
        );
        let mut floors = Vec::new();
        for (feed, what) in [
            (replay::Feed::Gongkai, "the same terms as gongkai"),
            (replay::Feed::PreciseOnly, "the precise words alone"),
            (replay::Feed::CharsOnly, "the chars stream alone"),
            (replay::Feed::BigramsOnly, "overlapping bigrams alone"),
        ] {
            let (wall, cpu) = precomputed.index(slice, feed);
            floors.push(cpu / slice_mb);
            println!(
                "floor: tantivy IndexWriter with {what}, precomputed (2 threads, first {} documents): {:.1} MB/s wall, {:.1} MB per CPU-second",
                slice.len(),
                slice_mb / wall.as_secs_f64(),
                slice_mb / cpu
            );
        }
        // Segmenting plus indexing, perfectly parallel on two cores: no
        // analyzer or scheduling can beat this with these terms.
        let bound = |floor: f64| 2.0 / (floor + segmentation);
        println!(
            "bound: segmentation + floor on two cores: at most {:.1} MB/s with gongkai's terms, {:.1} MB/s with the precise words alone; target (half the two-core segmentation limit above): {}",
            bound(floors[0]),
            bound(floors[1]),
            target.map_or(
                "not measured (GONGKAI_BENCH_INDEX_ONLY)".into(),
                |t| format!("{t:.1} MB/s")
            )
        );
    }

    // gongkai indexing: normalisation + one segmentation + three streams + IndexWriter.
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = DataDir::new(tmp.path());
    let rss_before = peak_rss_mb();
    let (wall, cpu) = timed(|| {
        let handle = data
            .open_or_create_current(data.analyzer().expect("analyzer"))
            .expect("index");
        let mut writer = DocumentWriter::open(handle, 2).expect("writer");
        for chunk in docs.chunks(4096) {
            writer.upsert_all(chunk.to_vec()).expect("upsert");
        }
        writer.finish().expect("finish");
    });
    let size = dir_size(tmp.path());
    println!(
        "gongkai index (2 threads): {:.1} s wall, {:.1} MB/s wall, {:.1} MB per CPU-second; {:.0} docs/s",
        wall.as_secs_f64(),
        mb / wall.as_secs_f64(),
        mb / cpu,
        docs.len() as f64 / wall.as_secs_f64()
    );
    println!(
        "index size: {:.1} MB ({:.2}× the text; stored documents included); peak RSS {:.0} MB (before indexing {:.0} MB)",
        size as f64 / 1e6,
        size as f64 / text_bytes,
        peak_rss_mb(),
        rss_before
    );

    if std::env::var_os("GONGKAI_BENCH_INDEX_ONLY").is_some() {
        return;
    }
    // Cold start: open the data directory (dictionary, index) and answer one query.
    let started = Instant::now();
    let analyzer = data.analyzer().expect("analyzer");
    let handle = data.open_current(analyzer).expect("open");
    let searcher = Searcher::new(handle.clone()).expect("searcher");
    let first = searcher
        .search(&SearchRequest {
            query: "觀光".into(),
            limit: 10,
            snippets: true,
            ..Default::default()
        })
        .expect("search");
    println!(
        "cold start to first answer: {:.0} ms ({} hits)",
        started.elapsed().as_secs_f64() * 1000.0,
        first.total
    );

    // Queries: deterministic, from the corpus's own titles (words, pairs, phrases, 简体 forms).
    let queries = make_queries(&docs, &handle.analyzer, 1000);
    let mut with_snippets = Vec::new();
    let mut without = Vec::new();
    let mut naive = Vec::new();
    let mut totals = 0u64;
    for round in 0..2 {
        for q in &queries {
            let request = SearchRequest {
                query: q.clone(),
                limit: 10,
                snippets: true,
                ..Default::default()
            };
            let t = Instant::now();
            let r = searcher.search(&request).expect("search");
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            let t = Instant::now();
            let _ = searcher
                .search(&SearchRequest {
                    snippets: false,
                    ..request.clone()
                })
                .expect("search");
            let ms_plain = t.elapsed().as_secs_f64() * 1000.0;
            if round == 1 {
                with_snippets.push(ms);
                without.push(ms_plain);
                totals += r.total;
            }
        }
    }
    // Baseline: tantivy's SnippetGenerator over the same hits (re-tokenizes each body with jieba).
    let tantivy_searcher = handle.index.reader().expect("reader").searcher();
    let builder = QueryBuilder::new(&handle.fields, &handle.analyzer);
    for q in queries.iter().take(300) {
        let Ok(parsed) = parse(q) else { continue };
        let query = builder.build(&parsed, false);
        let r = searcher
            .search(&SearchRequest {
                query: q.clone(),
                limit: 10,
                snippets: false,
                ..Default::default()
            })
            .expect("search");
        let t = Instant::now();
        if let Ok(mut generator) = tantivy::snippet::SnippetGenerator::create(
            &tantivy_searcher,
            &*query,
            handle.fields.body[0],
        ) {
            generator.set_max_num_chars(360);
            for hit in &r.hits {
                if let Ok(Some(doc)) = searcher.get(&hit.document.id) {
                    let snippet = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        generator.snippet(&doc.body)
                    }));
                    std::hint::black_box(snippet.is_ok());
                }
            }
        }
        naive.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    for v in [&mut with_snippets, &mut without, &mut naive] {
        v.sort_by(f64::total_cmp);
    }
    println!(
        "queries: {} (avg {:.0} matches each); top-10 + facets + snippets: p50 {:.2} ms, p99 {:.2} ms; without snippets: p50 {:.2} ms, p99 {:.2} ms",
        with_snippets.len(),
        totals as f64 / with_snippets.len().max(1) as f64,
        percentile(&with_snippets, 0.5),
        percentile(&with_snippets, 0.99),
        percentile(&without, 0.5),
        percentile(&without, 0.99)
    );
    println!(
        "baseline tantivy SnippetGenerator (jieba re-tokenization) for the same 10 hits: p50 {:.2} ms, p99 {:.2} ms (snippets only)",
        percentile(&naive, 0.5),
        percentile(&naive, 0.99)
    );
    println!(
        "baseline SnippetGenerator panics: {} (offsets that are not char boundaries)",
        PANICS.load(std::sync::atomic::Ordering::Relaxed)
    );
    println!("peak RSS at end: {:.0} MB", peak_rss_mb());
}

/// Megabytes of title + body text: the unit of every throughput figure.
fn text_mb(docs: &[ValidDocument]) -> f64 {
    docs.iter()
        .map(|d| d.title.len() + d.body.len())
        .sum::<usize>() as f64
        / 1e6
}

static PANICS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn timed(f: impl FnOnce()) -> (Duration, f64) {
    let cpu = cpu_seconds();
    let t = Instant::now();
    f();
    (t.elapsed(), (cpu_seconds() - cpu).max(0.01))
}

/// Deterministic queries: precise words of titles, alone, in pairs and as phrases.
fn make_queries(
    docs: &[ValidDocument],
    analyzer: &gongkai_index::Analyzer,
    n: usize,
) -> Vec<String> {
    let mut out = Vec::with_capacity(n);
    let mut i = 0usize;
    while out.len() < n && i < docs.len() * 4 {
        let doc = &docs[(i * 7919) % docs.len()];
        let words: Vec<String> = analyzer
            .terms(gongkai_index::TermStream::Precise, &doc.title)
            .into_iter()
            .filter(|w| w.chars().count() >= 2 && w.chars().all(gongkai_index::analysis::is_cjk))
            .collect();
        if !words.is_empty() {
            let q = match i % 4 {
                0 => words[0].clone(),
                1 if words.len() > 1 => format!("{} {}", words[0], words[1]),
                2 if words.len() > 1 => {
                    format!("{}{}", words[words.len() - 2], words[words.len() - 1])
                }
                _ => words[words.len() / 2].clone(),
            };
            out.push(q);
        }
        i += 1;
    }
    out
}

/// Replays precomputed term streams through tantivy's tokenizer interface,
/// so that what is timed is tantivy's IndexWriter alone.
mod replay {
    use std::collections::HashMap;
    use std::sync::Arc;
    use std::time::Duration;

    use gongkai_index::analysis::{CHARS_TOKENIZER, PRECISE_TOKENIZER, SEARCH_TOKENIZER, Span};
    use gongkai_index::{Analyzer, ValidDocument};
    use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

    /// (term, position) lists of one text: precise words, sub-words,
    /// characters, and overlapping bigrams (the design chars replaced).
    type Streams = [Vec<(String, usize)>; 4];
    type TermMap = HashMap<String, Arc<Streams>>;

    /// Which precomputed streams feed the three text fields.
    #[derive(Debug, Clone, Copy)]
    pub enum Feed {
        /// Precise, sub-words and characters: what gongkai indexes.
        Gongkai,
        /// Precise words alone (what a phrase-capable word index needs at least).
        PreciseOnly,
        /// Characters alone.
        CharsOnly,
        /// Overlapping bigrams alone.
        BigramsOnly,
    }

    #[derive(Clone)]
    struct Replay {
        terms: Arc<TermMap>,
        /// Index into [`Streams`], or `None` for an empty stream.
        stream: Option<usize>,
    }

    struct ReplayStream {
        streams: Option<Arc<Streams>>,
        stream: Option<usize>,
        next: usize,
        token: Token,
    }

    impl Tokenizer for Replay {
        type TokenStream<'a> = ReplayStream;
        fn token_stream<'a>(&'a mut self, text: &'a str) -> ReplayStream {
            ReplayStream {
                streams: self.terms.get(text).cloned(),
                stream: self.stream,
                next: 0,
                token: Token::default(),
            }
        }
    }

    impl TokenStream for ReplayStream {
        fn advance(&mut self) -> bool {
            let Some((text, position)) = self
                .streams
                .as_ref()
                .zip(self.stream)
                .and_then(|(s, i)| s[i].get(self.next))
            else {
                return false;
            };
            self.next += 1;
            self.token.text.clear();
            self.token.text.push_str(text);
            self.token.position = *position;
            true
        }
        fn token(&self) -> &Token {
            &self.token
        }
        fn token_mut(&mut self) -> &mut Token {
            &mut self.token
        }
    }

    /// Every text's streams, computed once.
    pub struct Precomputed(Arc<TermMap>);

    impl Precomputed {
        pub fn new(docs: &[ValidDocument], analyzer: &Analyzer) -> Self {
            let mut terms: TermMap = HashMap::new();
            for d in docs {
                for text in [&d.title, &d.body, &d.attachment_text] {
                    let a = analyzer.analyze(text);
                    let term = |s: &Span| {
                        (
                            a.text[s.start as usize..s.end as usize].to_string(),
                            s.position as usize,
                        )
                    };
                    let precise = a.precise.iter().map(term).collect();
                    let sub_words = a
                        .search
                        .iter()
                        .filter(|s| !a.precise.contains(s))
                        .map(term)
                        .collect();
                    let chars: Vec<(String, usize)> = a.chars.iter().map(term).collect();
                    // Overlapping bigrams of consecutive CJK characters.
                    let is_cjk = |t: &str| t.chars().count() == 1;
                    let bigrams = chars
                        .windows(2)
                        .filter(|w| is_cjk(&w[0].0) && is_cjk(&w[1].0))
                        .enumerate()
                        .map(|(i, w)| (format!("{}{}", w[0].0, w[1].0), i))
                        .collect();
                    terms.insert(text.clone(), Arc::new([precise, sub_words, chars, bigrams]));
                }
            }
            Precomputed(Arc::new(terms))
        }

        /// Indexes `docs` from the precomputed streams; returns wall and CPU time.
        pub fn index(&self, docs: &[ValidDocument], feed: Feed) -> (Duration, f64) {
            let (schema, fields) = gongkai_index::schema::build_schema();
            let index = tantivy::Index::create_in_ram(schema);
            let streams = match feed {
                Feed::Gongkai => [Some(0), Some(1), Some(2)],
                Feed::PreciseOnly => [Some(0), None, None],
                Feed::CharsOnly => [None, None, Some(2)],
                Feed::BigramsOnly => [None, None, Some(3)],
            };
            for (name, stream) in [PRECISE_TOKENIZER, SEARCH_TOKENIZER, CHARS_TOKENIZER]
                .into_iter()
                .zip(streams)
            {
                index.tokenizers().register(
                    name,
                    Replay {
                        terms: Arc::clone(&self.0),
                        stream,
                    },
                );
            }
            super::timed(|| {
                let mut writer: tantivy::IndexWriter =
                    index.writer_with_num_threads(2, 512 << 20).expect("writer");
                for d in docs {
                    writer
                        .add_document(gongkai_index::schema::to_tantivy(d, &fields))
                        .expect("add");
                }
                writer.commit().expect("commit");
                writer.wait_merging_threads().expect("merge");
            })
        }
    }
}
