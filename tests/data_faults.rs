//! End to end through the binary: what the data directory survives. Edited
//! exports, concurrent writers, cut-short and odd input, a full disk (on a
//! small tmpfs) and damaged index files.

mod serve_support;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serve_support::{BIN, Server, enc, write_docs};

fn gongkai(args: &[&str], data: &Path) -> Output {
    Command::new(BIN)
        .args(args)
        .arg("--data")
        .arg(data)
        .output()
        .expect("run gongkai")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The exported documents as JSON values.
fn export(data: &Path) -> Vec<serde_json::Value> {
    let out = gongkai(&["export"], data);
    assert!(out.status.success(), "export: {}", stderr(&out));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("exported json"))
        .collect()
}

/// The fixture portal's first `n` documents as JSON lines (no hostile ones).
fn portal_lines(n: usize) -> Vec<String> {
    let tmp = tempfile::tempdir().expect("tempdir");
    let path = tmp.path().join("docs.jsonl");
    write_docs(&path, n);
    std::fs::read_to_string(&path)
        .expect("read")
        .lines()
        .take(n)
        .map(String::from)
        .collect()
}

fn write_lines(path: &Path, lines: &[String]) {
    let mut out = std::fs::File::create(path).expect("create");
    for l in lines {
        writeln!(out, "{l}").expect("write");
    }
}

fn hits(data: &Path, query: &str) -> u64 {
    let out = gongkai(&["search", query, "--format", "json"], data);
    assert!(out.status.success(), "search {query}: {}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    v["total"].as_u64().expect("total")
}

#[test]
fn an_edited_export_line_is_indexed_again() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let input = tmp.path().join("in.jsonl");
    write_lines(&input, &portal_lines(20));
    assert!(
        gongkai(&["index", input.to_str().unwrap()], &data)
            .status
            .success()
    );

    // Export, edit one body (the line keeps its content_hash), index it.
    let mut doc = export(&data).remove(0);
    assert!(!doc["content_hash"].as_str().unwrap_or("").is_empty());
    doc["body"] = serde_json::Value::from("本文件已修订：增加紫藤萝花园管理办法。");
    let edited = tmp.path().join("edited.jsonl");
    write_lines(&edited, &[doc.to_string()]);
    let out = gongkai(&["index", edited.to_str().unwrap()], &data);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("1 updated, 0 unchanged"),
        "{}",
        stderr(&out)
    );
    assert_eq!(hits(&data, "紫藤萝花园"), 1, "the edit is searchable");
}

#[test]
fn a_second_writer_waits_for_the_lock() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let input = tmp.path().join("in.jsonl");
    write_lines(&input, &portal_lines(30));
    // Another command holds the data directory.
    std::fs::create_dir_all(&data).expect("mkdir");
    let lock = std::fs::File::create(data.join("LOCK")).expect("lock file");
    lock.lock().expect("lock");
    let mut child = Command::new(BIN)
        .arg("index")
        .arg(&input)
        .arg("--data")
        .arg(&data)
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut err = BufReader::new(child.stderr.take().expect("stderr"));
    let mut first = String::new();
    err.read_line(&mut first).expect("read");
    assert!(first.contains("waiting"), "{first:?}");
    assert!(
        !data.join("generations").exists(),
        "nothing written while another command holds the lock"
    );
    lock.unlock().expect("unlock");
    let status = child.wait().expect("wait");
    assert!(status.success());
    assert_eq!(export(&data).len(), 30);
}

#[test]
fn two_first_index_runs_keep_both_batches() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let lines = portal_lines(400);
    let (a, b) = (tmp.path().join("a.jsonl"), tmp.path().join("b.jsonl"));
    write_lines(&a, &lines[..200]);
    write_lines(&b, &lines[200..]);
    let spawn = |file: &Path| {
        Command::new(BIN)
            .arg("index")
            .arg(file)
            .arg("--data")
            .arg(&data)
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn")
    };
    let (mut x, mut y) = (spawn(&a), spawn(&b));
    assert!(x.wait().expect("wait").success());
    assert!(y.wait().expect("wait").success());
    assert_eq!(export(&data).len(), 400);
    let generations = std::fs::read_dir(data.join("generations"))
        .expect("dir")
        .count();
    assert_eq!(generations, 1, "one first generation");
}

#[test]
fn a_cut_short_gzip_keeps_the_good_lines_before_it() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let lines = portal_lines(300);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    for l in &lines {
        writeln!(gz, "{l}").expect("gzip");
    }
    let bytes = gz.finish().expect("gzip");
    let cut = tmp.path().join("cut.jsonl.gz");
    std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).expect("write");
    let good = tmp.path().join("good.jsonl");
    write_lines(&good, &lines[..5]);
    let missing = tmp.path().join("missing.jsonl");

    let out = Command::new(BIN)
        .arg("index")
        .args([&good, &cut, &missing])
        .arg("--data")
        .arg(&data)
        .output()
        .expect("run");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("missing.jsonl: cannot open"), "{err}");
    let line = err
        .lines()
        .find(|l| l.contains("cut.jsonl.gz: read failed after line"))
        .unwrap_or_else(|| panic!("{err}"));
    let read: usize = line
        .split("after line ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("line count");
    assert!(read > 50 && read < 300, "{line}");
    // Every document before the damage is kept (the 5 of good.jsonl are among them).
    let exported = export(&data);
    assert_eq!(exported.len(), read, "{err}");
}

#[test]
fn input_edges_null_bom_invalid_utf8_unknown_category() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let input = tmp.path().join("edges.jsonl");
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes
        .extend_from_slice(r#"{"id":"bom","title":"带字节序标记的通知","body":"正文"}"#.as_bytes());
    bytes.extend_from_slice(b"\n");
    bytes.extend_from_slice(
        r#"{"id":"nulls","title":"空字段的公告","body":null,"publisher":null,"published":null,"column":null,"attachments":null}"#
            .as_bytes(),
    );
    bytes.extend_from_slice(b"\n");
    bytes.extend_from_slice(r#"{"id":"latin1","title":"caf"#.as_bytes());
    bytes.push(0xE9);
    bytes.extend_from_slice(r#" 通知","body":"x"}"#.as_bytes());
    bytes.extend_from_slice(b"\n");
    bytes.extend_from_slice(
        r#"{"id":"mars","title":"火星事务公告","body":"y","category":"火星事务"}"#.as_bytes(),
    );
    bytes.extend_from_slice(b"\n");
    std::fs::write(&input, bytes).expect("write");
    let out = gongkai(&["index", input.to_str().unwrap()], &data);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("4 added"), "{err}");
    assert!(err.contains("0 bad lines"), "{err}");
    assert!(err.contains("edges.jsonl:3: invalid UTF-8"), "{err}");
    assert!(err.contains("1 lines held invalid UTF-8"), "{err}");
    assert!(
        err.contains("edges.jsonl:4: unknown category \"火星事务\""),
        "{err}"
    );
    let ids: Vec<String> = export(&data)
        .iter()
        .map(|d| d["id"].as_str().unwrap_or("").to_string())
        .collect();
    for id in ["bom", "nulls", "latin1", "mars"] {
        assert!(ids.iter().any(|i| i == id), "{id} indexed: {ids:?}");
    }
}

/// A tmpfs of `size` mounted on a new folder, unmounted when dropped.
struct Tmpfs {
    path: PathBuf,
    _dir: tempfile::TempDir,
}

impl Tmpfs {
    /// `None` when mounting is not allowed here (not root, no tmpfs).
    fn mount(size: &str) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().ok()?;
        let path = dir.path().join("small");
        std::fs::create_dir(&path).ok()?;
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&path)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then_some(Tmpfs { path, _dir: dir })
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.path).status();
    }
}

/// Every file under `path`, relative, sorted.
fn files(path: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![path.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read_dir").flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(path).expect("prefix").display().to_string());
            }
        }
    }
    out.sort();
    out
}

/// The shared 繁體 corpus, its first `n` lines, as one file.
fn big_input(path: &Path, n: usize) {
    let file =
        std::fs::File::open(serve_support::shared().join("corpus/tainan-2018-2024.jsonl.gz"))
            .expect("shared corpus");
    let reader = BufReader::new(flate2::read::GzDecoder::new(file));
    let mut out = std::fs::File::create(path).expect("create");
    for line in reader.lines().take(n) {
        writeln!(out, "{}", line.expect("line")).expect("write");
    }
}

#[test]
fn a_full_disk_is_said_and_leaves_no_orphans() {
    let Some(fs) = Tmpfs::mount("6m") else {
        eprintln!("SKIPPED: cannot mount a tmpfs here (needs root)");
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let small = tmp.path().join("small.jsonl");
    write_lines(&small, &portal_lines(30));
    let big = tmp.path().join("big.jsonl");
    big_input(&big, 6_000);

    // A first run that cannot finish leaves no generation behind.
    let fresh = fs.path.join("fresh");
    let out = gongkai(&["index", big.to_str().unwrap()], &fresh);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("disk full"), "{err}");
    assert!(!fresh.join("CURRENT").exists(), "{err}");
    assert!(
        files(&fresh).iter().all(|f| f == "LOCK"),
        "{:?}",
        files(&fresh)
    );

    // On a live generation: the failed run's segments go, the live one serves.
    let data = fs.path.join("data");
    let out = gongkai(&["index", small.to_str().unwrap()], &data);
    assert!(out.status.success(), "{}", stderr(&out));
    let before = files(&data);
    let out = gongkai(&["index", big.to_str().unwrap()], &data);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("disk full"), "{err}");
    let after = files(&data);
    let orphans: Vec<&String> = after
        .iter()
        .filter(|f| {
            !before.contains(f)
                && !f.ends_with(".json")
                && !f.ends_with("LOCK")
                && !f.contains(".tantivy")
        })
        .collect();
    assert!(orphans.is_empty(), "left behind: {orphans:?}\n{err}");
    assert_eq!(export(&data).len(), 30);
    // And the next run works.
    let out = gongkai(&["index", small.to_str().unwrap()], &data);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// Two generations (1 previous, 2 live) of the same 60 documents.
fn two_generations(tmp: &Path) -> PathBuf {
    let data = tmp.join("data");
    let input = tmp.join("in.jsonl");
    write_lines(&input, &portal_lines(60));
    assert!(
        gongkai(&["index", input.to_str().unwrap()], &data)
            .status
            .success()
    );
    let out = gongkai(&["rebuild", "--min-docs", "1"], &data);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(data.join("CURRENT"))
            .expect("CURRENT")
            .trim(),
        "2"
    );
    data
}

/// Flips bytes in the middle of the live generation's largest `.store` file;
/// returns its path relative to the data directory.
fn damage_store(data: &Path) -> String {
    let generation = data.join("generations/000002");
    let store = std::fs::read_dir(&generation)
        .expect("dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "store"))
        .max_by_key(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0))
        .expect("a store file");
    let mut bytes = std::fs::read(&store).expect("read");
    let middle = bytes.len() / 4;
    for b in &mut bytes[middle..middle + 64] {
        *b ^= 0x5A;
    }
    std::fs::write(&store, bytes).expect("write");
    store
        .strip_prefix(data)
        .expect("prefix")
        .display()
        .to_string()
}

#[test]
fn a_damaged_store_is_named_and_the_previous_generation_serves() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = two_generations(tmp.path());
    let out = gongkai(&["verify"], &data);
    assert!(out.status.success(), "{}", stderr(&out));
    let damaged = damage_store(&data);

    let out = gongkai(&["verify"], &data);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("generation 1: ok"), "{text}");
    assert!(
        text.contains("generation 2 (live): DAMAGED") && text.contains(&damaged),
        "{text}"
    );

    let out = gongkai(&["generations"], &data);
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with('2'))
        .expect("row 2");
    assert!(line.contains("damaged"), "{text}");

    // Export names the file and goes on past the damage.
    let out = gongkai(&["export"], &data);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains(&damaged), "{}", stderr(&out));

    // A search that reads the damaged block names the file and the remedy
    // (before: tantivy's bare decompression error, naming nothing).
    let out = gongkai(&["search", "政府", "--limit", "100"], &data);
    let err = stderr(&out);
    assert!(!out.status.success(), "{err}");
    let file_name = Path::new(&damaged).file_name().expect("name");
    assert!(
        err.contains(&*file_name.to_string_lossy()) && err.contains("gongkai verify"),
        "{err}"
    );

    // serve starts on the previous good generation and answers searches.
    let server = Server::start(&data, &[]);
    let (status, body) = server.json(&format!("/api/search?q={}", enc("政府")));
    assert_eq!(status, 200, "{body}");
    assert!(body["total"].as_u64().unwrap_or(0) > 0, "{body}");
}

#[test]
fn an_unopenable_live_generation_falls_back_for_search() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = two_generations(tmp.path());
    let before = hits(&data, "政府");
    std::fs::write(data.join("generations/000002/meta.json"), "{ damaged").expect("write");
    let out = gongkai(&["search", "政府", "--format", "json"], &data);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("generation 2 is damaged"), "{err}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["total"].as_u64(), Some(before));
}
