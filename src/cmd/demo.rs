//! `gongkai demo`: the whole pipeline on a fresh machine. Serves the bundled
//! sample portal (`src/demo/site`, 247 documents, built into the binary and
//! unpacked to a temporary folder, so an installed binary needs no clone) on
//! a free loopback port,
//! crawls it with the real crawler into a data directory, and serves the
//! search page over that index, printing the URL to open. If the crawl
//! cannot run or finds nothing, the bundled documents (`src/demo/docs.jsonl`)
//! are indexed directly instead, and the output says so. The crawl and the
//! indexing are the pipelines `gongkai crawl` and `gongkai index` run
//! ([`crate::cli::crawl`], [`crate::cli::jsonl`]).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use gongkai_crawler::CrawlConfig;

use crate::cli::SitesArgs;
use crate::cli::term::runtime;

/// The bundled portal and documents, built into the binary.
static DEMO: include_dir::Dir<'static> = include_dir::include_dir!("$CARGO_MANIFEST_DIR/src/demo");

/// Arguments of `gongkai demo`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Data directory for the demo index [default: a fresh temporary directory].
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Address for the search page.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Folder with a sample portal (`site/`, `_meta/`) and `docs.jsonl`
    /// [default: the one built into gongkai].
    #[arg(long)]
    pub fixture: Option<PathBuf>,
    /// Skip the crawl and index the bundled documents directly.
    #[arg(long)]
    pub no_crawl: bool,
}

pub fn run(args: DemoArgs) -> anyhow::Result<ExitCode> {
    let data = match &args.data {
        Some(d) => d.clone(),
        None => std::env::temp_dir().join(format!("gongkai-demo-{}", std::process::id())),
    };
    std::fs::create_dir_all(&data).with_context(|| format!("cannot create {}", data.display()))?;
    let fixture = match &args.fixture {
        Some(f) => f.clone(),
        None => {
            let dir =
                std::env::temp_dir().join(format!("gongkai-demo-portal-{}", std::process::id()));
            std::fs::create_dir_all(&dir)
                .and_then(|()| DEMO.extract(&dir))
                .with_context(|| format!("cannot unpack the sample portal to {}", dir.display()))?;
            println!("sample portal unpacked to {}", dir.display());
            dir
        }
    };
    let site = fixture.join("site");
    anyhow::ensure!(
        site.join("site").is_dir(),
        "the sample portal is missing: {} (--fixture names a folder with site/ and docs.jsonl)",
        site.display()
    );

    // 1. The sample portal, on its own runtime thread, for as long as the demo runs.
    let (tx, rx) = std::sync::mpsc::channel::<anyhow::Result<SocketAddr>>();
    let site_dir = site.clone();
    std::thread::spawn(move || {
        let result = (|| -> anyhow::Result<()> {
            runtime(1)?.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
                let _ = tx.send(Ok(listener.local_addr()?));
                axum::serve(listener, crate::serve::portal::router(&site_dir)).await?;
                anyhow::Ok(())
            })
        })();
        if let Err(e) = result {
            eprintln!("sample portal stopped: {e:#}");
        }
    });
    let portal = rx.recv().context("the sample portal did not start")??;
    let portal_url = format!("http://{portal}/");
    println!("sample portal (样例县人民政府) on {portal_url}");

    // 2. Crawl it, or index the bundled documents.
    let mut crawled = false;
    if !args.no_crawl {
        println!("crawling {portal_url} into {} ...", data.display());
        match crawl(&portal_url, &data) {
            Ok(()) => crawled = count_docs(&data) > 0,
            Err(e) => println!("the crawl did not work ({e:#})"),
        }
    }
    if !crawled {
        let docs = fixture.join("docs.jsonl");
        println!(
            "indexing the bundled documents directly from {} (no crawl)",
            docs.display()
        );
        crate::cli::jsonl::index_files(&data, &[docs], 0, None)?;
    }
    println!("{} documents indexed", count_docs(&data));

    // 3. Serve the search page.
    let mut config = crate::serve::Config::new(data.clone());
    config.site_title = "样例县政府信息公开搜索（演示）".to_string();
    let state = crate::serve::state(config)?;
    runtime(0)?.block_on(crate::serve::serve(state, args.listen, |addr| {
        println!("listening on http://{addr}");
        println!("open http://{addr}/ in a browser (Ctrl-C to stop)");
        use std::io::Write;
        let _ = std::io::stdout().flush();
    }))?;
    Ok(ExitCode::SUCCESS)
}

/// Crawls the sample portal into `data` and indexes it, as `gongkai crawl
/// URL --data DIR --delay-ms 0 --concurrency 4` does.
fn crawl(url: &str, data: &Path) -> anyhow::Result<()> {
    let mut cfg = CrawlConfig {
        seeds: vec![url.to_string()],
        delay: std::time::Duration::ZERO,
        concurrency: 4,
        ..Default::default()
    };
    if let Some(rules) = SitesArgs::default().rules(data)? {
        cfg.sites = rules;
    }
    let crawled = crate::cli::crawl::crawl_into_index(data, cfg, true, None)?;
    anyhow::ensure!(!crawled.stopped, "the crawl was stopped");
    Ok(())
}

fn count_docs(data: &Path) -> u64 {
    crate::serve::load(data, 0)
        .map(|l| l.searcher.num_docs())
        .unwrap_or(0)
}
