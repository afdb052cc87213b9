//! The annual report end to end: `gongkai stats --format json|csv|html|table`
//! and `GET /stats` on a small index, their figures checked against counts
//! made here from the index's own documents (read back independently);
//! bad years refused; the server counts once per live index and again
//! after a commit.

mod serve_support;

use std::collections::BTreeMap;
use std::process::{Command, Output};
use std::time::Duration;

use gongkai_index::Document;
use gongkai_index::category::{CATEGORIES, KIND_NEWS};
use serde_json::Value;
use serve_support::{BIN, Server, data_dir, wait_for};

const NO_PUBLISHER: &str = "（未注明）";

fn gongkai(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().expect("gongkai runs")
}

fn ok(args: &[&str]) -> String {
    let out = gongkai(args);
    assert!(
        out.status.success(),
        "gongkai {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

/// Figures of one year, counted here.
#[derive(Debug, Default)]
struct Expected {
    total: u64,
    kinds: BTreeMap<String, u64>,
    categories: BTreeMap<String, u64>,
    publishers: BTreeMap<String, u64>,
    months: BTreeMap<String, u64>,
}

/// Per year (by the `YYYY` of `published`).
fn expected(docs: &[Document]) -> BTreeMap<i32, Expected> {
    let mut years: BTreeMap<i32, Expected> = BTreeMap::new();
    for d in docs {
        let Some(published) = d.published.as_deref() else {
            continue;
        };
        let year: i32 = published[..4].parse().expect("year");
        let e = years.entry(year).or_insert_with(|| Expected {
            categories: CATEGORIES.iter().map(|c| (c.to_string(), 0)).collect(),
            months: (1..=12).map(|m| (format!("{year}-{m:02}"), 0)).collect(),
            kinds: [("信息公开", 0), (KIND_NEWS, 0)]
                .into_iter()
                .map(|(k, n)| (k.to_string(), n))
                .collect(),
            ..Default::default()
        });
        e.total += 1;
        let kind = match (&d.category, d.kind.as_deref()) {
            (Some(c), _) => {
                *e.categories.entry(c.clone()).or_default() += 1;
                "信息公开"
            }
            (None, Some(KIND_NEWS)) => KIND_NEWS,
            _ => "未分类",
        };
        *e.kinds.entry(kind.to_string()).or_default() += 1;
        let publisher = match d.publisher.trim() {
            "" => NO_PUBLISHER.to_string(),
            p => p.to_string(),
        };
        *e.publishers.entry(publisher).or_default() += 1;
        *e.months.entry(published[..7].to_string()).or_default() += 1;
    }
    years
}

fn map(v: &Value) -> BTreeMap<String, u64> {
    serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{e}: {v}"))
}

/// Checks the JSON figures of `year` against what was counted here.
fn check_json(json: &Value, year: i32, e: &Expected, all: &BTreeMap<i32, Expected>) {
    assert_eq!(json["year"], year);
    assert_eq!(json["total"], e.total, "total of {year}");
    assert_eq!(map(&json["kinds"]), e.kinds);
    assert_eq!(map(&json["categories"]), e.categories);
    assert_eq!(map(&json["publishers"]), e.publishers);
    assert_eq!(map(&json["months"]), e.months);
    for (month, n) in &e.months {
        let per_kind: u64 = map(&json["month_kinds"][month]).values().sum();
        assert_eq!(per_kind, *n, "{month}: kinds add up to the month");
    }
    let years: BTreeMap<String, u64> = all.iter().map(|(y, e)| (y.to_string(), e.total)).collect();
    assert_eq!(map(&json["years"]), years);
}

/// `section,name,count` rows.
fn csv_rows(csv: &str) -> BTreeMap<(String, String), u64> {
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    reader
        .records()
        .map(|r| {
            let r = r.expect("CSV row");
            (
                (r[0].to_string(), r[1].to_string()),
                r[2].parse().expect("count"),
            )
        })
        .collect()
}

fn check_csv(csv: &str, e: &Expected) {
    let rows = csv_rows(csv);
    assert_eq!(rows[&("total".to_string(), String::new())], e.total);
    for (section, figures) in [
        ("kind", &e.kinds),
        ("category", &e.categories),
        ("publisher", &e.publishers),
        ("month", &e.months),
    ] {
        for (name, n) in figures {
            assert_eq!(
                rows.get(&(section.to_string(), name.clone())),
                Some(n),
                "{section} {name}"
            );
        }
        let listed = rows.keys().filter(|(s, _)| s == section).count();
        assert_eq!(listed, figures.len(), "{section} rows");
    }
}

/// The `<g class="bar">` elements of the chart in `<section id=…>`.
fn bars_in(html: &str, section: &str) -> usize {
    let start = html
        .find(&format!("<section id=\"{section}\""))
        .unwrap_or_else(|| panic!("section {section}"));
    let end = start + html[start..].find("</section>").expect("section end");
    html[start..end].matches("<g class=\"bar\">").count()
}

fn check_html(html: &str, e: &Expected) {
    assert!(html.starts_with("<!doctype html>"));
    assert!(
        html.contains(&format!("<strong id=\"total\">{}</strong>", e.total)),
        "total shown"
    );
    assert!(html.contains(&format!(
        "<th scope=\"row\">主动公开总数</th><td class=\"n\">{}</td>",
        e.total
    )));
    let months = e.months.values().filter(|n| **n > 0).count();
    assert_eq!(
        bars_in(html, "months"),
        months,
        "one bar per month with items"
    );
    let categories = e.categories.values().filter(|n| **n > 0).count();
    assert_eq!(bars_in(html, "categories"), categories);
    for (name, n) in &e.categories {
        assert!(
            html.contains(&format!(
                "<th scope=\"row\">{name}</th><td class=\"n\">{n}</td>"
            )),
            "{name} {n}"
        );
    }
    assert!(!html.contains("<script"), "no script");
}

#[test]
fn stats_from_the_cli_and_the_server_match_the_documents() {
    let dir = data_dir(300);
    let data = dir.path().join("data");
    let data_s = data.to_str().expect("utf-8 path");
    // The index's documents, read back without gongkai-reports.
    let docs = serve_support::indexed_documents(&data);
    let years = expected(&docs);
    // The raw input agrees on the years' totals (nothing lost indexing).
    let input = std::fs::read_to_string(dir.path().join("docs.jsonl")).expect("input");
    let mut input_years: BTreeMap<i32, u64> = BTreeMap::new();
    for line in input.lines() {
        let v: Value = serde_json::from_str(line).expect("input line");
        if let Some(p) = v["published"].as_str() {
            *input_years
                .entry(p[..4].parse().expect("year"))
                .or_default() += 1;
        }
    }
    let totals: BTreeMap<i32, u64> = years.iter().map(|(y, e)| (*y, e.total)).collect();
    assert_eq!(totals, input_years);
    let (&busiest, e) = years
        .iter()
        .max_by_key(|(_, e)| e.total)
        .expect("a year with documents");
    assert!(e.total > 100, "{busiest}: {}", e.total);
    let year_s = busiest.to_string();
    let latest = *years.keys().next_back().expect("latest");

    // The CLI.
    let json: Value = serde_json::from_str(&ok(&[
        "stats", "--data", data_s, "--year", &year_s, "--format", "json",
    ]))
    .expect("JSON");
    check_json(&json, busiest, e, &years);
    let cli_csv = ok(&[
        "stats", "--data", data_s, "--year", &year_s, "--format", "csv",
    ]);
    check_csv(&cli_csv, e);
    let out = dir.path().join("report.html");
    let printed = ok(&[
        "stats",
        "--data",
        data_s,
        "--year",
        &year_s,
        "--format",
        "html",
        "--out",
        out.to_str().expect("utf-8 path"),
    ]);
    assert!(printed.is_empty(), "--out writes the file, not stdout");
    let html = std::fs::read_to_string(&out).expect("HTML file");
    check_html(&html, e);
    let table = ok(&["stats", "--data", data_s, "--year", &year_s]);
    assert!(table.starts_with(&format!("{busiest}年: {} items", e.total)));
    // All years: every document, none undated in this input.
    let all: Value =
        serde_json::from_str(&ok(&["stats", "--data", data_s, "--format", "json"])).expect("JSON");
    assert_eq!(all["year"], Value::Null);
    assert_eq!(all["total"], docs.len() as u64);

    // Bad years: a clear error, nothing printed.
    for (bad, says) in [("20x3", "not a year"), ("0", "out of range")] {
        let out = gongkai(&["stats", "--data", data_s, "--year", bad]);
        assert!(!out.status.success(), "--year {bad}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "--year {bad}: {err}");
        assert!(out.stdout.is_empty());
    }

    // The server: the same figures.
    let server = Server::start(&data, &[]);
    let page = server.get(&format!("/stats?year={busiest}"));
    assert_eq!(page.status, 200);
    assert!(
        page.header("content-type")
            .is_some_and(|c| c.starts_with("text/html"))
    );
    let page_html = page.text();
    check_html(&page_html, e);
    for (y, _) in years.iter().filter(|(y, _)| **y != busiest) {
        assert!(
            page_html.contains(&format!("href=\"/stats?year={y}\"")),
            "{y} linked"
        );
    }
    let (status, served) = server.json(&format!("/stats?year={busiest}&format=json"));
    assert_eq!(status, 200);
    check_json(&served, busiest, e, &years);
    assert_eq!(served, json, "the server and the CLI give the same JSON");
    let csv = server.get(&format!("/stats?year={busiest}&format=csv"));
    assert_eq!(csv.status, 200);
    assert_eq!(csv.text(), cli_csv);
    // No year: the latest year that has documents.
    let (_, default) = server.json("/stats?format=json");
    assert_eq!(default["year"], latest);
    let (_, all_served) = server.json("/stats?year=all&format=json");
    assert_eq!(all_served, all);
    // The hostile document's publisher (2023) is shown as text.
    let hostile = server.get("/stats?year=2023").text();
    assert!(hostile.contains("&lt;b onmouseover=alert(1)&gt;恶意机构&lt;/b&gt;"));
    assert!(!hostile.contains("<b onmouseover"));
    // The search page links to it.
    assert!(server.get("/").text().contains("href=\"/stats\""));

    // Bad parameters: 400, as a page or as the API's JSON error.
    for bad in ["abc", "0", "12345", "2023-01"] {
        let r = server.get(&format!("/stats?year={bad}"));
        assert_eq!(r.status, 400, "year={bad}");
        assert!(r.text().contains("class=\"err\""), "the page's error style");
        let (status, err) = server.json(&format!("/stats?year={bad}&format=json"));
        assert_eq!(status, 400);
        assert_eq!(err["error"]["status"], 400);
        assert!(
            err["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("year"))
        );
    }
    let (status, _) = server.json("/stats?format=xml");
    assert_eq!(status, 400);

    // Counted once for all the requests above.
    let counted = |server: &Server| {
        server
            .get("/metrics")
            .text()
            .lines()
            .find_map(|l| l.strip_prefix("gongkai_stats_counted_total "))
            .and_then(|n| n.trim().parse::<u64>().ok())
    };
    assert_eq!(counted(&server), Some(1));

    // A new document: the figures follow, counted once more.
    let extra = dir.path().join("extra.jsonl");
    std::fs::write(
        &extra,
        format!(
            r#"{{"id":"stats-extra-1","title":"统计补充文件","body":"正文","published":"{busiest}-02-14","publisher":"统计测试机构","category":"统计信息"}}"#
        ) + "\n",
    )
    .expect("write extra");
    serve_support::index(&extra, &data);
    assert!(
        wait_for(Duration::from_secs(60), || {
            let (_, v) = server.json(&format!("/stats?year={busiest}&format=json"));
            v["total"] == e.total + 1
        }),
        "the new document is counted"
    );
    let (_, after) = server.json(&format!("/stats?year={busiest}&format=json"));
    assert_eq!(after["publishers"]["统计测试机构"], 1);
    assert_eq!(
        after["months"][format!("{busiest}-02")],
        e.months[&format!("{busiest}-02")] + 1
    );
    // At least once more (tantivy may reload the reader more than once
    // for one `gongkai index`: a commit, then a merge).
    assert!(counted(&server).is_some_and(|n| n >= 2));
}
