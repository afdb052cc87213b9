//! `gongkai extract`: what gongkai sees on one page — its kind and the
//! evidence that decided it, the fields and where each came from, the body's
//! start and end, links, pagination and attachments — so staff can see why
//! a page was or was not indexed (as `analyze` does for text).

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use gongkai_crawler::extract::{self, Extracted};
use gongkai_crawler::fetch::{FetchConfig, Fetched, Fetcher, Validators};
use gongkai_crawler::politeness::Politeness;
use gongkai_crawler::url::Url;
use serde::Serialize;

use crate::cli::{DataArgs, SitesArgs};

/// Output format of `gongkai extract`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ExtractFormat {
    Text,
    Json,
}

/// Arguments of `gongkai extract`.
#[derive(Debug, clap::Args)]
pub struct ExtractArgs {
    /// An http(s) URL to fetch, or a saved page (a file).
    pub page: String,
    /// The page's address, for a file: resolves its links and applies the
    /// host's `sites.toml` rules (default `http://localhost/FILE`).
    #[arg(long)]
    pub url: Option<String>,
    /// Decode with this charset (gbk, big5, utf-8…) instead of detecting it,
    /// as when the server names it only in its HTTP header.
    #[arg(long)]
    pub charset: Option<String>,
    #[command(flatten)]
    pub sites: SitesArgs,
    #[command(flatten)]
    pub data: DataArgs,
    #[arg(long, value_enum, default_value = "text")]
    pub format: ExtractFormat,
}

#[derive(Serialize)]
struct Report<'a> {
    url: String,
    charset: String,
    charset_from: &'a str,
    kind: &'static str,
    indexed: bool,
    evidence: &'a extract::Evidence,
    title: &'a str,
    published: Option<&'a str>,
    publisher: Option<&'a str>,
    doc_number: Option<&'a str>,
    index_number: Option<&'a str>,
    category_hint: Option<&'a str>,
    column: Option<&'a str>,
    breadcrumb: &'a [String],
    body_chars: usize,
    body_start: String,
    body_end: String,
    body: &'a str,
    links: usize,
    pagination: Vec<&'a str>,
    attachments: Vec<(&'a str, &'a str)>,
}

/// Fetches `url` once, following up to five redirects.
fn fetch(url: &Url) -> anyhow::Result<(Url, Vec<u8>, Option<String>)> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let fetcher = Fetcher::new(
            FetchConfig::default(),
            Arc::new(Politeness::new(1, Duration::ZERO)),
        )?;
        let mut url = url.clone();
        for _ in 0..6 {
            match fetcher.get(&url, &Validators::default()).await? {
                Fetched::Body {
                    body, content_type, ..
                } => return Ok((url, body, content_type)),
                Fetched::Redirect { location, .. } => url = location,
                Fetched::Status(s) => anyhow::bail!("{url}: HTTP {s}"),
                Fetched::NotModified => anyhow::bail!("{url}: 304 without validators"),
            }
        }
        anyhow::bail!("{url}: more than five redirects")
    })
}

fn head(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

fn tail(s: &str, n: usize) -> String {
    let count = s.chars().count();
    s.chars().skip(count.saturating_sub(n)).collect()
}

pub fn run(args: ExtractArgs) -> anyhow::Result<ExitCode> {
    let (url, bytes, content_type) = if args.page.starts_with("http://")
        || args.page.starts_with("https://")
    {
        let url = Url::parse(&args.page).context("not a URL")?;
        fetch(&url)?
    } else {
        let bytes = std::fs::read(&args.page).with_context(|| format!("reading {}", args.page))?;
        let url = match &args.url {
            Some(u) => Url::parse(u).with_context(|| format!("--url {u:?} is not a URL"))?,
            None => {
                let name = std::path::Path::new(&args.page)
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default();
                Url::parse("http://localhost/")?.join(&name)?
            }
        };
        (url, bytes, None)
    };
    let (text, charset, charset_from) = match &args.charset {
        Some(label) => {
            let enc = gongkai_crawler::charset::for_label(label)
                .with_context(|| format!("unknown charset {label:?}"))?;
            let (text, _) = enc.decode_without_bom_handling(&bytes);
            (text.into_owned(), enc.name().to_string(), "--charset")
        }
        None => {
            let d = gongkai_crawler::charset::decode(&bytes, content_type.as_deref());
            (d.text, d.encoding.name().to_string(), d.source)
        }
    };
    let rules = args.sites.rules(&args.data.data)?.unwrap_or_default();
    let ex = extract::extract_with(&text, &url, rules.for_url(&url));
    let report = report(&ex, &url, charset, charset_from);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let written = match args.format {
        ExtractFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&report)?),
        ExtractFormat::Text => print_text(&mut out, &report),
    }
    .and_then(|()| out.flush());
    match written {
        // `gongkai extract … | head` closing the pipe is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        other => {
            other?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// A field the page did not give (empty) is reported as missing.
fn some(text: &str) -> Option<&str> {
    (!text.is_empty()).then_some(text)
}

fn report<'a>(ex: &'a Extracted, url: &Url, charset: String, charset_from: &'a str) -> Report<'a> {
    Report {
        url: url.to_string(),
        charset,
        charset_from,
        kind: ex.kind().name(),
        indexed: ex.kind() == extract::PageKind::Article,
        evidence: &ex.evidence,
        title: &ex.document.title,
        published: ex.document.published.as_deref(),
        publisher: some(&ex.document.publisher),
        doc_number: some(&ex.document.doc_number),
        index_number: some(&ex.document.index_number),
        category_hint: some(&ex.document.category_hint),
        column: some(&ex.document.column),
        breadcrumb: &ex.document.breadcrumb,
        body_chars: ex.document.body.chars().count(),
        body_start: head(&ex.document.body, 60),
        body_end: tail(&ex.document.body, 60),
        body: &ex.document.body,
        links: ex.links.len(),
        pagination: ex
            .links
            .iter()
            .filter(|l| l.pagination)
            .map(|l| l.url.as_str())
            .collect(),
        attachments: ex
            .attachments
            .iter()
            .map(|(u, t)| (u.as_str(), t.as_str()))
            .collect(),
    }
}

fn print_text(out: &mut impl Write, r: &Report<'_>) -> std::io::Result<()> {
    let field = |out: &mut dyn Write, name: &str, value: Option<&str>, key: &str| {
        let from = r
            .evidence
            .sources
            .get(key)
            .map(|s| format!("  [{s}]"))
            .unwrap_or_default();
        writeln!(out, "{name:<13}{}{from}", value.unwrap_or("—"))
    };
    writeln!(out, "{:<13}{}", "url", r.url)?;
    writeln!(out, "{:<13}{} ({})", "charset", r.charset, r.charset_from)?;
    writeln!(
        out,
        "{:<13}{} — {} (evidence {} points, {} needed for an article)",
        "kind",
        r.kind,
        if r.indexed { "indexed" } else { "not indexed" },
        r.evidence.article_score,
        extract::ARTICLE_THRESHOLD
    )?;
    for reason in &r.evidence.reasons {
        writeln!(out, "{:<13}{reason}", "")?;
    }
    field(
        out,
        "title",
        Some(r.title).filter(|t| !t.is_empty()),
        "title",
    )?;
    field(out, "published", r.published, "published")?;
    field(out, "publisher", r.publisher, "publisher")?;
    field(out, "doc_number", r.doc_number, "doc_number")?;
    field(out, "index_number", r.index_number, "index_number")?;
    field(out, "category", r.category_hint, "category")?;
    writeln!(out, "{:<13}{}", "column", r.column.unwrap_or("—"))?;
    if !r.breadcrumb.is_empty() {
        writeln!(out, "{:<13}{}", "breadcrumb", r.breadcrumb.join(" > "))?;
    }
    writeln!(
        out,
        "{:<13}{} characters in {}, link density {:.2}",
        "body",
        r.body_chars,
        r.evidence.body_element.as_deref().unwrap_or("(no block)"),
        r.evidence.body_link_density
    )?;
    writeln!(
        out,
        "{:<13}{}",
        "  starts",
        r.body_start.replace('\n', " ⏎ ")
    )?;
    writeln!(out, "{:<13}{}", "  ends", r.body_end.replace('\n', " ⏎ "))?;
    writeln!(
        out,
        "{:<13}{} ({} dated, largest group {})",
        "links", r.links, r.evidence.dated_links, r.evidence.largest_link_group
    )?;
    for p in r.pagination.iter().take(5) {
        writeln!(out, "{:<13}{p}", "  page")?;
    }
    if r.pagination.len() > 5 {
        writeln!(out, "{:<13}… {} more", "", r.pagination.len() - 5)?;
    }
    for (u, t) in &r.attachments {
        writeln!(out, "{:<13}{u}  {t}", "attachment")?;
    }
    Ok(())
}
