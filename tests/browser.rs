//! The search page in a real headless Chromium, driven through chromedriver
//! with plain WebDriver HTTP calls: load `/`, type a query, submit, click a
//! category facet, check the results changed accordingly, check that no
//! script from a (hostile) document ran, and keep screenshots under
//! `target/browser-test/`.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/install-browser.sh`).
//! Without them the test fails when `CI` is set and is skipped otherwise.

mod serve_support;

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};
use serve_support::{Server, data_dir, request, wait_for};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in names {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

struct Driver {
    child: Child,
    addr: String,
    session: String,
}

impl Driver {
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let body = body.map(|b| b.to_string());
        let full = if path.is_empty() {
            format!("/session/{}", self.session)
        } else {
            format!("/session/{}/{path}", self.session)
        };
        let r = request(
            &self.addr,
            method,
            &full,
            &[],
            body.as_deref().map(str::as_bytes),
        );
        let v: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
        v["value"].clone()
    }
    fn post(&self, path: &str, body: Value) -> Value {
        self.call("POST", path, Some(body))
    }
    fn find(&self, css: &str) -> String {
        let v = self.post("element", json!({"using": "css selector", "value": css}));
        v[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}: {v}"))
            .to_string()
    }
    fn script(&self, script: &str) -> Value {
        self.post("execute/sync", json!({"script": script, "args": []}))
    }
    fn url(&self) -> String {
        self.call("GET", "url", None)
            .as_str()
            .unwrap_or("")
            .to_string()
    }
    fn no_alert(&self) -> bool {
        // "no such alert" is an error object; an open alert's text would be a string.
        !self.call("GET", "alert/text", None).is_string()
    }
    fn screenshot(&self, name: &str) -> PathBuf {
        let data = self.call("GET", "screenshot", None);
        let png = base64_decode(data.as_str().unwrap_or(""));
        assert!(png.starts_with(b"\x89PNG"), "screenshot is a PNG");
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
        let dir = target.join("browser-test");
        std::fs::create_dir_all(&dir).expect("mkdir browser-test");
        let path = dir.join(name);
        std::fs::write(&path, png).expect("write screenshot");
        println!("screenshot: {}", path.display());
        path
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = request(
                &self.addr,
                "DELETE",
                &format!("/session/{}", self.session),
                &[],
                None,
            );
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn base64_decode(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut buf = 0u32;
    let mut bits = 0;
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => continue,
        };
        buf = (buf << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
            buf &= (1 << bits) - 1;
        }
    }
    out
}

fn start_driver() -> Option<Driver> {
    let chromium = find_program(&["chromium", "chromium-browser", "google-chrome"]);
    let driver = find_program(&["chromedriver"]);
    let (Some(chromium), Some(driver)) = (chromium, driver) else {
        let message = "chromium and chromedriver are needed for the browser test (run .ci/install-browser.sh)";
        if std::env::var_os("CI").is_some() {
            panic!("{message}");
        }
        eprintln!("SKIPPED: {message}");
        return None;
    };
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let child = Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let addr = format!("127.0.0.1:{port}");
    let mut driver = Driver {
        child,
        addr: addr.clone(),
        session: String::new(),
    };
    assert!(
        wait_for(Duration::from_secs(20), || std::net::TcpStream::connect(
            &addr
        )
        .is_ok()),
        "chromedriver did not start"
    );
    let profile = tempfile::tempdir().expect("profile dir");
    let args = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,1000",
        &format!("--user-data-dir={}", profile.path().display()),
    ];
    let caps = json!({"capabilities": {"alwaysMatch": {
        "browserName": "chrome",
        "goog:chromeOptions": {"binary": chromium.to_string_lossy(), "args": args},
    }}});
    let r = request(
        &addr,
        "POST",
        "/session",
        &[],
        Some(caps.to_string().as_bytes()),
    );
    let v: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
    let session = v["value"]["sessionId"]
        .as_str()
        .unwrap_or_else(|| panic!("no session: {}", r.text()))
        .to_string();
    driver.session = session;
    std::mem::forget(profile); // chromium still uses it; the OS temp dir is cleaned elsewhere
    Some(driver)
}

#[test]
fn search_page_in_headless_chromium() {
    let Some(driver) = start_driver() else { return };
    let dir = data_dir(500);
    let server = Server::start(&dir.path().join("data"), &[]);

    // Load the home page, type a query, submit with the button.
    driver.post("url", json!({"url": format!("{}/", server.base)}));
    let title = driver.call("GET", "title", None);
    assert!(
        title.as_str().is_some_and(|t| t.contains("政府信息公开")),
        "{title}"
    );
    let input = driver.find("#q");
    driver.post(&format!("element/{input}/value"), json!({"text": "预算"}));
    let button = driver.find("form.s button[type=submit]");
    driver.post(&format!("element/{button}/click"), json!({}));
    assert!(
        wait_for(Duration::from_secs(10), || driver.url().contains("q=")),
        "the form was submitted"
    );
    let total = |d: &Driver| {
        d.script("return Number(document.getElementById('total').textContent)")
            .as_u64()
            .unwrap_or(0)
    };
    let all = total(&driver);
    assert!(all > 10, "results for 预算: {all}");
    let hits = driver
        .script("return document.querySelectorAll('ol.hits li').length")
        .as_u64()
        .unwrap_or(0);
    assert_eq!(hits, 10);
    let em = driver
        .script("return document.querySelectorAll('ol.hits em').length")
        .as_u64()
        .unwrap_or(0);
    assert!(em > 0, "highlighted matches");

    // Click the first category facet link; the total becomes that facet's count.
    let facet = driver.script(
        "var a=document.querySelector('.facet-category a');\
         return [a.textContent, a.parentElement.querySelector('.n').textContent];",
    );
    let name = facet[0].as_str().unwrap_or("").to_string();
    let count: u64 = facet[1]
        .as_str()
        .unwrap_or("")
        .trim_matches(|c| c == '(' || c == ')')
        .parse()
        .unwrap_or(0);
    assert!(!name.is_empty() && count > 0, "{facet}");
    let link = driver.find(".facet-category a");
    driver.post(&format!("element/{link}/click"), json!({}));
    assert!(
        wait_for(Duration::from_secs(10), || driver
            .url()
            .contains("category=")),
        "facet followed"
    );
    assert_eq!(total(&driver), count, "the facet's count is the new total");
    assert!(count < all);
    let metas = driver.script(
        "return Array.from(document.querySelectorAll('ol.hits .m')).map(e => e.textContent)",
    );
    for meta in metas.as_array().expect("metas") {
        assert!(
            meta.as_str().is_some_and(|m| m.contains(&name)),
            "hit outside {name}: {meta}"
        );
    }
    assert!(
        driver
            .script("return document.querySelector('input[name=category]').value")
            .as_str()
            == Some(&name)
    );
    driver.screenshot("search-facet.png");

    // A hostile document: its markup shows as text and nothing of it runs.
    driver.post(
        "url",
        json!({"url": format!("{}/?q=%E6%81%B6%E6%84%8F%E6%A0%87%E9%A2%98", server.base)}),
    );
    let first = driver.script("return document.querySelector('ol.hits h3').textContent");
    assert!(
        first
            .as_str()
            .is_some_and(|t| t.contains("<script>alert(1)</script>")),
        "{first}"
    );
    driver.post(
        "url",
        json!({"url": format!("{}/?q=%E9%A2%84%E7%AE%97&jump=0", server.base)}),
    );
    std::thread::sleep(Duration::from_millis(300));
    assert!(driver.no_alert(), "an alert opened");
    assert_eq!(
        driver.script("return window.__pwned === undefined ? null : window.__pwned"),
        Value::Null
    );
    let scripts = driver
        .script("return document.scripts.length + document.querySelectorAll('img,iframe').length");
    assert_eq!(
        scripts.as_u64(),
        Some(0),
        "no script, img or iframe element in the page"
    );

    // On a phone-sized window.
    driver.post("window/rect", json!({"width": 412, "height": 915}));
    driver.post(
        "url",
        json!({"url": format!("{}/?q=%E9%A2%84%E7%AE%97", server.base)}),
    );
    let overflow =
        driver.script("return document.documentElement.scrollWidth <= window.innerWidth + 1");
    assert_eq!(
        overflow,
        Value::Bool(true),
        "no horizontal scrolling on a phone"
    );
    driver.screenshot("search-phone.png");
}
