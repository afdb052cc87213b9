//! `gongkai serve`: the JSON API and the search page over HTTP (see `crate::serve`).

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;

/// Arguments of `gongkai serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub data: crate::cli::DataArgs,
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "GONGKAI_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Origin allowed to call the API from a browser (CORS); repeat for several.
    #[arg(
        long = "cors-origin",
        env = "GONGKAI_CORS_ORIGIN",
        value_delimiter = ','
    )]
    pub cors_origins: Vec<String>,
    /// Seconds a request may take before it is answered 503 (fractions allowed).
    #[arg(long, default_value_t = 10.0)]
    pub request_timeout: f64,
    /// Seconds between checks of DATA/CURRENT for a new index generation.
    #[arg(long, default_value_t = 1.0)]
    pub reload_interval: f64,
    /// Title of the search page.
    #[arg(long, default_value = "政府信息公开搜索")]
    pub site_title: String,
    /// Worker threads for requests (0 = one per core).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Searches run at once (0 = one per core); more wait in the queue.
    #[arg(long, default_value_t = 0)]
    pub search_slots: usize,
    /// Searches that may wait for a slot (default: 32 per slot); beyond
    /// that, 503 with Retry-After at once.
    #[arg(long)]
    pub search_queue: Option<usize>,
    /// Seconds a connection has to send a complete request head, after
    /// opening or after its previous answer (also the keep-alive idle timeout).
    #[arg(long, default_value_t = 10.0)]
    pub header_timeout: f64,
    /// Most open connections (lowered to what the descriptor limit allows);
    /// at the limit the longest-idle connection is closed to make room.
    #[arg(long, default_value_t = 1024)]
    pub max_connections: usize,
    /// Token that opens the staff pages (`/admin/inspect`), sent as
    /// `Authorization: Bearer TOKEN` or `?token=`; without it they do not exist.
    #[arg(long, env = "GONGKAI_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
    /// Seconds SIGTERM waits for requests in progress before exiting anyway.
    #[arg(long, default_value_t = 10.0)]
    pub shutdown_timeout: f64,
    /// Megabytes of answers kept for repeated searches (0: no cache); a
    /// commit or a new generation makes kept answers stale at once.
    #[arg(long, default_value_t = 32)]
    pub result_cache_mb: usize,
}

pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let mut config = crate::serve::Config::new(args.data.data.clone());
    config.cors_origins = args.cors_origins;
    config.request_timeout = seconds(args.request_timeout, 0.001, 86_400.0);
    config.reload_interval = Duration::from_secs_f64(args.reload_interval.clamp(0.05, 3600.0));
    config.site_title = args.site_title;
    if args.search_slots > 0 {
        config.search_slots = args.search_slots;
    }
    config.search_queue = args
        .search_queue
        .unwrap_or(crate::serve::QUEUE_PER_SLOT * config.search_slots)
        .min(100_000);
    config.header_timeout = seconds(args.header_timeout, 0.1, 3600.0);
    config.max_connections = args.max_connections.clamp(1, 1_000_000);
    config.shutdown_timeout = seconds(args.shutdown_timeout, 0.0, 3600.0);
    config.admin_token = args.admin_token.filter(|t| !t.trim().is_empty());
    config.result_cache_bytes = args.result_cache_mb.min(64 * 1024) << 20;
    let shutdown_timeout = config.shutdown_timeout;
    let state = crate::serve::state(config)
        .with_context(|| format!("cannot open the index in {}", args.data.data.display()))?;
    let runtime = crate::cli::term::runtime(args.threads)?;
    runtime.block_on(crate::serve::serve(state, args.listen, |addr| {
        println!("listening on http://{addr}");
        // Tests and scripts read this line; make sure it is out.
        use std::io::Write;
        let _ = std::io::stdout().flush();
    }))?;
    // Searches still running on the blocking pool (their clients are gone)
    // may not hold the exit up past the deadline.
    runtime.shutdown_timeout(shutdown_timeout.min(Duration::from_secs(1)));
    Ok(ExitCode::SUCCESS)
}

/// A number of seconds from the command line, clamped to a sane range (NaN: the low end).
fn seconds(value: f64, low: f64, high: f64) -> Duration {
    let value = if value.is_nan() { low } else { value };
    Duration::from_secs_f64(value.clamp(low, high))
}
