//! The document the index is fed and gives back: defined once, in
//! `gongkai-document`, and re-exported here so `gongkai_index::document::…`
//! names the same types.

pub use gongkai_document::{
    AttachmentRef, CategorySource, Document, Kind, MAX_BODY_BYTES, MAX_TITLE_BYTES, ValidDocument,
    format_date, parse_date, prefix_at_char,
};
