//! `gongkai demo` from an installed binary: a copy of the binary, run in an
//! empty folder, unpacks its built-in sample portal, crawls it and serves
//! search over it.

mod serve_support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use serve_support::{BIN, enc, request};

#[test]
fn an_installed_binary_runs_the_demo_from_its_built_in_portal() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let installed = tmp.path().join("bin/gongkai");
    std::fs::create_dir_all(installed.parent().expect("bin")).expect("mkdir");
    std::fs::copy(BIN, &installed).expect("install");
    let scratch = tmp.path().join("tmp");
    std::fs::create_dir_all(&scratch).expect("mkdir");

    let mut child = Command::new(&installed)
        .args(["demo", "--listen", "127.0.0.1:0", "--data"])
        .arg(tmp.path().join("data"))
        .current_dir(tmp.path())
        .env("TMPDIR", &scratch)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start demo");
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let mut said = Vec::new();
    let addr = loop {
        let mut line = String::new();
        if out.read_line(&mut line).expect("read") == 0 {
            let _ = child.kill();
            panic!("demo ended before serving: {said:#?}");
        }
        if let Some(rest) = line.trim().strip_prefix("listening on http://") {
            break rest.to_string();
        }
        said.push(line.trim().to_string());
    };
    let unpacked = said
        .iter()
        .find_map(|l| l.strip_prefix("sample portal unpacked to "))
        .map(std::path::PathBuf::from);
    let response = request(
        &addr,
        "GET",
        &format!("/api/search?q={}", enc("预算")),
        &[],
        None,
    );
    let _ = child.kill();
    let _ = child.wait();

    let unpacked = unpacked.unwrap_or_else(|| panic!("no unpacked portal: {said:#?}"));
    assert!(unpacked.starts_with(&scratch), "{}", unpacked.display());
    assert!(said.iter().any(|l| l.starts_with("crawling ")), "{said:#?}");
    assert_eq!(response.status, 200);
    let body: serde_json::Value = serde_json::from_slice(&response.body).expect("json");
    assert!(body["total"].as_u64().unwrap_or(0) > 0, "{body}");
}
