//! Test helpers: generate the fixture portal, serve it, score a crawl against truth.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use gongkai_crawler::Document;

/// `../shared` beside the repository (this file is used from the crawler
/// crate and from the workspace root, whose manifests sit at different depths).
pub fn shared() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .map(|a| a.join("shared"))
        .find(|p| p.join("portal").is_dir())
        .expect("../shared with portal/")
}

/// Generates a fixture site (`style` classic or jiyue) into `out`.
pub fn make_site(style: &str, out: &Path) {
    let portal = shared().join("portal");
    let status = Command::new("python3")
        .arg(portal.join("make_portal.py"))
        .args(["site", "--style", style, "--docs"])
        .arg(portal.join("docs.jsonl.gz"))
        .arg("--out")
        .arg(out)
        .status()
        .expect("python3");
    assert!(status.success(), "make_portal.py failed");
}

/// The fixture server; killed on drop.
pub struct Server {
    child: Child,
    pub base: String,
}

impl Server {
    pub fn start(site: &Path, extra: &[&str]) -> Server {
        Self::spawn(site, extra, Stdio::null())
    }

    /// Starts with `--log`, the request log going to `log`.
    pub fn start_logged(site: &Path, log: &Path) -> Server {
        let file = std::fs::File::create(log).expect("log file");
        Self::spawn(site, &["--log"], Stdio::from(file))
    }

    fn spawn(site: &Path, extra: &[&str], stderr: Stdio) -> Server {
        let mut child = Command::new("python3")
            .arg(shared().join("portal/serve_portal.py"))
            .arg(site)
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("serve_portal.py");
        let mut line = String::new();
        let stdout = child.stdout.take().expect("stdout");
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("first line");
        let base = line
            .trim()
            .strip_prefix("listening on ")
            .expect("listening line")
            .trim_end_matches('/')
            .to_string();
        Server { child, base }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct Truth {
    pub url: String,
    pub id: String,
    pub title: String,
    pub published: String,
    pub publisher: String,
    pub category: Option<String>,
    pub column: String,
    pub index_number: String,
    pub doc_number: String,
    pub kind: String,
    #[serde(default)]
    pub attachments: Vec<TruthAttachment>,
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct TruthAttachment {
    pub url: String,
    pub phrase: String,
}

pub fn truth(site: &Path) -> Vec<Truth> {
    std::fs::read_to_string(site.join("truth.jsonl"))
        .expect("truth")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("truth line"))
        .collect()
}

/// The 20 disclosure categories.
pub const CATEGORIES: [&str; 20] = [
    "统计信息",
    "人事信息",
    "财政信息",
    "财政预决算",
    "应急管理",
    "应急工作",
    "监督检查",
    "环境保护",
    "公共卫生",
    "城乡建设",
    "政府领导",
    "政府机构",
    "政府文件",
    "规划计划",
    "政府工作报告",
    "政府采购",
    "工程招标",
    "中标公告",
    "三公经费",
    "政策解读",
];

/// The category a crawled document lands in, by the rules the index's
/// taxonomy applies (信息分类 first, then the column, then renamed columns).
pub fn category_of(d: &Document) -> Option<String> {
    let renamed = |c: &str| match c {
        "采购公告" => Some("政府采购"),
        "人事任免" => Some("人事信息"),
        "应急预案与演练" => Some("应急工作"),
        _ => None,
    };
    let pick = |c: &str| {
        if CATEGORIES.contains(&c) {
            Some(c.to_string())
        } else {
            renamed(c).map(str::to_string)
        }
    };
    pick(&d.category_hint)
        .or_else(|| pick(&d.column))
        .or_else(|| d.breadcrumb.iter().rev().find_map(|c| pick(c)))
}

/// Field accuracy of a crawl against truth.
#[derive(Debug, Default)]
pub struct Score {
    pub articles: usize,
    pub found_once: usize,
    pub missing: Vec<String>,
    pub duplicated: Vec<String>,
    pub non_documents: Vec<String>,
    pub mirrors: usize,
    pub mirrors_aliased: usize,
    pub title: (usize, usize),
    pub published: (usize, usize),
    pub category: (usize, usize),
    pub publisher: (usize, usize),
    pub doc_number: (usize, usize),
    pub index_number: (usize, usize),
    pub attachments: (usize, usize),
    pub examples: Vec<String>,
}

pub fn pct(x: (usize, usize)) -> f64 {
    if x.1 == 0 {
        100.0
    } else {
        100.0 * x.0 as f64 / x.1 as f64
    }
}

fn path_of(url: &str) -> String {
    gongkai_crawler::url::Url::parse(url)
        .map(|u| {
            let mut p = u.path().to_string();
            if let Some(q) = u.query() {
                p.push('?');
                p.push_str(q);
            }
            p
        })
        .unwrap_or_default()
}

pub fn score(docs: &[Document], truth: &[Truth]) -> Score {
    let mut s = Score::default();
    let by_path: HashMap<String, &Truth> = truth.iter().map(|t| (t.url.clone(), t)).collect();
    let mut where_found: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, d) in docs.iter().enumerate() {
        if !by_path.contains_key(&path_of(&d.url)) {
            s.non_documents.push(d.url.clone());
        }
        for u in std::iter::once(&d.url).chain(d.aliases.iter()) {
            where_found.entry(path_of(u)).or_default().push(i);
        }
    }
    let note = |s: &mut Score, what: &str, want: &str, got: &str| {
        if s.examples.len() < 30 {
            s.examples
                .push(format!("{what}: want {want:?} got {got:?}"));
        }
    };
    for t in truth {
        let found = where_found.get(&t.url).cloned().unwrap_or_default();
        if t.kind == "big5-mirror" {
            s.mirrors += 1;
            let orig = t.url.strip_prefix("/big5").unwrap_or(&t.url);
            let orig_docs = where_found.get(orig).cloned().unwrap_or_default();
            if found.len() == 1 && orig_docs == found {
                s.mirrors_aliased += 1;
            }
            continue;
        }
        if t.kind != "article" {
            continue;
        }
        s.articles += 1;
        match found.len() {
            0 => {
                s.missing.push(t.url.clone());
                continue;
            }
            1 => s.found_once += 1,
            _ => {
                s.duplicated.push(t.url.clone());
                continue;
            }
        }
        let d = &docs[found[0]];
        let eq = |a: &str, b: &str| {
            let n = |x: &str| x.split_whitespace().collect::<String>();
            n(a) == n(b)
        };
        s.title.1 += 1;
        if eq(&d.title, &t.title) {
            s.title.0 += 1
        } else {
            note(&mut s, "title", &t.title, &d.title)
        }
        s.published.1 += 1;
        if d.published.as_deref() == Some(t.published.as_str()) {
            s.published.0 += 1
        } else {
            note(
                &mut s,
                "published",
                &t.published,
                d.published.as_deref().unwrap_or(""),
            )
        }
        s.category.1 += 1;
        let cat = category_of(d);
        if cat == t.category {
            s.category.0 += 1
        } else {
            note(
                &mut s,
                "category",
                t.category.as_deref().unwrap_or("-"),
                cat.as_deref().unwrap_or("-"),
            )
        }
        s.publisher.1 += 1;
        if eq(d.publisher.as_str(), &t.publisher) {
            s.publisher.0 += 1
        } else {
            note(&mut s, "publisher", &t.publisher, d.publisher.as_str())
        }
        if !t.doc_number.is_empty() {
            s.doc_number.1 += 1;
            if eq(d.doc_number.as_str(), &t.doc_number) {
                s.doc_number.0 += 1
            } else {
                note(&mut s, "doc_number", &t.doc_number, d.doc_number.as_str())
            }
        }
        if !t.index_number.is_empty() {
            s.index_number.1 += 1;
            if d.index_number == t.index_number {
                s.index_number.0 += 1
            } else {
                note(
                    &mut s,
                    "index_number",
                    &t.index_number,
                    d.index_number.as_str(),
                )
            }
        }
        for a in &t.attachments {
            s.attachments.1 += 1;
            if d.attachments.iter().any(|x| x.text.contains(&a.phrase)) {
                s.attachments.0 += 1
            } else {
                note(
                    &mut s,
                    "attachment",
                    &a.phrase,
                    &format!(
                        "{:?}",
                        d.attachments
                            .iter()
                            .map(|x| (&x.url, &x.error))
                            .collect::<Vec<_>>()
                    ),
                )
            }
        }
    }
    s
}

impl Score {
    pub fn report(&self) -> String {
        format!(
            "articles {} found-once {} missing {} duplicated {} non-documents {} mirrors {}/{}\n\
             title {:.2}% published {:.2}% category {:.2}% publisher {:.2}% 文号 {:.2}% ({}) 索引号 {:.2}% ({}) attachments {:.2}% ({})\n{}",
            self.articles,
            self.found_once,
            self.missing.len(),
            self.duplicated.len(),
            self.non_documents.len(),
            self.mirrors_aliased,
            self.mirrors,
            pct(self.title),
            pct(self.published),
            pct(self.category),
            pct(self.publisher),
            pct(self.doc_number),
            self.doc_number.1,
            pct(self.index_number),
            self.index_number.1,
            pct(self.attachments),
            self.attachments.1,
            self.examples.join("\n")
        )
    }

    /// The acceptance thresholds.
    pub fn assert_targets(&self) {
        let r = self.report();
        assert!(
            self.missing.is_empty(),
            "missing {:?}\n{r}",
            &self.missing[..self.missing.len().min(10)]
        );
        assert!(
            self.duplicated.is_empty(),
            "duplicated {:?}\n{r}",
            self.duplicated
        );
        assert!(
            self.non_documents.is_empty(),
            "non-documents {:?}\n{r}",
            self.non_documents
        );
        assert_eq!(self.mirrors_aliased, self.mirrors, "{r}");
        for (name, v, min) in [
            ("title", self.title, 99.0),
            ("published", self.published, 99.0),
            ("category", self.category, 99.0),
            ("文号", self.doc_number, 99.0),
            ("索引号", self.index_number, 99.0),
            ("publisher", self.publisher, 97.0),
            ("attachments", self.attachments, 90.0),
        ] {
            assert!(pct(v) >= min, "{name} {:.2}% < {min}%\n{r}", pct(v));
        }
    }
}
