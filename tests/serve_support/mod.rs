//! Shared by the serve tests: a small index (a slice of the fixture portal's
//! documents plus hostile ones), a server on a free port, and a tiny blocking
//! HTTP/1.1 client (no TLS, no extra crates).
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_gongkai");

/// Documents whose every field tries to inject markup or script.
pub const HOSTILE: &[&str] = &[
    r#"{"id":"hostile-1","title":"<script>alert(1)</script>预算恶意标题","body":"\"><img src=x onerror=alert(1)> 预算 <script>window.__pwned=1</script> 正文","published":"2023-05-01","publisher":"<b onmouseover=alert(1)>恶意机构</b>","url":"javascript:alert(1)","category":"财政预决算","doc_number":"府办〔2023〕12号"}"#,
    r#"{"id":"hostile-2\"><script>window.__pwned=2</script>","title":"\"><img src=x onerror=\"window.__pwned=3\">预算说明","body":"预算 <iframe src=javascript:alert(1)></iframe>","published":"2022-02-02","publisher":"样例县财政局","url":"https://example.gov.cn/a?x=\"><script>alert(1)</script>","category":"财政信息","doc_number":"样财〔2022〕7号"}"#,
    r#"{"id":"hostile-3","title":"专项资金安排","body":"详见附件。","attachment_text":"<script>window.__pwned=4</script> 项目编号 YLXM-PAGE-7 <b>明细</b>","published":"2021-03-03","publisher":"样例县财政局","url":"https://example.gov.cn/hostile-3.html","category":"财政信息"}"#,
];

/// The shared test data (../shared from the repository root).
pub fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared")
}

/// Writes the first `n` fixture documents plus the hostile ones as JSON lines.
pub fn write_docs(path: &Path, n: usize) {
    let file = std::fs::File::open(shared().join("portal/docs.jsonl.gz"))
        .expect("../shared/portal/docs.jsonl.gz");
    let reader = BufReader::new(flate2::read::GzDecoder::new(file));
    let mut out = std::fs::File::create(path).expect("create docs");
    for line in reader.lines().take(n) {
        writeln!(out, "{}", line.expect("read docs")).expect("write docs");
    }
    for line in HOSTILE {
        writeln!(out, "{line}").expect("write docs");
    }
}

/// Runs `gongkai index FILE --data DATA`.
pub fn index(file: &Path, data: &Path) {
    let status = Command::new(BIN)
        .args(["index"])
        .arg(file)
        .arg("--data")
        .arg(data)
        .stderr(Stdio::null())
        .status()
        .expect("run gongkai index");
    assert!(status.success(), "gongkai index failed: {status}");
}

/// A data directory with `n` fixture documents and the hostile ones.
pub fn data_dir(n: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let docs = dir.path().join("docs.jsonl");
    write_docs(&docs, n);
    index(&docs, &dir.path().join("data"));
    dir
}

/// A running `gongkai serve`.
pub struct Server {
    pub child: Child,
    pub base: String,
    pub addr: String,
}

impl Server {
    pub fn start(data: &Path, extra: &[&str]) -> Server {
        let mut child = Command::new(BIN)
            .arg("serve")
            .arg("--data")
            .arg(data)
            .args(["--listen", "127.0.0.1:0", "--reload-interval", "0.2"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start gongkai serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read first line");
        let base = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
        let base = base.to_string();
        let addr = base.trim_start_matches("http://").to_string();
        Server { child, base, addr }
    }

    pub fn get(&self, path: &str) -> Response {
        request(&self.addr, "GET", path, &[], None)
    }

    pub fn json(&self, path: &str) -> (u16, serde_json::Value) {
        let r = self.get(path);
        let v = serde_json::from_slice(&r.body)
            .unwrap_or_else(|e| panic!("{path}: not JSON ({e}): {}", r.text()));
        (r.status, v)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Percent-encodes a query value.
pub fn enc(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// One HTTP/1.1 request (Connection: close).
pub fn request(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Response {
    let mut stream = TcpStream::connect(addr).unwrap_or_else(|e| panic!("connect {addr}: {e}"));
    stream.set_read_timeout(Some(Duration::from_secs(120))).ok();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if let Some(b) = body {
        head.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            b.len()
        ));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).expect("write request");
    if let Some(b) = body {
        stream.write_all(b).expect("write body");
    }
    // Read the head, then Content-Length bytes (some servers keep the
    // connection open despite `Connection: close`), else to the end.
    let mut raw = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        let n = stream.read(&mut chunk).expect("read response");
        if n == 0 {
            break;
        }
        raw.extend_from_slice(&chunk[..n]);
        if let Some(split) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok());
            if let Some(length) = length
                && raw.len() >= split + 4 + length
            {
                raw.truncate(split + 4 + length);
                break;
            }
        }
    }
    parse_response(&raw)
}

fn parse_response(raw: &[u8]) -> Response {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("response head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers.iter().any(|(k, v)| {
        k.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked")
    });
    if chunked {
        let mut out = Vec::new();
        let mut rest = &body[..];
        while let Some(end) = rest.windows(2).position(|w| w == b"\r\n") {
            let size_text = String::from_utf8_lossy(&rest[..end]);
            let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("0").trim(), 16)
                .unwrap_or(0);
            if size == 0 {
                break;
            }
            let start = end + 2;
            out.extend_from_slice(&rest[start..(start + size).min(rest.len())]);
            rest = &rest[(start + size + 2).min(rest.len())..];
        }
        body = out;
    }
    Response {
        status,
        headers,
        body,
    }
}

/// Polls `f` until it returns true or `timeout` passes.
pub fn wait_for(timeout: Duration, mut f: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

/// A fixture portal served by `serve_portal.py`.
pub struct Portal {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
}

impl Portal {
    /// Serves a site made by `make_portal.py` (the folder with `site/` and `_meta/`).
    pub fn start(site: &Path) -> Portal {
        Portal::start_script(&shared().join("portal/serve_portal.py"), &[site])
    }

    /// Serves with another server script that prints `listening on URL`
    /// first (a wrapper of `serve_portal.py`).
    pub fn start_script(script: &Path, args: &[&Path]) -> Portal {
        let mut child = Command::new("python3")
            .arg(script)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("python3 {}: {e}", script.display()));
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("first line");
        let base = line
            .trim()
            .strip_prefix("listening on ")
            .expect("listening line")
            .to_string();
        Portal { child, base }
    }
}

impl Drop for Portal {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every document of the data directory's live generation, read back
/// through the index's own searcher.
pub fn indexed_documents(data: &Path) -> Vec<gongkai_index::Document> {
    let dir = gongkai_index::DataDir::new(data);
    let handle = dir
        .open_current(dir.analyzer().expect("analyzer"))
        .expect("index");
    let searcher = gongkai_index::Searcher::new(handle).expect("searcher");
    let mut docs = Vec::new();
    searcher
        .for_each_document(|d| {
            docs.push(d);
            Ok(())
        })
        .expect("read");
    docs
}

/// One line of a fixture site's `truth.jsonl` (`make_portal.py`,
/// `make_style3.py`): a page and the fields a correct extractor recovers.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct SiteTruth {
    /// Path on the site.
    pub url: String,
    /// `article`, `list`…
    pub kind: String,
    pub title: String,
    pub published: String,
    pub publisher: String,
    /// `None` for news.
    pub category: Option<String>,
    pub index_number: String,
    pub doc_number: String,
    /// The page's charset (style3).
    pub charset: String,
    pub attachments: Vec<TruthAttachment>,
}

/// An attachment of a fixture page and the phrase a search finds it by.
#[derive(Debug, Default, serde::Deserialize)]
pub struct TruthAttachment {
    pub url: String,
    pub phrase: String,
}

/// The lines of a fixture site's `truth.jsonl`.
pub fn read_truth<T: serde::de::DeserializeOwned>(site: &Path) -> Vec<T> {
    std::fs::read_to_string(site.join("truth.jsonl"))
        .expect("truth.jsonl")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("truth line"))
        .collect()
}

/// Renders a fixture portal from the shared documents into `out` with a
/// generator script (`make_portal.py` and its mode, or `make_style3.py`).
pub fn make_site(script: &Path, args: &[&str], out: &Path) {
    let made = Command::new("python3")
        .arg(script)
        .args(args)
        .arg("--docs")
        .arg(shared().join("portal/docs.jsonl.gz"))
        .arg("--out")
        .arg(out)
        .output()
        .unwrap_or_else(|e| panic!("python3 {}: {e}", script.display()));
    assert!(
        made.status.success(),
        "{}: {}",
        script.display(),
        String::from_utf8_lossy(&made.stderr)
    );
}

/// Crawls a served fixture portal into `data` with the binary, fast (no
/// politeness delay, 16 connections), and checks it exited 0.
pub fn crawl_portal(portal: &Portal, data: &Path) {
    let crawl = Command::new(BIN)
        .args([
            "crawl",
            &format!("{}/", portal.base),
            "--delay-ms",
            "0",
            "--concurrency",
            "16",
            "--data",
        ])
        .arg(data)
        .output()
        .expect("gongkai crawl");
    assert!(
        crawl.status.success(),
        "{}",
        String::from_utf8_lossy(&crawl.stderr)
    );
}
