//! `gongkai search`: one query from the terminal, as a table (matches in
//! bold, or in 【】 when piped) or as the same JSON the HTTP API returns
//! ([`crate::serve::json`]).

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use gongkai_index::{SearchResponse, Snippet, SnippetSource};

/// `--format` of `gongkai search`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A table for reading.
    Table,
    /// The JSON of `/api/search`.
    Json,
}

/// Arguments of `gongkai search`.
#[derive(Debug, clap::Args)]
pub struct SearchArgs {
    /// The query: words (all must match), "phrases", -exclusions, OR, title:word, a 文号 or 索引号.
    pub query: String,
    #[command(flatten)]
    pub data: crate::cli::DataArgs,
    #[command(flatten)]
    pub filters: crate::cli::FilterArgs,
    /// Hits to show.
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
    /// Hits to skip.
    #[arg(long, default_value_t = 0)]
    pub offset: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

pub fn run(args: SearchArgs) -> anyhow::Result<ExitCode> {
    let searcher = crate::cli::open_searcher(&args.data.data)?;
    let mut request = args.filters.request(&args.query);
    request.limit = args.limit;
    request.offset = args.offset;
    request.snippets = true;
    let response = searcher.search(&request)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.format == Format::Json {
        serde_json::to_writer(&mut out, &crate::serve::json::SearchJson::new(&response))?;
        writeln!(out)?;
    } else {
        print_table(&mut out, &response, std::io::stdout().is_terminal())?;
    }
    Ok(ExitCode::SUCCESS)
}

/// A snippet as terminal text: matches bold (or in 【】 when piped).
fn terminal_text(snippet: &Snippet, color: bool) -> String {
    let (open, close) = if color {
        ("\x1b[1;31m", "\x1b[0m")
    } else {
        ("【", "】")
    };
    let mut out = String::with_capacity(snippet.text.len() + 16);
    for (piece, matched) in snippet.pieces() {
        if matched {
            out.push_str(open);
            out.push_str(piece);
            out.push_str(close);
        } else {
            out.push_str(piece);
        }
    }
    out
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
        if !response.unmatched.is_empty() {
            format!(
                " (no document has all of it; without: {})",
                response.unmatched.join(", ")
            )
        } else if response.relaxed {
            " (no document has every word; showing documents with any)".to_string()
        } else {
            String::new()
        }
    )?;
    for (i, hit) in response.hits.iter().enumerate() {
        let doc = &hit.document;
        writeln!(out)?;
        writeln!(out, "{:>3}. {}", i + 1, terminal_text(&hit.title, color))?;
        let category = doc
            .category
            .as_deref()
            .or(doc.kind.as_deref())
            .unwrap_or("-");
        writeln!(
            out,
            "     {} | {} | {} | {}{} | score {:.2}",
            doc.published.as_deref().unwrap_or("----------"),
            category,
            if doc.publisher.is_empty() {
                "-"
            } else {
                &doc.publisher
            },
            doc.doc_number,
            if doc.doc_number.is_empty() { "" } else { " " },
            hit.score
        )?;
        writeln!(out, "     {}", doc.url)?;
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
