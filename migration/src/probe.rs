//! The redirect probe: what every old URL answers on the new site, asked
//! without following redirects through the crawler's fetcher. It only asks;
//! what the answers mean for each document is [`crate::compare`]'s job.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use gongkai_crawler::fetch::{FetchConfig, FetchError, Fetched, Fetcher, Validators};
use gongkai_crawler::politeness::Politeness;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::Error;

/// Probes in flight at once.
const PROBE_CONCURRENCY: usize = 16;

/// What an old URL answered on the new site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Probe {
    /// 301/302/307/308 to `location` (absolute URL).
    Redirect {
        /// HTTP status.
        status: u16,
        /// Where it points, resolved to an absolute URL.
        location: String,
    },
    /// Still answers with a page (2xx).
    Alive {
        /// HTTP status.
        status: u16,
    },
    /// 4xx/5xx, or no answer at all.
    Dead {
        /// HTTP status, when there was an answer.
        status: Option<u16>,
        /// What happened, in words.
        reason: String,
    },
}

/// What an old URL does now, in the report's words (`redirect`, `alive`,
/// `dead`, `unchecked`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OldUrlStatus {
    /// It redirects.
    Redirect,
    /// It still answers with a page.
    Alive,
    /// It answers with an error, or not at all.
    Dead,
    /// It was not probed.
    Unchecked,
}

impl Probe {
    /// [`OldUrlStatus::Redirect`], `Alive` or `Dead`.
    pub fn kind(&self) -> OldUrlStatus {
        match self {
            Probe::Redirect { .. } => OldUrlStatus::Redirect,
            Probe::Alive { .. } => OldUrlStatus::Alive,
            Probe::Dead { .. } => OldUrlStatus::Dead,
        }
    }

    /// The HTTP status, if any.
    pub fn status(&self) -> Option<u16> {
        match self {
            Probe::Redirect { status, .. } | Probe::Alive { status } => Some(*status),
            Probe::Dead { status, .. } => *status,
        }
    }
}

/// The new site's seed URLs, which must be absolute http(s) URLs with a host.
pub fn check_urls(urls: &[String]) -> Result<Vec<Url>, Error> {
    urls.iter()
        .map(|u| {
            let url = Url::parse(u.trim()).map_err(|source| Error::NotUrl {
                input: u.clone(),
                source,
            })?;
            if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
                return Err(Error::NotHttp { input: u.clone() });
            }
            Ok(url)
        })
        .collect()
}

/// Probes every old URL without following redirects: first its path on the
/// new site's `origin` (where a migrated server answers for old paths),
/// then, on another host, the old URL itself. `done` is called after each
/// URL (for a progress bar).
pub async fn probe_all(
    urls: Vec<String>,
    origin: &Url,
    mut done: impl FnMut(),
) -> Result<HashMap<String, Probe>, Error> {
    let config = FetchConfig {
        timeout: Duration::from_secs(10),
        retries: 1,
        backoff: Duration::from_millis(100),
        max_body: 64 * 1024,
        ..Default::default()
    };
    let politeness = Arc::new(Politeness::new(PROBE_CONCURRENCY, Duration::ZERO));
    let fetcher = Arc::new(Fetcher::new(config, politeness).map_err(Error::Client)?);
    let mut out = HashMap::with_capacity(urls.len());
    let mut tasks = tokio::task::JoinSet::new();
    let mut todo = urls.into_iter();
    loop {
        while tasks.len() < PROBE_CONCURRENCY {
            let Some(old) = todo.next() else { break };
            let fetcher = fetcher.clone();
            let origin = origin.clone();
            tasks.spawn(async move {
                let probe = probe_one(&fetcher, &old, &origin).await;
                (old, probe)
            });
        }
        let Some(joined) = tasks.join_next().await else {
            break;
        };
        if let Ok((old, probe)) = joined {
            out.insert(old, probe);
        }
        done();
    }
    Ok(out)
}

async fn probe_one(fetcher: &Fetcher, old: &str, origin: &Url) -> Probe {
    let Ok(old_url) = Url::parse(old) else {
        return Probe::Dead {
            status: None,
            reason: "not a URL".into(),
        };
    };
    let mut on_new = origin.clone();
    on_new.set_path(old_url.path());
    on_new.set_query(old_url.query());
    let first = probe_url(fetcher, &on_new).await;
    if matches!(first, Probe::Redirect { .. }) || on_new.origin() == old_url.origin() {
        return first;
    }
    match probe_url(fetcher, &old_url).await {
        second @ (Probe::Redirect { .. } | Probe::Alive { .. }) => second,
        _ => first,
    }
}

async fn probe_url(fetcher: &Fetcher, url: &Url) -> Probe {
    match fetcher.get(url, &Validators::default()).await {
        Ok(Fetched::Redirect { status, location }) => Probe::Redirect {
            status,
            location: location.to_string(),
        },
        Ok(Fetched::Body { status, .. }) => Probe::Alive { status },
        Ok(Fetched::NotModified) => Probe::Alive { status: 304 },
        Ok(Fetched::Status(status)) => Probe::Dead {
            status: Some(status),
            reason: format!("HTTP {status}"),
        },
        Err(FetchError::TooLarge(_)) => Probe::Alive { status: 200 },
        Err(e) => Probe::Dead {
            status: None,
            reason: e.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_must_be_http_urls_with_a_host() {
        let ok = check_urls(&[" https://www.example.gov.cn/ ".into()]).expect("a URL");
        assert_eq!(ok[0].as_str(), "https://www.example.gov.cn/");
        let err = check_urls(&["not a url".into()]).expect_err("not a URL");
        assert!(matches!(err, Error::NotUrl { .. }));
        assert!(err.to_string().contains("is not a URL"), "{err}");
        for odd in ["ftp://h/a", "mailto:a@b.cn", "file:///etc/passwd"] {
            assert!(
                matches!(check_urls(&[odd.into()]), Err(Error::NotHttp { .. })),
                "{odd}"
            );
        }
    }

    /// A one-thread HTTP server: `/old` redirects to `/new`, `/new` is a
    /// page, anything else is 404. Answers `n` requests.
    fn server(n: usize) -> String {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        std::thread::spawn(move || {
            for stream in listener.incoming().take(n) {
                let Ok(mut stream) = stream else { continue };
                let mut buf = [0u8; 2048];
                let read = stream.read(&mut buf).unwrap_or(0);
                let request = String::from_utf8_lossy(&buf[..read]);
                let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
                let answer = match path.as_str() {
                    "/old?x=1" => "HTTP/1.1 301 Moved\r\nLocation: /new\r\nContent-Length: 0\r\n",
                    "/new" => "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 2\r\n",
                    _ => "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n",
                };
                let body = if path == "/new" { "ok" } else { "" };
                let _ = write!(stream, "{answer}Connection: close\r\n\r\n{body}");
            }
        });
        format!("http://{addr}")
    }

    #[tokio::test]
    async fn old_paths_are_asked_on_the_new_origin_without_following() {
        let base = server(3);
        let origin = Url::parse(&format!("{base}/")).expect("origin");
        let urls = vec![
            format!("{base}/old?x=1"),
            format!("{base}/new"),
            format!("{base}/gone"),
        ];
        let mut done = 0;
        let probes = probe_all(urls.clone(), &origin, || done += 1)
            .await
            .expect("probe");
        assert_eq!(done, 3);
        assert_eq!(
            probes[&urls[0]],
            Probe::Redirect {
                status: 301,
                location: format!("{base}/new"),
            }
        );
        assert_eq!(probes[&urls[1]], Probe::Alive { status: 200 });
        assert_eq!(probes[&urls[2]].kind(), OldUrlStatus::Dead);
        assert_eq!(probes[&urls[2]].status(), Some(404));
    }

    #[tokio::test]
    async fn text_that_is_not_a_url_is_dead_without_a_request() {
        let origin = Url::parse("http://127.0.0.1:9/").expect("origin");
        let probes = probe_all(vec!["not a url".into()], &origin, || {})
            .await
            .expect("probe");
        assert_eq!(
            probes["not a url"],
            Probe::Dead {
                status: None,
                reason: "not a URL".into(),
            }
        );
    }
}
