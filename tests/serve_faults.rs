//! `gongkai serve` under abuse and overload: half-sent headers, piles of idle
//! sockets, SIGTERM with a request half sent, 40 heavy searches at once, a
//! request timeout, and the suggest limits. All traffic goes to 127.0.0.1,
//! bounded in count and time; the only time bounds are generous ones that
//! turn a hang into a failure.

mod serve_support;

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use serve_support::{BIN, Response, Server, data_dir, enc, request};

/// Longer than any of these tests should ever need to see a thing happen.
const HANG: Duration = Duration::from_secs(25);

/// A query that costs real work on the test index: many pieces, each a
/// phrase over common characters' posting lists, and no document with all
/// of them (so the relaxed pass runs too).
fn heavy_query() -> String {
    let words = [
        "预算公开",
        "政府信息",
        "财政资金",
        "项目支出",
        "工作报告",
        "通知公告",
        "人民政府",
        "办公室关于",
        "管理办法",
        "实施方案",
        "统计数据",
        "年度报告",
        "公共服务",
        "行政许可",
        "决算说明",
        "部门预算",
        "专项资金",
        "信息公开",
        "发展改革",
        "教育卫生",
    ];
    let mut q: Vec<String> = words.iter().map(|w| format!("\"{w}\"")).collect();
    q.push("不存在的词语组合".to_string());
    q.join(" ")
}

/// `gongkai serve` through `sh -c` (to set a descriptor limit first).
fn start_in_shell(data: &Path, prelude: &str, extra: &[&str]) -> Server {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!("{prelude}exec \"$0\" \"$@\""))
        .arg(BIN)
        .arg("serve")
        .arg("--data")
        .arg(data)
        .args(["--listen", "127.0.0.1:0"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start gongkai serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read first line");
    let base = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string();
    let addr = base.trim_start_matches("http://").to_string();
    Server { child, base, addr }
}

/// Reads until the server closes the connection; false when it is still
/// open after [`HANG`].
fn closed_by_server(stream: &mut TcpStream) -> bool {
    stream.set_read_timeout(Some(HANG)).expect("read timeout");
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue, // a 408 head, say; the close must follow
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return false;
            }
            Err(_) => return true, // reset
        }
    }
}

/// One GET with a bounded wait (connect and read), or None when the server
/// does not answer within [`HANG`].
fn get_bounded(addr: &str, path: &str) -> Option<Response> {
    let (tx, rx) = std::sync::mpsc::channel();
    let (addr, path) = (addr.to_string(), path.to_string());
    std::thread::spawn(move || {
        let _ = tx.send(request(&addr, "GET", &path, &[], None));
    });
    rx.recv_timeout(HANG).ok()
}

fn assert_json_error(r: &Response, status: u16, what: &str) -> Value {
    assert_eq!(r.status, status, "{what}: {}", r.text());
    assert!(
        r.header("content-type")
            .is_some_and(|t| t.starts_with("application/json")),
        "{what}: content type {:?}",
        r.header("content-type")
    );
    let body: Value = serde_json::from_slice(&r.body)
        .unwrap_or_else(|e| panic!("{what}: not JSON ({e}): {:?}", r.text()));
    assert_eq!(
        body["error"]["status"].as_u64(),
        Some(u64::from(status)),
        "{what}: {body}"
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{what}: {body}"
    );
    assert_security_headers(r, what);
    body
}

fn assert_security_headers(r: &Response, what: &str) {
    assert!(
        r.header("content-security-policy")
            .is_some_and(|v| v.contains("default-src 'none'")),
        "{what}: CSP"
    );
    assert_eq!(
        r.header("x-content-type-options"),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(r.header("x-frame-options"), Some("DENY"), "{what}");
    assert_eq!(r.header("referrer-policy"), Some("no-referrer"), "{what}");
}

/// Runs `n` copies of `path` at once; every one must be answered.
fn concurrently(addr: &str, path: &str, n: usize) -> Vec<Response> {
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(n));
    let threads: Vec<_> = (0..n)
        .map(|_| {
            let (addr, path, barrier) = (addr.to_string(), path.to_string(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                get_bounded(&addr, &path)
            })
        })
        .collect();
    threads
        .into_iter()
        .map(|t| {
            t.join()
                .expect("client thread")
                .expect("every request is answered (no hang)")
        })
        .collect()
}

#[test]
fn half_sent_headers_and_idle_keep_alive_connections_are_closed() {
    let dir = data_dir(50);
    let server = Server::start(&dir.path().join("data"), &["--header-timeout", "1"]);

    // Half a request head, then silence.
    let mut half = TcpStream::connect(&server.addr).expect("connect");
    half.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .expect("write");
    // A client that trickles its head one byte at a time never finishes either.
    let mut trickle = TcpStream::connect(&server.addr).expect("connect");
    let trickler = {
        let mut stream = trickle.try_clone().expect("clone");
        std::thread::spawn(move || {
            let started = Instant::now();
            for b in b"GET /healthz HTTP/1.1\r\nX-Slow: ".iter().cycle() {
                if stream.write_all(&[*b]).is_err() || started.elapsed() > HANG {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        })
    };
    // A keep-alive connection that got its answer and then stays idle.
    let mut idle = TcpStream::connect(&server.addr).expect("connect");
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("write");
    let mut head = [0u8; 12];
    idle.read_exact(&mut head).expect("answer");
    assert_eq!(&head, b"HTTP/1.1 200");

    assert!(closed_by_server(&mut half), "half-sent head kept open");
    assert!(closed_by_server(&mut trickle), "trickled head kept open");
    assert!(closed_by_server(&mut idle), "idle keep-alive kept open");
    trickler.join().expect("trickler");

    // The server is fine afterwards.
    let (status, _) = server.json("/healthz");
    assert_eq!(status, 200);
}

#[test]
fn three_hundred_idle_sockets_do_not_lock_out_healthz() {
    let dir = data_dir(50);
    // Few descriptors, as on a small host: the idle sockets alone exceed them.
    // The header timeout is long, so it is not what frees the way.
    let server = start_in_shell(
        &dir.path().join("data"),
        "ulimit -n 160 && ",
        &["--header-timeout", "600"],
    );
    let mut idle = Vec::new();
    for _ in 0..300 {
        idle.push(TcpStream::connect(&server.addr).expect("connect"));
    }
    for attempt in 0..3 {
        let r = get_bounded(&server.addr, "/healthz")
            .unwrap_or_else(|| panic!("/healthz unanswered with 300 idle sockets (try {attempt})"));
        assert_eq!(r.status, 200, "{}", r.text());
    }
    // Real requests keep working too.
    let r = get_bounded(&server.addr, &format!("/api/search?q={}", enc("预算")))
        .expect("a search is answered");
    assert_eq!(r.status, 200, "{}", r.text());
    // The connections that made room were the idle ones (some are closed now).
    let closed = idle
        .iter_mut()
        .take(50)
        .filter(|s| {
            s.set_read_timeout(Some(Duration::from_millis(200))).ok();
            match (&**s).read(&mut [0u8; 16]) {
                Ok(0) => true,
                Ok(_) => false,
                Err(e) => !matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
            }
        })
        .count();
    assert!(closed > 0, "no idle connection was closed to make room");
}

#[test]
fn sigterm_returns_within_the_deadline_with_a_half_sent_request_open() {
    let dir = data_dir(50);
    let mut server = Server::start(
        &dir.path().join("data"),
        &["--header-timeout", "600", "--shutdown-timeout", "1"],
    );
    let mut half = TcpStream::connect(&server.addr).expect("connect");
    half.write_all(b"GET /api/search?q=x HTTP/1.1\r\nHost: x\r\n")
        .expect("write");
    // Another, idle, that already got an answer.
    let mut idle = TcpStream::connect(&server.addr).expect("connect");
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("write");
    let mut head = [0u8; 12];
    idle.read_exact(&mut head).expect("answer");
    let status = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let started = Instant::now();
    let exit = loop {
        if let Some(exit) = server.child.try_wait().expect("wait") {
            break Some(exit);
        }
        if started.elapsed() > HANG {
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let exit = exit.expect("server still running long after SIGTERM");
    assert!(exit.success(), "exit status {exit}");
    assert!(closed_by_server(&mut half));
}

#[test]
fn forty_heavy_searches_some_served_the_rest_cheap_json_503s() {
    let dir = data_dir(2000);
    let server = Server::start(
        &dir.path().join("data"),
        &[
            "--search-slots",
            "1",
            "--search-queue",
            "2",
            "--request-timeout",
            "60",
        ],
    );
    let path = format!("/api/search?q={}&size=100", enc(&heavy_query()));
    let alone = Instant::now();
    let (status, _) = server.json(&path);
    assert_eq!(status, 200);
    let alone = alone.elapsed();

    let answers = concurrently(&server.addr, &path, 40);
    let served: Vec<&Response> = answers.iter().filter(|r| r.status == 200).collect();
    let refused: Vec<&Response> = answers.iter().filter(|r| r.status != 200).collect();
    eprintln!(
        "heavy query alone: {alone:?}; of 40 at once: {} served, {} refused",
        served.len(),
        refused.len()
    );
    assert!(!served.is_empty(), "none of the 40 was served");
    assert!(
        !refused.is_empty(),
        "all 40 served: the query is not heavy enough to test overload ({alone:?} alone)"
    );
    for r in &served {
        let v: Value = serde_json::from_slice(&r.body).expect("JSON");
        assert!(v["hits"].is_array(), "{v}");
    }
    for r in &refused {
        let body = assert_json_error(r, 503, "overload");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap_or("")
                .contains("busy"),
            "{body}"
        );
        let retry: u64 = r
            .header("retry-after")
            .and_then(|v| v.parse().ok())
            .expect("Retry-After in seconds");
        assert!(retry >= 1);
    }
    // The refusals are counted like every answer, and as refusals.
    let metrics = server.get("/metrics").text();
    assert!(
        metrics.contains(&format!(
            "gongkai_requests_total{{route=\"/api/search\",status=\"503\"}} {}",
            refused.len()
        )),
        "{metrics}"
    );
    assert!(
        metrics.contains(&format!(
            "gongkai_searches_rejected_total {}",
            refused.len()
        )),
        "{metrics}"
    );
    // And the server is well afterwards.
    let (status, _) = server.json(&format!("/api/search?q={}", enc("预算")));
    assert_eq!(status, 200);
}

#[test]
fn a_timeout_is_the_documented_json_error_with_the_security_headers() {
    let dir = data_dir(600);
    // A timeout far shorter than the heavy search: it cannot finish in time.
    let server = Server::start(
        &dir.path().join("data"),
        &["--search-slots", "1", "--request-timeout", "0.001"],
    );
    let path = format!("/api/search?q={}&size=100", enc(&heavy_query()));
    let answers = concurrently(&server.addr, &path, 4);
    let timeouts: Vec<&Response> = answers.iter().filter(|r| r.status == 503).collect();
    assert!(!timeouts.is_empty(), "no request timed out");
    for r in timeouts {
        let body = assert_json_error(r, 503, "timeout");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap_or("")
                .contains("longer than"),
            "{body}"
        );
        assert!(r.header("retry-after").is_some());
    }
    for r in answers.iter().filter(|r| r.status != 503) {
        assert_eq!(r.status, 200, "{}", r.text());
    }
}

#[test]
fn router_errors_are_json_too() {
    let dir = data_dir(50);
    let server = Server::start(&dir.path().join("data"), &[]);
    let r = request(&server.addr, "POST", "/api/search?q=x", &[], Some(b"{}"));
    assert_json_error(&r, 405, "POST");
    assert!(r.header("allow").is_some_and(|a| a.contains("GET")));
    let r = server.get("/api/doc/");
    assert!(r.status >= 400);
    assert_json_error(&r, r.status, "/api/doc/");
}

#[test]
fn suggest_counts_the_users_query_and_refuses_size_out_of_range() {
    let dir = data_dir(300);
    let server = Server::start(&dir.path().join("data"), &[]);
    // 1,023 bytes of short words: the internal title query is ~4 kB, which
    // must not count against the user.
    let words = format!("{}a", "a ".repeat(511));
    assert_eq!(words.len(), 1023);
    let (status, body) = server.json(&format!("/api/suggest?q={}", enc(&words)));
    assert_eq!(status, 200, "{body}");
    assert!(body["suggestions"].is_array(), "{body}");
    let word = "预".repeat(341);
    let (status, body) = server.json(&format!("/api/suggest?q={}", enc(&word)));
    assert_eq!(status, 200, "{body}");
    // Over the limit: 413 as for /api/search.
    let r = server.get(&format!("/api/suggest?q={}", "x".repeat(1025)));
    assert_json_error(&r, 413, "long suggest");
    // size as in /api/search: out of range is 400, not clamped.
    for size in ["0", "21", "-1", "x"] {
        let r = server.get(&format!("/api/suggest?q={}&size={size}", enc("预")));
        assert_json_error(&r, 400, &format!("size={size}"));
    }
    let r = server.get(&format!("/api/search?q={}&size=0", enc("预")));
    assert_json_error(&r, 400, "search size=0");
    for size in ["1", "20"] {
        let (status, body) = server.json(&format!("/api/suggest?q={}&size={size}", enc("预")));
        assert_eq!(status, 200, "{body}");
        let n = body["suggestions"].as_array().map_or(0, Vec::len);
        assert!(n <= size.parse().unwrap_or(0), "{body}");
    }
}
