//! A headless Chromium for the tests of server pages, driven through
//! chromedriver with plain WebDriver HTTP calls (no client crate).
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/install-browser.sh`).
//! Without them [`start_driver`] panics when `CI` is set and returns `None`
//! (the test is skipped) otherwise. A test file using it declares
//! `mod serve_support;` first.
#![allow(dead_code)] // each test file uses its own part of it

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

use crate::serve_support::{request, wait_for};

/// The WebDriver name of an element reference in JSON answers.
pub const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

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

/// A chromedriver process with one browser session (both ended on drop).
pub struct Driver {
    child: Child,
    addr: String,
    session: String,
}

impl Driver {
    pub fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
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
    pub fn post(&self, path: &str, body: Value) -> Value {
        self.call("POST", path, Some(body))
    }
    pub fn find(&self, css: &str) -> String {
        let v = self.post("element", json!({"using": "css selector", "value": css}));
        v[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}: {v}"))
            .to_string()
    }
    pub fn script(&self, script: &str) -> Value {
        self.post("execute/sync", json!({"script": script, "args": []}))
    }
    pub fn url(&self) -> String {
        self.call("GET", "url", None)
            .as_str()
            .unwrap_or("")
            .to_string()
    }
    pub fn no_alert(&self) -> bool {
        // "no such alert" is an error object; an open alert's text would be a string.
        !self.call("GET", "alert/text", None).is_string()
    }
    /// Loads `url` in a phone-sized window (412 × 915) and tells whether the
    /// page fits its width (no horizontal scrolling).
    pub fn fits_phone(&self, url: &str) -> bool {
        self.post("window/rect", json!({"width": 412, "height": 915}));
        self.post("url", json!({ "url": url }));
        self.script("return document.documentElement.scrollWidth <= window.innerWidth + 1")
            == Value::Bool(true)
    }
    pub fn screenshot(&self, name: &str) -> PathBuf {
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

/// Starts chromedriver and a headless Chromium session.
pub fn start_driver() -> Option<Driver> {
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
