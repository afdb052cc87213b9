//! OpenSearch as gongkai's distributed back end (issue 15).
//!
//! gongkai keeps the analysis (繁/简 folding, jieba with the government
//! dictionary, 文号 keys, categories) and the snippets; OpenSearch keeps the
//! storage, sharding, replication and distributed scoring. Documents are
//! shipped **pre-analysed**: every stream the embedded index has is sent as
//! whitespace-joined tokens to a field whose analyzer is OpenSearch's core
//! `whitespace`, so no plugin is needed and a query term means exactly what
//! it means in the embedded index.
//!
//! This crate owns the index mapping, the field names ([`fields`]), the wire
//! format of a shipped document, and the translation of gongkai's queries to
//! the OpenSearch query DSL. It never crawls, never writes the embedded index
//! and knows nothing of HTTP serving or the terminal.

pub mod fields;
