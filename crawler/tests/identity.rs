//! Identity across mirrors: the same 文号 written with different brackets
//! or widths on a page and its mirrors is one document, not three.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::time::Duration;

use gongkai_crawler::{CrawlConfig, Crawler, State};

fn article(title: &str, doc_number: &str, body: &str) -> String {
    format!(
        r#"<html><head><meta charset="utf-8"><title>{title}</title>
<meta name="ArticleTitle" content="{title}"><meta name="PubDate" content="2016-05-17">
</head><body><h1>{title}</h1>
<table class="meta"><tr><td>文号：</td><td>{doc_number}</td><td>发布日期：</td><td>2016-05-17</td></tr></table>
<div id="zoom"><p>{body}</p></div></body></html>"#
    )
}

/// Serves `pages` (path → HTML) on 127.0.0.1 from a thread; returns the base URL.
fn serve(pages: Vec<(&'static str, String)>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            let mut reader = BufReader::new(conn.try_clone().expect("clone"));
            let mut request = String::new();
            if reader.read_line(&mut request).is_err() {
                continue;
            }
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let path = request.split_whitespace().nth(1).unwrap_or("/");
            let response = match pages.iter().find(|(p, _)| *p == path) {
                Some((_, html)) => format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{html}",
                    html.len()
                ),
                None => "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    .to_string(),
            };
            let _ = conn.write_all(response.as_bytes());
        }
    });
    base
}

#[test]
fn mirrors_writing_one_doc_number_differently_are_one_document() {
    let title = "国务院关于印发“十三五”国家科技创新规划的通知";
    let body = "各省、自治区、直辖市人民政府，国务院各部委、各直属机构：现将《“十三五”国家科技创新规划》印发给你们，请认真贯彻执行。";
    let home = r#"<html><head><meta charset="utf-8"><title>首页</title></head><body>
<ul><li><a href="/a.htm">规划一</a></li><li><a href="/mirror/b.htm">规划二</a></li>
<li><a href="/print/c.htm">规划三</a></li></ul></body></html>"#;
    let base = serve(vec![
        ("/", home.to_string()),
        ("/a.htm", article(title, "国发〔2016〕55号", body)),
        // The mirror's template adds a line, so only the 文号 can join them.
        (
            "/mirror/b.htm",
            article(title, "国发[2016]55号", &format!("{body}（镜像站）")),
        ),
        (
            "/print/c.htm",
            article(
                title,
                "国发［２０１６］５５号",
                &format!("{body}（打印版）"),
            ),
        ),
    ]);
    let tmp = tempfile::tempdir().expect("tmp");
    let cfg = CrawlConfig {
        seeds: vec![format!("{base}/")],
        concurrency: 1,
        delay: Duration::ZERO,
        ..Default::default()
    };
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let summary = rt.block_on(async {
        let mut crawler = Crawler::open(tmp.path(), cfg).expect("open");
        crawler.run(&|_| {}).await.expect("crawl")
    });
    let state = State::open(&tmp.path().join("crawl.sqlite")).expect("state");
    let docs = state.documents().expect("documents");
    let found: Vec<(&str, &str)> = docs
        .iter()
        .map(|d| (d.id.as_str(), d.url.as_str()))
        .collect();
    assert_eq!(
        docs.len(),
        1,
        "one document expected: {found:?}\n{summary:?}"
    );
    let doc = &docs[0];
    assert_eq!(doc.id, "wh:国发〔2016〕55号", "{found:?}");
    assert_eq!(doc.aliases.len(), 2, "{:?}", doc.aliases);
}
