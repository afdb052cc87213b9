//! `/admin/inspect` as staff open it: a fixture portal with planted faults
//! (tests/inspect/plant.py) and a column whose title is a script, crawled,
//! then served with `--admin-token`. Without the token the page is 401 (and
//! 404 on a server started without one); with it, headless Chromium shows
//! every finding of the JSON report, and nothing of the crawled markup runs.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/install-browser.sh`).
//! Without them the browser part fails when `CI` is set and is skipped
//! otherwise.

mod browser_support;
mod serve_support;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use browser_support::start_driver;
use serde_json::{Value, json};
use serve_support::{Portal, Server, crawl_portal, make_site, request, shared};

const TOKEN: &str = "s3cret-Token_for-tests";
const AS_OF: &str = "2020-03-31";

/// A crawled fixture portal with faults and a hostile column title.
fn crawled(tmp: &Path) -> std::path::PathBuf {
    let site = tmp.join("portal");
    let docs = shared().join("portal/docs.jsonl.gz");
    make_site(
        &shared().join("portal/make_portal.py"),
        &["site", "--style", "classic", "--limit", "400"],
        &site,
    );
    let planted = Command::new("python3")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/inspect/plant.py"))
        .arg(&site)
        .arg(&docs)
        .arg("400")
        .output()
        .expect("plant.py");
    assert!(planted.status.success());
    // A blank column whose title tries to run a script.
    let evil = site.join("site/xxgk/evil");
    std::fs::create_dir_all(&evil).unwrap();
    std::fs::write(
        evil.join("index.htm"),
        "<html><head><meta charset=\"utf-8\"><title>&lt;script&gt;window.__pwned=1&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;</title></head>\
         <body><div class=\"list\"><p>暂无信息</p></div></body></html>",
    )
    .unwrap();
    let directory = site.join("site/xxgk/index.htm");
    // The directory is GBK: the ASCII link goes in as bytes, before </body>.
    let bytes = std::fs::read(&directory).unwrap();
    let at = bytes
        .windows(7)
        .rposition(|w| w == b"</body>")
        .expect("</body>");
    let mut out = bytes[..at].to_vec();
    out.extend_from_slice(b"<a href=\"/xxgk/evil/index.htm\">evil</a>");
    out.extend_from_slice(&bytes[at..]);
    std::fs::write(&directory, out).unwrap();

    let portal = Portal::start(&site);
    let data = tmp.join("data");
    crawl_portal(&portal, &data);
    data
}

#[test]
fn admin_inspect_page_in_headless_chromium() {
    let tmp = tempfile::tempdir().unwrap();
    let data = crawled(tmp.path());

    // Without --admin-token the page does not exist.
    let plain = Server::start(&data, &[]);
    assert_eq!(plain.get("/admin/inspect").status, 404);
    assert_eq!(
        plain.get(&format!("/admin/inspect?token={TOKEN}")).status,
        404
    );
    drop(plain);

    let server = Server::start(&data, &["--admin-token", TOKEN]);
    let r = server.get("/admin/inspect");
    assert_eq!(r.status, 401);
    assert!(
        r.header("www-authenticate")
            .is_some_and(|h| h.starts_with("Bearer"))
    );
    assert_eq!(server.get("/admin/inspect?token=wrong").status, 401);
    let bearer = format!("Bearer {TOKEN}");
    let wrong = request(
        &server.addr,
        "GET",
        "/admin/inspect",
        &[("Authorization", "Bearer s3cret-Token_for-testz")],
        None,
    );
    assert_eq!(wrong.status, 401);
    let ok = request(
        &server.addr,
        "GET",
        &format!("/admin/inspect?as_of={AS_OF}"),
        &[("Authorization", bearer.as_str())],
        None,
    );
    assert_eq!(ok.status, 200, "{}", ok.text());
    assert!(
        ok.header("content-type")
            .is_some_and(|c| c.starts_with("text/html"))
    );
    assert_eq!(ok.header("cache-control"), Some("no-store"));
    assert!(!ok.text().contains("<script"), "no script element");
    let (status, report) = server.json(&format!(
        "/admin/inspect?token={TOKEN}&as_of={AS_OF}&format=json"
    ));
    assert_eq!(status, 200);
    let findings = report["findings"].as_array().unwrap();
    assert!(findings.len() >= 15, "{report:#}");

    let Some(driver) = start_driver() else { return };
    driver.post(
        "url",
        json!({"url": format!("{}/admin/inspect?token={TOKEN}&as_of={AS_OF}", server.base)}),
    );
    let title = driver.call("GET", "title", None);
    assert!(
        title.as_str().is_some_and(|t| t.contains("网站自查报告")),
        "{title}"
    );
    // Every finding is a row of its check's table.
    let rows = driver.script(
        "return Array.from(document.querySelectorAll('tr[data-check]')).map(r => r.dataset.check)",
    );
    let mut shown: Vec<String> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    let mut listed: Vec<String> = findings
        .iter()
        .map(|f| f["check"].as_str().unwrap().to_string())
        .collect();
    shown.sort();
    listed.sort();
    assert_eq!(shown, listed);
    // The summary counts agree with the sections, and the links to them work
    // without script.
    let blank = driver.script(
        "return document.querySelectorAll('#blank-column ~ table tr[data-check=blank-column]').length",
    );
    assert_eq!(
        blank.as_u64(),
        report["counts"]["blank-column"].as_u64(),
        "{blank}"
    );
    let evil = driver.script(
        "return Array.from(document.querySelectorAll('tr[data-check=blank-column] td'))\
         .map(td => td.textContent).join(' ')",
    );
    assert!(
        evil.as_str().is_some_and(|t| t.contains("<script>window.")),
        "the hostile title shows as text: {evil}"
    );
    std::thread::sleep(Duration::from_millis(300));
    assert!(driver.no_alert(), "an alert opened");
    assert_eq!(
        driver.script("return window.__pwned === undefined ? null : window.__pwned"),
        Value::Null
    );
    assert_eq!(
        driver
            .script(
                "return document.scripts.length + document.querySelectorAll('img,iframe').length"
            )
            .as_u64(),
        Some(0),
        "no script, img or iframe element in the page"
    );
    driver.screenshot("admin-inspect.png");
    // On a phone the tables stay inside the window.
    assert!(
        driver.fits_phone(&format!(
            "{}/admin/inspect?token={TOKEN}&as_of={AS_OF}",
            server.base
        )),
        "no horizontal scrolling on a phone"
    );
}
