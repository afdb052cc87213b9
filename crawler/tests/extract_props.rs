//! The extractor on input nobody meant to write: random markup built from
//! the pieces government pages are made of, real pages (the development set)
//! cut at random points, and a huge page. It never panics, its output is
//! bounded by its input, and the links and pages it generates stay within
//! their caps. The real pages are the committed seed corpus; the generator
//! runs a bounded number of cases so CI stays quick (raise `PROPTEST_CASES`
//! for a longer run by hand).

use std::path::Path;

use gongkai_crawler::extract;
use gongkai_crawler::url::Url;
use proptest::prelude::*;

/// Markup pieces: tags of every kind the extractor treats specially,
/// labels, dates, 文号, scripts with pagination, unclosed and stray tags.
const PIECES: &[&str] = &[
    "<div>",
    "</div>",
    "<p>",
    "</p>",
    "<table>",
    "<tr>",
    "<td>",
    "</td>",
    "</tr>",
    "</table>",
    "<dl>",
    "<dt>",
    "<dd>",
    "<span>",
    "</span>",
    "<a href='/a/1.html'>",
    "<a href='?pageNum=2'>",
    "</a>",
    "<h1>",
    "</h1>",
    "<h2 class='tit'>",
    "</h2>",
    "<pre>",
    "</pre>",
    "<br>",
    "<script>createPageHTML(99999, 0, \"index\", \"html\");</script>",
    "<script type='text/xml'><datastore><record><![CDATA[<a href='/x'>x</a>]]></record><totalrecord>9999999</totalrecord></datastore></script><script>var columnid='1';var perpage=1;</script>",
    "<title>标题</title>",
    "<meta name='ArticleTitle' content='标题'>",
    "<meta name='PubDate' content='2020-01-01'>",
    "索引号：",
    "发布机构：",
    "文号：",
    "来源：",
    "发布时间：",
    "發布日期：113-05-02",
    "2020年1月1日",
    "国发〔2016〕55号",
    "府授法規字第1130123456號",
    "。",
    "，",
    "正文内容",
    "\u{3000}",
    "&nbsp;",
    "<",
    ">",
    "\"",
    "'",
    "<!--",
    "-->",
    "<![CDATA[",
    "]]>",
    "<style>",
    "</style>",
    "<form>",
    "<div style='display:none'>",
    "<a href='javascript:void(0)'>",
    "<a href='/f.pdf'>附件</a>",
    "上一篇：",
    "版权所有",
    "\u{0}",
    "\u{FFFD}",
];

fn check(html: &str) {
    let url = Url::parse("http://www.example.gov.cn/col/a/index.html").expect("url");
    let ex = extract::extract(html, &url);
    // Nothing is invented: the text out is never longer than the page in.
    assert!(
        ex.document.body.len() <= html.len() + 16,
        "body longer than the page"
    );
    assert!(
        ex.document.title.len() <= html.len() + 16,
        "title longer than the page"
    );
    // Links read from the page, plus generated pagination, stay capped.
    assert!(
        ex.links.len() <= 5000 + 2 * 2000 + 5000,
        "{} links",
        ex.links.len()
    );
    assert!(ex.attachments.len() <= 5000);
    if let Some(d) = &ex.document.published {
        assert_eq!(d.len(), 10, "{d}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_markup(parts in proptest::collection::vec(0..PIECES.len(), 0..400), text in "\\PC{0,200}") {
        let mut html = String::new();
        for (k, p) in parts.iter().enumerate() {
            html.push_str(PIECES[*p]);
            if k % 7 == 0 {
                html.push_str(&text);
            }
        }
        check(&html);
    }

    #[test]
    fn truncated_real_pages(page in 0usize..64, cut in 0.0f64..1.0) {
        let pages = real_pages();
        prop_assume!(!pages.is_empty());
        let html = &pages[page % pages.len()];
        let mut at = (html.len() as f64 * cut) as usize;
        while !html.is_char_boundary(at) {
            at -= 1;
        }
        check(&html[..at]);
    }
}

fn real_pages() -> &'static [String] {
    static PAGES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    PAGES.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/devset/pages");
        let mut out = Vec::new();
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            if e.path().extension().is_some_and(|x| x == "html")
                && let Ok(b) = std::fs::read(e.path())
            {
                out.push(gongkai_crawler::charset::decode(&b, None).text);
            }
        }
        out
    })
}

#[test]
fn huge_and_deep_pages_stay_bounded() {
    // 8 MB of nested divs and 200,000 links: the fetcher's cap is 10 MB.
    let deep = "<div>".repeat(200_000) + "正文。" + &"</div>".repeat(200_000);
    check(&deep);
    let links: String = (0..200_000)
        .map(|i| format!("<li><a href='/a/{i}.html'>标题标题{i}</a> 2020-01-01</li>"))
        .collect();
    let page = format!("<html><body><ul>{links}</ul></body></html>");
    let url = Url::parse("http://h/").unwrap();
    let ex = extract::extract(&page, &url);
    assert!(ex.links.len() <= 5000, "{}", ex.links.len());
    assert_ne!(ex.kind(), extract::PageKind::Article);
}
