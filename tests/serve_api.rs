//! End to end: `gongkai serve` on a free port, every JSON endpoint, errors,
//! limits, CORS, reload after re-indexing and after a generation swap,
//! SIGTERM shutdown.

mod serve_support;

use std::process::Command;
use std::time::Duration;

use serde_json::Value;
use serve_support::{BIN, HOSTILE, Server, data_dir, enc, index, wait_for};

fn without_timing(mut v: Value) -> Value {
    if let Some(obj) = v.as_object_mut() {
        obj.remove("took_ms");
    }
    v
}

#[test]
fn search_api_matches_cli_json_and_facets_ignore_the_category_filter() {
    let dir = data_dir(600);
    let data = dir.path().join("data");
    let server = Server::start(&data, &[]);

    // Same JSON as `gongkai search --format json` (one code path).
    let (status, api) = server.json(&format!("/api/search?q={}", enc("预算")));
    assert_eq!(status, 200);
    let cli = Command::new(BIN)
        .args(["search", "预算", "--format", "json", "--data"])
        .arg(&data)
        .output()
        .expect("gongkai search");
    assert!(cli.status.success());
    let cli: Value = serde_json::from_slice(&cli.stdout).expect("cli json");
    assert_eq!(without_timing(api.clone()), without_timing(cli));

    // Shape.
    assert!(api["total"].as_u64().unwrap_or(0) > 1);
    assert!(api["took_ms"].is_number());
    let hits = api["hits"].as_array().expect("hits");
    assert_eq!(hits.len(), 10);
    for key in [
        "id",
        "url",
        "title",
        "title_html",
        "snippet",
        "snippet_source",
        "category",
        "published",
        "publisher",
        "score",
    ] {
        assert!(hits[0].get(key).is_some(), "hit lacks {key}");
    }
    assert_eq!(hits[0]["snippet_source"], "body");
    // A match only in an attachment's text: the snippet says so.
    let (_, attached) = server.json(&format!("/api/search?q={}", enc("YLXM-PAGE-7")));
    assert_eq!(attached["hits"][0]["id"], "hostile-3", "{attached}");
    assert_eq!(
        attached["hits"][0]["snippet_source"], "attachment",
        "{attached}"
    );
    let snippet = attached["hits"][0]["snippet"].as_str().unwrap_or("");
    assert!(snippet.contains("<em>YLXM-PAGE-7</em>"), "{snippet}");
    assert!(snippet.contains("&lt;b&gt;明细&lt;/b&gt;"), "{snippet}");
    // `title_html` and `snippet` are HTML: the document's own markup is
    // escaped there (the index hands back text; the API escapes it).
    let (_, hostile) = server.json(&format!("/api/search?q={}", enc("预算恶意标题")));
    let hit = &hostile["hits"][0];
    assert_eq!(hit["id"], "hostile-1", "{hostile}");
    assert_eq!(
        hit["title"].as_str(),
        Some("<script>alert(1)</script>预算恶意标题")
    );
    let title_html = hit["title_html"].as_str().unwrap_or("");
    assert!(
        title_html.starts_with("&lt;script&gt;alert(1)&lt;/script&gt;")
            && title_html.contains("<em>"),
        "{title_html}"
    );
    let snippet = hit["snippet"].as_str().unwrap_or("");
    assert!(
        !snippet.contains("<img") && !snippet.contains("<script") && snippet.contains("<em>"),
        "{snippet}"
    );
    let categories = api["facets"]["category"]
        .as_object()
        .expect("category facet");
    assert!(
        categories.len() >= 20,
        "all 20 categories are listed: {categories:?}"
    );
    assert!(api["facets"]["year"].is_object() && api["facets"]["publisher"].is_object());

    // Facets are for the query before the category filter.
    let (name, count) = categories
        .iter()
        .filter(|(k, _)| k.as_str() != "新闻")
        .max_by_key(|(_, v)| v.as_u64().unwrap_or(0))
        .map(|(k, v)| (k.clone(), v.as_u64().unwrap_or(0)))
        .expect("a category");
    assert!(count > 0);
    let (status, filtered) = server.json(&format!(
        "/api/search?q={}&category={}&size=50",
        enc("预算"),
        enc(&name)
    ));
    assert_eq!(status, 200);
    assert_eq!(filtered["total"].as_u64(), Some(count));
    assert_eq!(filtered["facets"]["category"], api["facets"]["category"]);
    for hit in filtered["hits"].as_array().expect("hits") {
        assert_eq!(hit["category"].as_str(), Some(name.as_str()));
    }

    // Paging, sort by date, no snippets.
    let (_, page2) = server.json(&format!(
        "/api/search?q={}&page=2&size=5&sort=date&snippets=0",
        enc("预算")
    ));
    let dates: Vec<&str> = page2["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .filter_map(|h| h["published"].as_str())
        .collect();
    assert_eq!(dates.len(), 5);
    assert!(
        dates.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {dates:?}"
    );
    assert!(
        page2["hits"]
            .as_array()
            .expect("hits")
            .iter()
            .all(|h| !h["snippet"].as_str().unwrap_or("").contains("<em>"))
    );

    // Dates filter and 繁體 input.
    let (_, ranged) = server.json(&format!(
        "/api/search?q={}&from=2020-01-01&to=2020-12-31&size=50",
        enc("预算")
    ));
    for hit in ranged["hits"].as_array().expect("hits") {
        let d = hit["published"].as_str().unwrap_or("");
        assert!(d.starts_with("2020"), "{d}");
    }
    let (_, hant) = server.json(&format!("/api/search?q={}", enc("預算")));
    assert_eq!(hant["total"], api["total"]);
}

#[test]
fn errors_are_json_with_fitting_statuses() {
    let dir = data_dir(100);
    let server = Server::start(&dir.path().join("data"), &[]);
    let cases: Vec<(String, u16)> = vec![
        ("/api/search?q=a&from=2020-13-45".into(), 400),
        ("/api/search?q=a&to=yesterday".into(), 400),
        ("/api/search?q=a&from=2021-01-01&to=2020-01-01".into(), 400),
        ("/api/search?q=a&page=0".into(), 400),
        ("/api/search?q=a&page=abc".into(), 400),
        ("/api/search?q=a&page=-1".into(), 400),
        ("/api/search?q=a&page=99999999999999999999999".into(), 400),
        ("/api/search?q=a&page=500&size=100".into(), 400),
        ("/api/search?q=a&size=0".into(), 400),
        ("/api/search?q=a&size=1000".into(), 400),
        ("/api/search?q=a&sort=popular".into(), 400),
        ("/api/search?q=a&category=nope".into(), 400),
        ("/api/search?q=a&snippets=maybe".into(), 400),
        (format!("/api/search?q={}", "x".repeat(5000)), 413),
        (format!("/api/suggest?q={}", "x".repeat(5000)), 413),
        ("/api/doc/no-such-id".into(), 404),
        ("/api/nothing".into(), 404),
    ];
    for (path, want) in cases {
        let (status, body) = server.json(&path);
        assert_eq!(status, want, "{path}: {body}");
        assert_eq!(
            body["error"]["status"].as_u64(),
            Some(u64::from(want)),
            "{path}: {body}"
        );
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{path}: {body}"
        );
    }
    // Odd input that is not an error.
    for q in ["\"", "-", "OR", "title:", "((", "\u{0}", "%", "<script>"] {
        let (status, body) = server.json(&format!("/api/search?q={}", enc(q)));
        assert_eq!(status, 200, "{q:?}: {body}");
    }
    let r = server.get("/api/search?q=%FF%FE");
    assert!(
        r.status == 200 || r.status == 400,
        "invalid UTF-8: {}",
        r.status
    );
}

#[test]
fn doc_suggest_categories_health_metrics_cors() {
    let dir = data_dir(300);
    let server = Server::start(
        &dir.path().join("data"),
        &["--cors-origin", "https://portal.example.gov.cn"],
    );

    let (status, doc) = server.json("/api/doc/hostile-1");
    assert_eq!(status, 200);
    assert_eq!(
        doc["title"].as_str(),
        Some("<script>alert(1)</script>预算恶意标题")
    );
    assert!(doc["aliases"].is_array() && doc.get("body").is_some());
    let (status, doc) = server.json(&format!(
        "/api/doc/{}",
        enc("hostile-2\"><script>window.__pwned=2</script>")
    ));
    assert_eq!(status, 200, "{doc}");

    // Completions, 简体 and 繁體 alike.
    let (status, s) = server.json(&format!("/api/suggest?q={}", enc("预")));
    assert_eq!(status, 200);
    let list = s["suggestions"].as_array().expect("suggestions");
    assert!(!list.is_empty() && list.len() <= 8, "{s}");
    assert!(
        list.iter()
            .all(|x| x["text"].as_str().is_some_and(|t| t.contains('预'))),
        "{s}"
    );
    let (_, hant) = server.json(&format!("/api/suggest?q={}", enc("預")));
    assert_eq!(hant, s);
    let (_, empty) = server.json("/api/suggest?q=");
    assert_eq!(empty["suggestions"].as_array().map(Vec::len), Some(0));

    let (status, cats) = server.json("/api/categories");
    assert_eq!(status, 200);
    let list = cats["categories"].as_array().expect("categories");
    assert_eq!(list.len(), 21, "20 categories and 新闻");
    let documents = 300 + HOSTILE.len() as u64;
    assert_eq!(cats["total"].as_u64(), Some(documents));

    let (status, health) = server.json("/healthz");
    assert_eq!(status, 200);
    assert_eq!(health["documents"].as_u64(), Some(documents));

    let metrics = server.get("/metrics");
    assert_eq!(metrics.status, 200);
    let text = metrics.text();
    for needle in [
        "gongkai_request_duration_seconds_bucket{le=\"+Inf\"}",
        "gongkai_index_generation 1",
        &format!("gongkai_documents {documents}"),
    ] {
        assert!(text.contains(needle), "metrics lack {needle}:\n{text}");
    }
    assert!(
        text.contains("gongkai_requests_total{route=\"/api/suggest\",status=\"200\"}"),
        "{text}"
    );

    // CORS for the portal's own domain only.
    let origin = serve_support::request(
        &server.addr,
        "GET",
        "/api/categories",
        &[("Origin", "https://portal.example.gov.cn")],
        None,
    );
    assert_eq!(
        origin.header("access-control-allow-origin"),
        Some("https://portal.example.gov.cn")
    );
    let other = serve_support::request(
        &server.addr,
        "GET",
        "/api/categories",
        &[("Origin", "https://evil.example")],
        None,
    );
    assert_eq!(other.header("access-control-allow-origin"), None);
}

#[test]
fn reloads_after_reindex_and_generation_swap_and_stops_on_sigterm() {
    let dir = data_dir(50);
    let data = dir.path().join("data");
    let mut server = Server::start(&data, &[]);
    let count = |server: &Server, q: &str| {
        server.json(&format!("/api/search?q={}", enc(q))).1["total"].as_u64()
    };
    assert_eq!(count(&server, "zqxjwvkwhale"), Some(0));

    // Re-index into the live generation: the reader picks up the commit.
    let extra = dir.path().join("extra.jsonl");
    std::fs::write(&extra, r#"{"id":"new-1","title":"zqxjwvkwhale公告","body":"zqxjwvkwhale 正文","published":"2024-01-02"}"#)
        .expect("write");
    index(&extra, &data);
    assert!(
        wait_for(Duration::from_secs(15), || count(&server, "zqxjwvkwhale")
            == Some(1)),
        "reload after re-index"
    );

    // A new generation made live through CURRENT: swapped in without restart.
    let other = tempfile::tempdir().expect("tempdir");
    let other_data = other.path().join("data");
    let docs = other.path().join("d.jsonl");
    std::fs::write(
        &docs,
        r#"{"id":"gen2-1","title":"zqxjwvkegret","body":"zqxjwvkegret 正文","published":"2024-02-03"}"#,
    )
    .expect("write");
    index(&docs, &other_data);
    let gen2 = data.join("generations").join("000002");
    copy_dir(&other_data.join("generations").join("000001"), &gen2);
    std::fs::write(data.join("CURRENT.tmp"), "2\n").expect("write");
    std::fs::rename(data.join("CURRENT.tmp"), data.join("CURRENT")).expect("rename");
    assert!(
        wait_for(
            Duration::from_secs(15),
            || server.json("/healthz").1["generation"].as_u64() == Some(2)
        ),
        "generation swap"
    );
    assert_eq!(count(&server, "zqxjwvkegret"), Some(1));
    assert_eq!(count(&server, "zqxjwvkwhale"), Some(0));
    assert!(
        server
            .get("/metrics")
            .text()
            .contains("gongkai_index_generation 2")
    );

    // SIGTERM: graceful shutdown, exit 0.
    let pid = server.child.id().to_string();
    let status = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(status.success());
    let mut exited = None;
    assert!(
        wait_for(Duration::from_secs(10), || {
            exited = server.child.try_wait().ok().flatten();
            exited.is_some()
        }),
        "server did not stop on SIGTERM"
    );
    assert!(
        exited.is_some_and(|s| s.success()),
        "exit status {exited:?}"
    );
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            copy_dir(&path, &to.join(entry.file_name()));
        } else {
            std::fs::copy(&path, to.join(entry.file_name())).expect("copy");
        }
    }
}
