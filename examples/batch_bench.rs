//! Benchmark helper for `gongkai batch` (see docs/benchmarks.md, "Batch queries").
//!
//! ```text
//! cargo run --release --example batch_bench -- gen CORPUS.jsonl.gz N > queries.tsv
//! cargo run --release --example batch_bench -- latency DATA queries.tsv
//! ```
//!
//! `gen` makes N deterministic `qid<TAB>query` lines from document titles:
//! one or two 2–4 character pieces of a title (a fixed xorshift seed, so the
//! file is the same on every machine). `latency` times `Searcher::search` in
//! this process (no process start), one query after another on one thread,
//! with the request `gongkai batch` sends by default (limit 10, relevance,
//! no snippets), after one untimed warm-up pass.

use std::io::{BufRead, BufReader, Write};
use std::time::Instant;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["gen", corpus, n] => generate(corpus, n.parse()?),
        ["latency", data, queries] => latency(data, queries),
        _ => anyhow::bail!("usage: batch_bench gen CORPUS N | batch_bench latency DATA QUERIES"),
    }
}

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn generate(corpus: &str, n: usize) -> anyhow::Result<()> {
    let file = std::fs::File::open(corpus)?;
    let reader = BufReader::new(flate2::read::GzDecoder::new(file));
    let mut titles: Vec<Vec<char>> = Vec::new();
    for line in reader.lines() {
        let doc: serde_json::Value = serde_json::from_str(&line?)?;
        let title: Vec<char> = doc["title"]
            .as_str()
            .unwrap_or_default()
            .chars()
            .filter(|c| c.is_alphanumeric())
            .collect();
        if title.len() >= 4 {
            titles.push(title);
        }
    }
    anyhow::ensure!(!titles.is_empty(), "no titles in {corpus}");
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let piece = |rng: &mut XorShift, title: &[char]| -> String {
        let len = 2 + rng.below(3);
        let len = len.min(title.len());
        let start = rng.below(title.len() - len + 1);
        title[start..start + len].iter().collect()
    };
    for i in 0..n {
        let title = &titles[rng.below(titles.len())];
        let mut query = piece(&mut rng, title);
        if rng.below(3) == 0 {
            let other = &titles[rng.below(titles.len())];
            query.push(' ');
            query.push_str(&piece(&mut rng, other));
        }
        writeln!(out, "b{i}\t{query}")?;
    }
    out.flush()?;
    Ok(())
}

fn latency(data: &str, queries: &str) -> anyhow::Result<()> {
    let dir = gongkai_index::DataDir::new(data);
    let searcher = gongkai_index::Searcher::new(dir.open_current(dir.analyzer()?)?)?;
    let queries: Vec<String> = std::fs::read_to_string(queries)?
        .lines()
        .filter_map(|l| l.split_once('\t').map(|(_, q)| q.to_string()))
        .collect();
    anyhow::ensure!(
        !queries.is_empty(),
        "no `qid<TAB>query` lines in {queries:?}"
    );
    let request = |q: &str| gongkai_index::SearchRequest {
        query: q.to_string(),
        limit: 10,
        ..Default::default()
    };
    for q in &queries {
        searcher.search(&request(q))?;
    }
    let mut times = Vec::with_capacity(queries.len());
    let started = Instant::now();
    for q in &queries {
        let t = Instant::now();
        searcher.search(&request(q))?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let total = started.elapsed().as_secs_f64();
    times.sort_by(f64::total_cmp);
    let pct = |p: f64| times[((times.len() - 1) as f64 * p).round() as usize];
    println!(
        "queries {}  total {:.2} s  rate {:.0} q/s  mean {:.3} ms  p50 {:.3} ms  p90 {:.3} ms  p99 {:.3} ms  max {:.3} ms",
        times.len(),
        total,
        times.len() as f64 / total,
        total * 1000.0 / times.len() as f64,
        pct(0.5),
        pct(0.9),
        pct(0.99),
        pct(1.0)
    );
    Ok(())
}
