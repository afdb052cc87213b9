//! Body extraction compared (issue 17): gongkai's own density scorer
//! (`gongkai_crawler::extract`) against a well-kept readability port,
//! `dom_smoothie` (MIT), in both its candidate-selection modes.
//!
//! Sources: the development set (`tests/devset/pages`, grouped by CMS family,
//! article pages with body truth) and article pages of the three fixture
//! portal styles (`classic` and `jiyue` from `../shared/portal/make_portal.py`,
//! `style3` from `tests/fixtures/portal/make_style3.py`), generated into a
//! temporary folder. Per source and extractor it prints the share of pages
//! whose body starts right, ends right, contains what it must and excludes
//! what it must (and all four at once), and the median time per page.
//!
//! ```text
//! cargo run --release -p gongkai-crawler --features body-compare \
//!     --example body_compare -- [--devset DIR] [--docs docs.jsonl.gz] \
//!     [--every N] [--repeat R] [--no-fixtures] [--misses] [--markdown]
//! ```
//!
//! The fixture truth: the document's text from `docs.jsonl.gz` (繁體 text on
//! Big5 pages). The body must start with its first paragraph (a centred
//! 文号 line before it allowed), end with its last paragraph (attachment
//! links after it allowed), contain every paragraph, and contain none of the
//! page's boilerplate labels (print/close, share, 上一篇/下一篇, 相关链接,
//! breadcrumb, footer, the date/source strip, metadata labels) that the
//! document's own text does not hold. `[标签]` brackets are ignored, since
//! style3 prints `[标签]值` paragraphs as two-cell table rows.
//!
//! Timing: ours is the whole `extract()` (page kind, metadata, links and
//! body); dom_smoothie's is `Readability::new` + `parse()`. Both start from
//! the decoded text; each page is extracted `--repeat` times (default 3) and
//! its fastest run counts.

use std::collections::{BTreeMap, HashMap};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use dom_smoothie::{CandidateSelectMode, Config, Readability};
use gongkai_crawler::extract;
use gongkai_crawler::url::Url;

/// One page to extract, with what its body must look like.
struct Case {
    name: String,
    url: String,
    text: String,
    /// The body (squashed) starts with one of these.
    starts: Vec<String>,
    /// The body (squashed) ends with one of these…
    ends: Vec<String>,
    /// …or has the first `ends` entry followed by a tail starting with one of these.
    tails: Vec<String>,
    contains: Vec<String>,
    excludes: Vec<String>,
    /// Ignore `[` and `]` on both sides.
    brackets: bool,
}

#[derive(Default, Clone)]
struct Score {
    pages: usize,
    start: usize,
    end: usize,
    contains: usize,
    excludes: usize,
    all: usize,
    empty: usize,
    times: Vec<f64>,
}

const EXTRACTORS: [&str; 3] = ["gongkai", "dom_smoothie/readability", "dom_smoothie/own"];

/// White space, zero-width characters (a BOM in the text), box-drawing
/// characters and, for fixtures, `[` `]` removed.
fn squash(s: &str, brackets: bool) -> String {
    s.chars()
        .filter(|&c| {
            let dropped = c.is_whitespace()
                || matches!(c, '\u{feff}' | '\u{200b}'..='\u{200d}' | '\u{2060}')
                || ('\u{2500}'..='\u{257F}').contains(&c)
                || (brackets && matches!(c, '[' | ']'));
            !dropped
        })
        .collect()
}

fn ours(case: &Case, url: &Url) -> String {
    extract::extract(&case.text, url).document.body
}

fn smoothie(case: &Case, mode: CandidateSelectMode) -> String {
    let cfg = Config {
        candidate_select_mode: mode,
        ..Default::default()
    };
    match Readability::new(case.text.as_str(), Some(&case.url), Some(cfg)) {
        Ok(mut r) => match r.parse() {
            Ok(a) => a.text_content.to_string(),
            Err(_) => String::new(),
        },
        Err(_) => String::new(),
    }
}

fn run(which: usize, case: &Case, url: &Url) -> String {
    match which {
        0 => ours(case, url),
        1 => smoothie(case, CandidateSelectMode::Readability),
        _ => smoothie(case, CandidateSelectMode::DomSmoothie),
    }
}

/// Scores one extracted body; returns what was wrong, for `--misses`.
fn judge(case: &Case, body: &str, s: &mut Score) -> Vec<&'static str> {
    let b = squash(body, case.brackets);
    let sq = |x: &String| squash(x, case.brackets);
    let start = case.starts.is_empty() || case.starts.iter().any(|x| b.starts_with(&sq(x)));
    let end = case.ends.is_empty()
        || case.ends.iter().any(|x| b.ends_with(&sq(x)))
        || (!case.tails.is_empty()
            && b.rfind(&sq(&case.ends[0])).is_some_and(|at| {
                let rest = &b[at + sq(&case.ends[0]).len()..];
                case.tails.iter().any(|t| rest.starts_with(t.as_str()))
            }));
    let contains = case.contains.iter().all(|x| b.contains(&sq(x)));
    let excludes = !case.excludes.iter().any(|x| b.contains(&sq(x)));
    s.pages += 1;
    s.start += start as usize;
    s.end += end as usize;
    s.contains += contains as usize;
    s.excludes += excludes as usize;
    s.all += (start && end && contains && excludes) as usize;
    s.empty += b.is_empty() as usize;
    let mut wrong = Vec::new();
    for (ok, what) in [
        (start, "start"),
        (end, "end"),
        (contains, "contains"),
        (excludes, "excludes"),
    ] {
        if !ok {
            wrong.push(what);
        }
    }
    wrong
}

#[path = "../tests/support/devset_truth.rs"]
mod devset_truth;
use devset_truth::Truth;

/// Article pages of the development set with body truth, by `devset/<cms>`.
fn devset_cases(dir: &Path) -> BTreeMap<String, Vec<Case>> {
    let mut out: BTreeMap<String, Vec<Case>> = BTreeMap::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    entries.sort();
    for path in entries {
        let Ok(raw) = std::fs::read_to_string(&path) else {
            continue;
        };
        // Pages are being added while this runs: skip a half-written file.
        let truth: Truth = match serde_json::from_str(&raw) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("skipped {}: {e}", path.display());
                continue;
            }
        };
        if truth.kind != "article" || truth.body_start.is_none() && truth.body_end.is_none() {
            continue;
        }
        let Ok(bytes) = std::fs::read(path.with_extension("html")) else {
            continue;
        };
        // As crawler/tests/devset.rs: the charset as the server's header gave it.
        let ct = format!("text/html; charset={}", truth.charset);
        let text = gongkai_crawler::charset::decode(&bytes, Some(&ct)).text;
        let mut ends: Vec<String> = truth.body_end.into_iter().collect();
        ends.extend(truth.body_end_any);
        out.entry(format!("devset/{}", truth.cms))
            .or_default()
            .push(Case {
                name: path.file_stem().unwrap().to_string_lossy().into_owned(),
                url: truth.url,
                text,
                starts: truth.body_start.into_iter().collect(),
                ends,
                tails: Vec::new(),
                contains: truth.body_contains,
                excludes: truth.body_excludes,
                brackets: false,
            });
    }
    out
}

#[derive(serde::Deserialize)]
struct FixtureTruth {
    url: String,
    id: String,
    kind: String,
    doc_number: String,
    #[serde(default)]
    charset: Option<String>,
}

#[derive(serde::Deserialize)]
struct Doc {
    id: String,
    body: String,
    #[serde(default)]
    body_hant: Option<String>,
}

/// Boilerplate the fixture templates print around an article, both scripts.
const FIXTURE_BOILER: &[&str] = &[
    "打印本页",
    "打印本頁",
    "关闭窗口",
    "關閉窗口",
    "当前位置",
    "當前位置",
    "网站标识码",
    "網站標識碼",
    "分享到",
    "上一篇",
    "下一篇",
    "相关链接",
    "相關鏈接",
    "相關連結",
    "版权所有",
    "版權所有",
    "信息来源",
    "信息來源",
    "浏览次数",
    "瀏覽次數",
    "点击数",
    "點擊數",
    "发布时间",
    "發布時間",
    "索引号",
    "索引號",
    "发布机构",
    "發布機構",
    "发文机关",
    "發文機關",
    "热点信息",
    "熱點信息",
    "栏目导航",
    "欄目導航",
];

fn paragraphs(body: &str) -> Vec<String> {
    body.split('\n')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

/// Every `every`-th article page of a generated fixture site.
fn fixture_cases(site: &Path, docs: &HashMap<String, Doc>, every: usize) -> Vec<Case> {
    let mut ctype: HashMap<String, String> = HashMap::new();
    if let Ok(h) = std::fs::read_to_string(site.join("_meta/headers.tsv")) {
        for line in h.lines() {
            let mut parts = line.split('\t');
            if let (Some(p), Some(c)) = (parts.next(), parts.next())
                && !c.is_empty()
            {
                ctype.insert(p.to_string(), c.to_string());
            }
        }
    }
    let truth = std::fs::read_to_string(site.join("truth.jsonl")).expect("truth.jsonl");
    let mut out = Vec::new();
    for line in truth
        .lines()
        .filter(|l| !l.trim().is_empty())
        .filter_map(|l| serde_json::from_str::<FixtureTruth>(l).ok())
        .filter(|t| t.kind == "article")
        .step_by(every.max(1))
    {
        let Some(doc) = docs.get(&line.id) else {
            continue;
        };
        let text_src = if line.charset.as_deref() == Some("big5") {
            doc.body_hant.as_deref().unwrap_or(&doc.body)
        } else {
            &doc.body
        };
        let paras = paragraphs(text_src);
        let (Some(first), Some(last)) = (paras.first(), paras.last()) else {
            continue;
        };
        let Ok(bytes) = std::fs::read(site.join("site").join(line.url.trim_start_matches('/')))
        else {
            continue;
        };
        let text =
            gongkai_crawler::charset::decode(&bytes, ctype.get(&line.url).map(String::as_str)).text;
        let mut starts = vec![first.clone()];
        if !line.doc_number.is_empty() {
            starts.push(format!("{}{first}", line.doc_number));
        }
        let own = squash(text_src, true);
        let page = squash(&text, true);
        let excludes = FIXTURE_BOILER
            .iter()
            .filter(|b| page.contains(*b) && !own.contains(*b))
            .map(|b| b.to_string())
            .collect();
        out.push(Case {
            name: line.url.clone(),
            url: format!("http://www.yangli.gov.cn{}", line.url),
            text,
            starts,
            ends: vec![last.clone()],
            tails: vec!["附件".into()],
            contains: paras.clone(),
            excludes,
            brackets: true,
        });
    }
    out
}

fn generate(script: &Path, args: &[&str], docs: &Path, out: &Path) {
    let st = Command::new("python3")
        .arg(script)
        .args(args)
        .arg("--docs")
        .arg(docs)
        .arg("--out")
        .arg(out)
        .status()
        .expect("python3");
    assert!(st.success(), "{} failed", script.display());
}

fn load_docs(path: &Path) -> HashMap<String, Doc> {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let reader = std::io::BufReader::new(flate2::read::GzDecoder::new(file));
    reader
        .lines()
        .map_while(Result::ok)
        .filter_map(|l| serde_json::from_str::<Doc>(&l).ok())
        .map(|d| (d.id.clone(), d))
        .collect()
}

fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn pct(n: usize, d: usize) -> String {
    if d == 0 {
        "-".into()
    } else {
        format!("{:.1}%", 100.0 * n as f64 / d as f64)
    }
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut devset = root.join("tests/devset/pages");
    let mut docs = root.join("../shared/portal/docs.jsonl.gz");
    let mut every = 4usize;
    let mut repeat = 3usize;
    let mut fixtures = true;
    let mut show_misses = false;
    let mut markdown = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--devset" => devset = args.next().expect("--devset DIR").into(),
            "--docs" => docs = args.next().expect("--docs FILE").into(),
            "--every" => every = args.next().and_then(|n| n.parse().ok()).expect("--every N"),
            "--repeat" => {
                repeat = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .expect("--repeat R")
            }
            "--no-fixtures" => fixtures = false,
            "--misses" => show_misses = true,
            "--markdown" => markdown = true,
            _ => panic!("unknown argument {a}; see the file's doc comment"),
        }
    }

    let mut sources: BTreeMap<String, Vec<Case>> = devset_cases(&devset);
    let _tmp;
    if fixtures {
        let tmp = tempfile::tempdir().expect("tempdir");
        let shared = docs.parent().expect("docs folder").to_path_buf();
        let make_portal = shared.join("make_portal.py");
        let style3 = root.join("tests/fixtures/portal/make_style3.py");
        eprintln!("generating the fixture styles…");
        generate(
            &make_portal,
            &["site", "--style", "classic"],
            &docs,
            &tmp.path().join("classic"),
        );
        generate(
            &make_portal,
            &["site", "--style", "jiyue"],
            &docs,
            &tmp.path().join("jiyue"),
        );
        generate(&style3, &[], &docs, &tmp.path().join("style3"));
        let docs = load_docs(&docs);
        for style in ["classic", "jiyue", "style3"] {
            sources.insert(
                format!("fixture/{style}"),
                fixture_cases(&tmp.path().join(style), &docs, every),
            );
        }
        _tmp = tmp;
    }

    let mut total: Vec<Score> = vec![Score::default(); EXTRACTORS.len()];
    let mut devset_total: Vec<Score> = vec![Score::default(); EXTRACTORS.len()];
    let mut misses: Vec<String> = Vec::new();
    if markdown {
        println!(
            "| source | pages | extractor | starts right | ends right | contains all | excludes all | all four | empty | median ms/page |"
        );
        println!("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    } else {
        println!(
            "{:<22} {:>5}  {:<25} {:>7} {:>7} {:>8} {:>8} {:>7} {:>5} {:>10}",
            "source",
            "pages",
            "extractor",
            "start",
            "end",
            "contains",
            "excludes",
            "all",
            "empty",
            "median ms"
        );
    }
    for (source, cases) in &sources {
        let mut scores: Vec<Score> = vec![Score::default(); EXTRACTORS.len()];
        for case in cases {
            let url = Url::parse(&case.url).expect("page url");
            for (which, score) in scores.iter_mut().enumerate() {
                let mut best = f64::INFINITY;
                let mut body = String::new();
                for _ in 0..repeat.max(1) {
                    let t = Instant::now();
                    body = run(which, case, &url);
                    best = best.min(t.elapsed().as_secs_f64() * 1e3);
                }
                score.times.push(best);
                let wrong = judge(case, &body, score);
                if show_misses && !wrong.is_empty() {
                    let n = body.chars().count();
                    misses.push(format!(
                        "{source} {} {}: {} wrong; body {:?} … {:?}",
                        EXTRACTORS[which],
                        case.name,
                        wrong.join(", "),
                        body.chars().take(40).collect::<String>(),
                        body.chars().skip(n.saturating_sub(40)).collect::<String>()
                    ));
                }
            }
        }
        for (which, s) in scores.iter_mut().enumerate() {
            print_row(source, EXTRACTORS[which], s, markdown);
            let into: &mut [Score] = if source.starts_with("devset/") {
                &mut devset_total
            } else {
                &mut total
            };
            add(&mut into[which], s);
        }
    }
    for (label, t) in [
        ("devset (all)", &mut devset_total),
        ("fixtures (all)", &mut total),
    ] {
        for (which, s) in t.iter_mut().enumerate() {
            if s.pages > 0 {
                print_row(label, EXTRACTORS[which], s, markdown);
            }
        }
    }
    for m in &misses {
        println!("miss: {m}");
    }
}

fn add(into: &mut Score, s: &Score) {
    into.pages += s.pages;
    into.start += s.start;
    into.end += s.end;
    into.contains += s.contains;
    into.excludes += s.excludes;
    into.all += s.all;
    into.empty += s.empty;
    into.times.extend_from_slice(&s.times);
}

fn print_row(source: &str, extractor: &str, s: &mut Score, markdown: bool) {
    if markdown {
        println!(
            "| {source} | {} | {extractor} | {} | {} | {} | {} | {} | {} | {:.2} |",
            s.pages,
            pct(s.start, s.pages),
            pct(s.end, s.pages),
            pct(s.contains, s.pages),
            pct(s.excludes, s.pages),
            pct(s.all, s.pages),
            s.empty,
            median(&mut s.times)
        );
        return;
    }
    println!(
        "{:<22} {:>5}  {:<25} {:>7} {:>7} {:>8} {:>8} {:>7} {:>5} {:>10.2}",
        source,
        s.pages,
        extractor,
        pct(s.start, s.pages),
        pct(s.end, s.pages),
        pct(s.contains, s.pages),
        pct(s.excludes, s.pages),
        pct(s.all, s.pages),
        s.empty,
        median(&mut s.times)
    );
}
