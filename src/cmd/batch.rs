//! `gongkai batch`: many queries from a file or stdin, in parallel, results
//! in input order as JSON lines, CSV, TSV or a TREC run (see
//! `docs/batch-eval.md`). The work is in [`crate::batch`].

use std::io::{BufRead, BufReader, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use crate::batch::output::{self, Format, OutputWriter};

/// Arguments of `gongkai batch`.
#[derive(Debug, clap::Args)]
pub struct BatchArgs {
    /// Query file (`-` for stdin): one query a line, or `qid<TAB>query`; blank and `#` lines are skipped.
    pub queries: PathBuf,
    #[command(flatten)]
    pub data: crate::cli::DataArgs,
    #[command(flatten)]
    pub filters: crate::cli::FilterArgs,
    /// Hits per query (at most 1000).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub limit: u16,
    /// Output format.
    #[arg(long, value_enum, default_value = "jsonl")]
    pub format: Format,
    /// Worker threads (default: all cores).
    #[arg(long, short = 'j')]
    pub jobs: Option<usize>,
    /// Columns (csv/tsv) or hit keys (jsonl): qid,line,query,total,rank,id,score,title,url,category,kind,published,publisher,doc_number,index_number,snippet,snippet_source.
    #[arg(long, default_value = output::DEFAULT_FIELDS, value_parser = output::parse_field_list)]
    pub fields: output::FieldList,
    /// Run tag, the last column of `--format trec`.
    #[arg(long, default_value = "gongkai")]
    pub tag: String,
    /// Start CSV output with a UTF-8 byte-order mark (for Excel).
    #[arg(long)]
    pub bom: bool,
}

pub fn run(args: BatchArgs) -> anyhow::Result<ExitCode> {
    let searcher = crate::cli::open_searcher(&args.data.data)?;
    let mut template = args.filters.request("");
    template.limit = usize::from(args.limit);
    template.snippets = args
        .fields
        .0
        .iter()
        .any(|f| matches!(f, output::Field::Snippet | output::Field::SnippetSource));
    // Batch output shows no facets: do not count them.
    template.without_facets = true;
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);

    let stdin = args.queries.as_os_str() == "-";
    let (input, length): (Box<dyn BufRead + Send>, Option<u64>) = if stdin {
        (Box::new(BufReader::new(std::io::stdin())), None)
    } else {
        let open = || {
            std::fs::File::open(&args.queries).with_context(|| args.queries.display().to_string())
        };
        // Count the lines first for the progress bar (cheap next to searching).
        let length = if std::io::stderr().is_terminal() {
            Some(BufReader::new(open()?).lines().count() as u64)
        } else {
            None
        };
        (Box::new(BufReader::with_capacity(1 << 16, open()?)), length)
    };
    let progress = if std::io::stderr().is_terminal() {
        let bar = match length {
            Some(n) => indicatif::ProgressBar::new(n),
            None => indicatif::ProgressBar::no_length(),
        };
        let style = indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} queries {per_sec} eta {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
        bar.with_style(style)
    } else {
        indicatif::ProgressBar::hidden()
    };

    let stdout = std::io::stdout();
    let mut writer = OutputWriter::new(
        stdout.lock(),
        args.format,
        args.fields.0,
        &args.tag,
        args.bom,
    )?;
    let summary =
        crate::batch::run_batch(&searcher, &template, input, jobs, &mut writer, &progress)?;
    writer.flush()?;
    progress.finish_and_clear();
    if summary.failed > 0 {
        eprintln!(
            "{} of {} queries failed",
            summary.failed,
            summary.ok + summary.failed
        );
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}
