//! The truth file beside each page of the development set
//! (`tests/devset/pages/*.json`), read by the devset test and by the
//! `body_compare` example.

/// What a correct extractor recovers from one saved page (fields the page
/// does not have are absent), with its provenance and charset.
#[allow(dead_code)] // each reader checks its own fields
#[derive(serde::Deserialize)]
pub struct Truth {
    pub url: String,
    pub cms: String,
    pub charset: String,
    pub kind: String,
    pub title: Option<String>,
    pub published: Option<String>,
    pub publisher: Option<String>,
    pub doc_number: Option<String>,
    pub index_number: Option<String>,
    #[serde(default)]
    pub body_start: Option<String>,
    #[serde(default)]
    pub body_end: Option<String>,
    /// Other acceptable starts, where the truth allows the document's own
    /// heading (a repeat of the title and 文号) to be left out.
    #[serde(default)]
    pub body_start_any: Vec<String>,
    /// Other acceptable ends, where the truth allows a trailer to stay.
    #[serde(default)]
    pub body_end_any: Vec<String>,
    #[serde(default)]
    pub body_contains: Vec<String>,
    #[serde(default)]
    pub body_excludes: Vec<String>,
}
