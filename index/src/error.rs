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
    #[error(transparent)]
    Document(#[from] gongkai_document::Error),
    /// A stored or serialised document cannot be read or written.
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
    /// A generation's files fail the checksums tantivy wrote into them, or
    /// it cannot be opened at all.
    #[error(
        "generation {generation} is damaged: {detail} (run `gongkai verify --data DIR`; \
         `gongkai rollback` makes the previous generation live)"
    )]
    Damaged {
        /// The generation's number.
        generation: u64,
        /// Which files, or why it cannot be opened.
        detail: String,
    },
    /// The search was cancelled (its requester went away) before it ended.
    #[error("search cancelled")]
    Cancelled,
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
    /// Whether this is a full disk (`ENOSPC`), however tantivy wrapped it.
    pub fn is_disk_full(&self) -> bool {
        use tantivy::TantivyError as T;
        use tantivy::directory::error::{OpenDirectoryError, OpenReadError, OpenWriteError};
        match self {
            Error::Io { source, .. } => is_disk_full_io(source),
            Error::Tantivy(e) => match e {
                T::IoError(io) => is_disk_full_io(io),
                T::OpenWriteError(OpenWriteError::IoError { io_error, .. })
                | T::OpenReadError(OpenReadError::IoError { io_error, .. })
                | T::OpenDirectoryError(OpenDirectoryError::IoError { io_error, .. }) => {
                    is_disk_full_io(io_error)
                }
                _ => chain_is_disk_full(e),
            },
            _ => false,
        }
    }

    /// An I/O error on `path`.
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        Error::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// A full disk (`ENOSPC`) or quota (`EDQUOT`), by the error's kind (never
/// its text, nor an OS-specific error number).
pub fn is_disk_full_io(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
    )
}

/// Whether any error in `e`'s source chain is a full disk. tantivy keeps
/// its I/O errors (`Arc<io::Error>`) without naming them as sources, so
/// this crate's [`Error`] is asked too ([`Error::is_disk_full`]).
pub fn chain_is_disk_full(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(e);
    while let Some(e) = next {
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && is_disk_full_io(io)
        {
            return true;
        }
        if let Some(io) = e.downcast_ref::<std::sync::Arc<std::io::Error>>()
            && is_disk_full_io(io)
        {
            return true;
        }
        if let Some(e) = e.downcast_ref::<Error>()
            && e.is_disk_full()
        {
            return true;
        }
        next = e.source();
    }
    false
}
