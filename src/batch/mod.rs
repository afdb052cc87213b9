//! Batch querying: many queries from a file or a pipe, run in parallel,
//! written in input order.
//!
//! [`input`] turns lines into queries (with line numbers for error reports),
//! [`runner`] runs them on worker threads and hands results back in order,
//! [`output`] writes them as JSON lines, CSV, TSV or a TREC run.

pub mod input;
pub mod output;
pub mod runner;

use std::io::{BufRead, Write};

use gongkai_index::{SearchRequest, SearchResponse, Searcher};

use input::{Line, QueryLine, QueryReader};
use output::OutputWriter;

/// How a batch went.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// Queries that ran.
    pub ok: usize,
    /// Lines that could not be run (reported on stderr).
    pub failed: usize,
}

/// The result of one input line.
enum Outcome {
    Done(QueryLine, SearchResponse),
    Failed {
        qid: Option<String>,
        line: usize,
        message: String,
    },
    Fatal(std::io::Error),
}

struct BatchSink<'a, W: Write> {
    writer: &'a mut OutputWriter<W>,
    progress: &'a indicatif::ProgressBar,
    summary: Summary,
}

impl<W: Write> runner::Sink<Outcome> for BatchSink<'_, W> {
    fn item(&mut self, item: Outcome) -> anyhow::Result<()> {
        match item {
            Outcome::Done(q, response) => {
                self.writer.write_response(&q, &response)?;
                self.summary.ok += 1;
            }
            Outcome::Failed { qid, line, message } => {
                self.progress.suspend(|| eprintln!("{line}: {message}"));
                self.writer.write_failure(qid.as_deref(), line, &message)?;
                self.summary.failed += 1;
            }
            Outcome::Fatal(err) => {
                return Err(anyhow::Error::new(err).context("reading the queries"));
            }
        }
        self.progress.inc(1);
        Ok(())
    }

    fn idle(&mut self) -> anyhow::Result<()> {
        self.writer.flush()?;
        Ok(())
    }
}

/// Runs every query of `input` with the filters, sort and limit of
/// `template` on `jobs` threads, writing results in input order.
pub fn run_batch<R: BufRead + Send, W: Write>(
    searcher: &Searcher,
    template: &SearchRequest,
    input: R,
    jobs: usize,
    writer: &mut OutputWriter<W>,
    progress: &indicatif::ProgressBar,
) -> anyhow::Result<Summary> {
    let work = |line: Line| match line {
        Line::Query(q) => {
            let request = SearchRequest {
                query: q.query.clone(),
                ..template.clone()
            };
            match searcher.search(&request) {
                Ok(response) => Outcome::Done(q, response),
                Err(err) => Outcome::Failed {
                    qid: Some(q.qid),
                    line: q.line,
                    message: err.to_string(),
                },
            }
        }
        Line::Bad { line, message } => Outcome::Failed {
            qid: None,
            line,
            message,
        },
        Line::ReadError(err) => Outcome::Fatal(err),
    };
    let mut sink = BatchSink {
        writer,
        progress,
        summary: Summary::default(),
    };
    runner::run_ordered(
        QueryReader::new(input),
        jobs,
        jobs.max(1) * 64,
        work,
        &mut sink,
    )?;
    Ok(sink.summary)
}
