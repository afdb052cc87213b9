//! End to end through the binary: `index`, `search`, `analyze`, `export` over
//! a real slice of the shared corpus (繁體 news of a city government).

use std::io::{BufRead, Write};
use std::process::{Command, Output, Stdio};

const SLICE: usize = 400;

fn gongkai(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gongkai"))
        .args(args)
        .output()
        .expect("run gongkai")
}

fn shared(path: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared")
        .join(path)
}

/// The first SLICE lines of the Tainan corpus, with bad lines mixed in.
fn write_input(dir: &std::path::Path) -> (std::path::PathBuf, Vec<serde_json::Value>) {
    let file =
        std::fs::File::open(shared("corpus/tainan-2018-2024.jsonl.gz")).expect("shared corpus");
    let lines: Vec<String> = std::io::BufReader::new(flate2::read::GzDecoder::new(file))
        .lines()
        .take(SLICE)
        .map(|l| l.expect("line"))
        .collect();
    let docs = lines
        .iter()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    let path = dir.join("input.jsonl");
    let mut out = std::fs::File::create(&path).expect("create");
    for (i, line) in lines.iter().enumerate() {
        writeln!(out, "{line}").expect("write");
        match i {
            10 => writeln!(out, "{{not json").expect("write"),
            20 => writeln!(out, r#"{{"title":"no id"}}"#).expect("write"),
            30 => writeln!(out, r#"{{"id":"bad-date","title":"t","published":"昨天"}}"#)
                .expect("write"),
            40 => writeln!(out).expect("write"),
            _ => {}
        }
    }
    (path, docs)
}

#[test]
fn index_search_export_round_trip() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let data = data.to_str().expect("utf-8 path");
    let (input, docs) = write_input(tmp.path());
    let input = input.to_str().expect("utf-8 path");

    // Bad lines are reported with their line numbers; the good ones are indexed.
    let first = gongkai(&["index", input, "--data", data]);
    assert_eq!(
        first.status.code(),
        Some(1),
        "bad lines make the exit status 1"
    );
    let stderr = String::from_utf8_lossy(&first.stderr);
    for line_no in [12, 23, 34] {
        assert!(
            stderr.contains(&format!("input.jsonl:{line_no}:")),
            "line {line_no} reported: {stderr}"
        );
    }
    assert!(stderr.contains(&format!("{SLICE} added")), "{stderr}");

    // Indexing the same file again changes nothing.
    let second = gongkai(&["index", input, "--data", data]);
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(
        stderr.contains(&format!("0 added, 0 updated, {SLICE} unchanged")),
        "{stderr}"
    );

    // Export gives back every document with its fields.
    let export = gongkai(&["export", "--data", data]);
    assert!(export.status.success());
    let exported: Vec<serde_json::Value> = String::from_utf8_lossy(&export.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("exported json"))
        .collect();
    assert_eq!(exported.len(), SLICE);
    for doc in &docs {
        let id = doc["id"].as_str().expect("id");
        let back = exported.iter().find(|e| e["id"] == id).expect("exported");
        for field in ["url", "title", "body", "published", "publisher"] {
            assert_eq!(back[field], doc[field], "{id} {field}");
        }
    }

    // 繁體 and 简体 queries give the same JSON hits; the JSON has the documented shape.
    let search = |q: &str| -> serde_json::Value {
        let out = gongkai(&[
            "search", q, "--data", data, "--format", "json", "--limit", "20",
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("search json")
    };
    let hant = search("天文館");
    let hans = search("天文馆");
    assert!(hant["total"].as_u64().unwrap_or(0) > 0);
    assert_eq!(hant["hits"], hans["hits"]);
    for key in ["total", "took_ms", "hits", "facets"] {
        assert!(hant.get(key).is_some(), "{key}");
    }
    let hit = &hant["hits"][0];
    for key in [
        "id",
        "url",
        "title",
        "snippet",
        "category",
        "published",
        "publisher",
        "doc_number",
        "index_number",
        "score",
    ] {
        assert!(hit.get(key).is_some(), "hit.{key}");
    }
    assert!(
        hit["snippet"]
            .as_str()
            .unwrap_or("")
            .contains("<em>天文館</em>")
            || hit["title_html"].as_str().unwrap_or("").contains("<em>")
    );
    for facet in ["category", "year", "publisher"] {
        assert!(hant["facets"][facet].is_object(), "facets.{facet}");
    }

    // Odd queries: a clear message, never a crash.
    let long = "长".repeat(2000);
    let out = gongkai(&["search", &long, "--data", data]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("limit"));
    for q in ["\"", "-", "OR", "title:", "((("] {
        let out = gongkai(&["search", q, "--data", data]);
        assert!(
            out.status.success(),
            "{q}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    // A missing index is a clear error.
    let none = gongkai(&[
        "search",
        "x",
        "--data",
        tmp.path().join("nothing").to_str().expect("path"),
    ]);
    assert_eq!(none.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&none.stderr).contains("no index"));
}

#[test]
fn analyze_prints_one_line_per_input_line() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gongkai"))
        .args(["analyze", "--field", "precise", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all("臺南市政府財政預決算公開\n\n推進放管服改革，一網通辦\n".as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(
        lines[0].split(' ').any(|t| t == "财政预决算"),
        "{}",
        lines[0]
    );
    assert_eq!(lines[1], "");
    assert!(lines[2].split(' ').any(|t| t == "一网通办"), "{}", lines[2]);
    assert!(!lines[2].contains('，'));

    for field in ["chars", "bigram"] {
        let chars = gongkai(&["analyze", "--field", field, "2020年財政"]);
        assert_eq!(
            String::from_utf8_lossy(&chars.stdout).trim(),
            "2020 年 财 政",
            "--field {field}"
        );
    }
    let search = gongkai(&["analyze", "--field", "search", "中国农业发展银行"]);
    assert!(
        String::from_utf8_lossy(&search.stdout)
            .split_whitespace()
            .any(|t| t == "农业")
    );
}
