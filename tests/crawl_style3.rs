//! Crawl → index → search through the binary on the third fixture style
//! (`tests/fixtures/portal/make_style3.py`): a CMS family the extractor was
//! never tuned to (headline in `<h2 class="tit">`, text in `<div class="zw">`,
//! metadata as `<dl>`/`<ul>` label–value pairs, no 《指引》 meta tags, dates in
//! several forms, lists paged by `?pageNum=N`, a fifth of the pages Big5 with
//! the charset only in the HTTP header). Every article must be indexed exactly
//! once with the category, title, date, 发布机构, 文号 and 索引号 of
//! `truth.jsonl`; no list, group, home or search page may be indexed; every
//! attachment's project code must find its document. Failures are counted
//! per field and reported together, with a few examples each.

#[path = "serve_support/mod.rs"]
mod serve_support;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use gongkai_index::{DataDir, Document, SearchRequest, Searcher};
use serve_support::{Portal, crawl_portal, make_site, read_truth};

#[derive(serde::Deserialize)]
struct Truth {
    url: String,
    kind: String,
    title: String,
    published: String,
    publisher: String,
    category: Option<String>,
    index_number: String,
    doc_number: String,
    charset: String,
    #[serde(default)]
    attachments: Vec<TruthAttachment>,
}

#[derive(serde::Deserialize)]
struct TruthAttachment {
    url: String,
    phrase: String,
}

/// Whitespace runs (U+3000 and U+00A0 included) as one space, trimmed.
fn ws(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Misses of one check: how many, and the first few for the report.
#[derive(Default)]
struct Misses {
    count: usize,
    examples: Vec<String>,
}

impl Misses {
    fn add(&mut self, example: String) {
        self.count += 1;
        if self.examples.len() < 4 {
            self.examples.push(example);
        }
    }
}

#[test]
fn style3_portal_crawled_indexed_and_searchable() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let site = tmp.path().join("site");
    make_site(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/portal/make_style3.py"),
        &[],
        &site,
    );
    let truth: Vec<Truth> = read_truth(&site);
    let articles: Vec<&Truth> = truth.iter().filter(|t| t.kind == "article").collect();
    assert!(
        articles.len() > 1900,
        "{} articles in the fixture",
        articles.len()
    );

    let portal = Portal::start(&site);
    let data = tmp.path().join("data");
    crawl_portal(&portal, &data);

    let dir = DataDir::new(&data);
    let searcher = Searcher::new(
        dir.open_current(dir.analyzer().expect("analyzer"))
            .expect("index"),
    )
    .expect("searcher");
    let mut by_url: HashMap<String, Vec<Document>> = HashMap::new();
    searcher
        .for_each_document(|d| {
            by_url.entry(d.url.clone()).or_default().push(d);
            Ok(())
        })
        .expect("read the index");

    let mut misses: BTreeMap<&str, Misses> = BTreeMap::new();
    for name in [
        "1 indexed",
        "2 indexed once",
        "3 category",
        "4 title",
        "5 published",
        "6 publisher",
        "7 doc_number",
        "8 index_number",
    ] {
        misses.insert(name, Misses::default());
    }
    let mut miss =
        |check: &'static str, example: String| misses.get_mut(check).expect("a check").add(example);
    let mut big5_indexed = 0;
    for t in &articles {
        let url = format!("{}{}", portal.base, t.url);
        let Some(docs) = by_url.get(&url) else {
            miss("1 indexed", format!("{} ({})", t.url, t.charset));
            continue;
        };
        if t.charset == "big5" {
            big5_indexed += 1;
        }
        if docs.len() != 1 {
            miss("2 indexed once", format!("{} {} times", t.url, docs.len()));
        }
        let d = &docs[0];
        let field = |got: &dyn std::fmt::Debug, want: &dyn std::fmt::Debug| {
            format!("{}: got {got:?}, want {want:?}", t.url)
        };
        if d.category != t.category {
            miss("3 category", field(&d.category, &t.category));
        }
        if ws(&d.title) != ws(&t.title) {
            miss("4 title", field(&d.title, &t.title));
        }
        if d.published.as_deref() != Some(t.published.as_str()) {
            miss("5 published", field(&d.published, &t.published));
        }
        if ws(&d.publisher) != ws(&t.publisher) {
            miss("6 publisher", field(&d.publisher, &t.publisher));
        }
        if ws(&d.doc_number) != ws(&t.doc_number) {
            miss("7 doc_number", field(&d.doc_number, &t.doc_number));
        }
        if d.index_number.trim() != t.index_number {
            miss("8 index_number", field(&d.index_number, &t.index_number));
        }
    }

    // Nothing but articles: list, group, home and search pages stay out.
    let known: std::collections::HashSet<String> = articles
        .iter()
        .map(|t| format!("{}{}", portal.base, t.url))
        .collect();
    let mut extra: Vec<&String> = by_url.keys().filter(|u| !known.contains(*u)).collect();
    extra.sort();

    // Attachment codes find their document.
    let mut phrases = 0;
    let mut found = 0;
    let mut lost = Vec::new();
    for t in &articles {
        for a in &t.attachments {
            phrases += 1;
            let response = searcher
                .search(&SearchRequest {
                    query: format!("\"{}\"", a.phrase),
                    limit: 3,
                    ..Default::default()
                })
                .expect("search");
            let expected = format!("{}{}", portal.base, t.url);
            if response
                .hits
                .first()
                .is_some_and(|h| h.document.url == expected)
            {
                found += 1;
            } else if lost.len() < 4 {
                lost.push(format!("{} ({}) in {}", a.phrase, a.url, t.url));
            }
        }
    }
    assert!(phrases >= 50, "{phrases} attachment codes in the fixture");

    let n = articles.len();
    let big5 = articles.iter().filter(|t| t.charset == "big5").count();
    let mut report = format!(
        "style3: {} documents indexed for {n} articles ({big5_indexed} of {big5} Big5 ones), \
         {} other pages indexed, attachment codes {found}/{phrases}\n",
        by_url.values().map(Vec::len).sum::<usize>(),
        extra.len()
    );
    // Checks past the first are over the articles that were indexed.
    let indexed = n - misses["1 indexed"].count;
    for (check, m) in &misses {
        let of = if *check == "1 indexed" { n } else { indexed };
        report.push_str(&format!(
            "  {check}: {} of {of} right\n",
            of.saturating_sub(m.count)
        ));
        for e in &m.examples {
            report.push_str(&format!("      {e}\n"));
        }
    }
    for u in extra.iter().take(4) {
        report.push_str(&format!("  not an article, indexed: {u}\n"));
    }
    for l in &lost {
        report.push_str(&format!("  attachment code not found: {l}\n"));
    }
    eprintln!("{report}");
    assert!(
        misses.values().all(|m| m.count == 0) && extra.is_empty() && found == phrases,
        "{report}"
    );
}
