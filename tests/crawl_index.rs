//! Crawl → index → search, end to end through the binary on both fixture
//! styles: every article indexed once with the category the taxonomy gives
//! it, and the project code that only an attachment (PDF, DOCX, XLSX, and a
//! Word 97 `.doc` and an OFD planted in the site) holds finds its document.

#[path = "serve_support/mod.rs"]
mod serve_support;

use std::collections::HashMap;
use std::path::Path;

use gongkai_index::{DataDir, SearchRequest, Searcher};
use serve_support::{Portal, crawl_portal, make_site, read_truth, shared};

#[derive(serde::Deserialize)]
struct Truth {
    url: String,
    kind: String,
    category: Option<String>,
    #[serde(default)]
    attachments: Vec<TruthAttachment>,
}

#[derive(serde::Deserialize)]
struct TruthAttachment {
    url: String,
    phrase: String,
}

/// Real attachment files in crawler/tests/fixtures, each with a project code
/// found nowhere else: a Word 97 `.doc` written by LibreOffice and an OFD.
const PLANTED: [(&str, &str); 2] = [
    ("budget-2024.doc", "YLXM-DOC-20240517"),
    ("notice-2024.ofd", "YLXM-OFD-20241101"),
];

/// Points the first attachment of the `nth` article that has one at the
/// fixture `file` instead (same path, the fixture's extension), and returns
/// that article's path. Pages are rewritten as bytes, so GBK pages stay GBK.
fn plant_attachment(site: &Path, truth: &[Truth], nth: usize, file: &str) -> String {
    let article = truth
        .iter()
        .filter(|t| t.kind == "article" && !t.attachments.is_empty())
        .nth(nth)
        .expect("an article with an attachment");
    let old = &article.attachments[0].url;
    let ext = file.rsplit_once('.').expect("an extension").1;
    let new = format!("{}.{ext}", old.rsplit_once('.').expect("an extension").0);
    let root = site.join("site");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("crawler/tests/fixtures")
        .join(file);
    std::fs::copy(&fixture, root.join(new.trim_start_matches('/'))).expect("copy the fixture");
    let page = root.join(article.url.trim_start_matches('/'));
    let html = std::fs::read(&page).expect("article page");
    let (old, new) = (old.as_bytes(), new.as_bytes());
    let at = html
        .windows(old.len())
        .position(|w| w == old)
        .expect("the page links its attachment");
    let mut planted = html[..at].to_vec();
    planted.extend_from_slice(new);
    planted.extend_from_slice(&html[at + old.len()..]);
    std::fs::write(&page, planted).expect("rewrite the page");
    article.url.clone()
}

fn crawl_and_check(style: &str) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let site = tmp.path().join("site");
    make_site(
        &shared().join("portal/make_portal.py"),
        &["site", "--style", style],
        &site,
    );
    let truth: Vec<Truth> = read_truth(&site);
    let planted: Vec<String> = PLANTED
        .iter()
        .enumerate()
        .map(|(nth, (file, _))| plant_attachment(&site, &truth, nth, file))
        .collect();
    let portal = Portal::start(&site);
    let data = tmp.path().join("data");
    crawl_portal(&portal, &data);

    let articles: Vec<&Truth> = truth.iter().filter(|t| t.kind == "article").collect();

    let dir = DataDir::new(&data);
    let searcher = Searcher::new(
        dir.open_current(dir.analyzer().expect("analyzer"))
            .expect("index"),
    )
    .expect("searcher");
    assert_eq!(
        searcher.num_docs(),
        articles.len() as u64,
        "{style}: every article once, nothing else"
    );

    // Each article, found by its URL, carries the category the site files it under.
    let mut right = 0;
    for t in &articles {
        let url = format!("{}{}", portal.base, t.url);
        let doc = searcher
            .get_by_url(&url)
            .expect("lookup")
            .unwrap_or_else(|| panic!("{style}: {url} not indexed"));
        if doc.category == t.category {
            right += 1;
        }
    }
    assert!(
        right * 100 >= articles.len() * 99,
        "{style}: category right for {right} of {}",
        articles.len()
    );

    // Attachment codes find their document.
    let mut by_phrase: HashMap<&str, &str> = HashMap::new();
    for t in &articles {
        for (i, a) in t.attachments.iter().enumerate() {
            if !(planted.contains(&t.url) && i == 0) {
                by_phrase.insert(&a.phrase, &t.url);
            }
        }
    }
    assert!(
        by_phrase.len() >= 50,
        "{style}: {} attachment codes in the fixture",
        by_phrase.len()
    );
    let mut found = 0;
    for (phrase, url) in &by_phrase {
        let response = searcher
            .search(&SearchRequest {
                query: format!("\"{phrase}\""),
                limit: 3,
                ..Default::default()
            })
            .expect("search");
        let expected = format!("{}{}", portal.base, url);
        if response
            .hits
            .first()
            .is_some_and(|h| h.document.url == expected)
        {
            found += 1;
        } else {
            eprintln!("{style}: {phrase} did not find {expected}");
        }
    }
    for ((file, code), article) in PLANTED.iter().zip(&planted) {
        let response = searcher
            .search(&SearchRequest {
                query: (*code).into(),
                limit: 3,
                ..Default::default()
            })
            .expect("search");
        assert_eq!(
            response.hits.first().map(|h| h.document.url.as_str()),
            Some(format!("{}{article}", portal.base).as_str()),
            "{style}: the code in {file} finds its article"
        );
    }
    assert!(
        found * 100 >= by_phrase.len() * 90,
        "{style}: {found} of {} attachment codes find their document",
        by_phrase.len()
    );
    eprintln!(
        "{style}: {} articles, categories {right}, attachment codes {found}/{}",
        articles.len(),
        by_phrase.len()
    );
}

#[test]
fn classic_portal_crawled_indexed_and_searchable() {
    crawl_and_check("classic");
}

#[test]
fn jiyue_portal_crawled_indexed_and_searchable() {
    crawl_and_check("jiyue");
}
