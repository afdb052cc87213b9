//! Prometheus text exposition, hand-written: request counters by route and
//! status, a latency histogram with fixed buckets, index generation and size.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;

use super::AppState;

/// Upper bounds of the latency buckets, in seconds.
pub const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// Counters of the running server.
#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, u16), u64>>,
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
    /// Generations swapped in since start.
    pub reloads: AtomicU64,
}

impl Metrics {
    /// Records one finished request.
    pub fn observe(&self, route: &str, status: u16, seconds: f64) {
        {
            let mut map = match self.requests.lock() {
                Ok(m) => m,
                Err(p) => p.into_inner(),
            };
            *map.entry((route.to_string(), status)).or_insert(0) += 1;
        }
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                self.buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_micros
            .fetch_add((seconds * 1e6) as u64, Ordering::Relaxed);
    }

    /// The exposition text.
    pub fn render(&self, generation: u64, documents: u64) -> String {
        let mut out = String::with_capacity(2048);
        out.push_str(
            "# HELP gongkai_requests_total HTTP requests answered, by route and status.\n",
        );
        out.push_str("# TYPE gongkai_requests_total counter\n");
        {
            let map = match self.requests.lock() {
                Ok(m) => m,
                Err(p) => p.into_inner(),
            };
            for ((route, status), n) in map.iter() {
                let _ = writeln!(
                    out,
                    "gongkai_requests_total{{route=\"{}\",status=\"{status}\"}} {n}",
                    label(route)
                );
            }
        }
        out.push_str("# HELP gongkai_request_duration_seconds Time to answer a request.\n");
        out.push_str("# TYPE gongkai_request_duration_seconds histogram\n");
        for (i, bound) in BUCKETS.iter().enumerate() {
            let _ = writeln!(
                out,
                "gongkai_request_duration_seconds_bucket{{le=\"{bound}\"}} {}",
                self.buckets[i].load(Ordering::Relaxed)
            );
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "gongkai_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}"
        );
        let _ = writeln!(
            out,
            "gongkai_request_duration_seconds_sum {}",
            self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6
        );
        let _ = writeln!(out, "gongkai_request_duration_seconds_count {count}");
        out.push_str("# HELP gongkai_index_generation Live index generation.\n# TYPE gongkai_index_generation gauge\n");
        let _ = writeln!(out, "gongkai_index_generation {generation}");
        out.push_str("# HELP gongkai_documents Documents in the live index.\n# TYPE gongkai_documents gauge\n");
        let _ = writeln!(out, "gongkai_documents {documents}");
        out.push_str("# HELP gongkai_index_reloads_total Generations swapped in since start.\n# TYPE gongkai_index_reloads_total counter\n");
        let _ = writeln!(
            out,
            "gongkai_index_reloads_total {}",
            self.reloads.load(Ordering::Relaxed)
        );
        out
    }
}

/// Escapes a label value.
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Middleware: times every request and counts it under its route pattern
/// (never the raw path, so ids cannot blow up the label set).
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "other".to_string());
    let started = Instant::now();
    let response = next.run(request).await;
    state.metrics.observe(
        &route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}
