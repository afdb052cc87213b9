//! `gongkai search`: one query from the terminal, as a table or as the same
//! JSON the HTTP API returns.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use gongkai_index::{SearchResponse, SnippetSource, Sort};

/// Arguments of `gongkai search`.
#[derive(Debug, clap::Args)]
pub struct SearchArgs {
    /// The query: words (all must match), "phrases", -exclusions, OR, title:word, a 文号 or 索引号.
    pub query: String,
    #[command(flatten)]
    pub data: super::DataArgs,
    #[command(flatten)]
    pub filters: super::FilterArgs,
    /// Order of results.
    #[arg(long, default_value = "relevance", value_parser = ["relevance", "date"])]
    pub sort: String,
    /// Hits to show.
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
    /// Hits to skip.
    #[arg(long, default_value_t = 0)]
    pub offset: usize,
    /// Output format.
    #[arg(long, default_value = "table", value_parser = ["table", "json"])]
    pub format: String,
}

pub fn run(args: SearchArgs) -> anyhow::Result<ExitCode> {
    let searcher = super::open_searcher(&args.data.data)?;
    let mut request = args.filters.request(&args.query);
    request.sort = args.sort.parse::<Sort>()?;
    request.limit = args.limit;
    request.offset = args.offset;
    request.snippets = true;
    let response = searcher.search(&request)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.format == "json" {
        serde_json::to_writer(&mut out, &response)?;
        writeln!(out)?;
    } else {
        print_table(&mut out, &response, std::io::stdout().is_terminal())?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Turns snippet HTML into terminal text: matches bold (or 【】 when piped).
fn terminal_text(html: &str, color: bool) -> String {
    let (open, close) = if color {
        ("\x1b[1;31m", "\x1b[0m")
    } else {
        ("【", "】")
    };
    html.replace("<em>", open)
        .replace("</em>", close)
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

fn print_table(
    out: &mut impl Write,
    response: &SearchResponse,
    color: bool,
) -> std::io::Result<()> {
    writeln!(
        out,
        "{} results in {:.1} ms{}",
        response.total,
        response.took_ms,
        if response.relaxed {
            " (no document has every word; showing documents with any)"
        } else {
            ""
        }
    )?;
    for (i, hit) in response.hits.iter().enumerate() {
        writeln!(out)?;
        writeln!(
            out,
            "{:>3}. {}",
            i + 1,
            terminal_text(&hit.title_html, color)
        )?;
        let category = hit
            .category
            .as_deref()
            .or(hit.kind.as_deref())
            .unwrap_or("-");
        writeln!(
            out,
            "     {} | {} | {} | {}{} | score {:.2}",
            hit.published.as_deref().unwrap_or("----------"),
            category,
            if hit.publisher.is_empty() {
                "-"
            } else {
                &hit.publisher
            },
            hit.doc_number,
            if hit.doc_number.is_empty() { "" } else { " " },
            hit.score
        )?;
        writeln!(out, "     {}", hit.url)?;
        let label = match hit.snippet_source {
            SnippetSource::Attachment => "[附件] ",
            SnippetSource::Body => "",
        };
        writeln!(out, "     {label}{}", terminal_text(&hit.snippet, color))?;
    }
    let facets: Vec<String> = response
        .facets
        .category
        .0
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(k, n)| format!("{k} {n}"))
        .collect();
    if !facets.is_empty() {
        writeln!(out, "\ncategories: {}", facets.join(" · "))?;
    }
    Ok(())
}
