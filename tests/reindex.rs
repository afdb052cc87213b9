//! Reindexing after a site migration, end to end: crawl the fixture's old
//! site, serve it, reindex from the new site while a client queries the
//! server continuously (one reindex killed midway, then resumed), and check
//! zero failed queries, the swap, the migration report against
//! `migration-truth.tsv`, old URLs resolving to the moved documents, and
//! rollback. Also `rebuild` with a new dictionary word.

#[path = "serve_support/mod.rs"]
mod serve_support;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use gongkai_migration::url_path as path_of;
use serve_support::{BIN, Portal, Server, enc, make_site, request, shared, wait_for};

fn gongkai(args: &[&str], data: &Path) -> (bool, String) {
    let out = Command::new(BIN)
        .args(args)
        .arg("--data")
        .arg(data)
        .output()
        .expect("run gongkai");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn current(data: &Path) -> String {
    std::fs::read_to_string(data.join("CURRENT"))
        .unwrap_or_default()
        .trim()
        .to_string()
}

fn p99(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() as f64 * 0.99) as usize).min(v.len() - 1)]
}

const QUERIES: &[&str] = &[
    "预算",
    "政府采购",
    "统计",
    "环境保护",
    "招标",
    "通知",
    "卫生",
    "城乡建设",
];

/// Queries the server until `stop`; returns (failures, latencies in ms).
fn query_loop(addr: String, stop: Arc<AtomicBool>) -> (Vec<String>, Vec<f64>) {
    let mut failures = Vec::new();
    let mut latencies = Vec::new();
    let mut k = 0;
    while !stop.load(Ordering::Relaxed) {
        let q = QUERIES[k % QUERIES.len()];
        k += 1;
        let t = Instant::now();
        let r = request(
            &addr,
            "GET",
            &format!("/api/search?q={}", enc(q)),
            &[],
            None,
        );
        latencies.push(t.elapsed().as_secs_f64() * 1000.0);
        let ok = r.status == 200
            && serde_json::from_slice::<serde_json::Value>(&r.body)
                .ok()
                .and_then(|v| v["total"].as_u64())
                .is_some_and(|t| t > 0);
        if !ok {
            failures.push(format!("{q}: {} {}", r.status, r.text()));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    (failures, latencies)
}

#[test]
fn reindex_after_migration_end_to_end() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let fixture = tmp.path().join("portal");
    make_site(
        &shared().join("portal/make_portal.py"),
        &["migration"],
        &fixture,
    );
    let data: PathBuf = tmp.path().join("data");
    let report_dir = tmp.path().join("report");

    // The old site, crawled and served.
    let old = Portal::start(&fixture.join("old"));
    let new = Portal::start(&fixture.join("new"));
    let (ok, out) = gongkai(
        &[
            "crawl",
            &format!("{}/", old.base),
            "--delay-ms",
            "0",
            "--concurrency",
            "8",
        ],
        &data,
    );
    assert!(ok, "crawl of the old site failed: {out}");
    assert_eq!(current(&data), "1");
    let old_base = old.base.clone();
    drop(old); // the old site is gone after the move

    // Wrong URL and unreachable site: clear errors, nothing changes.
    let (ok, out) = gongkai(&["reindex", "not a url"], &data);
    assert!(!ok && out.contains("is not a URL"), "{out}");
    let (ok, out) = gongkai(
        &["reindex", "http://127.0.0.1:9/", "--delay-ms", "0"],
        &data,
    );
    assert!(!ok && out.contains("no documents"), "{out}");
    assert_eq!(current(&data), "1");

    let server = Server::start(&data, &[]);
    // Idle latency.
    let stop = Arc::new(AtomicBool::new(false));
    let idle = {
        let (addr, stop2) = (server.addr.clone(), stop.clone());
        let h = std::thread::spawn(move || query_loop(addr, stop2));
        std::thread::sleep(Duration::from_secs(3));
        stop.store(true, Ordering::Relaxed);
        h.join().expect("idle queries")
    };
    assert!(
        idle.0.is_empty(),
        "idle failures: {:?}",
        &idle.0[..idle.0.len().min(3)]
    );

    // Queries throughout both reindex runs.
    let stop = Arc::new(AtomicBool::new(false));
    let client = {
        let (addr, stop2) = (server.addr.clone(), stop.clone());
        std::thread::spawn(move || query_loop(addr, stop2))
    };

    // A reindex killed midway leaves the live generation serving.
    let mut killed = Command::new(BIN)
        .args([
            "reindex",
            &format!("{}/", new.base),
            "--delay-ms",
            "30",
            "--concurrency",
            "2",
        ])
        .arg("--data")
        .arg(&data)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start reindex");
    std::thread::sleep(Duration::from_millis(2500));
    assert!(
        killed.try_wait().expect("try_wait").is_none(),
        "reindex finished before it could be killed"
    );
    killed.kill().expect("kill reindex");
    let _ = killed.wait();
    assert_eq!(
        current(&data),
        "1",
        "a killed reindex must not change the live generation"
    );
    let (_, listing) = gongkai(&["generations"], &data);
    assert!(listing.contains("building"), "{listing}");

    // Resumed to the end.
    let started = Instant::now();
    let (ok, out) = gongkai(
        &[
            "reindex",
            &format!("{}/", new.base),
            "--delay-ms",
            "0",
            "--concurrency",
            "8",
            "--report",
            report_dir.to_str().expect("utf-8 path"),
        ],
        &data,
    );
    let reindex_secs = started.elapsed().as_secs_f64();
    assert!(ok, "reindex failed: {out}");
    assert!(out.contains("resuming reindex into generation 2"), "{out}");
    assert_eq!(current(&data), "2");
    assert!(out.contains("migration:"), "summary printed: {out}");

    // The server switches to the new generation.
    let report: serde_json::Value = serde_json::from_slice(
        &std::fs::read(report_dir.join("report.json")).expect("report.json"),
    )
    .expect("json");
    let added_id = report["added"][0]["new_id"]
        .as_str()
        .expect("an added document")
        .to_string();
    assert!(
        wait_for(Duration::from_secs(10), || server
            .get(&format!("/api/doc/{}", enc(&added_id)))
            .status
            == 200),
        "serve did not switch to generation 2"
    );
    std::thread::sleep(Duration::from_millis(500));
    stop.store(true, Ordering::Relaxed);
    let (failures, during) = client.join().expect("client");
    assert!(
        failures.is_empty(),
        "{} failed queries during reindex: {:?}",
        failures.len(),
        &failures[..failures.len().min(3)]
    );
    let (p_idle, p_during) = (p99(idle.1.clone()), p99(during.clone()));
    eprintln!(
        "BENCH reindex_seconds={reindex_secs:.1} queries_idle={} p99_idle_ms={p_idle:.2} queries_during={} p99_during_ms={p_during:.2} ratio={:.2}",
        idle.1.len(),
        during.len(),
        p_during / p_idle.max(0.001)
    );

    // The report against the truth.
    let truth = std::fs::read_to_string(fixture.join("migration-truth.tsv")).expect("truth");
    let mut want: HashMap<&str, Vec<(String, String)>> = HashMap::new();
    for line in truth.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() >= 3 {
            want.entry(f[2])
                .or_default()
                .push((f[0].to_string(), f[1].to_string()));
        }
    }
    let pairs = |key: &str| -> HashSet<(String, String)> {
        report[key]
            .as_array()
            .expect("list")
            .iter()
            .map(|e| {
                (
                    path_of(e["old_url"].as_str().unwrap_or_default()),
                    path_of(e["new_url"].as_str().unwrap_or_default()),
                )
            })
            .collect()
    };
    let moved = pairs("moved");
    let modified = pairs("modified");
    let truth_moved: HashSet<_> = want["moved"].iter().cloned().collect();
    let right = truth_moved.intersection(&moved).count();
    assert!(
        right * 100 >= truth_moved.len() * 99,
        "moved pairs right: {right} of {}",
        truth_moved.len()
    );
    for pair in &want["modified"] {
        assert!(
            modified.contains(pair),
            "modified document not flagged: {pair:?}"
        );
    }
    for m in report["modified"].as_array().expect("modified") {
        assert!(
            m["similarity"].as_f64().is_some() && m["chars_added"].as_u64().is_some(),
            "{m}"
        );
    }
    let lost: HashSet<String> = report["lost"]
        .as_array()
        .expect("lost")
        .iter()
        .map(|e| path_of(e["old_url"].as_str().unwrap_or("")))
        .collect();
    for (old_path, _) in &want["lost"] {
        assert!(
            lost.contains(old_path),
            "lost document not listed: {old_path}"
        );
    }
    let added: HashSet<String> = report["added"]
        .as_array()
        .expect("added")
        .iter()
        .map(|e| path_of(e["new_url"].as_str().unwrap_or("")))
        .collect();
    for (_, new_path) in &want["added"] {
        assert!(
            added.contains(new_path),
            "added document not listed: {new_path}"
        );
    }
    for file in [
        "moved.csv",
        "modified.csv",
        "lost.csv",
        "added.csv",
        "redirects.csv",
    ] {
        let text = std::fs::read_to_string(report_dir.join(file)).expect(file);
        assert!(text.lines().count() > 1, "{file} is empty");
        // The CSVs name the evidence as report.json does (was `indexnumber`).
        assert!(
            !text.contains(",indexnumber,") && !text.contains(",docnumber,"),
            "{file}: {text}"
        );
    }
    let map =
        std::fs::read_to_string(report_dir.join("nginx-redirect-map.conf")).expect("nginx map");
    assert!(map.contains("map $uri $gongkai_new_uri {"));
    let (old_path, new_path) = want["moved"][0].clone();
    assert!(
        map.contains(&format!("    {old_path} {new_path};")),
        "{old_path} not in the nginx map"
    );
    let redirects =
        std::fs::read_to_string(report_dir.join("redirects.csv")).expect("redirects.csv");
    assert!(
        redirects.contains(",redirect,301,") && redirects.contains(",dead,"),
        "redirects and dead URLs listed"
    );

    // Old URLs resolve to the moved documents.
    let dir = gongkai_index::DataDir::new(&data);
    let searcher = gongkai_index::Searcher::new(
        dir.open_current(dir.analyzer().expect("analyzer"))
            .expect("open"),
    )
    .expect("searcher");
    let mut resolved = 0;
    for (old_path, new_path) in &want["moved"] {
        let found = searcher
            .get_by_url(&format!("{old_base}{old_path}"))
            .expect("lookup");
        if found.is_some_and(|d| path_of(&d.url) == *new_path) {
            resolved += 1;
        }
    }
    assert!(
        resolved * 100 >= want["moved"].len() * 99,
        "old URLs resolved: {resolved} of {}",
        want["moved"].len()
    );
    // …and over HTTP, as a portal's 404 page or a citizen's old bookmark would ask.
    let mut over_http = 0;
    let sample: Vec<_> = want["moved"].iter().take(50).collect();
    for (old_path, new_path) in &sample {
        let (status, doc) = server.json(&format!(
            "/api/doc?url={}",
            enc(&format!("{old_base}{old_path}"))
        ));
        if status == 200 && doc["url"].as_str().is_some_and(|u| path_of(u) == *new_path) {
            over_http += 1;
        }
    }
    assert!(
        over_http * 100 >= sample.len() * 98,
        "/api/doc?url= resolved {over_http} of {}",
        sample.len()
    );
    assert_eq!(server.get("/api/doc?url=").status, 400);
    assert_eq!(
        server
            .get(&format!(
                "/api/doc?url={}",
                enc("https://nowhere.invalid/x")
            ))
            .status,
        404
    );

    // Rollback restores the old generation, and serve follows.
    let lost_id = report["lost"][0]["old_id"]
        .as_str()
        .expect("a lost document")
        .to_string();
    assert_eq!(
        server.get(&format!("/api/doc/{}", enc(&lost_id))).status,
        404
    );
    let (ok, out) = gongkai(&["rollback"], &data);
    assert!(ok, "{out}");
    assert_eq!(current(&data), "1");
    assert!(
        wait_for(Duration::from_secs(10), || server
            .get(&format!("/api/doc/{}", enc(&lost_id)))
            .status
            == 200),
        "serve did not return to generation 1"
    );
    let (_, listing) = gongkai(&["generations"], &data);
    assert!(
        listing
            .lines()
            .any(|l| l.contains(" live ") && l.trim_start().starts_with('1')),
        "{listing}"
    );
    assert!(
        listing
            .lines()
            .any(|l| l.contains("previous") && l.trim_start().starts_with('2')),
        "{listing}"
    );
}

/// A data directory holding `jsonl` indexed by `gongkai index` (generation 1),
/// with the command's output.
fn indexed(jsonl: &str) -> (tempfile::TempDir, PathBuf, String) {
    indexed_with(jsonl, &[])
}

/// Like [`indexed`], with more `gongkai index` arguments.
fn indexed_with(jsonl: &str, args: &[&str]) -> (tempfile::TempDir, PathBuf, String) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let docs = tmp.path().join("docs.jsonl");
    std::fs::write(&docs, jsonl).expect("write docs");
    let mut all = vec!["index"];
    all.extend_from_slice(args);
    all.push(docs.to_str().expect("utf-8"));
    let (ok, out) = gongkai(&all, &data);
    assert!(ok, "{out}");
    (tmp, data, out)
}

/// The stored document `id` of the live generation.
fn stored(data: &Path, id: &str) -> gongkai_index::Document {
    let dir = gongkai_index::DataDir::new(data);
    let s = gongkai_index::Searcher::new(
        dir.open_current(dir.analyzer().expect("analyzer"))
            .expect("open"),
    )
    .expect("searcher");
    s.get(id).expect("get").expect("document")
}

/// Writes `DATA/taxonomy.toml`: the default taxonomy with `alias` taught to 公共卫生.
fn teach_public_health_alias(data: &Path, alias: &str) {
    let default = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("index/data/taxonomy.toml"),
    )
    .expect("default taxonomy");
    let taught = default.replacen(
        r#"aliases = ["公共卫生","#,
        &format!(r#"aliases = ["{alias}", "公共卫生","#),
        1,
    );
    assert_ne!(taught, default, "the alias was added");
    std::fs::write(data.join("taxonomy.toml"), taught).expect("taxonomy.toml");
}

#[test]
fn rebuild_applies_a_new_dictionary_word_to_old_documents() {
    let (_tmp, data, _) = indexed(concat!(
        r#"{"id":"a","title":"关于推进数字乡村振兴试点的通知","body":"各乡镇：现就数字乡村振兴试点工作通知如下。","published":"2023-01-02"}"#,
        "\n",
        r#"{"id":"b","title":"财政预算公开","body":"县财政局公开年度预算。","published":"2023-02-03"}"#,
        "\n"
    ));
    let word = "数字乡村振兴试点";
    let terms = |data: &Path| -> bool {
        let dir = gongkai_index::DataDir::new(data);
        let analyzer = dir.analyzer().expect("analyzer");
        let s = gongkai_index::Searcher::new(dir.open_current(analyzer.clone()).expect("open"))
            .expect("searcher");
        let doc = s.get("a").expect("get").expect("doc a");
        analyzer
            .terms(gongkai_index::TermStream::Precise, &doc.title)
            .iter()
            .any(|t| t == word)
    };
    assert!(!terms(&data), "the word is not in the shipped dictionary");
    // How many documents hold the word as one precise title term, in the live generation.
    let indexed_as_word = |data: &Path| -> u64 {
        let dir = gongkai_index::DataDir::new(data);
        let handle = dir
            .open_current(dir.analyzer().expect("analyzer"))
            .expect("open");
        let searcher = handle.index.reader().expect("reader").searcher();
        let term = tantivy::Term::from_field_text(
            handle
                .fields
                .text_field(true, gongkai_index::TermStream::Precise),
            word,
        );
        searcher.doc_freq(&term).expect("doc freq")
    };
    assert_eq!(indexed_as_word(&data), 0);
    std::fs::write(data.join("user-dict.txt"), format!("{word} 100 n\n")).expect("user dict");
    let (ok, out) = gongkai(&["rebuild", "--threads", "1"], &data);
    assert!(ok, "{out}");
    assert_eq!(current(&data), "2");
    assert!(
        terms(&data),
        "after rebuild the old document's terms include {word}"
    );
    assert_eq!(indexed_as_word(&data), 1, "the old document is re-analysed");
    let (ok, out) = gongkai(&["search", word, "--format", "json"], &data);
    assert!(ok, "{out}");
    assert!(
        out.contains("\"id\":\"a\"") || out.contains("\"id\": \"a\""),
        "{out}"
    );
    let (ok, out) = gongkai(&["rollback"], &data);
    assert!(ok && current(&data) == "1", "{out}");
}

#[test]
fn rebuild_applies_a_changed_taxonomy() {
    let (_tmp, data, out) = indexed(concat!(
        r#"{"id":"given","title":"县政府关于印发工作方案的通知","body":"各乡镇人民政府：现将方案印发给你们。","published":"2023-01-02","category":"政府文件"}"#,
        "\n",
        r#"{"id":"column","title":"停水通知","body":"城区部分路段停水。","published":"2023-02-03","column":"便民公告","url":"https://example.gov.cn/bmgg/1.html"}"#,
        "\n",
        r#"{"id":"news","title":"县长调研春耕","body":"县长到乡镇调研春耕生产。","published":"2023-03-04","kind":"新闻"}"#,
        "\n"
    ));
    let doc = |id: &str| stored(&data, id);
    assert_ne!(
        doc("column").category_source.as_deref(),
        Some("column"),
        "{out}"
    );

    // Staff teach the taxonomy the portal's column name, then rebuild.
    teach_public_health_alias(&data, "便民公告");
    let (ok, out) = gongkai(&["rebuild", "--threads", "1"], &data);
    assert!(ok, "{out}");
    assert!(out.contains("1 re-categorised"), "{out}");
    let moved = doc("column");
    assert_eq!(moved.category.as_deref(), Some("公共卫生"));
    assert_eq!(moved.category_source.as_deref(), Some("column"));
    let given = doc("given");
    assert_eq!(
        (given.category.as_deref(), given.category_source.as_deref()),
        (Some("政府文件"), Some("metadata"))
    );
    assert_eq!(doc("news").kind.as_deref(), Some("新闻"));
}

#[test]
fn a_generation_of_an_older_layout_is_refused_until_rebuilt() {
    let (_tmp, data, _) = indexed(
        r#"{"id":"b","title":"财政预算公开","body":"县财政局公开年度预算。","published":"2023-02-03"}"#,
    );
    // What the previous release wrote: the same index with its character
    // fields named and analysed as bigrams (tantivy keeps the schema in meta.json).
    let meta = data.join("generations/000001/meta.json");
    let text = std::fs::read_to_string(&meta).expect("meta.json");
    let old = text
        .replace("\"title_chars\"", "\"title_bigram\"")
        .replace("\"body_chars\"", "\"body_bigram\"")
        .replace("\"gongkai_chars\"", "\"gongkai_bigram\"");
    assert_ne!(old, text, "meta.json names the chars fields");
    std::fs::write(&meta, old).expect("rewrite meta.json");

    let (ok, out) = gongkai(&["search", "预算"], &data);
    assert!(!ok, "{out}");
    assert!(
        out.contains("older gongkai") && out.contains("gongkai rebuild"),
        "{out}"
    );
    let (ok, out) = gongkai(&["rebuild", "--threads", "1"], &data);
    assert!(ok, "{out}");
    assert_eq!(current(&data), "2");
    let (ok, out) = gongkai(&["search", "预算", "--format", "json"], &data);
    assert!(ok, "{out}");
    assert!(
        out.contains("\"total\":1") || out.contains("\"total\": 1"),
        "{out}"
    );
}

#[test]
fn rebuild_retrains_the_classifier_on_what_the_taxonomy_now_places() {
    let mut jsonl = String::new();
    for i in 1..=4 {
        jsonl.push_str(&format!(
            r#"{{"id":"p{i}","title":"县政府采购中心采购公告第{i}号","body":"本项目采购办公设备，供应商报价截止时间另行通知，采购人为县财政局。","published":"2023-01-0{i}","category":"政府采购"}}"#
        ));
        jsonl.push('\n');
        jsonl.push_str(&format!(
            r#"{{"id":"h{i}","title":"儿童疫苗接种工作通知{i}","body":"各乡镇卫生院要做好儿童疫苗接种和传染病预防工作，保障群众健康。","published":"2023-02-0{i}","column":"防疫专栏","url":"https://example.gov.cn/col7/{i}.html"}}"#
        ));
        jsonl.push('\n');
    }
    jsonl.push_str(r#"{"id":"x","title":"秋季疫苗接种安排","body":"卫生院开展疫苗接种，预防传染病，保障儿童健康。","published":"2023-03-01","url":"https://example.gov.cn/misc/1.html"}"#);
    // Without the shipped default model (issue 14), which would place x by
    // itself: here the index's own classifier is what is tested.
    let (_tmp, data, out) = indexed_with(&jsonl, &["--no-default-model"]);
    let doc = |id: &str| stored(&data, id);
    // Only the procurement notices were placed; the classifier learned from them alone.
    let before = doc("x");
    assert_eq!(
        before.category_source.as_deref(),
        Some("classifier"),
        "{out}"
    );
    assert_eq!(before.category.as_deref(), Some("政府采购"), "{out}");

    // Staff teach the taxonomy the health column; the rebuild places its
    // documents and the retrained classifier moves the one like them.
    teach_public_health_alias(&data, "防疫专栏");
    let (ok, out) = gongkai(&["rebuild", "--threads", "1"], &data);
    assert!(ok, "{out}");
    assert!(out.contains("classifier retrained on 8 documents"), "{out}");
    assert_eq!(doc("h1").category.as_deref(), Some("公共卫生"));
    let after = doc("x");
    assert_eq!(after.category.as_deref(), Some("公共卫生"), "{out}");
    assert_eq!(after.category_source.as_deref(), Some("classifier"));
    assert!(
        data.join("generations/000002")
            .join(gongkai_index::classifier::CLASSIFIER_FILE)
            .is_file()
    );
}
