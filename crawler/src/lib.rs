//! `gongkai-crawler`: a polite, resumable crawler and document extractor for
//! Chinese government portals (政府信息公开).
//!
//! Data flows portal → crawler → [`Document`] → index; this crate knows
//! nothing about the index (it fills documents, including the crawl details
//! the index's taxonomy reads, and never settles categories). Each module
//! owns one job:
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

/// What the crawler hands over: the one document type of gongkai, with
/// its identity and content hash (see `gongkai-document`).
pub use gongkai_document::{AttachmentRef, Document, content_hash, document_id};

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
