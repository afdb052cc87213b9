//! `/metrics` through `prometheus-client`, in the Prometheus text format
//! (0.0.4): requests by route and status, a latency histogram with fixed
//! buckets, generations swapped in, times `/stats` counted its figures,
//! and, read at scrape time, the live generation, its size and the
//! admission slots and queue. Owns the metric names; never changes what it
//! reports on.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use super::admission::Admission;
use super::{AppState, Live};

/// Upper bounds of the latency buckets, in seconds.
pub const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// `Content-Type` of the exposition.
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// Labels of `gongkai_requests_total`.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    /// The route pattern (`/api/doc/{id}`), never the raw path.
    route: String,
    status: u16,
}

/// The metrics of the running server.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    duration: Histogram,
    reloads: Counter,
    stats_counted: Counter,
}

impl Metrics {
    /// Metrics of a server with this live index and admission.
    pub fn new(live: Live, admission: Arc<Admission>) -> Self {
        let requests = Family::<RequestLabels, Counter>::default();
        let duration = Histogram::new(BUCKETS);
        let reloads = Counter::default();
        let stats_counted = Counter::default();
        let mut registry = Registry::default();
        registry.register(
            "gongkai_requests",
            "HTTP requests answered, by route and status",
            requests.clone(),
        );
        registry.register(
            "gongkai_request_duration_seconds",
            "Time to answer a request",
            duration.clone(),
        );
        registry.register(
            "gongkai_index_reloads",
            "Generations swapped in since start",
            reloads.clone(),
        );
        registry.register(
            "gongkai_stats_counted",
            "Times the /stats figures were counted over the live index (once per generation)",
            stats_counted.clone(),
        );
        registry.register_collector(Box::new(Now { live, admission }));
        Metrics {
            registry,
            requests,
            duration,
            reloads,
            stats_counted,
        }
    }

    /// Records one finished request.
    pub fn observe(&self, route: &str, status: u16, seconds: f64) {
        self.requests
            .get_or_create(&RequestLabels {
                route: route.to_string(),
                status,
            })
            .inc();
        self.duration.observe(seconds);
    }

    /// Counts a generation swapped in.
    pub fn reloaded(&self) {
        self.reloads.inc();
    }

    /// Counts the /stats figures counted over the live index.
    pub fn stats_counted(&self) {
        self.stats_counted.inc();
    }

    /// The exposition text.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(4096);
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::prometheus_text::encode(&mut out, &self.registry);
        out
    }
}

/// What is read at scrape time: the live generation and the admission.
struct Now {
    live: Live,
    admission: Arc<Admission>,
}

impl std::fmt::Debug for Now {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Now").finish_non_exhaustive()
    }
}

impl Collector for Now {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let loaded = self.live.get();
        let gauges = [
            (
                "gongkai_index_generation",
                "Live index generation.",
                loaded.generation,
            ),
            (
                "gongkai_documents",
                "Documents in the live index.",
                loaded.searcher.num_docs(),
            ),
            (
                "gongkai_searches_running",
                "Searches running now.",
                self.admission.running() as u64,
            ),
            (
                "gongkai_searches_queued",
                "Searches waiting for a slot now.",
                self.admission.waiting() as u64,
            ),
        ];
        // Help texts end in a full stop, as the registry writes its own.
        for (name, help, value) in gauges {
            let gauge = ConstGauge::new(value);
            gauge.encode(encoder.encode_descriptor(name, help, None, gauge.metric_type())?)?;
        }
        if let Some(cache) = loaded.searcher.result_cache() {
            let stats = cache.stats();
            let (entries, _) = cache.usage();
            let cache_gauges = [
                (
                    "gongkai_result_cache_hits",
                    "Searches of the live generation answered from the cache.",
                    stats.hits,
                ),
                (
                    "gongkai_result_cache_misses",
                    "Searches of the live generation not in the cache.",
                    stats.misses,
                ),
                (
                    "gongkai_result_cache_entries",
                    "Answers kept in the cache now.",
                    entries as u64,
                ),
            ];
            for (name, help, value) in cache_gauges {
                let gauge = ConstGauge::new(value);
                gauge.encode(encoder.encode_descriptor(
                    name,
                    help,
                    None,
                    gauge.metric_type(),
                )?)?;
            }
        }
        let rejected = ConstCounter::new(self.admission.rejected() as u64);
        rejected.encode(encoder.encode_descriptor(
            "gongkai_searches_rejected",
            "Searches refused (503) because the queue was full.",
            None,
            rejected.metric_type(),
        )?)?;
        Ok(())
    }
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
