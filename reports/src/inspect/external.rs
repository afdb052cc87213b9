//! External links (`gongkai inspect --external`): the only part of the
//! inspection that goes on the network. Each distinct link off the crawled
//! hosts is asked politely: HEAD first, then GET (at most the first 64 KiB)
//! when HEAD fails or is refused, through the crawler's fetcher (its
//! politeness per host, its user agent).

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use gongkai_crawler::fetch::{FetchConfig, Fetched, Fetcher};
use gongkai_crawler::politeness::Politeness;
use gongkai_crawler::state::Snapshot;
use gongkai_crawler::url::Url;
use gongkai_crawler::url_norm::host_key;

use super::{Check, Finding, InspectConfig, Severity};

/// Most external links asked in one inspection.
pub const MAX_EXTERNAL: usize = 2_000;

/// Off-site links of the crawl: target → pages linking to it (bounded).
pub fn external_links(snap: &Snapshot, cfg: &InspectConfig) -> BTreeMap<String, Vec<String>> {
    let hosts: HashSet<String> = snap
        .urls
        .iter()
        .filter_map(|r| Url::parse(&r.url).ok())
        .map(|u| host_key(&u))
        .collect();
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for row in &snap.urls {
        for (link, _) in &row.links {
            let Ok(mut u) = Url::parse(link) else {
                continue;
            };
            if !matches!(u.scheme(), "http" | "https") || hosts.contains(&host_key(&u)) {
                continue;
            }
            u.set_fragment(None);
            let key = u.to_string();
            if !out.contains_key(&key) && out.len() >= MAX_EXTERNAL {
                continue;
            }
            let refs = out.entry(key).or_default();
            if refs.len() < cfg.max_referrers && !refs.contains(&row.url) {
                refs.push(row.url.clone());
            }
        }
    }
    out
}

/// Why an external link does not open, asking HEAD then GET.
async fn ask(fetcher: &Fetcher, url: &Url) -> Option<String> {
    // A server that refuses HEAD (405, 501, 403) or fails it is asked by GET.
    if matches!(fetcher.head(url).await, Ok(s) if s < 400) {
        return None;
    }
    match fetcher.get_prefix(url, 64 * 1024).await {
        Ok(Fetched::Body { .. } | Fetched::Redirect { .. } | Fetched::NotModified) => None,
        Ok(Fetched::Status(s)) => Some(format!("HTTP {s}")),
        Err(e) => Some(format!("fetch failed ({})", e.reason())),
    }
}

/// Checks the crawl's external links; one finding per link that does not open.
pub async fn check(snap: &Snapshot, cfg: &InspectConfig, timeout: Duration) -> Vec<Finding> {
    let links = external_links(snap, cfg);
    let fetch_cfg = FetchConfig {
        timeout,
        retries: 1,
        ..FetchConfig::default()
    };
    let politeness = Arc::new(Politeness::new(1, Duration::from_millis(500)));
    let Ok(fetcher) = Fetcher::new(fetch_cfg, politeness) else {
        return Vec::new();
    };
    let fetcher = Arc::new(fetcher);
    let mut tasks = tokio::task::JoinSet::new();
    let mut findings = Vec::new();
    let mut todo = links.into_iter();
    loop {
        while tasks.len() < 8 {
            let Some((link, refs)) = todo.next() else {
                break;
            };
            let fetcher = fetcher.clone();
            tasks.spawn(async move {
                let why = match Url::parse(&link) {
                    Ok(u) => ask(&fetcher, &u).await,
                    Err(_) => Some("not a URL".into()),
                };
                (link, refs, why)
            });
        }
        let Some(done) = tasks.join_next().await else {
            break;
        };
        let Ok((link, refs, Some(why))) = done else {
            continue;
        };
        let mut urls = vec![link];
        let n = refs.len();
        urls.extend(refs);
        findings.push(Finding {
            check: Check::ExternalBrokenLink,
            severity: Severity::Deduct,
            urls,
            evidence: format!("{why}; linked from {n} page(s)"),
            rule: super::checks::rule(Check::ExternalBrokenLink).to_string(),
        });
    }
    findings.sort_by(|a, b| a.urls.cmp(&b.urls));
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use gongkai_crawler::state::UrlRow;

    #[test]
    fn only_links_off_the_crawled_hosts_each_once() {
        let page = |url: &str, links: &[&str]| UrlRow {
            key: url.into(),
            url: url.into(),
            outcome: "article".into(),
            links: links.iter().map(|l| (l.to_string(), false)).collect(),
            ..Default::default()
        };
        let snap = Snapshot {
            urls: vec![
                page(
                    "http://gov.example/a",
                    &[
                        "http://gov.example/b",
                        "https://www.gov.cn/zhengce/#top",
                        "mailto:x@gov.example",
                    ],
                ),
                page("http://gov.example/b", &["https://www.gov.cn/zhengce/"]),
            ],
            ..Default::default()
        };
        let links = external_links(&snap, &InspectConfig::default());
        assert_eq!(links.len(), 1, "{links:?}");
        assert_eq!(
            links["https://www.gov.cn/zhengce/"],
            vec![
                "http://gov.example/a".to_string(),
                "http://gov.example/b".to_string()
            ]
        );
    }
}
