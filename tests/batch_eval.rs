//! End to end: `gongkai batch` over an index of a slice of the fixture portal
//! (plus two documents with awkward titles), and `gongkai eval` on hand-made
//! and derived qrels.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_gongkai");
const TRICKY_TITLE: &str = "关于\"绿色\"出行, 第二批\n试点名单的公告";

struct Fixture {
    data: PathBuf,
    /// (id, title) of the indexed portal documents.
    docs: Vec<(String, String)>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("batch_eval_{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).expect("tmp dir");
        let gz = std::fs::File::open(Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/portal/docs.jsonl.gz"))
            .expect("../shared/portal/docs.jsonl.gz");
        let mut text = String::new();
        flate2::read::GzDecoder::new(gz).read_to_string(&mut text).expect("gunzip");
        let mut slice = String::new();
        let mut docs = Vec::new();
        for line in text.lines().take(400) {
            let doc: Value = serde_json::from_str(line).expect("fixture json");
            docs.push((doc["id"].as_str().unwrap_or_default().to_string(), doc["title"].as_str().unwrap_or_default().to_string()));
            slice.push_str(line);
            slice.push('\n');
        }
        for (id, title) in [("tricky-1", TRICKY_TITLE), ("tricky-2", "绿色出行, 第三批试点")] {
            let doc = serde_json::json!({"id": id, "title": title, "body": "绿色出行试点名单。", "published": "2024-01-02", "publisher": "样例县交通运输局"});
            slice.push_str(&doc.to_string());
            slice.push('\n');
        }
        let input = root.join("slice.jsonl");
        std::fs::write(&input, slice).expect("write slice");
        let data = root.join("data");
        let out = Command::new(BIN).arg("index").arg(&input).arg("--data").arg(&data).output().expect("gongkai index");
        assert!(out.status.success(), "index failed: {}", String::from_utf8_lossy(&out.stderr));
        Fixture { data, docs }
    })
}

fn batch(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(BIN)
        .arg("batch")
        .args(args)
        .arg("--data")
        .arg(&fixture().data)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("gongkai batch");
    let mut pipe = child.stdin.take().expect("stdin");
    let input = stdin.to_string();
    let writer = std::thread::spawn(move || {
        let _ = pipe.write_all(input.as_bytes());
    });
    let out = child.wait_with_output().expect("wait");
    let _ = writer.join();
    out
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("utf-8 output")
}

/// Query words from titles: the first few characters of the title, without query syntax.
fn title_query(title: &str, chars: usize) -> String {
    title
        .chars()
        .filter(|c| c.is_alphanumeric())
        .take(chars)
        .collect()
}

fn query_file() -> String {
    let mut lines = String::from("# generated from fixture titles\n\n");
    for (i, (_, title)) in fixture().docs.iter().enumerate().step_by(5) {
        lines.push_str(&format!("q{i}\t{}\n", title_query(title, 6)));
    }
    lines.push_str("预算\n交通 -道路\n\"公开招标\"\n");
    lines
}

#[test]
fn jobs_do_not_change_the_output_order() {
    let queries = query_file();
    let one = batch(
        &["-", "--format", "tsv", "--jobs", "1", "--limit", "20"],
        &queries,
    );
    let four = batch(
        &["-", "--format", "tsv", "--jobs", "4", "--limit", "20"],
        &queries,
    );
    assert!(one.status.success(), "{}", text(&one.stderr));
    assert!(four.status.success(), "{}", text(&four.stderr));
    assert_eq!(text(&one.stdout), text(&four.stdout));
    assert!(text(&one.stdout).lines().count() > 100);

    // JSONL: one object per query, in input order.
    let jsonl = batch(&["-", "--jobs", "4"], &queries);
    assert!(jsonl.status.success());
    let qids: Vec<String> = text(&jsonl.stdout)
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).expect("json line")["qid"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    let expected: Vec<String> = queries
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|(n, l)| {
            l.split_once('\t')
                .map_or_else(|| (n + 1).to_string(), |(q, _)| q.to_string())
        })
        .collect();
    assert_eq!(qids, expected);
}

#[test]
fn bad_lines_are_reported_by_number_and_the_rest_still_run() {
    let long = "预算".repeat(200);
    let queries = format!("预算\n\ta\n{long}\n交通\nq9\tx\ty\n");
    let out = batch(&["-", "--format", "jsonl", "--jobs", "2"], &queries);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    for line in ["2: ", "3: ", "5: "] {
        assert!(
            stderr.lines().any(|l| l.starts_with(line)),
            "no report for line {line} in {stderr}"
        );
    }
    assert!(stderr.contains("3: query is 1200 bytes long"), "{stderr}");
    let lines: Vec<Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert_eq!(lines.len(), 5);
    assert_eq!(lines[0]["qid"], "1");
    assert!(lines[0]["total"].as_u64().unwrap_or(0) > 0);
    assert!(lines[1]["error"].is_string());
    assert!(lines[2]["error"].is_string());
    assert_eq!(lines[3]["qid"], "4");
    assert!(lines[3]["hits"].is_array());
    assert!(lines[4]["error"].is_string());

    // Other formats skip failed queries but keep the good ones.
    let trec = batch(&["-", "--format", "trec"], &queries);
    assert_eq!(trec.status.code(), Some(1));
    let qids: std::collections::BTreeSet<String> = text(&trec.stdout)
        .lines()
        .filter_map(|l| l.split(' ').next())
        .map(str::to_string)
        .collect();
    assert_eq!(qids.into_iter().collect::<Vec<_>>(), vec!["1", "4"]);
}

#[test]
fn csv_with_commas_quotes_and_newlines_round_trips() {
    let out = batch(
        &[
            "-",
            "--format",
            "csv",
            "--bom",
            "--fields",
            "qid,rank,id,title,published",
            "--limit",
            "5",
        ],
        "t1\t绿色出行\n",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let body = text(&out.stdout);
    let body = body.strip_prefix('\u{feff}').expect("BOM first");
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    assert_eq!(
        reader.headers().expect("header").iter().collect::<Vec<_>>(),
        vec!["qid", "rank", "id", "title", "published"]
    );
    let rows: Vec<csv::StringRecord> = reader
        .records()
        .collect::<Result<_, _>>()
        .expect("valid CSV");
    let tricky = rows
        .iter()
        .find(|r| &r[2] == "tricky-1")
        .expect("tricky doc found");
    assert_eq!(&tricky[3], TRICKY_TITLE);
    assert_eq!(&tricky[4], "2024-01-02");
    assert!(rows.iter().any(|r| &r[2] == "tricky-2"));
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(&row[1], (i + 1).to_string());
    }

    // TSV of the same: one line per hit, no quotes, the newline flattened.
    let tsv = batch(
        &["-", "--format", "tsv", "--fields", "id,title"],
        "绿色出行\n",
    );
    let tsv = text(&tsv.stdout);
    assert!(
        tsv.lines()
            .any(|l| l == "tricky-1\t关于\"绿色\"出行, 第二批 试点名单的公告"),
        "{tsv}"
    );
}

#[test]
fn trec_run_shape() {
    let out = batch(
        &["-", "--format", "trec", "--limit", "50", "--tag", "exp1"],
        &query_file(),
    );
    assert!(out.status.success());
    let mut last: Option<(String, usize, f64)> = None;
    let mut lines = 0;
    for line in text(&out.stdout).lines() {
        let f: Vec<&str> = line.split(' ').collect();
        assert_eq!(f.len(), 6, "{line}");
        assert_eq!(f[1], "Q0");
        assert_eq!(f[5], "exp1");
        let rank: usize = f[3].parse().expect("rank");
        let score: f64 = f[4].parse().expect("score");
        match &last {
            Some((qid, r, s)) if qid == f[0] => {
                assert_eq!(rank, r + 1);
                assert!(score <= *s, "scores must not increase: {line}");
            }
            _ => assert_eq!(rank, 1),
        }
        last = Some((f[0].to_string(), rank, score));
        lines += 1;
    }
    assert!(lines > 100);
}

fn eval(qrels: &str, run: &str, extra: &[&str]) -> Output {
    let dir = tempfile::tempdir().expect("tempdir");
    let (q, r) = (dir.path().join("qrels"), dir.path().join("run"));
    std::fs::write(&q, qrels).expect("qrels");
    std::fs::write(&r, run).expect("run");
    Command::new(BIN)
        .arg("eval")
        .arg("--qrels")
        .arg(&q)
        .arg("--run")
        .arg(&r)
        .args(extra)
        .output()
        .expect("gongkai eval")
}

fn close(v: &Value, expected: f64) -> bool {
    v.as_f64().is_some_and(|x| (x - expected).abs() < 1e-6)
}

#[test]
fn eval_matches_hand_computed_values() {
    // Query A: judged d1=2, d2=1, d3=0, d4=1 (3 relevant).
    // Run (ranks in the file are ignored): d3 0.9, d1 0.8, d5 0.8, d4 0.1.
    // trec_eval order: d3, then the 0.8 tie by docid descending: d5, d1; then d4.
    // Grades by rank: 0, 0, 2, 1.
    //   P@2 = 0/2 = 0;  recall@2 = 0/3 = 0;  MRR = 1/3 (d1 at rank 3)
    //   AP = (1/3 + 2/4) / 3 = 0.833333 / 3 = 0.277778
    //   nDCG@10: DCG = 2/log2(4) + 1/log2(5) = 1 + 0.430677 = 1.430677;
    //            ideal 2,1,1: 2 + 1/log2(3) + 1/log2(4) = 2 + 0.630930 + 0.5 = 3.130930;
    //            1.430677 / 3.130930 = 0.456949
    // Query B: judged e1=1; run e1 first → every measure 1 except P@2 = 0.5.
    // Query C: only in the run → not scored.
    let qrels = "A 0 d1 2\nA 0 d2 1\nA 0 d3 0\nA 0 d4 1\nB 0 e1 1\n";
    let run = "A Q0 d3 1 0.9 x\nA Q0 d1 9 0.8 x\nA Q0 d5 2 0.8 x\nA Q0 d4 3 0.1 x\nB Q0 e1 1 5 x\nC Q0 z 1 1 x\n";
    let out = eval(
        qrels,
        run,
        &[
            "--metrics",
            "ndcg@10,map,mrr,recall@2,p@2",
            "--format",
            "json",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    let a = &v["per_query"]["A"];
    assert!(close(&a["p@2"], 0.0));
    assert!(close(&a["recall@2"], 0.0));
    assert!(close(&a["mrr"], 1.0 / 3.0));
    assert!(close(&a["map"], (1.0 / 3.0 + 0.5) / 3.0));
    let ndcg = (1.0 + 1.0 / 5f64.log2()) / (2.0 + 1.0 / 3f64.log2() + 0.5);
    assert!(close(&a["ndcg@10"], ndcg));
    assert!((ndcg - 0.456949).abs() < 1e-6);
    assert!(close(&v["per_query"]["B"]["p@2"], 0.5));
    assert!(v["per_query"].get("C").is_none());
    assert!(close(&v["mean"]["mrr"], (1.0 / 3.0 + 1.0) / 2.0));
    assert!(close(&v["mean"]["ndcg@10"], (ndcg + 1.0) / 2.0));

    // The table has a row per query and the mean.
    let table = text(&eval(qrels, run, &[]).stdout);
    assert!(
        table
            .lines()
            .next()
            .is_some_and(|h| h.contains("ndcg@10") && h.contains("p@10"))
    );
    assert!(table.lines().any(|l| l.starts_with("mean")));

    // Malformed input is an error naming the line.
    let bad = eval("A 0 d1\n", run, &[]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).contains("line 1"));
}

#[test]
fn eval_of_a_batch_run_gives_sensible_values() {
    // Known-item queries: each document's title (query syntax stripped) should find the document.
    let f = fixture();
    let mut queries = String::new();
    let mut qrels = String::new();
    for (i, (id, title)) in f.docs.iter().enumerate().step_by(8) {
        let q = title_query(title, 40);
        if q.chars().count() < 4 {
            continue;
        }
        queries.push_str(&format!("k{i}\t{q}\n"));
        qrels.push_str(&format!("k{i} 0 {id} 1\n"));
    }
    let run = batch(&["-", "--format", "trec", "--limit", "100"], &queries);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let out = eval(
        &qrels,
        &text(&run.stdout),
        &[
            "--format",
            "json",
            "--metrics",
            "mrr,recall@100,ndcg@10,p@10",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    let mean = &v["mean"];
    let mrr = mean["mrr"].as_f64().unwrap_or(0.0);
    let recall = mean["recall@100"].as_f64().unwrap_or(0.0);
    assert!(mrr > 0.8, "known-item MRR {mrr}");
    assert!(recall > 0.95, "known-item recall@100 {recall}");
    // One relevant document per query: P@10 is at most 0.1.
    assert!(mean["p@10"].as_f64().unwrap_or(1.0) <= 0.1 + 1e-9);
    assert_eq!(v["queries"].as_u64(), Some(qrels.lines().count() as u64));
}

#[test]
fn empty_input_and_query_file_argument() {
    let out = batch(&["-", "--format", "csv"], "# nothing\n\n");
    assert!(out.status.success());
    assert_eq!(text(&out.stdout), "qid,rank,id,score,title,url\n");

    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("q.txt");
    std::fs::write(&file, "预算\n").expect("write");
    let out = batch(
        &[
            file.to_str().expect("utf-8 path"),
            "--format",
            "trec",
            "--category",
            "财政预决算",
        ],
        "",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let missing = batch(&["/nonexistent/queries.txt"], "");
    assert_eq!(missing.status.code(), Some(2));
}
