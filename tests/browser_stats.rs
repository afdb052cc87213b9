//! The annual report page (`/stats`) in a real headless Chromium: it loads,
//! the year links lead to the year, the month chart draws one bar per month
//! with items (heights as the figures), the table shows the total counted
//! here from the index's documents, nothing of a hostile publisher runs,
//! and it fits a phone. Screenshots go to `target/browser-test/`.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/install-browser.sh`).
//! Without them the test fails when `CI` is set and is skipped otherwise.

mod browser_support;
mod serve_support;

use std::collections::BTreeMap;
use std::time::Duration;

use browser_support::start_driver;
use gongkai_index::{DataDir, Searcher};
use serde_json::{Value, json};
use serve_support::{Server, data_dir, wait_for};

/// Items per year and per `YYYY-MM`, counted from the index's documents.
fn counts(data: &std::path::Path) -> (BTreeMap<i32, u64>, BTreeMap<String, u64>) {
    let dir = DataDir::new(data);
    let handle = dir
        .open_current(dir.analyzer().expect("analyzer"))
        .expect("index");
    let searcher = Searcher::new(handle).expect("searcher");
    let (mut years, mut months) = (BTreeMap::new(), BTreeMap::new());
    searcher
        .for_each_document(|d| {
            if let Some(p) = d.published.as_deref() {
                *years.entry(p[..4].parse().expect("year")).or_default() += 1;
                *months.entry(p[..7].to_string()).or_default() += 1;
            }
            Ok(())
        })
        .expect("read");
    (years, months)
}

#[test]
fn stats_page_in_headless_chromium() {
    let Some(driver) = start_driver() else { return };
    let dir = data_dir(300);
    let data = dir.path().join("data");
    let (years, months) = counts(&data);
    let (&busiest, &total) = years.iter().max_by_key(|(_, n)| **n).expect("years");
    let latest = *years.keys().next_back().expect("latest");
    assert_ne!(
        busiest, latest,
        "the fixture's busiest year is not the latest"
    );
    let server = Server::start(&data, &[]);

    // From the search page's footer to the report (the latest year).
    driver.post("url", json!({"url": format!("{}/", server.base)}));
    let link = driver.find("footer a[href='/stats']");
    driver.post(&format!("element/{link}/click"), json!({}));
    assert!(
        wait_for(Duration::from_secs(10), || driver.url().ends_with("/stats")),
        "footer link followed: {}",
        driver.url()
    );
    let current =
        driver.script("return document.querySelector('nav.years [aria-current]').textContent");
    assert_eq!(current.as_str(), Some(format!("{latest}年").as_str()));

    // The year selector: a plain link to the busiest year.
    let year_link = driver.find(&format!("nav.years a[href='/stats?year={busiest}']"));
    driver.post(&format!("element/{year_link}/click"), json!({}));
    assert!(
        wait_for(Duration::from_secs(10), || driver
            .url()
            .ends_with(&format!("year={busiest}"))),
        "year link followed"
    );
    let title = driver.call("GET", "title", None);
    assert!(
        title
            .as_str()
            .is_some_and(|t| t.contains(&format!("{busiest}年"))),
        "{title}"
    );

    // The total, in the summary and at the foot of the month table.
    let shown = driver.script(
        "return [document.getElementById('total').textContent,\
         document.querySelector('#months tfoot td:last-child').textContent]",
    );
    assert_eq!(shown, json!([total.to_string(), total.to_string()]));

    // One bar per month with items, drawn as tall as its figure.
    let expected: Vec<u64> = (1..=12)
        .filter_map(|m| months.get(&format!("{busiest}-{m:02}")).copied())
        .filter(|n| *n > 0)
        .collect();
    let bars = driver.script(
        "var s=document.querySelector('#months svg');\
         return {role: s.getAttribute('role'), label: s.getAttribute('aria-label'),\
           bars: Array.from(s.querySelectorAll('g.bar')).map(g => ({\
             n: Number(g.querySelector('text').textContent),\
             title: g.querySelector('title').textContent,\
             h: g.querySelector('rect').getBoundingClientRect().height}))}",
    );
    assert_eq!(bars["role"], "img");
    assert!(
        bars["label"]
            .as_str()
            .is_some_and(|l| l.contains("各月发布条数"))
    );
    let bars = bars["bars"].as_array().expect("bars").clone();
    assert_eq!(bars.len(), expected.len(), "bars: {bars:?}");
    let shown: Vec<u64> = bars.iter().map(|b| b["n"].as_u64().unwrap_or(0)).collect();
    assert_eq!(shown, expected);
    let highest = bars
        .iter()
        .map(|b| b["h"].as_f64().unwrap_or(0.0))
        .fold(0.0, f64::max);
    let most = *expected.iter().max().expect("a month");
    assert!(highest > 20.0, "bars are drawn: {highest}");
    for bar in &bars {
        let h = bar["h"].as_f64().unwrap_or(0.0);
        let n = bar["n"].as_f64().unwrap_or(0.0);
        assert!(
            (h / highest - n / most as f64).abs() < 0.02,
            "bar height {h} for {n} (highest {highest} for {most})"
        );
        assert!(bar["title"].as_str().is_some_and(|t| t.contains("条")));
    }
    assert!(
        driver
            .script("return document.querySelectorAll('#categories svg g.bar').length")
            .as_u64()
            .is_some_and(|n| n > 0)
    );
    driver.screenshot("stats-year.png");
    driver.script("document.getElementById('categories').scrollIntoView()");
    driver.screenshot("stats-categories.png");

    // The hostile publisher (2023): shown as text, nothing runs.
    driver.post(
        "url",
        json!({"url": format!("{}/stats?year=2023", server.base)}),
    );
    let names = driver.script(
        "return Array.from(document.querySelectorAll('#publishers tbody th')).map(t => t.textContent)",
    );
    assert!(
        names
            .as_array()
            .expect("names")
            .iter()
            .any(|n| n.as_str() == Some("<b onmouseover=alert(1)>恶意机构</b>")),
        "{names}"
    );
    std::thread::sleep(Duration::from_millis(300));
    assert!(driver.no_alert(), "an alert opened");
    assert_eq!(
        driver.script("return window.__pwned === undefined ? null : window.__pwned"),
        Value::Null
    );
    let foreign = driver.script(
        "return document.scripts.length + document.querySelectorAll('img,iframe,b,object,embed').length",
    );
    assert_eq!(foreign.as_u64(), Some(0), "no script or injected element");

    // On a phone: no horizontal scrolling of the page.
    assert!(
        driver.fits_phone(&format!("{}/stats?year={busiest}", server.base)),
        "no horizontal scrolling on a phone"
    );
    driver.screenshot("stats-phone.png");
}
