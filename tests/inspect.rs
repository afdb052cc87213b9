//! `gongkai inspect` as staff use it: a fixture portal with planted faults
//! (tests/inspect/plant.py writes them into a generated classic site and
//! says what a correct inspection reports), crawled by the binary, then
//! inspected from the stored crawl alone. Every planted fault must be found
//! and nothing else flagged: precision and recall both 100%.

mod serve_support;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use serve_support::{BIN, Portal, crawl_portal, make_site, shared};

/// Documents of the corpus the portal is made of.
const LIMIT: &str = "400";

fn here() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/inspect")
}

/// serve_portal.py with a slow folder (tests/inspect/slow_portal.py).
fn start(site: &Path) -> Portal {
    Portal::start_script(
        &here().join("slow_portal.py"),
        &[&shared().join("portal"), site],
    )
}

/// A URL's path, `dir/index.htm` as `dir/` (how the crawler keys pages).
fn path_of(url: &str, base: &str) -> String {
    let p = url.strip_prefix(base).unwrap_or(url);
    let p = p.strip_suffix("index.htm").unwrap_or(p);
    p.strip_suffix("index.html").unwrap_or(p).to_string()
}

fn run(args: &[&str], data: &Path) -> std::process::Output {
    Command::new(BIN)
        .args(args)
        .arg("--data")
        .arg(data)
        .output()
        .expect("gongkai")
}

#[test]
fn every_planted_fault_is_found_and_nothing_else() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("portal");
    let docs = shared().join("portal/docs.jsonl.gz");
    make_site(
        &shared().join("portal/make_portal.py"),
        &["site", "--style", "classic", "--limit", LIMIT],
        &site,
    );
    let planted = Command::new("python3")
        .arg(here().join("plant.py"))
        .arg(&site)
        .arg(&docs)
        .arg(LIMIT)
        .output()
        .expect("plant.py");
    assert!(
        planted.status.success(),
        "{}",
        String::from_utf8_lossy(&planted.stderr)
    );
    let plan: serde_json::Value = serde_json::from_slice(&planted.stdout).unwrap();

    let portal = start(&site);
    let base = portal.base.clone();
    let host = base.strip_prefix("http://").unwrap().to_string();
    let data = tmp.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    // The slow folder answers after 1.5 s; the rest in milliseconds.
    std::fs::write(data.join("inspect.toml"), "slow_ms = 1000\n").unwrap();
    crawl_portal(&portal, &data);

    let as_of = plan["as_of"].as_str().unwrap();
    let out = run(&["inspect", "--format", "json", "--as-of", as_of], &data);
    assert_eq!(
        out.status.code(),
        Some(1),
        "findings: exit status 1; {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();

    // What was found: (check, the URL at fault) and the duplicate groups.
    let mut found: BTreeSet<(String, String)> = BTreeSet::new();
    let mut found_dups: BTreeSet<Vec<String>> = BTreeSet::new();
    for f in findings {
        let check = f["check"].as_str().unwrap().to_string();
        let urls: Vec<String> = f["urls"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| path_of(u.as_str().unwrap(), &base))
            .collect();
        assert!(!f["evidence"].as_str().unwrap().is_empty(), "{f}");
        assert!(!f["rule"].as_str().unwrap().is_empty(), "{f}");
        if check == "duplicate" {
            let mut g = urls.clone();
            g.sort();
            found_dups.insert(g);
        } else {
            found.insert((check, urls[0].clone()));
        }
    }
    // What should be.
    let mut expected: BTreeSet<(String, String)> = BTreeSet::new();
    for e in plan["expect"].as_array().unwrap() {
        let check = e[0].as_str().unwrap().to_string();
        let at = e[1].as_str().unwrap();
        let at = if at == "HOST" {
            host.clone()
        } else {
            path_of(at, "")
        };
        // The evidence names the pages it is about.
        let finding = findings
            .iter()
            .find(|f| {
                f["check"] == check.as_str() && path_of(f["urls"][0].as_str().unwrap(), &base) == at
            })
            .unwrap_or_else(|| panic!("not found: {check} {at}\n{report:#}"));
        for also in e[2].as_array().unwrap() {
            let also = path_of(also.as_str().unwrap(), "");
            assert!(
                finding["urls"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|u| path_of(u.as_str().unwrap(), &base) == also),
                "{check} {at} should name {also}: {finding:#}"
            );
        }
        expected.insert((check, at));
    }
    let expected_dups: BTreeSet<Vec<String>> = plan["duplicates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            let mut v: Vec<String> = g
                .as_array()
                .unwrap()
                .iter()
                .map(|u| path_of(u.as_str().unwrap(), ""))
                .collect();
            v.sort();
            v
        })
        .collect();
    let missed: Vec<_> = expected.difference(&found).collect();
    let extra: Vec<_> = found.difference(&expected).collect();
    assert!(
        missed.is_empty() && extra.is_empty(),
        "recall: missed {missed:#?}\nprecision: wrongly flagged {extra:#?}"
    );
    assert_eq!(found_dups, expected_dups, "duplicates");
    assert!(expected.len() >= 15, "the plan plants every kind of fault");

    // The columns table and the hosts are there for staff, with the figures.
    let columns = report["columns"].as_array().unwrap();
    let news = columns
        .iter()
        .find(|c| c["name"] == "新闻动态")
        .expect("the news column");
    assert_eq!(news["stale"], false);
    assert_eq!(report["hosts"][0]["host"], host.as_str());
    assert!(report["home_newest"].is_string());

    // The same report as CSV and as an HTML page in a folder.
    let csv = run(&["inspect", "--format", "csv", "--as-of", as_of], &data);
    let csv = String::from_utf8(csv.stdout).unwrap();
    assert_eq!(
        csv.lines().count(),
        findings.len() + 1,
        "one row per finding and a header"
    );
    let folder = tmp.path().join("report");
    let html = Command::new(BIN)
        .args(["inspect", "--format", "html", "--as-of", as_of, "--out"])
        .arg(&folder)
        .arg("--data")
        .arg(&data)
        .output()
        .unwrap();
    assert_eq!(html.status.code(), Some(1));
    let page = std::fs::read_to_string(folder.join("inspect.html")).unwrap();
    assert!(!page.contains("<script"), "no script on the page");
    assert!(page.contains("空白栏目") && page.contains("/xxgk/bszn/index.htm"));

    // Inspecting never fetches: the portal gone, the report is the same.
    drop(portal);
    let again = run(&["inspect", "--format", "json", "--as-of", as_of], &data);
    let again: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(again["findings"], report["findings"]);
}

#[test]
fn no_crawl_is_an_error_and_a_clean_state_exits_zero() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run(&["inspect", "--format", "json"], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("gongkai crawl"));
    // A one-page site with a fresh item and nothing wrong: exit 0.
    let site = tmp.path().join("site");
    std::fs::create_dir_all(site.join("site")).unwrap();
    std::fs::create_dir_all(site.join("_meta")).unwrap();
    let page = "<html><head><meta charset=\"utf-8\"><title>样例</title></head><body><h1>样例县人民政府</h1><p>欢迎访问。</p></body></html>";
    std::fs::write(site.join("site/index.html"), page).unwrap();
    let portal = serve_support::Portal::start(&site);
    let data = tmp.path().join("data");
    crawl_portal(&portal, &data);
    let out = run(
        &["inspect", "--format", "json", "--as-of", "2020-01-01"],
        &data,
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // The home page links no dated item: that is the one finding.
    let checks: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["check"].as_str().unwrap())
        .collect();
    assert_eq!(checks, vec!["home-not-updated"], "{report:#}");
    assert_eq!(out.status.code(), Some(1));
    std::fs::write(data.join("inspect.toml"), "home_days = 0\n").unwrap();
    let out = run(&["inspect", "--format", "csv"], &data);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    std::fs::write(data.join("inspect.toml"), "home_days = \"soon\"\n").unwrap();
    let out = run(&["inspect"], &data);
    assert_eq!(out.status.code(), Some(2), "a bad inspect.toml is an error");
}

#[test]
fn external_links_are_asked_only_with_the_flag() {
    let tmp = tempfile::tempdir().unwrap();
    // A port nothing listens on any more.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let site = tmp.path().join("site");
    std::fs::create_dir_all(site.join("site")).unwrap();
    std::fs::create_dir_all(site.join("_meta")).unwrap();
    let portal_page = |links: &str| {
        format!(
            "<html><head><meta charset=\"utf-8\"><title>样例</title></head><body><h1>样例县人民政府</h1>{links}</body></html>"
        )
    };
    std::fs::write(site.join("site/index.html"), portal_page("")).unwrap();
    let portal = serve_support::Portal::start(&site);
    // The same server under another host name is another site; the closed
    // port is a dead one.
    let alive = portal.base.replace("127.0.0.1", "localhost") + "/index.html";
    let dead = format!("http://127.0.0.1:{closed}/gone.html");
    std::fs::write(
        site.join("site/index.html"),
        portal_page(&format!(
            "<a href=\"{alive}\">友情链接</a> <a href=\"{dead}\">旧站</a>"
        )),
    )
    .unwrap();
    let data = tmp.path().join("data");
    crawl_portal(&portal, &data);
    std::fs::write(data.join("inspect.toml"), "home_days = 0\n").unwrap();
    let out = run(&["inspect", "--format", "json"], &data);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = run(&["inspect", "--format", "json", "--external"], &data);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let found: Vec<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["check"].as_str().unwrap().to_string(),
                f["urls"][0].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![("external-broken-link".to_string(), dead)],
        "{report:#}"
    );
    assert_eq!(report["counts"]["external-broken-link"], 1);
}
