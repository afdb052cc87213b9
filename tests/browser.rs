//! The search page in a real headless Chromium, driven through chromedriver
//! with plain WebDriver HTTP calls: load `/`, type a query, submit, click a
//! category facet, check the results changed accordingly, check that no
//! script from a (hostile) document ran, and keep screenshots under
//! `target/browser-test/`.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/install-browser.sh`).
//! Without them the test fails when `CI` is set and is skipped otherwise.

mod browser_support;
mod serve_support;

use std::time::Duration;

use browser_support::{Driver, start_driver};
use serde_json::{Value, json};
use serve_support::{Server, data_dir, wait_for};

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
    assert!(
        driver.fits_phone(&format!("{}/?q=%E9%A2%84%E7%AE%97", server.base)),
        "no horizontal scrolling on a phone"
    );
    driver.screenshot("search-phone.png");
}
