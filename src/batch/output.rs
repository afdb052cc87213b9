//! Batch output writers.
//!
//! * `jsonl`: one JSON object per input query (not per hit), so a script
//!   reads one line per query: `{"qid","line","query","total","relaxed",
//!   "took_ms","hits":[{…selected hit fields…}]}`. A query that failed gives
//!   `{"qid","line","error"}` instead, so the output still has one line per
//!   input query. `qid`, `line`, `query` and `total` are always present at the
//!   top level; `--fields` chooses the keys of each hit.
//! * `csv`: RFC 4180 via the `csv` crate, a header row, one row per hit;
//!   commas, quotes and line breaks inside values are quoted, so titles come
//!   out intact in a spreadsheet. `--bom` writes a UTF-8 byte-order mark
//!   first so that Excel detects UTF-8.
//! * `tsv`: a header row and one row per hit, tab-separated and never quoted,
//!   so `cut -f` and `awk -F'\t'` work; tabs and line breaks inside a value are
//!   replaced by a space (lossy by design).
//! * `trec`: `qid Q0 docid rank score tag`, one line per hit. White space in a
//!   document id would break the format and is replaced by `_`.
//!
//! Failed queries write nothing in `csv`, `tsv` and `trec`.

use std::io::Write;

use gongkai_index::search::Hit;
use gongkai_index::{SearchResponse, SnippetSource};

use super::input::QueryLine;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One JSON object per query.
    Jsonl,
    /// Tab-separated, one row per hit.
    Tsv,
    /// Comma-separated (RFC 4180), one row per hit.
    Csv,
    /// TREC run format: `qid Q0 docid rank score tag`.
    Trec,
}

/// A column of `--fields`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Qid,
    Line,
    Query,
    Total,
    Rank,
    Id,
    Score,
    Title,
    Url,
    Category,
    Kind,
    Published,
    Publisher,
    DocNumber,
    IndexNumber,
    Snippet,
    /// `body`, or `attachment` when the snippet comes from an attached file.
    SnippetSource,
}

/// Every field name, in the order `--help` lists them.
pub const FIELD_NAMES: &[(&str, Field)] = &[
    ("qid", Field::Qid),
    ("line", Field::Line),
    ("query", Field::Query),
    ("total", Field::Total),
    ("rank", Field::Rank),
    ("id", Field::Id),
    ("score", Field::Score),
    ("title", Field::Title),
    ("url", Field::Url),
    ("category", Field::Category),
    ("kind", Field::Kind),
    ("published", Field::Published),
    ("publisher", Field::Publisher),
    ("doc_number", Field::DocNumber),
    ("index_number", Field::IndexNumber),
    ("snippet", Field::Snippet),
    ("snippet_source", Field::SnippetSource),
];

/// A parsed `--fields` list (a newtype so clap takes it as one value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldList(pub Vec<Field>);

/// `--fields` value parser.
pub fn parse_field_list(text: &str) -> Result<FieldList, String> {
    parse_fields(text).map(FieldList)
}

/// The default `--fields`.
pub const DEFAULT_FIELDS: &str = "qid,rank,id,score,title,url";

impl Field {
    /// The column name.
    pub fn name(self) -> &'static str {
        FIELD_NAMES
            .iter()
            .find(|(_, f)| *f == self)
            .map_or("?", |(n, _)| n)
    }
}

/// Parses a comma-separated field list.
pub fn parse_fields(text: &str) -> Result<Vec<Field>, String> {
    let mut fields = Vec::new();
    for name in text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let Some((_, field)) = FIELD_NAMES
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
        else {
            let known: Vec<&str> = FIELD_NAMES.iter().map(|(n, _)| *n).collect();
            return Err(format!(
                "unknown field {name:?} (known: {})",
                known.join(",")
            ));
        };
        if !fields.contains(field) {
            fields.push(*field);
        }
    }
    if fields.is_empty() {
        return Err("no fields given".into());
    }
    Ok(fields)
}

fn value(field: Field, q: &QueryLine, total: u64, rank: usize, hit: &Hit) -> serde_json::Value {
    use serde_json::Value;
    let doc = &hit.document;
    match field {
        Field::Qid => Value::from(q.qid.as_str()),
        Field::Line => Value::from(q.line),
        Field::Query => Value::from(q.query.as_str()),
        Field::Total => Value::from(total),
        Field::Rank => Value::from(rank),
        Field::Id => Value::from(doc.id.as_str()),
        // Through the f32's shortest decimal form, so 62.018974 does not
        // come out as 62.01897430419922.
        Field::Score => Value::from(
            hit.score
                .to_string()
                .parse::<f64>()
                .unwrap_or(f64::from(hit.score)),
        ),
        Field::Title => Value::from(doc.title.as_str()),
        Field::Url => Value::from(doc.url.as_str()),
        Field::Category => doc.category.as_deref().map_or(Value::Null, Value::from),
        Field::Kind => doc.kind.as_deref().map_or(Value::Null, Value::from),
        Field::Published => doc.published.as_deref().map_or(Value::Null, Value::from),
        Field::Publisher => Value::from(doc.publisher.as_str()),
        Field::DocNumber => Value::from(doc.doc_number.as_str()),
        Field::IndexNumber => Value::from(doc.index_number.as_str()),
        // Plain text: the matches are not marked in a batch file.
        Field::Snippet => Value::from(hit.snippet.text.as_str()),
        Field::SnippetSource => match hit.snippet_source {
            SnippetSource::Body => Value::from("body"),
            SnippetSource::Attachment => Value::from("attachment"),
        },
    }
}

fn text(field: Field, q: &QueryLine, total: u64, rank: usize, hit: &Hit) -> String {
    match value(field, q, total, rank, hit) {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s,
        other => other.to_string(),
    }
}

enum Inner<W: Write> {
    Delimited(Box<csv::Writer<W>>),
    Plain(std::io::BufWriter<W>),
}

/// Writes query results in one format.
pub struct OutputWriter<W: Write> {
    format: Format,
    fields: Vec<Field>,
    tag: String,
    inner: Inner<W>,
}

impl<W: Write> OutputWriter<W> {
    /// A writer; writes the BOM (CSV only) and the header row (CSV, TSV) now.
    pub fn new(
        mut out: W,
        format: Format,
        fields: Vec<Field>,
        tag: &str,
        bom: bool,
    ) -> anyhow::Result<Self> {
        let inner = match format {
            Format::Csv | Format::Tsv => {
                if bom && format == Format::Csv {
                    out.write_all("\u{feff}".as_bytes())?;
                }
                let mut builder = csv::WriterBuilder::new();
                if format == Format::Tsv {
                    builder.delimiter(b'\t').quote_style(csv::QuoteStyle::Never);
                }
                let mut writer = builder.from_writer(out);
                writer.write_record(fields.iter().map(|f| f.name()))?;
                Inner::Delimited(Box::new(writer))
            }
            Format::Jsonl | Format::Trec => Inner::Plain(std::io::BufWriter::new(out)),
        };
        let tag = tag.split_whitespace().collect::<Vec<_>>().join("_");
        let tag = if tag.is_empty() {
            "gongkai".to_string()
        } else {
            tag
        };
        Ok(OutputWriter {
            format,
            fields,
            tag,
            inner,
        })
    }

    /// Writes the results of one query.
    pub fn write_response(
        &mut self,
        q: &QueryLine,
        response: &SearchResponse,
    ) -> anyhow::Result<()> {
        let total = response.total;
        match &mut self.inner {
            Inner::Delimited(writer) => {
                let tsv = self.format == Format::Tsv;
                for (i, hit) in response.hits.iter().enumerate() {
                    let row = self.fields.iter().map(|f| {
                        let t = text(*f, q, total, i + 1, hit);
                        if tsv {
                            t.replace(['\t', '\n', '\r'], " ")
                        } else {
                            t
                        }
                    });
                    writer.write_record(row)?;
                }
            }
            Inner::Plain(out) if self.format == Format::Trec => {
                for (i, hit) in response.hits.iter().enumerate() {
                    let docid: String = hit
                        .document
                        .id
                        .chars()
                        .map(|c| if c.is_whitespace() { '_' } else { c })
                        .collect();
                    writeln!(
                        out,
                        "{} Q0 {} {} {} {}",
                        q.qid,
                        docid,
                        i + 1,
                        hit.score,
                        self.tag
                    )?;
                }
            }
            Inner::Plain(out) => {
                let hits: Vec<serde_json::Value> = response
                    .hits
                    .iter()
                    .enumerate()
                    .map(|(i, hit)| {
                        let map: serde_json::Map<String, serde_json::Value> = self
                            .fields
                            .iter()
                            .filter(|f| {
                                !matches!(f, Field::Qid | Field::Line | Field::Query | Field::Total)
                            })
                            .map(|f| (f.name().to_string(), value(*f, q, total, i + 1, hit)))
                            .collect();
                        serde_json::Value::Object(map)
                    })
                    .collect();
                let object = serde_json::json!({
                    "qid": q.qid,
                    "line": q.line,
                    "query": q.query,
                    "total": total,
                    "relaxed": response.relaxed,
                    "took_ms": response.took_ms,
                    "hits": hits,
                });
                serde_json::to_writer(&mut *out, &object)?;
                writeln!(out)?;
            }
        }
        Ok(())
    }

    /// Records a failed query (JSONL only; the other formats skip it).
    pub fn write_failure(
        &mut self,
        qid: Option<&str>,
        line: usize,
        message: &str,
    ) -> anyhow::Result<()> {
        if let Inner::Plain(out) = &mut self.inner
            && self.format == Format::Jsonl
        {
            {
                let qid = qid.map_or_else(|| line.to_string(), str::to_string);
                serde_json::to_writer(
                    &mut *out,
                    &serde_json::json!({"qid": qid, "line": line, "error": message}),
                )?;
                writeln!(out)?;
            }
        }
        Ok(())
    }

    /// Flushes buffered output.
    pub fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.inner {
            Inner::Delimited(writer) => writer.flush(),
            Inner::Plain(out) => out.flush(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(id: &str, title: &str, score: f32) -> Hit {
        Hit {
            document: gongkai_index::Document {
                id: id.into(),
                url: format!("https://example.invalid/{id}"),
                title: title.into(),
                kind: Some("新闻".into()),
                published: Some("2020-01-02".into()),
                publisher: "局".into(),
                ..Default::default()
            },
            title: gongkai_index::Snippet::plain(title),
            snippet: gongkai_index::Snippet {
                text: "a b & c".into(),
                highlights: std::iter::once(2..3).collect(),
            },
            snippet_source: Default::default(),
            score,
        }
    }

    fn response(hits: Vec<Hit>) -> SearchResponse {
        SearchResponse {
            total: hits.len() as u64,
            took_ms: 0.5,
            relaxed: false,
            unmatched: Vec::new(),
            hits,
            facets: Default::default(),
        }
    }

    fn render(format: Format, fields: &str, bom: bool) -> String {
        let q = QueryLine {
            line: 3,
            qid: "q1".into(),
            query: "预算".into(),
        };
        let attached = Hit {
            snippet_source: SnippetSource::Attachment,
            ..hit("d 2", "plain\ttab", 1.0)
        };
        let r = response(vec![hit("d1", "a, \"quoted\"\ntitle", 62.018974), attached]);
        let mut buf = Vec::new();
        {
            let mut w = OutputWriter::new(
                &mut buf,
                format,
                parse_fields(fields).expect("fields"),
                "run 1",
                bom,
            )
            .expect("writer");
            w.write_response(&q, &r).expect("write");
            w.write_failure(Some("q2"), 4, "bad").expect("write");
            w.flush().expect("flush");
        }
        String::from_utf8(buf).expect("utf8")
    }

    #[test]
    fn csv_quotes_and_round_trips() {
        let out = render(Format::Csv, "qid,rank,id,title,snippet", true);
        assert!(out.starts_with('\u{feff}'));
        let mut reader = csv::Reader::from_reader(out.trim_start_matches('\u{feff}').as_bytes());
        let rows: Vec<csv::StringRecord> =
            reader.records().collect::<Result<_, _>>().expect("parses");
        assert_eq!(rows.len(), 2);
        assert_eq!(&rows[0][3], "a, \"quoted\"\ntitle");
        assert_eq!(&rows[0][4], "a b & c");
        assert_eq!(&rows[1][2], "d 2");
    }

    #[test]
    fn tsv_is_never_quoted_and_sanitised() {
        let out = render(Format::Tsv, "qid,rank,title,snippet_source", false);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines,
            vec![
                "qid\trank\ttitle\tsnippet_source",
                "q1\t1\ta, \"quoted\" title\tbody",
                "q1\t2\tplain tab\tattachment"
            ]
        );
    }

    #[test]
    fn trec_shape() {
        let out = render(Format::Trec, DEFAULT_FIELDS, false);
        assert_eq!(out, "q1 Q0 d1 1 62.018974 run_1\nq1 Q0 d_2 2 1 run_1\n");
    }

    #[test]
    fn jsonl_one_object_per_query() {
        let out = render(Format::Jsonl, "rank,id,score", false);
        let lines: Vec<serde_json::Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).expect("json"))
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["qid"], "q1");
        let line0 = out.lines().next().unwrap_or_default();
        assert!(!line0.contains("62.0189743"), "{line0}");
        assert_eq!(
            lines[0]["hits"][1],
            serde_json::json!({"rank": 2, "id": "d 2", "score": 1.0})
        );
        assert_eq!(
            lines[1],
            serde_json::json!({"qid": "q2", "line": 4, "error": "bad"})
        );
    }

    #[test]
    fn field_list_errors() {
        assert!(parse_fields("qid,nope").is_err());
        assert!(parse_fields(" , ").is_err());
        assert_eq!(
            parse_fields("id,ID,title").expect("ok"),
            vec![Field::Id, Field::Title]
        );
    }
}
