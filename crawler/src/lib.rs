//! `gongkai-crawler`: a polite, resumable crawler and document extractor for
//! Chinese government portals (政府信息公开).
//!
//! Data flows portal → crawler → [`CrawledDocument`] → (the binary) → index;
//! this crate knows nothing about the index. Each module owns one job:
//!
//! - [`fetch`]: HTTP client, retries with backoff, conditional GET, size caps;
//! - [`robots`], [`sitemap`]: what we may fetch and where the documents are;
//! - [`politeness`]: per-host delay and concurrency;
//! - [`url_norm`]: one key per page, trap patterns;
//! - [`charset`]: bytes → text for GBK/GB18030/Big5/UTF-8 portals;
//! - [`extract`]: metadata, body, links, page kind;
//! - [`attachments`]: text of PDF, DOC/DOCX, XLSX/XLS, OFD and TXT attachments;
//! - [`state`]: the SQLite crawl state that makes a crawl resumable;
//! - [`crawl`]: the scheduler that ties them together.

pub mod attachments;
pub mod charset;
pub mod config;
pub mod crawl;
pub mod extract;
pub mod fetch;
pub mod politeness;
pub mod robots;
pub mod sitemap;
pub mod state;
pub mod url_norm;
mod xml;

pub use config::CrawlConfig;
pub use crawl::{CrawlSummary, Crawler, PageSample, Progress};
pub use state::State;
/// Re-exported so callers name the same `Url` type.
pub use url;

use serde::{Deserialize, Serialize};

/// An attachment linked from a document.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Attachment {
    pub url: String,
    /// Link text.
    pub title: String,
    /// Extracted text (empty when extraction failed or is unsupported).
    pub text: String,
    /// Why there is no text, if there is none.
    pub error: Option<String>,
}

/// One document as the crawler extracted it: what the index is fed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CrawledDocument {
    /// Stable identity: `idx:<索引号>`, else `wh:<文号>`, else `h:<content hash>`,
    /// so a document keeps its id when its URL changes.
    pub id: String,
    /// Canonical URL (the first URL it was found at).
    pub url: String,
    /// Other URLs of the same document (繁體 mirror, print view, redirects).
    pub aliases: Vec<String>,
    pub title: String,
    pub body: String,
    /// `YYYY-MM-DD`.
    pub published: Option<String>,
    pub publisher: Option<String>,
    /// 栏目 (from `ColumnName` or the breadcrumb).
    pub column: Option<String>,
    pub breadcrumb: Vec<String>,
    /// Raw 信息分类 / 组配分类 / 主题分类 text, for the index's taxonomy.
    pub category_hint: Option<String>,
    /// 文号.
    pub doc_number: Option<String>,
    /// 索引号.
    pub index_number: Option<String>,
    pub site_name: Option<String>,
    pub attachments: Vec<Attachment>,
    /// xxh3 of the normalised title and body.
    pub content_hash: String,
}

/// The stable identity of a document (see [`CrawledDocument::id`]).
pub fn document_id(
    index_number: Option<&str>,
    doc_number: Option<&str>,
    content_hash: &str,
) -> String {
    let squash = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    match (index_number, doc_number) {
        (Some(i), _) if !i.trim().is_empty() => format!("idx:{}", squash(i)),
        (_, Some(d)) if !d.trim().is_empty() => format!("wh:{}", squash(d)),
        _ => format!("h:{content_hash}"),
    }
}

/// Hash of a document's normalised content: whitespace removed, so
/// re-wrapped text and template changes around it do not count as changes.
pub fn content_hash(title: &str, body: &str) -> String {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    let mut buf = [0u8; 4];
    for c in title.chars().chain(['\n']).chain(body.chars()) {
        if !c.is_whitespace() {
            h.update(c.encode_utf8(&mut buf).as_bytes());
        }
    }
    format!("{:016x}", h.digest())
}

/// Errors of the crawler library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("crawl state: {0}")]
    State(#[from] rusqlite::Error),
    #[error("fetch: {0}")]
    Fetch(#[from] fetch::FetchError),
    #[error("config: {0}")]
    Config(String),
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    #[error("invalid seed URL {0:?}")]
    Seed(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_prefers_index_number() {
        assert_eq!(
            document_id(Some("6107/2020-00001"), Some("样政发〔2020〕1号"), "ab"),
            "idx:6107/2020-00001"
        );
        assert_eq!(
            document_id(None, Some("样政发〔2020〕1号"), "ab"),
            "wh:样政发〔2020〕1号"
        );
        assert_eq!(document_id(Some(" "), None, "ab"), "h:ab");
        assert_eq!(content_hash("a b", "c\nd"), content_hash("ab", "cd"));
    }
}
