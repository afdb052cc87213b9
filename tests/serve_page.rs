//! End to end: the server-rendered search page (`GET /`): structure,
//! accessibility basics, facets, sorting, paging, zero results, 文号 jump,
//! and that hostile document text is shown as text.

mod serve_support;

use serve_support::{Server, data_dir, enc};

fn assert_no_markup_injected(html: &str) {
    let lower = html.to_lowercase();
    assert!(!lower.contains("<script"), "a <script> tag got through");
    assert!(!lower.contains("<img"), "an <img> tag got through");
    assert!(!lower.contains("<iframe"), "an <iframe> tag got through");
    assert!(
        !lower.contains("<b onmouseover"),
        "markup in the publisher got through"
    );
    assert!(
        !lower.contains("href=\"javascript:"),
        "a javascript: link got through"
    );
}

#[test]
fn home_and_results_page() {
    let dir = data_dir(400);
    let server = Server::start(&dir.path().join("data"), &[]);

    let home = server.get("/");
    assert_eq!(home.status, 200);
    assert!(
        home.header("content-type")
            .is_some_and(|c| c.starts_with("text/html"))
    );
    let csp = home.header("content-security-policy").expect("CSP header");
    assert!(
        csp.contains("default-src 'none'") && !csp.contains("script-src"),
        "{csp}"
    );
    let html = home.text();
    assert!(html.starts_with("<!doctype html><html lang=\"zh-CN\">"));
    assert!(html.contains("name=\"viewport\""));
    assert!(html.contains("<label for=\"q\""));
    assert!(html.contains("role=\"search\""));
    assert!(html.len() < 200_000);
    let css_start = html.find("<style>").expect("inline css");
    let css_end = html.find("</style>").expect("inline css end");
    assert!(css_end - css_start < 4500, "inline CSS is small");

    let page = server.get(&format!("/?q={}", enc("预算")));
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(html.contains("<em>预算</em>"), "highlighted matches");
    assert!(html.contains("找到 <strong id=\"total\">"), "total shown");
    assert!(html.contains("毫秒"), "time taken shown");
    assert!(html.contains("class=\"facet-category\""));
    assert!(html.contains("class=\"facet-year\""));
    assert!(html.contains("class=\"facet-publisher\""));
    assert!(
        html.contains(&format!("/?q={}&amp;category=", enc("预算"))),
        "facet links keep the query"
    );
    assert!(html.contains("sort=date"), "sort link");
    assert!(html.contains("rel=\"next\""), "pagination");
    assert_no_markup_injected(&html);

    // Page 2, sorted by date, inside a category: links keep every parameter.
    let page = server.get(&format!(
        "/?q={}&sort=date&page=2&category={}",
        enc("预算"),
        enc("财政预决算")
    ));
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(
        html.contains("aria-current=\"page\">2<"),
        "current page marked"
    );
    assert!(html.contains("rel=\"prev\""));
    assert!(html.contains("sort=date&amp;page=1") || html.contains("rel=\"prev\""));
    assert!(html.contains("取消分类筛选"), "active filter removable");
}

#[test]
fn hostile_documents_show_as_text() {
    let dir = data_dir(50);
    let server = Server::start(&dir.path().join("data"), &[]);
    for q in [
        "恶意标题",
        "预算说明",
        "script",
        "预算",
        "恶意机构",
        "<script>alert(1)</script>",
    ] {
        let page = server.get(&format!("/?q={}&jump=0", enc(q)));
        assert_eq!(page.status, 200, "{q}");
        assert_no_markup_injected(&page.text());
    }
    let html = server.get(&format!("/?q={}", enc("恶意标题"))).text();
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "the title is shown as text"
    );
    assert!(
        html.contains("/api/doc/hostile-1"),
        "a javascript: URL is replaced by the document's API link"
    );
    let html = server.get(&format!("/?q={}", enc("预算说明"))).text();
    assert!(
        html.contains("&quot;&gt;&lt;img src=x onerror=&quot;window.__pwned=3&quot;&gt;"),
        "{html}"
    );
    assert!(
        html.contains("https://example.gov.cn/a?x=&quot;&gt;&lt;script&gt;"),
        "URL escaped in the attribute"
    );
    // Found only by its attachment's text: the extract comes from there,
    // labelled, and is escaped like everything else.
    let page = server.get(&format!("/?q={}", enc("YLXM-PAGE-7")));
    let html = page.text();
    assert_no_markup_injected(&html);
    assert!(html.contains("<span class=\"att\">附件</span>"), "{html}");
    assert!(html.contains("&lt;b&gt;明细&lt;/b&gt;"), "{html}");
    assert!(html.contains("<em>YLXM-PAGE-7</em>"), "{html}");
}

#[test]
fn zero_results_doc_number_jump_and_errors() {
    let dir = data_dir(200);
    let server = Server::start(&dir.path().join("data"), &[]);

    // Zero results: help, and the 简体 form of a 繁體 query.
    let html = server.get(&format!("/?q={}", enc("鯨魚龜"))).text();
    assert!(html.contains("没有找到"), "zero-result help");
    assert!(
        html.contains("简体写法") && html.contains("鲸鱼龟"),
        "the 简体 form is offered"
    );
    let html = server
        .get(&format!(
            "/?q={}&category={}",
            enc("鯨魚龜"),
            enc("政府文件")
        ))
        .text();
    assert!(html.contains("取消全部筛选条件"));

    // A 文号 jumps to its document (here the API view, the URL being unsafe) ...
    let jump = server.get(&format!("/?q={}", enc("府办〔2023〕12号")));
    assert_eq!(jump.status, 302);
    assert_eq!(jump.header("location"), Some("/api/doc/hostile-1"));
    // ... written any way a citizen types it, to the document's own URL.
    let jump = server.get(&format!("/?q={}", enc("样财[2022]7号")));
    assert_eq!(jump.status, 302);
    assert!(
        jump.header("location")
            .is_some_and(|l| l.starts_with("https://example.gov.cn/a"))
    );
    // jump=0 shows it first instead.
    let page = server.get(&format!("/?q={}&jump=0", enc("府办〔2023〕12号")));
    assert_eq!(page.status, 200);
    let html = page.text();
    let first = html.find("<ol class=\"hits\">").expect("hits");
    assert!(html[first..].find("hostile-1").is_some());

    // Bad parameters: an HTML page with the right status.
    let bad = server.get("/?q=a&from=2020-99-99");
    assert_eq!(bad.status, 400);
    assert!(bad.text().contains("无法完成搜索"));
    let long = server.get(&format!("/?q={}", "长".repeat(1000)));
    assert_eq!(long.status, 413);
}

/// A data directory from fixture documents passed through `edit`, indexed
/// without the default model (so what nothing places stays 未分类).
fn data_dir_without_default_model(
    n: usize,
    edit: impl Fn(usize, &mut serde_json::Map<String, serde_json::Value>),
) -> tempfile::TempDir {
    use std::io::BufRead;
    let dir = tempfile::tempdir().expect("tempdir");
    let file = std::fs::File::open(serve_support::shared().join("portal/docs.jsonl.gz"))
        .expect("../shared/portal/docs.jsonl.gz");
    let reader = std::io::BufReader::new(flate2::read::GzDecoder::new(file));
    let mut lines = String::new();
    for (i, line) in reader.lines().take(n).enumerate() {
        let mut v: serde_json::Value =
            serde_json::from_str(&line.expect("read docs")).expect("JSON line");
        let obj = v.as_object_mut().expect("object");
        edit(i, obj);
        lines.push_str(&v.to_string());
        lines.push('\n');
    }
    let docs = dir.path().join("docs.jsonl");
    std::fs::write(&docs, lines).expect("write docs");
    let status = std::process::Command::new(serve_support::BIN)
        .arg("index")
        .arg("--no-default-model")
        .arg(&docs)
        .arg("--data")
        .arg(dir.path().join("data"))
        .stderr(std::process::Stdio::null())
        .status()
        .expect("run gongkai index");
    assert!(status.success());
    dir
}

fn total_of(html: &str) -> u64 {
    let start = html.find("<strong id=\"total\">").expect("total") + "<strong id=\"total\">".len();
    let end = start + html[start..].find('<').expect("end of total");
    html[start..end].replace(',', "").parse().expect("a number")
}

#[test]
fn category_facet_counts_everything_under_all_and_hides_when_nothing_is_categorised() {
    // Half the documents keep their category, half arrive with none.
    let dir = data_dir_without_default_model(40, |i, d| {
        if i % 2 == 0 {
            d.remove("category");
        } else if d["category"].is_null() {
            d.insert("kind".into(), "新闻".into());
        }
    });
    let server = Server::start(&dir.path().join("data"), &[]);
    let html = server.get(&format!("/?q={}", enc("台南"))).text();
    let total = total_of(&html);
    assert!(total >= 20, "{total} results");
    // Some results are uncategorised: the categories' counts add up to less.
    let (_, api) = server.json(&format!("/api/search?q={}", enc("台南")));
    assert_eq!(api["total"], total);
    let categorised: u64 = api["facets"]["category"]
        .as_object()
        .expect("category facet")
        .values()
        .filter_map(|v| v.as_u64())
        .sum();
    assert!(categorised < total, "{categorised} of {total} categorised");
    assert!(html.contains("class=\"facet-category\""));
    // 全部 is every result, categorised or not (not the categorised ones' sum).
    assert!(
        html.contains(&format!("全部 <span class=\"n\">({total})</span>")),
        "全部 ({total}) expected"
    );
    // Empty categories are plain text, not links.
    assert!(html.contains("<li class=\"n\">"));
    assert!(!html.contains(&format!("category={}\"", enc("政府机构"))));
    // Inside a category, 全部 still counts everything.
    let filtered = server
        .get(&format!("/?q={}&category={}", enc("台南"), enc("新闻")))
        .text();
    assert!(
        filtered.contains(&format!("({total})</span>")),
        "全部 keeps the total"
    );
    drop(server);

    // Nothing categorised: no category facet at all, the others stay.
    let dir = data_dir_without_default_model(20, |_, d| {
        d.remove("category");
        d.remove("kind");
    });
    let server = Server::start(&dir.path().join("data"), &[]);
    let html = server.get(&format!("/?q={}", enc("台南"))).text();
    assert!(total_of(&html) > 0);
    assert!(!html.contains("class=\"facet-category\""), "facet hidden");
    assert!(!html.contains("信息分类"));
    assert!(html.contains("class=\"facet-year\""));
}
