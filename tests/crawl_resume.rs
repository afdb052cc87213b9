//! `gongkai crawl` killed with SIGKILL part-way resumes where it stopped:
//! nothing is missing at the end, and no page that was recorded as done
//! before the kill is requested again. Also checks the CLI end to end:
//! robots.txt obeyed, the export has every article once, a second crawl
//! of the unchanged site is all 304s.

#[path = "../crawler/tests/common/mod.rs"]
mod common;

use std::collections::{HashMap, HashSet};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use gongkai_crawler::{Document, State};

fn crawl_cmd(base: &str, data: &std::path::Path, export: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_gongkai"));
    cmd.args([
        "crawl",
        &format!("{base}/"),
        "--delay-ms",
        "0",
        "--concurrency",
        "8",
        "--no-index",
        "--json",
    ])
    .arg("--data")
    .arg(data)
    .arg("--export")
    .arg(export)
    .stdout(Stdio::piped())
    .stderr(Stdio::null());
    cmd
}

fn requests(log: &std::path::Path) -> HashMap<String, usize> {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let mut out = HashMap::new();
    for line in text.lines() {
        if let Some(rest) = line.split("\"GET ").nth(1)
            && let Some(path) = rest.split(' ').next()
        {
            *out.entry(path.to_string()).or_insert(0) += 1;
        }
    }
    out
}

#[test]
fn crawl_resumes_after_kill() {
    let tmp = tempfile::tempdir().expect("tmp");
    let site = tmp.path().join("site");
    common::make_site("classic", &site);
    let log = tmp.path().join("server.log");
    let server = common::Server::start_logged(&site, &log);
    let data = tmp.path().join("data");
    let export = tmp.path().join("docs.jsonl");

    // First run: kill -9 once a few hundred pages are recorded.
    let mut child = crawl_cmd(&server.base, &data, &export)
        .spawn()
        .expect("gongkai");
    let db = data.join("crawl.sqlite");
    let t0 = Instant::now();
    loop {
        std::thread::sleep(Duration::from_millis(20));
        let done = State::open(&db)
            .and_then(|s| s.fetch_counts())
            .map(|v| v.iter().filter(|(_, n)| *n > 0).count())
            .unwrap_or(0);
        if done >= 300 || t0.elapsed() > Duration::from_secs(60) {
            break;
        }
        if let Ok(Some(_)) = child.try_wait() {
            panic!("the crawl finished before it could be killed");
        }
    }
    child.kill().expect("kill -9");
    let _ = child.wait();
    let done_before: HashSet<String> = State::open(&db)
        .expect("state")
        .fetch_counts()
        .expect("counts")
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .filter_map(|(u, _)| {
            gongkai_crawler::url::Url::parse(&u)
                .ok()
                .map(|u| u.path().to_string())
        })
        .collect();
    assert!(
        done_before.len() >= 300 && done_before.len() < 2000,
        "{}",
        done_before.len()
    );
    let before = requests(&log);

    // Second run resumes and finishes.
    let out = crawl_cmd(&server.base, &data, &export)
        .output()
        .expect("gongkai");
    assert!(out.status.success(), "{out:?}");
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).expect("summary json");
    assert_eq!(summary["resumed"], true, "{summary}");
    assert_eq!(summary["finished"], true, "{summary}");

    // Nothing done before the kill was requested again (the retried fault
    // page and robots.txt, fetched once per invocation, aside).
    let after = requests(&log);
    for path in &done_before {
        let n_before = before.get(path).copied().unwrap_or(0);
        let n_after = after.get(path).copied().unwrap_or(0);
        assert_eq!(n_after, n_before, "{path} requested again after resume");
    }

    // Nothing missing: every article exactly once, no non-documents.
    let docs: Vec<Document> = std::fs::read_to_string(&export)
        .expect("export")
        .lines()
        .map(|l| serde_json::from_str(l).expect("doc"))
        .collect();
    let score = common::score(&docs, &common::truth(&site));
    eprintln!("{}", score.report());
    score.assert_targets();
    assert!(
        after.keys().all(|p| !p.starts_with("/admin/")),
        "robots.txt disobeyed"
    );

    // Third run: a new pass over the unchanged site is conditional GETs only.
    let out = crawl_cmd(&server.base, &data, &export)
        .output()
        .expect("gongkai");
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).expect("summary json");
    assert_eq!(summary["new"], 0, "{summary}");
    assert_eq!(summary["changed"], 0, "{summary}");
    assert!(
        summary["not_modified"].as_u64().unwrap_or(0) >= 1963,
        "{summary}"
    );
}
