//! The HTTP service: JSON API and the citizen's search page, over axum.
//!
//! The live index sits behind [`Live`]: an [`ArcSwap`] of the loaded
//! generation. A background task re-reads `DATA/CURRENT` every second and
//! swaps in the new generation when it changes; commits inside the same
//! generation (`gongkai index` upserting) are picked up by the tantivy
//! reader's own reload policy. Requests take the current `Arc` without a
//! lock and never wait for a reload.
//!
//! The index answers with structure (hits with text and highlight ranges,
//! suggestions); [`json`] and [`page`] each render it their own way.
//! [`stats`] serves the annual figures, counted once per live index.
//!
//! Under load and abuse: index work goes through [`admission`] (bounded
//! slots and queue, cheap 503s beyond), connections through [`listener`]
//! (header/idle timeout, connection limit, shutdown deadline), and every
//! error, timeouts and overload included, is the JSON error of
//! [`error::ApiError`] with the security headers.

pub mod admission;
pub mod api;
pub mod error;
pub mod inspect;
pub mod json;
pub mod listener;
pub mod metrics;
pub mod page;
pub mod portal;
pub mod stats;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use axum::Router;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::routing::get;
use gongkai_index::{DataDir, Searcher};
use tower_http::cors::{AllowOrigin, CorsLayer};

use error::ApiError;

/// Longest query accepted (bytes); longer ones get 413.
pub const MAX_QUERY_BYTES: usize = gongkai_index::query::MAX_QUERY_BYTES;
/// Most hits on one page.
pub const MAX_PAGE_SIZE: usize = 100;
/// Default hits on one page.
pub const DEFAULT_PAGE_SIZE: usize = 10;
/// Deepest result reachable by paging (page × size).
pub const MAX_DEPTH: usize = 1_000;

/// Searches that may wait for a slot, per slot, by default. At 4 per slot,
/// 16 keep-alive clients on two cores (`wrk -c16`) had 40–60% of their
/// requests refused with 503; at 32 none were, p99 stayed near 50 ms
/// (docs/benchmarks.md), and a waiting search costs only a task.
pub const QUEUE_PER_SLOT: usize = 32;

/// How the server runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// Data directory.
    pub data: PathBuf,
    /// Origins allowed by CORS (empty: no CORS headers).
    pub cors_origins: Vec<String>,
    /// Per-request timeout.
    pub request_timeout: Duration,
    /// How often `DATA/CURRENT` is checked.
    pub reload_interval: Duration,
    /// Title shown on the search page.
    pub site_title: String,
    /// Searches (index work) running at once.
    pub search_slots: usize,
    /// Searches waiting for a slot; more are answered 503 at once.
    pub search_queue: usize,
    /// Time allowed for a complete request head; also the keep-alive idle timeout.
    pub header_timeout: Duration,
    /// Most open connections (lowered to what the descriptor limit allows).
    pub max_connections: usize,
    /// How long shutdown waits for requests in progress.
    pub shutdown_timeout: Duration,
    /// Token for the staff pages (`/admin/inspect`); without one they do not exist.
    pub admin_token: Option<String>,
    /// Bytes of answers kept for repeated searches, per generation (0: none).
    pub result_cache_bytes: usize,
}

/// Cores available to this process (at least 1).
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

impl Config {
    /// Defaults for a data directory.
    pub fn new(data: PathBuf) -> Self {
        Config {
            data,
            cors_origins: Vec::new(),
            request_timeout: Duration::from_secs(10),
            reload_interval: Duration::from_secs(1),
            site_title: "政府信息公开搜索".to_string(),
            search_slots: cores(),
            search_queue: QUEUE_PER_SLOT * cores(),
            header_timeout: Duration::from_secs(10),
            max_connections: 1024,
            shutdown_timeout: Duration::from_secs(10),
            admin_token: None,
            result_cache_bytes: gongkai_index::result_cache::DEFAULT_BUDGET,
        }
    }
}

/// One loaded index generation.
pub struct Loaded {
    /// Searches it (and suggests from it).
    pub searcher: Searcher,
    /// Its generation number.
    pub generation: u64,
}

impl Loaded {
    /// Loads an opened generation, keeping up to `cache_bytes` of answers
    /// for repeated searches (a new generation starts with none).
    pub fn new(handle: gongkai_index::IndexHandle, cache_bytes: usize) -> anyhow::Result<Loaded> {
        Ok(Loaded {
            generation: handle.generation,
            searcher: Searcher::new(handle)?.with_result_cache(cache_bytes),
        })
    }
}

/// The live generation, swappable without a lock.
#[derive(Clone)]
pub struct Live(Arc<ArcSwap<Loaded>>);

impl Live {
    /// The generation to use for one request.
    pub fn get(&self) -> Arc<Loaded> {
        self.0.load_full()
    }

    fn set(&self, loaded: Loaded) {
        self.0.store(Arc::new(loaded));
    }
}

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    /// The index.
    pub live: Live,
    /// Counters and histograms.
    pub metrics: Arc<metrics::Metrics>,
    /// Settings.
    pub config: Arc<Config>,
    /// Slots and queue of index work.
    pub admission: Arc<admission::Admission>,
    /// The annual figures of the live index, counted once per generation (`/stats`).
    pub stats: stats::StatsCache,
}

impl AppState {
    /// Runs blocking index work off the async threads, once admitted (see
    /// [`admission`]): 503 with `Retry-After` at once when the queue is full.
    /// The slot is held until the work really ends, even when the request
    /// is dropped; work whose request was dropped before it began never runs,
    /// and work under way gets the flag to stop at its next checkpoint (a
    /// search: the next segment, the relaxed pass, the snippets).
    pub async fn blocking<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(Arc<Loaded>, Arc<std::sync::atomic::AtomicBool>) -> Result<T, ApiError>
            + Send
            + 'static,
    {
        let permit = self.admission.enter().await?;
        let cancel = admission::Cancel::default();
        let guard = admission::CancelOnDrop::new(cancel.clone());
        let loaded = self.live.get();
        let result = tokio::task::spawn_blocking(move || {
            let _slot = permit;
            if cancel.is_cancelled() {
                return Err(ApiError::status(StatusCode::SERVICE_UNAVAILABLE));
            }
            f(loaded, cancel.flag())
        })
        .await;
        guard.disarm();
        result.map_err(|e| ApiError::internal(format!("search task failed: {e}")))?
    }
}

/// Opens the live generation of `data` (see [`Loaded::new`] for `cache_bytes`).
pub fn load(data: &std::path::Path, cache_bytes: usize) -> anyhow::Result<Loaded> {
    let dir = DataDir::new(data);
    // A damaged live generation: the previous good one serves (logged loudly).
    Loaded::new(
        gongkai_index::generation::open_serving(&dir, dir.analyzer()?, true)?,
        cache_bytes,
    )
}

/// Builds the state from a configuration (opens the index).
pub fn state(config: Config) -> anyhow::Result<AppState> {
    let live = Live(Arc::new(ArcSwap::from_pointee(load(
        &config.data,
        config.result_cache_bytes,
    )?)));
    let admission = Arc::new(admission::Admission::new(
        config.search_slots,
        config.search_queue,
    ));
    Ok(AppState {
        metrics: Arc::new(metrics::Metrics::new(live.clone(), admission.clone())),
        live,
        admission,
        config: Arc::new(config),
        stats: stats::StatsCache::default(),
    })
}

/// The router with every route and layer.
pub fn router(state: AppState) -> Router {
    let mut app = Router::new()
        .route("/", get(page::search_page))
        .route("/api/search", get(api::search))
        .route("/api/doc", get(api::doc_by_url))
        .route("/api/doc/{id}", get(api::doc))
        .route("/api/suggest", get(api::suggest))
        .route("/api/categories", get(api::categories))
        .route("/stats", get(stats::stats_page))
        .route("/healthz", get(api::healthz))
        .route("/metrics", get(api::metrics));
    if state.config.admin_token.is_some() {
        app = app.route("/admin/inspect", get(inspect::inspect_page));
    }
    let mut app = app
        .fallback(api::not_found)
        // Innermost: the timeout answers the JSON error, which the metrics
        // count and the outer layer gives the security headers.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            request_timeout,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(axum::middleware::from_fn(security_headers));
    if !state.config.cors_origins.is_empty() {
        let origins: Vec<HeaderValue> = state
            .config
            .cors_origins
            .iter()
            .filter_map(|o| HeaderValue::from_str(o.trim()).ok())
            .collect();
        app = app.layer(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(origins))
                .allow_methods([Method::GET, Method::HEAD, Method::OPTIONS])
                .max_age(Duration::from_secs(3600)),
        );
    }
    app.with_state(state)
}

/// Answers the JSON 503 (with `Retry-After`) when a request takes longer
/// than `--request-timeout`; dropping the handler's future leaves the search
/// queue or stops work that has not begun (see [`AppState::blocking`]).
async fn request_timeout(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let limit = state.config.request_timeout;
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!("request timed out after {} s", limit.as_secs_f64());
            axum::response::IntoResponse::into_response(ApiError::timeout(limit))
        }
    }
}

/// An error answer without a body of its own (405 from the router, …)
/// becomes the documented JSON error; other headers (`Allow`) are kept.
fn json_error(response: axum::response::Response) -> axum::response::Response {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error())
        || response.headers().contains_key(header::CONTENT_TYPE)
    {
        return response;
    }
    let (mut parts, _) = response.into_parts();
    let body = ApiError::status(status).body().to_string();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    axum::response::Response::from_parts(parts, axum::body::Body::from(body))
}

/// Headers on every response: a strict CSP (no script at all), no sniffing,
/// no framing, no referrer leaking queries to portals. Bare error answers
/// become JSON errors first.
async fn security_headers(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let mut response = json_error(next.run(request).await);
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
        ),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

/// Re-reads `DATA/CURRENT` every `interval`; swaps to a new generation when it changes.
pub fn spawn_reloader(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(state.config.reload_interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // The CURRENT last loaded (differs from the generation served when
        // a damaged live generation made the previous one serve).
        let mut seen = Some(state.live.get().generation);
        loop {
            ticker.tick().await;
            let data = state.config.data.clone();
            let cache_bytes = state.config.result_cache_bytes;
            let result =
                tokio::task::spawn_blocking(move || -> anyhow::Result<Option<(u64, Loaded)>> {
                    let dir = DataDir::new(&data);
                    match dir.current_generation()? {
                        Some(n) if Some(n) != seen => Ok(Some((n, load(&data, cache_bytes)?))),
                        _ => Ok(None),
                    }
                })
                .await;
            match result {
                Ok(Ok(Some((current, loaded)))) => {
                    seen = Some(current);
                    tracing::info!(
                        generation = loaded.generation,
                        docs = loaded.searcher.num_docs(),
                        "index generation swapped in"
                    );
                    state.live.set(loaded);
                    state.metrics.reloaded();
                }
                Ok(Ok(None)) => {}
                Ok(Err(e)) => {
                    tracing::warn!("index reload failed (keeping the current one): {e:#}")
                }
                Err(e) => tracing::warn!("index reload task failed: {e}"),
            }
        }
    })
}

/// Binds, prints `listening on http://ADDR`, serves until SIGTERM or Ctrl-C,
/// then finishes requests in progress for at most `--shutdown-timeout`.
pub async fn serve(
    state: AppState,
    listen: SocketAddr,
    on_ready: impl FnOnce(SocketAddr),
) -> anyhow::Result<()> {
    let limits = listener::Limits {
        header_timeout: state.config.header_timeout,
        max_connections: listener::connection_limit(state.config.max_connections),
        shutdown_timeout: state.config.shutdown_timeout,
    };
    let socket = tokio::net::TcpListener::bind(listen).await?;
    let addr = socket.local_addr()?;
    tracing::info!(
        search_slots = state.admission.slots(),
        search_queue = state.config.search_queue,
        "admission control"
    );
    // Before the address is announced: a SIGTERM from then on shuts down.
    let shutdown = shutdown_signal();
    on_ready(addr);
    let reloader = spawn_reloader(state.clone());
    let app = router(state);
    listener::run(socket, app, limits, shutdown).await?;
    reloader.abort();
    tracing::info!("server stopped");
    Ok(())
}

/// Resolves on SIGTERM or Ctrl-C. The SIGTERM handler is installed when
/// this is called, not when the future is first polled: the accept loop may
/// take its first connections before it polls the shutdown branch, and a
/// SIGTERM in between would otherwise kill the process outright.
pub fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    async move {
        let ctrl_c = async {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        };
        #[cfg(unix)]
        let term = async move {
            match term {
                Some(mut s) => {
                    s.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let term = std::future::pending::<()>();
        tokio::select! {
            _ = ctrl_c => {},
            _ = term => {},
        }
        tracing::info!("shutdown requested");
    }
}
