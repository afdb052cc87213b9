//! The migration crate's error type.

use std::path::PathBuf;

/// What can go wrong checking URLs, probing or writing the report.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A seed is not a URL at all.
    #[error("{input:?} is not a URL (expected e.g. https://www.example.gov.cn/)")]
    NotUrl {
        /// The text given.
        input: String,
        /// Why it does not parse.
        source: url::ParseError,
    },
    /// A seed is a URL but not an http(s) one with a host.
    #[error("{input:?}: expected an http:// or https:// URL with a host")]
    NotHttp {
        /// The text given.
        input: String,
    },
    /// The probe's HTTP client cannot be built.
    #[error("building the HTTP client")]
    Client(#[source] gongkai_crawler::fetch::FetchError),
    /// A report file (or its folder) cannot be written.
    #[error("{}: cannot write", path.display())]
    Write {
        /// The file or folder.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}
