//! The migration report: its typed rows, the counts printed after a
//! reindex, and the files the rows are written to. Each row type is
//! serialised once per format: CSV for people (UTF-8 with a byte-order mark,
//! so spreadsheet programs read the Chinese right), `report.json`, and the
//! nginx map of old paths to new ones. Every file is replaced atomically.

use std::collections::{HashMap, HashSet};
use std::io::{self, BufWriter, Write};
use std::path::Path;

use serde::{Deserialize, Serialize, Serializer};

use crate::{Error, OldUrlStatus, url_path};

/// The evidence that paired two documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchedBy {
    /// Same 索引号.
    IndexNumber,
    /// Same 文号.
    DocNumber,
    /// The old URL redirects to the new document.
    Redirect,
    /// Same normalised content.
    Content,
    /// Same normalised title and date.
    Title,
}

/// A document at a new URL with the same content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Moved {
    /// URL on the old site.
    pub old_url: String,
    /// URL on the new site.
    pub new_url: String,
    /// Id in the old generation.
    pub old_id: String,
    /// Id in the new generation.
    pub new_id: String,
    /// Title on the new site.
    pub title: String,
    /// What paired them.
    pub matched_by: MatchedBy,
}

/// A document whose text changed in the move.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Modified {
    /// Where it moved, and what paired the two (its keys come first in
    /// `report.json`, as in a moved row).
    #[serde(flatten)]
    pub moved: Moved,
    /// Share of the text left as it was, 0..1.
    pub similarity: f64,
    /// Characters (letters and digits, normalised) added.
    pub chars_added: usize,
    /// Characters removed.
    pub chars_removed: usize,
    /// Whether the title changed.
    pub title_changed: bool,
}

/// An old document the new site does not have.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lost {
    /// URL on the old site.
    pub old_url: String,
    /// Id in the old generation.
    pub old_id: String,
    /// Its title.
    pub title: String,
    /// Published date.
    pub published: Option<String>,
}

/// A document only the new site has.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Added {
    /// URL on the new site.
    pub new_url: String,
    /// Id in the new generation.
    pub new_id: String,
    /// Its title.
    pub title: String,
    /// Published date.
    pub published: Option<String>,
}

/// What one old URL does now; a row of `redirects.csv` as it stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RedirectCheck {
    /// The old URL (a document's URL or one of its aliases).
    pub old_url: String,
    /// What it answered.
    pub status: OldUrlStatus,
    /// HTTP status.
    pub http_status: Option<u16>,
    /// Redirect target.
    pub location: Option<String>,
    /// Where the document is on the new site (none when lost).
    pub new_url: Option<String>,
    /// Whether the redirect lands on the document's new URL (or an alias of it).
    pub correct: bool,
}

/// The migration report; serialises as the `report.json` shape.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Same content, new URL.
    pub moved: Vec<Moved>,
    /// Changed content.
    pub modified: Vec<Modified>,
    /// On the old site only.
    pub lost: Vec<Lost>,
    /// On the new site only.
    pub added: Vec<Added>,
    /// What each old URL does now (not part of `report.json`).
    #[serde(skip)]
    pub redirects: Vec<RedirectCheck>,
    /// For each matched new document's index in the input: the old URLs
    /// (and aliases) it now answers for (not part of `report.json`).
    #[serde(skip)]
    pub aliases: HashMap<usize, Vec<String>>,
}

/// Counts for the printed summary.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Old documents.
    pub old_documents: usize,
    /// New documents.
    pub new_documents: usize,
    /// Moved.
    pub moved: usize,
    /// Modified.
    pub modified: usize,
    /// Lost.
    pub lost: usize,
    /// Added.
    pub added: usize,
    /// Old URLs redirecting to the right new URL.
    pub redirects_correct: usize,
    /// Old URLs redirecting elsewhere.
    pub redirects_wrong: usize,
    /// Old URLs that are dead.
    pub dead: usize,
    /// Old URLs still answering.
    pub alive: usize,
    /// Old URLs not checked.
    pub unchecked: usize,
}

impl Report {
    /// Counts.
    pub fn summary(&self, old_documents: usize, new_documents: usize) -> Summary {
        let mut s = Summary {
            old_documents,
            new_documents,
            moved: self.moved.len(),
            modified: self.modified.len(),
            lost: self.lost.len(),
            added: self.added.len(),
            ..Default::default()
        };
        for r in &self.redirects {
            match r.status {
                OldUrlStatus::Redirect if r.correct => s.redirects_correct += 1,
                OldUrlStatus::Redirect => s.redirects_wrong += 1,
                OldUrlStatus::Dead => s.dead += 1,
                OldUrlStatus::Alive => s.alive += 1,
                OldUrlStatus::Unchecked => s.unchecked += 1,
            }
        }
        s
    }

    /// Writes `report.json` (moved, modified, lost, added) into `folder`.
    pub fn write_json(&self, folder: &Path) -> Result<(), Error> {
        write_atomic(folder, "report.json", |out| {
            Ok(serde_json::to_writer_pretty(out, self)?)
        })
    }
}

/// Quotes a value for an nginx config when it needs it.
fn nginx_value(text: &str) -> String {
    if text
        .chars()
        .any(|c| c.is_whitespace() || matches!(c, ';' | '"' | '\'' | '{' | '}' | '\\' | '$' | '#'))
    {
        format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        text.to_string()
    }
}

/// An nginx `map` block from each moved or modified document's old path to
/// its new path (pairs whose path did not change are left out):
///
/// ```text
/// map $uri $gongkai_new_uri {
///     default "";
///     /info/1001/20001.htm /xxgk/tjxx/202001/t20200105_300001.html;
/// }
/// ```
pub fn nginx_map(report: &Report) -> String {
    let mut out = String::from(
        "# Generated by `gongkai reindex`: old path -> new path of every moved or modified document.\n\
         # Use with: if ($gongkai_new_uri) { return 301 $gongkai_new_uri; }\n\
         map $uri $gongkai_new_uri {\n    default \"\";\n",
    );
    let mut seen = HashSet::new();
    let pairs = report.moved.iter().map(|m| (&m.old_url, &m.new_url)).chain(
        report
            .modified
            .iter()
            .map(|m| (&m.moved.old_url, &m.moved.new_url)),
    );
    for (old, new) in pairs {
        let (from, to) = (url_path(old), url_path(new));
        // $uri carries no query string: such old URLs cannot be mapped by path.
        if from == to || from.contains('?') || !seen.insert(from.clone()) {
            continue;
        }
        out.push_str(&format!(
            "    {} {};\n",
            nginx_value(&from),
            nginx_value(&to)
        ));
    }
    out.push_str("}\n");
    out
}

/// A row of one CSV file: its columns, in the order of the row's fields.
trait CsvRow: Serialize {
    /// The header line's names.
    const HEADER: &'static [&'static str];
}

/// A row of `moved.csv`.
#[derive(Serialize)]
struct MovedRow<'a> {
    old_url: &'a str,
    new_url: &'a str,
    title: &'a str,
    matched_by: MatchedBy,
    old_url_now: Option<OldUrlStatus>,
    old_id: &'a str,
    new_id: &'a str,
}

impl<'a> MovedRow<'a> {
    fn new(m: &'a Moved, old_url_now: Option<OldUrlStatus>) -> Self {
        MovedRow {
            old_url: &m.old_url,
            new_url: &m.new_url,
            title: &m.title,
            matched_by: m.matched_by,
            old_url_now,
            old_id: &m.old_id,
            new_id: &m.new_id,
        }
    }
}

impl CsvRow for MovedRow<'_> {
    const HEADER: &'static [&'static str] = &[
        "old_url",
        "new_url",
        "title",
        "matched_by",
        "old_url_now",
        "old_id",
        "new_id",
    ];
}

/// A row of `modified.csv`.
#[derive(Serialize)]
struct ModifiedRow<'a> {
    old_url: &'a str,
    new_url: &'a str,
    title: &'a str,
    #[serde(serialize_with = "three_decimals")]
    similarity: f64,
    chars_added: usize,
    chars_removed: usize,
    title_changed: bool,
    matched_by: MatchedBy,
    old_url_now: Option<OldUrlStatus>,
    old_id: &'a str,
    new_id: &'a str,
}

impl<'a> ModifiedRow<'a> {
    fn new(m: &'a Modified, old_url_now: Option<OldUrlStatus>) -> Self {
        let moved = &m.moved;
        ModifiedRow {
            old_url: &moved.old_url,
            new_url: &moved.new_url,
            title: &moved.title,
            similarity: m.similarity,
            chars_added: m.chars_added,
            chars_removed: m.chars_removed,
            title_changed: m.title_changed,
            matched_by: moved.matched_by,
            old_url_now,
            old_id: &moved.old_id,
            new_id: &moved.new_id,
        }
    }
}

impl CsvRow for ModifiedRow<'_> {
    const HEADER: &'static [&'static str] = &[
        "old_url",
        "new_url",
        "title",
        "similarity",
        "chars_added",
        "chars_removed",
        "title_changed",
        "matched_by",
        "old_url_now",
        "old_id",
        "new_id",
    ];
}

/// A row of `lost.csv`.
#[derive(Serialize)]
struct LostRow<'a> {
    old_url: &'a str,
    title: &'a str,
    published: Option<&'a str>,
    old_url_now: Option<OldUrlStatus>,
    http_status: Option<u16>,
    old_id: &'a str,
}

impl<'a> LostRow<'a> {
    fn new(l: &'a Lost, check: Option<&RedirectCheck>) -> Self {
        LostRow {
            old_url: &l.old_url,
            title: &l.title,
            published: l.published.as_deref(),
            old_url_now: check.map(|r| r.status),
            http_status: check.and_then(|r| r.http_status),
            old_id: &l.old_id,
        }
    }
}

impl CsvRow for LostRow<'_> {
    const HEADER: &'static [&'static str] = &[
        "old_url",
        "title",
        "published",
        "old_url_now",
        "http_status",
        "old_id",
    ];
}

/// A row of `added.csv`.
#[derive(Serialize)]
struct AddedRow<'a> {
    new_url: &'a str,
    title: &'a str,
    published: Option<&'a str>,
    new_id: &'a str,
}

impl<'a> AddedRow<'a> {
    fn new(a: &'a Added) -> Self {
        AddedRow {
            new_url: &a.new_url,
            title: &a.title,
            published: a.published.as_deref(),
            new_id: &a.new_id,
        }
    }
}

impl CsvRow for AddedRow<'_> {
    const HEADER: &'static [&'static str] = &["new_url", "title", "published", "new_id"];
}

impl CsvRow for &RedirectCheck {
    const HEADER: &'static [&'static str] = &[
        "old_url",
        "status",
        "http_status",
        "location",
        "new_url",
        "correct",
    ];
}

fn three_decimals<S: Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(&format_args!("{value:.3}"))
}

/// Writes the report folder: `moved.csv`, `modified.csv`, `lost.csv`,
/// `added.csv`, `redirects.csv`, `nginx-redirect-map.conf` and
/// `report.json`.
pub fn write_report(folder: &Path, report: &Report) -> Result<(), Error> {
    std::fs::create_dir_all(folder).map_err(|source| Error::Write {
        path: folder.to_path_buf(),
        source,
    })?;
    let by_url: HashMap<&str, &RedirectCheck> = report
        .redirects
        .iter()
        .map(|r| (r.old_url.as_str(), r))
        .collect();
    let check = |url: &str| by_url.get(url).copied();
    let now = |url: &str| check(url).map(|r| r.status);

    write_csv(
        folder,
        "moved.csv",
        report
            .moved
            .iter()
            .map(|m| MovedRow::new(m, now(&m.old_url))),
    )?;
    write_csv(
        folder,
        "modified.csv",
        report
            .modified
            .iter()
            .map(|m| ModifiedRow::new(m, now(&m.moved.old_url))),
    )?;
    write_csv(
        folder,
        "lost.csv",
        report
            .lost
            .iter()
            .map(|l| LostRow::new(l, check(&l.old_url))),
    )?;
    write_csv(folder, "added.csv", report.added.iter().map(AddedRow::new))?;
    write_csv(folder, "redirects.csv", report.redirects.iter())?;
    write_atomic(folder, "nginx-redirect-map.conf", |out| {
        out.write_all(nginx_map(report).as_bytes())
    })?;
    report.write_json(folder)
}

/// One CSV file: a byte-order mark, the header, the rows.
fn write_csv<R: CsvRow>(
    folder: &Path,
    name: &str,
    rows: impl Iterator<Item = R>,
) -> Result<(), Error> {
    write_atomic(folder, name, |out| {
        out.write_all("\u{feff}".as_bytes())?;
        let mut csv = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(out);
        csv.write_record(R::HEADER)?;
        for row in rows {
            csv.serialize(row)?;
        }
        csv.flush()
    })
}

/// Replaces `folder/name` with what `fill` writes, through a temporary file
/// in `folder` renamed over it: a reader sees the old file or the new one,
/// never half of one.
fn write_atomic(
    folder: &Path,
    name: &str,
    fill: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), Error> {
    let path = folder.join(name);
    let failed = |source| Error::Write {
        path: path.clone(),
        source,
    };
    let mut builder = tempfile::Builder::new();
    // Readable by others like any file the user writes (not tempfile's 0600).
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
    let mut tmp = builder.prefix(name).tempfile_in(folder).map_err(failed)?;
    let mut out = BufWriter::new(tmp.as_file_mut());
    fill(&mut out).map_err(failed)?;
    out.into_inner()
        .map_err(|e| failed(e.into_error()))?
        .sync_all()
        .map_err(failed)?;
    tmp.persist(&path).map_err(|e| failed(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVIDENCE: [(MatchedBy, &str); 5] = [
        (MatchedBy::IndexNumber, "index_number"),
        (MatchedBy::DocNumber, "doc_number"),
        (MatchedBy::Redirect, "redirect"),
        (MatchedBy::Content, "content"),
        (MatchedBy::Title, "title"),
    ];

    /// The header csv derives from a row's fields.
    fn derived_header<R: CsvRow>(row: R) -> String {
        let mut csv = csv::Writer::from_writer(Vec::new());
        csv.serialize(row).expect("row");
        let text = String::from_utf8(csv.into_inner().expect("flush")).expect("utf-8");
        text.lines().next().unwrap_or_default().to_string()
    }

    fn report() -> Report {
        let moved = |by: MatchedBy| Moved {
            old_url: "http://old.gov.cn/info/1/1.htm".into(),
            new_url: "http://new.gov.cn/xxgk/a.html".into(),
            old_id: "idx:1".into(),
            new_id: "idx:1".into(),
            title: "预算公开,2020".into(),
            matched_by: by,
        };
        Report {
            moved: EVIDENCE.iter().map(|(by, _)| moved(*by)).collect(),
            modified: vec![Modified {
                moved: Moved {
                    old_url: "http://old.gov.cn/info/1/2.htm".into(),
                    new_url: "http://new.gov.cn/xxgk/b.html".into(),
                    old_id: "wh:1".into(),
                    new_id: "wh:2".into(),
                    title: "统计公报".into(),
                    matched_by: MatchedBy::DocNumber,
                },
                similarity: 0.9,
                chars_added: 6,
                chars_removed: 0,
                title_changed: false,
            }],
            lost: vec![Lost {
                old_url: "http://old.gov.cn/info/1/5.htm".into(),
                old_id: "h:e".into(),
                title: "已删除".into(),
                published: Some("2020-01-05".into()),
            }],
            added: vec![Added {
                new_url: "http://new.gov.cn/xxgk/g.html".into(),
                new_id: "h:g2".into(),
                title: "新增文章".into(),
                published: None,
            }],
            redirects: vec![
                RedirectCheck {
                    old_url: "http://old.gov.cn/info/1/1.htm".into(),
                    status: OldUrlStatus::Redirect,
                    http_status: Some(301),
                    location: Some("http://new.gov.cn/xxgk/a.html".into()),
                    new_url: Some("http://new.gov.cn/xxgk/a.html".into()),
                    correct: true,
                },
                RedirectCheck {
                    old_url: "http://old.gov.cn/info/1/5.htm".into(),
                    status: OldUrlStatus::Dead,
                    http_status: Some(404),
                    location: None,
                    new_url: None,
                    correct: false,
                },
            ],
            aliases: HashMap::new(),
        }
    }

    #[test]
    fn csv_and_json_name_the_evidence_alike() {
        for (by, name) in EVIDENCE {
            assert_eq!(
                serde_json::to_value(by).expect("json"),
                serde_json::Value::from(name)
            );
            let mut csv = csv::Writer::from_writer(Vec::new());
            csv.serialize([by]).expect("csv");
            assert_eq!(
                csv.into_inner().expect("flush"),
                format!("{name}\n").as_bytes()
            );
        }
    }

    #[test]
    fn each_header_names_its_row_fields_in_order() {
        let r = report();
        let (m, d, l, a) = (&r.moved[0], &r.modified[0], &r.lost[0], &r.added[0]);
        let headers = [
            (derived_header(MovedRow::new(m, None)), MovedRow::HEADER),
            (
                derived_header(ModifiedRow::new(d, None)),
                ModifiedRow::HEADER,
            ),
            (derived_header(LostRow::new(l, None)), LostRow::HEADER),
            (derived_header(AddedRow::new(a)), AddedRow::HEADER),
            (derived_header(&r.redirects[0]), <&RedirectCheck>::HEADER),
        ];
        for (derived, header) in headers {
            assert_eq!(derived, header.join(","));
        }
    }

    #[test]
    fn the_report_folder_holds_every_file() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let folder = tmp.path().join("report");
        let r = report();
        write_report(&folder, &r).expect("write");
        let read = |name: &str| std::fs::read_to_string(folder.join(name)).expect(name);

        let moved = read("moved.csv");
        assert!(moved.starts_with('\u{feff}'), "a byte-order mark");
        let lines: Vec<&str> = moved.trim_start_matches('\u{feff}').lines().collect();
        assert_eq!(
            lines[..2],
            [
                "old_url,new_url,title,matched_by,old_url_now,old_id,new_id",
                "http://old.gov.cn/info/1/1.htm,http://new.gov.cn/xxgk/a.html,\"预算公开,2020\",index_number,redirect,idx:1,idx:1",
            ]
        );
        assert!(moved.contains(",doc_number,") && !moved.contains("indexnumber"));
        assert!(read("modified.csv").lines().nth(1).is_some_and(|l| l
            == "http://old.gov.cn/info/1/2.htm,http://new.gov.cn/xxgk/b.html,统计公报,0.900,6,0,false,doc_number,,wh:1,wh:2"));
        assert_eq!(
            read("lost.csv").lines().nth(1),
            Some("http://old.gov.cn/info/1/5.htm,已删除,2020-01-05,dead,404,h:e")
        );
        assert_eq!(
            read("added.csv").lines().nth(1),
            Some("http://new.gov.cn/xxgk/g.html,新增文章,,h:g2")
        );
        assert_eq!(
            read("redirects.csv").lines().skip(1).collect::<Vec<_>>(),
            [
                "http://old.gov.cn/info/1/1.htm,redirect,301,http://new.gov.cn/xxgk/a.html,http://new.gov.cn/xxgk/a.html,true",
                "http://old.gov.cn/info/1/5.htm,dead,404,,,false",
            ]
        );
        assert_eq!(read("nginx-redirect-map.conf"), nginx_map(&r));
        assert!(nginx_map(&r).contains("    /info/1/1.htm /xxgk/a.html;\n"));
        let json = read("report.json");
        assert_eq!(json, serde_json::to_string_pretty(&r).expect("json"));
        let keys: Vec<String> = serde_json::from_str::<serde_json::Value>(&json)
            .expect("json")
            .as_object()
            .expect("object")
            .keys()
            .cloned()
            .collect();
        assert_eq!(keys, ["added", "lost", "modified", "moved"]);
        assert!(json.contains("\"matched_by\": \"index_number\""));

        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(folder.join("moved.csv"))
                .expect("metadata")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o644);
        }
        let left: Vec<_> = std::fs::read_dir(&folder).expect("folder").collect();
        assert_eq!(left.len(), 7, "no temporary file left behind");
    }

    #[test]
    fn a_modified_row_keeps_its_json_keys_in_order() {
        let json = serde_json::to_string(&report().modified[0]).expect("json");
        let keys = [
            "old_url",
            "new_url",
            "old_id",
            "new_id",
            "title",
            "matched_by",
            "similarity",
            "chars_added",
            "chars_removed",
            "title_changed",
        ];
        let at: Vec<usize> = keys
            .iter()
            .map(|k| json.find(&format!("\"{k}\":")).expect(k))
            .collect();
        assert!(at.is_sorted(), "{json}");
        let back: Modified = serde_json::from_str(&json).expect("read back");
        assert_eq!(back, report().modified[0]);
    }

    #[test]
    fn an_empty_report_still_has_headers() {
        let tmp = tempfile::tempdir().expect("tempdir");
        write_report(tmp.path(), &Report::default()).expect("write");
        let lost = std::fs::read_to_string(tmp.path().join("lost.csv")).expect("lost.csv");
        assert_eq!(
            lost,
            "\u{feff}old_url,title,published,old_url_now,http_status,old_id\n"
        );
        let json = std::fs::read_to_string(tmp.path().join("report.json")).expect("json");
        assert_eq!(
            json,
            "{\n  \"moved\": [],\n  \"modified\": [],\n  \"lost\": [],\n  \"added\": []\n}"
        );
    }

    #[test]
    fn nginx_values_are_quoted_when_they_need_it() {
        for (value, written) in [
            ("/a b", r#""/a b""#),
            ("/a\"b", r#""/a\"b""#),
            ("/a;b", r#""/a;b""#),
            ("/a/b.htm", "/a/b.htm"),
        ] {
            assert_eq!(nginx_value(value), written);
        }
    }

    #[test]
    fn a_report_that_cannot_be_written_says_where() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let file = tmp.path().join("a-file");
        std::fs::write(&file, "x").expect("file");
        let err = write_report(&file, &Report::default()).expect_err("not a folder");
        assert!(err.to_string().contains("a-file: cannot write"), "{err}");
    }
}
