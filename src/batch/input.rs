//! Reading query files: one query per line, or `qid<TAB>query`.
//!
//! Blank lines and lines whose first non-blank character is `#` are skipped.
//! A line that cannot be run is not fatal: it comes out as [`Line::Bad`] with
//! its 1-based line number so the caller can report it and go on. Only an I/O
//! error reading the input stops the batch ([`Line::ReadError`]).

use std::collections::HashMap;
use std::io::BufRead;

use gongkai_index::query::MAX_QUERY_BYTES;

/// One runnable query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryLine {
    /// 1-based line number in the input.
    pub line: usize,
    /// The query id: the text before the tab, else the line number.
    pub qid: String,
    /// The query text, in `gongkai search` syntax.
    pub query: String,
}

/// What one non-skipped input line turned into.
#[derive(Debug)]
pub enum Line {
    /// A query to run.
    Query(QueryLine),
    /// A line that cannot be run, with the reason.
    Bad {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// Reading the input failed; nothing after this is read.
    ReadError(std::io::Error),
}

/// Iterator over the query lines of a reader.
pub struct QueryReader<R> {
    reader: R,
    line: usize,
    buf: Vec<u8>,
    seen: HashMap<String, usize>,
    failed: bool,
}

impl<R: BufRead> QueryReader<R> {
    /// Reads queries from `reader`.
    pub fn new(reader: R) -> Self {
        QueryReader {
            reader,
            line: 0,
            buf: Vec::new(),
            seen: HashMap::new(),
            failed: false,
        }
    }
}

impl<R: BufRead> Iterator for QueryReader<R> {
    type Item = Line;

    fn next(&mut self) -> Option<Line> {
        loop {
            if self.failed {
                return None;
            }
            self.buf.clear();
            match self.reader.read_until(b'\n', &mut self.buf) {
                Ok(0) => return None,
                Ok(_) => {}
                Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(err) => {
                    self.failed = true;
                    return Some(Line::ReadError(err));
                }
            }
            self.line += 1;
            let line = self.line;
            let Ok(text) = std::str::from_utf8(&self.buf) else {
                return Some(Line::Bad {
                    line,
                    message: "not valid UTF-8".into(),
                });
            };
            let text = text.strip_suffix('\n').unwrap_or(text);
            let text = text.strip_suffix('\r').unwrap_or(text);
            let text = if line == 1 {
                text.strip_prefix('\u{feff}').unwrap_or(text)
            } else {
                text
            };
            match parse_line(line, text) {
                Parsed::Skip => continue,
                Parsed::Bad(message) => return Some(Line::Bad { line, message }),
                Parsed::Query(q) => {
                    if let Some(first) = self.seen.get(&q.qid) {
                        return Some(Line::Bad {
                            line,
                            message: format!(
                                "duplicate query id {:?} (first on line {first})",
                                q.qid
                            ),
                        });
                    }
                    self.seen.insert(q.qid.clone(), line);
                    return Some(Line::Query(q));
                }
            }
        }
    }
}

enum Parsed {
    Skip,
    Bad(String),
    Query(QueryLine),
}

fn parse_line(line: usize, text: &str) -> Parsed {
    let trimmed = text.trim();
    if trimmed.is_empty() || trimmed.starts_with('#') {
        return Parsed::Skip;
    }
    let (qid, query) = match text.split_once('\t') {
        None => (line.to_string(), trimmed),
        Some((qid, query)) => {
            let qid = qid.trim();
            let query = query.trim();
            if qid.is_empty() {
                return Parsed::Bad("empty query id before the tab".into());
            }
            if qid.chars().any(char::is_whitespace) {
                return Parsed::Bad(format!("query id {qid:?} contains white space"));
            }
            if query.contains('\t') {
                return Parsed::Bad("more than one tab (expected `qid<TAB>query`)".into());
            }
            if query.is_empty() {
                return Parsed::Bad(format!("query {qid} is empty"));
            }
            (qid.to_string(), query)
        }
    };
    if query.len() > MAX_QUERY_BYTES {
        return Parsed::Bad(format!(
            "query is {} bytes long; the limit is {MAX_QUERY_BYTES}",
            query.len()
        ));
    }
    Parsed::Query(QueryLine {
        line,
        qid,
        query: query.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &[u8]) -> Vec<Line> {
        QueryReader::new(text).collect()
    }

    #[test]
    fn plain_tabbed_comments_and_blanks() {
        let lines = read(
            "\u{feff}预算\n\n# comment\n  # indented comment\nq7\t道路 工程\r\n  交通  \n"
                .as_bytes(),
        );
        let queries: Vec<_> = lines
            .iter()
            .map(|l| match l {
                Line::Query(q) => (q.line, q.qid.as_str(), q.query.as_str()),
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        assert_eq!(
            queries,
            vec![(1, "1", "预算"), (5, "q7", "道路 工程"), (6, "6", "交通")]
        );
    }

    #[test]
    fn bad_lines_keep_their_numbers() {
        let long = "字".repeat(MAX_QUERY_BYTES);
        let input = format!("ok\n\tnoid\na b\tq\nq1\t\nq2\tx\ty\n{long}\nq3\tfine\nq3\tagain\n");
        let got: Vec<(usize, bool)> = read(input.as_bytes())
            .iter()
            .map(|l| match l {
                Line::Query(q) => (q.line, true),
                Line::Bad { line, .. } => (*line, false),
                Line::ReadError(_) => (0, false),
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (1, true),
                (2, false),
                (3, false),
                (4, false),
                (5, false),
                (6, false),
                (7, true),
                (8, false)
            ]
        );
    }

    #[test]
    fn invalid_utf8_is_a_bad_line_not_a_stop() {
        let lines = read(b"a\n\xff\xfe\nb\n");
        assert!(matches!(lines[1], Line::Bad { line: 2, .. }));
        assert!(matches!(&lines[2], Line::Query(q) if q.query == "b"));
    }
}
