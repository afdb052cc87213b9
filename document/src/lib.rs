//! `gongkai-document`: the one document gongkai passes along its flow
//! (portal → crawler → **document** → index → search front-ends).
//!
//! This crate owns what a document *is*: its fields ([`Document`],
//! [`AttachmentRef`]), what makes one acceptable ([`Document::validate`] →
//! [`ValidDocument`], the size caps), its identity ([`document_id`], from the
//! normalised 索引号 and 文号 [`keys`], else the content hash), its hashes,
//! its dates ([`date`]), the text normalisation the keys and the index share
//! ([`normalize`]: NFKC, lower case, 繁→简), and its vocabularies ([`Kind`],
//! [`CategorySource`], [`PageKind`]) with the JSON strings gongkai has always
//! written.
//!
//! It never fetches, parses HTML, analyses text for search or touches an
//! index or a crawl state: the crawler fills documents, the index settles
//! their categories, stores and searches them.

pub mod date;
mod document;
pub mod keys;
mod kinds;
pub mod normalize;

pub use date::{format_date, parse_date};
pub use document::{
    AttachmentRef, Document, MAX_BODY_BYTES, MAX_ID_BYTES, MAX_TITLE_BYTES, ValidDocument,
    content_hash, document_id, prefix_at_char,
};
pub use kinds::{CategorySource, KIND_DISCLOSURE, KIND_NEWS, Kind, PageKind};

/// Why a document is not acceptable. Each message starts `invalid document:`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// No `id` (or only white space, or `null`).
    #[error("invalid document: missing `id`")]
    MissingId,
    /// An `id` longer than [`MAX_ID_BYTES`].
    #[error("invalid document: `id` longer than 512 bytes")]
    IdTooLong,
    /// Neither a title nor a body.
    #[error("invalid document: document {id}: no title and no body")]
    Empty {
        /// The document's id.
        id: String,
    },
    /// A `published` date in no format gongkai reads.
    #[error("invalid document: document {id}: unreadable date {date:?}")]
    Date {
        /// The document's id.
        id: String,
        /// The date as given.
        date: String,
    },
}
