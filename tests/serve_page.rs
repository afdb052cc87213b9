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
