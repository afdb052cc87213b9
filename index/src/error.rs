//! The index crate's error type.

use std::path::{Path, PathBuf};

/// Everything that can go wrong in analysis, indexing and search.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or directory could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Tantivy failed (corrupt index, lock held, disk full...).
    #[error("index: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    /// A document is not acceptable (missing id, bad date...).
    #[error("invalid document: {0}")]
    InvalidDocument(String),
    /// A query or filter cannot be run as given.
    #[error("invalid query: {0}")]
    InvalidQuery(String),
    /// The data directory has no index yet.
    #[error("no index in {0} (run `gongkai index` or `gongkai crawl` first)")]
    NoIndex(PathBuf),
    /// A generation was written by a gongkai whose index layout differs
    /// (fields or their analysis changed): searching it would look in the
    /// wrong places, so it is refused until rebuilt from its stored documents.
    #[error(
        "{path}: generation {generation} was built by an older gongkai with a different index \
         layout; rebuild it from its stored documents with `gongkai rebuild --data DIR`"
    )]
    IndexLayout {
        /// The generation's number.
        generation: u64,
        /// Its folder.
        path: PathBuf,
    },
    /// A configuration file (taxonomy, dictionary) is wrong.
    #[error("{path}: {message}")]
    Config {
        /// The file.
        path: PathBuf,
        /// What is wrong, with the line where known.
        message: String,
    },
}

impl Error {
    /// An I/O error on `path`.
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        Error::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}
