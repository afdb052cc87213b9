//! HTTP fetching: one request with politeness, timeouts, a size cap,
//! conditional GET, and retries with exponential backoff.
//!
//! One attempt has one deadline, [`FetchConfig::timeout`], for everything:
//! connecting, the headers and the whole body, so a server that drips a byte
//! a second costs one timeout, not an endless read. Only failures before a
//! response (connect errors, no answer in time) and 5xx/429 answers are
//! retried: a body that breaks off or crawls after a 200 says the server
//! answered and will most likely do the same again, so it fails the page at
//! once (`short-body`, `slow-body`). The body is counted as it arrives,
//! after decompression, so neither a claimed `Content-Length` nor a gzip
//! bomb can make it larger than [`FetchConfig::max_body`] (`too-large`).
//!
//! Redirects are *not* followed here: the scheduler treats a 301 target as a
//! new URL, so it is normalised, deduplicated, checked against robots and
//! the seed hosts, and the redirecting URL becomes an alias of the document.
//! That is also what ends a redirect loop: the second time round, the target
//! is already known and nothing is enqueued.

use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{
    CONTENT_TYPE, ETAG, HeaderMap, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED, LOCATION,
    RETRY_AFTER,
};
use url::Url;

use crate::politeness::Politeness;
use crate::url_norm::host_key;

/// Errors of one fetch after all retries.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("could not build the HTTP client: {0}")]
    Client(String),
    #[error("network error: {0}")]
    Network(String),
    /// No response within the deadline.
    #[error("timeout")]
    Timeout,
    /// A response, but its body did not arrive within the deadline.
    #[error("body not complete within the deadline")]
    SlowBody,
    /// A response whose body broke off (shorter than `Content-Length`,
    /// connection reset, bad compression).
    #[error("body broke off: {0}")]
    ShortBody(String),
    #[error("body larger than {0} bytes")]
    TooLarge(usize),
}

impl FetchError {
    /// A short reason for the crawl summary.
    pub fn reason(&self) -> &'static str {
        match self {
            FetchError::Client(_) => "client",
            FetchError::Network(_) => "network",
            FetchError::Timeout => "timeout",
            FetchError::SlowBody => "slow-body",
            FetchError::ShortBody(_) => "short-body",
            FetchError::TooLarge(_) => "too-large",
        }
    }
}

/// Validators from a previous fetch, sent as `If-None-Match` / `If-Modified-Since`.
#[derive(Debug, Clone, Default)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// What one fetch produced.
#[derive(Debug)]
pub enum Fetched {
    /// 2xx with a body.
    Body {
        status: u16,
        content_type: Option<String>,
        validators: Validators,
        body: Vec<u8>,
    },
    /// 304: unchanged since the validators.
    NotModified,
    /// 3xx with a usable `Location`.
    Redirect { status: u16, location: Url },
    /// Any other status (after retries for 5xx/429).
    Status(u16),
}

/// Fetcher settings.
#[derive(Debug, Clone)]
pub struct FetchConfig {
    pub user_agent: String,
    /// The deadline of one attempt, from connecting to the body's last byte.
    pub timeout: Duration,
    /// The most body bytes (after decompression) of one response.
    pub max_body: usize,
    pub retries: u32,
    pub backoff: Duration,
}

impl Default for FetchConfig {
    fn default() -> Self {
        FetchConfig {
            user_agent: concat!("gongkai-crawler/", env!("CARGO_PKG_VERSION")).to_string(),
            timeout: Duration::from_secs(30),
            max_body: 10 * 1024 * 1024,
            retries: 3,
            backoff: Duration::from_millis(250),
        }
    }
}

/// The HTTP client shared by all crawl tasks.
pub struct Fetcher {
    client: reqwest::Client,
    config: FetchConfig,
    politeness: Arc<Politeness>,
}

impl Fetcher {
    pub fn new(config: FetchConfig, politeness: Arc<Politeness>) -> Result<Self, FetchError> {
        // reqwest is built without a default crypto provider (to avoid aws-lc);
        // install ring once. A second install fails harmlessly.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .user_agent(config.user_agent.clone())
            .redirect(reqwest::redirect::Policy::none())
            .timeout(config.timeout)
            .connect_timeout(Duration::from_secs(10).min(config.timeout))
            .pool_max_idle_per_host(64)
            .gzip(true)
            .build()
            .map_err(|e| FetchError::Client(e.to_string()))?;
        Ok(Fetcher {
            client,
            config,
            politeness,
        })
    }

    pub fn config(&self) -> &FetchConfig {
        &self.config
    }

    /// GETs `url`, retrying 5xx, 429 and network errors with exponential
    /// backoff (honouring a short `Retry-After`), and a timeout once. Every
    /// attempt waits for the host's politeness slot.
    pub async fn get(&self, url: &Url, validators: &Validators) -> Result<Fetched, FetchError> {
        self.get_with(url, validators, BodyLimit::Fail(self.config.max_body))
            .await
            .0
    }

    /// [`Fetcher::get`], with how long the last attempt took from sending
    /// the request to the body's last byte (not the politeness wait, not the
    /// retries before it): what the self-inspection reports as slow.
    pub async fn get_timed(
        &self,
        url: &Url,
        validators: &Validators,
    ) -> (Result<Fetched, FetchError>, Duration) {
        self.get_with(url, validators, BodyLimit::Fail(self.config.max_body))
            .await
    }

    /// The status a HEAD request for `url` answers (one attempt, after the
    /// host's politeness slot; redirects are not followed). For checking
    /// external links without downloading them.
    pub async fn head(&self, url: &Url) -> Result<u16, FetchError> {
        let host = host_key(url);
        let _permit = self.politeness.acquire(&host).await;
        let resp = tokio::time::timeout(self.config.timeout, self.client.head(url.clone()).send())
            .await
            .map_err(|_| FetchError::Timeout)?
            .map_err(classify)?;
        Ok(resp.status().as_u16())
    }

    /// GETs `url` like [`Fetcher::get`] but keeps only the first `max`
    /// bytes of the body instead of failing on a larger one (robots.txt:
    /// the first 500 KiB are what counts).
    pub async fn get_prefix(&self, url: &Url, max: usize) -> Result<Fetched, FetchError> {
        self.get_with(url, &Validators::default(), BodyLimit::Truncate(max))
            .await
            .0
    }

    async fn get_with(
        &self,
        url: &Url,
        validators: &Validators,
        limit: BodyLimit,
    ) -> (Result<Fetched, FetchError>, Duration) {
        let host = host_key(url);
        let mut attempt = 0u32;
        loop {
            let permit = self.politeness.acquire(&host).await;
            let began = std::time::Instant::now();
            let result = self.once(url, validators, limit).await;
            let took = began.elapsed();
            drop(permit);
            let retry_after = match &result {
                Ok((Fetched::Status(s), ra)) if *s >= 500 || *s == 429 => Some(*ra),
                Err(FetchError::Network(_)) => Some(None),
                // A whole timeout spent with no answer is tried once more,
                // not `retries` times: a server that hangs once mostly hangs
                // again, and each try costs the full deadline.
                Err(FetchError::Timeout) if attempt == 0 => Some(None),
                _ => None,
            };
            match retry_after {
                Some(ra) if attempt < self.config.retries => {
                    let backoff = self.config.backoff * 2u32.saturating_pow(attempt);
                    let wait = ra.map_or(backoff, |r| r.clamp(backoff, Duration::from_secs(30)));
                    tracing::debug!(%url, attempt, ?wait, "retrying");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                _ => return (result.map(|(f, _)| f), took),
            }
        }
    }

    async fn once(
        &self,
        url: &Url,
        validators: &Validators,
        limit: BodyLimit,
    ) -> Result<(Fetched, Option<Duration>), FetchError> {
        let deadline = tokio::time::Instant::now() + self.config.timeout;
        let mut req = self.client.get(url.clone());
        if let Some(etag) = &validators.etag {
            req = req.header(IF_NONE_MATCH, etag);
        }
        if let Some(lm) = &validators.last_modified {
            req = req.header(IF_MODIFIED_SINCE, lm);
        }
        let mut resp = tokio::time::timeout_at(deadline, req.send())
            .await
            .map_err(|_| FetchError::Timeout)?
            .map_err(classify)?;
        let status = resp.status();
        let headers = resp.headers().clone();
        if status == StatusCode::NOT_MODIFIED {
            return Ok((Fetched::NotModified, None));
        }
        if status.is_redirection() {
            let location = header(&headers, LOCATION).and_then(|l| url.join(&l).ok());
            return Ok((
                match location {
                    Some(location) => Fetched::Redirect {
                        status: status.as_u16(),
                        location,
                    },
                    None => Fetched::Status(status.as_u16()),
                },
                None,
            ));
        }
        if !status.is_success() {
            let ra = header(&headers, RETRY_AFTER)
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            return Ok((Fetched::Status(status.as_u16()), ra));
        }
        let (max, truncate) = match limit {
            BodyLimit::Fail(max) => (max, false),
            BodyLimit::Truncate(max) => (max, true),
        };
        if !truncate && resp.content_length().is_some_and(|l| l > max as u64) {
            return Err(FetchError::TooLarge(max));
        }
        // Grown as bytes arrive, never reserved from the claimed length.
        let mut body = Vec::new();
        loop {
            let chunk = match tokio::time::timeout_at(deadline, resp.chunk()).await {
                Err(_) => return Err(FetchError::SlowBody),
                Ok(Err(e)) if e.is_timeout() => return Err(FetchError::SlowBody),
                Ok(Err(e)) => return Err(FetchError::ShortBody(e.to_string())),
                Ok(Ok(None)) => break,
                Ok(Ok(Some(chunk))) => chunk,
            };
            if body.len() + chunk.len() > max {
                if !truncate {
                    return Err(FetchError::TooLarge(max));
                }
                // Dropping the response closes the connection: the rest is
                // never read (nor inflated).
                body.extend_from_slice(&chunk[..max - body.len()]);
                break;
            }
            body.extend_from_slice(&chunk);
        }
        Ok((
            Fetched::Body {
                status: status.as_u16(),
                content_type: header(&headers, CONTENT_TYPE),
                validators: Validators {
                    etag: header(&headers, ETAG),
                    last_modified: header(&headers, LAST_MODIFIED),
                },
                body,
            },
            None,
        ))
    }
}

/// What to do with a body over a size.
#[derive(Debug, Clone, Copy)]
enum BodyLimit {
    /// Fail with [`FetchError::TooLarge`].
    Fail(usize),
    /// Keep the first bytes.
    Truncate(usize),
}

fn header(h: &HeaderMap, name: reqwest::header::HeaderName) -> Option<String> {
    h.get(name)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.to_string())
}

fn classify(e: reqwest::Error) -> FetchError {
    if e.is_timeout() {
        FetchError::Timeout
    } else {
        FetchError::Network(e.to_string())
    }
}
