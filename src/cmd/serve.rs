//! `gongkai serve`: the JSON API and the search page over HTTP (see `crate::serve`).

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;

/// Arguments of `gongkai serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub data: super::DataArgs,
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
    /// Seconds a request may take before it is answered 503.
    #[arg(long, default_value_t = 10)]
    pub request_timeout: u64,
    /// Seconds between checks of DATA/CURRENT for a new index generation.
    #[arg(long, default_value_t = 1.0)]
    pub reload_interval: f64,
    /// Title of the search page.
    #[arg(long, default_value = "政府信息公开搜索")]
    pub site_title: String,
    /// Worker threads for requests (0 = one per core).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
}

pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let mut config = crate::serve::Config::new(args.data.data.clone());
    config.cors_origins = args.cors_origins;
    config.request_timeout = Duration::from_secs(args.request_timeout.max(1));
    config.reload_interval = Duration::from_secs_f64(args.reload_interval.clamp(0.05, 3600.0));
    config.site_title = args.site_title;
    let state = crate::serve::state(config)
        .with_context(|| format!("cannot open the index in {}", args.data.data.display()))?;
    let runtime = runtime(args.threads)?;
    runtime.block_on(crate::serve::serve(state, args.listen, |addr| {
        println!("listening on http://{addr}");
        // Tests and scripts read this line; make sure it is out.
        use std::io::Write;
        let _ = std::io::stdout().flush();
    }))?;
    Ok(ExitCode::SUCCESS)
}

/// The tokio runtime of the server.
pub fn runtime(threads: usize) -> anyhow::Result<tokio::runtime::Runtime> {
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if threads > 0 {
        builder.worker_threads(threads);
    }
    Ok(builder.enable_all().build()?)
}
