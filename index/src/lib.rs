//! gongkai's index: Chinese analysis, the schema, categories, writing and
//! searching, and the data directory's index generations, with their whole
//! life cycle ([`build::Builder`]: begin or resume → write → validate →
//! publish, and a failed write cleaned up).
//!
//! Data comes in as [`ValidDocument`]s (the `gongkai-document` type, from
//! the crawler or JSON lines, validated by whoever feeds the writer) and goes
//! out as [`search::SearchResponse`]s (hits with text and highlight ranges,
//! never markup) and [`suggest::Suggestion`]s; one [`Analyzer`] serves both
//! ways. It never fetches or parses pages, and knows nothing of the crawler
//! or of how answers are shown.

pub mod analysis;
pub mod build;
pub mod category;
pub mod char_phrase;
pub mod classifier;
pub mod doc_number;
pub mod document;
mod error;
pub mod schema;
pub mod store;
pub mod taxonomy;
pub mod writer;

pub use analysis::{Analyzer, TermStream};
pub use document::{Document, ValidDocument};
pub use error::{Error, chain_is_disk_full, is_disk_full_io};
pub use store::{DataDir, DataLock, Discarded, IndexHandle, WriteSnapshot};
pub use writer::{DocumentWriter, Upsert, WriteStats};
pub mod query;
pub mod result_cache;
pub mod search;
pub mod snippet;
pub mod suggest;

pub use search::{Hit, SearchRequest, SearchResponse, Searcher, SnippetSource, Sort};
pub use snippet::Snippet;
pub use suggest::{Suggestion, SuggestionKind};
pub mod generation;
pub mod jsonl;
pub mod segmentation_score;
