//! Crawl throughput benchmark: `cargo run --release -p gongkai-crawler
//! --example bench -- URL [concurrency]` crawls URL unthrottled into a
//! fresh temporary state and prints pages/s and CPU seconds per page.

use std::time::{Duration, Instant};

use gongkai_crawler::{CrawlConfig, Crawler};

/// User+system CPU seconds of this process (Linux /proc; 0 elsewhere).
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    let Some(after) = stat.rsplit_once(')').map(|(_, r)| r) else {
        return 0.0;
    };
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // Fields 14 and 15 (utime, stime) are at 11 and 12 after the ')'.
    (ticks(11) + ticks(12)) / 100.0
}

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(url) = args.next() else {
        eprintln!("usage: bench URL [concurrency] [attachments:0|1]");
        std::process::exit(2);
    };
    let concurrency = args.next().and_then(|c| c.parse().ok()).unwrap_or(64);
    let attachments = args.next().is_none_or(|a| a != "0");
    let dir = std::env::temp_dir().join(format!("gongkai-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut cfg = CrawlConfig {
        seeds: vec![url],
        concurrency,
        delay: Duration::ZERO,
        attachments,
        ..Default::default()
    };
    cfg.fetch.backoff = Duration::from_millis(50);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let cpu0 = cpu_seconds();
    let t0 = Instant::now();
    let summary = rt.block_on(async {
        let mut c = Crawler::open(&dir, cfg).expect("open");
        c.run(&|_| {}).await.expect("crawl")
    });
    let wall = t0.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu0;
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "{{\"pages\": {}, \"documents\": {}, \"wall_s\": {:.3}, \"pages_per_s\": {:.1}, \"cpu_s\": {:.3}, \"cpu_ms_per_page\": {:.3}}}",
        summary.fetched,
        summary.new,
        wall,
        summary.fetched as f64 / wall,
        cpu,
        1000.0 * cpu / summary.fetched.max(1) as f64
    );
}
