//! The tantivy schema: which fields exist, how each is indexed, and how a
//! [`Document`] becomes a tantivy document.
//!
//! The whole document is stored once, as JSON in `stored`, so that export and
//! results return exactly what was indexed. Text is indexed three ways per
//! part (title, body) by the analyzer's tokenizers, which tantivy runs in its
//! indexing threads (the precise and search fields share one jieba pass; see
//! `analysis::tokenizer`). Pre-tokenized values were tried first and measured
//! five times slower: tantivy serialises every pre-tokenized value to JSON
//! inside the document and parses it back.

use tantivy::schema::{
    DateOptions, DateTimePrecision, FAST, Field, INDEXED, IndexRecordOption, STORED, STRING,
    Schema, TextFieldIndexing, TextOptions,
};
use tantivy::{DateTime, TantivyDocument};

use crate::analysis::{
    CHARS_TOKENIZER, PAIRS_TOKENIZER, PRECISE_TOKENIZER, SEARCH_TOKENIZER, TermStream,
};
use crate::doc_number::{stored_doc_number_key, stored_index_number_key};
use crate::document::ValidDocument;

/// Handles to every field of the schema.
#[derive(Debug, Clone)]
pub struct Fields {
    /// Document id (raw, fast): the upsert key.
    pub id: Field,
    /// The URL and every alias, raw, for lookups by URL.
    pub url: Field,
    /// The whole document as JSON (stored only).
    pub stored: Field,
    /// Title, precise / search / chars streams.
    pub title: [Field; 3],
    /// Body and attachment text, precise / search / chars streams.
    pub body: [Field; 3],
    /// Pairs of adjacent CJK characters of the title and of the body and
    /// attachment text: a faster way to the chars streams' phrases
    /// (`char_phrase`), never scored on their own.
    pub pairs: [Field; 2],
    /// Publication date (day precision, fast).
    pub published: Field,
    /// Publication year (fast, for the year facet).
    pub year: Field,
    /// 发布机构 (raw, fast, for facet and filter).
    pub publisher: Field,
    /// Category name, `新闻` for news, empty when unknown (raw, fast).
    pub category: Field,
    /// What decided the category (raw, fast).
    pub category_source: Field,
    /// 信息公开 or 新闻 (raw, fast).
    pub kind: Field,
    /// Normalised 文号 key.
    pub doc_number: Field,
    /// Normalised 索引号 key.
    pub index_number: Field,
    /// Content hash (raw, fast): unchanged documents are not rewritten.
    pub content_hash: Field,
}

impl Fields {
    /// The pair field of one part.
    pub fn pairs_field(&self, title: bool) -> Field {
        self.pairs[usize::from(!title)]
    }

    /// The field of one part and stream.
    pub fn text_field(&self, title: bool, stream: TermStream) -> Field {
        let fields = if title { &self.title } else { &self.body };
        match stream {
            TermStream::Precise => fields[0],
            TermStream::Search => fields[1],
            TermStream::Chars => fields[2],
        }
    }
}

/// Builds the schema and its field handles.
pub fn build_schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let raw_fast = STRING | FAST;
    // The search stream is only ever queried term by term (its sub-words
    // share their word's position, so phrases belong to the precise and
    // chars streams): it needs no positions, which saves a third of the
    // position data.
    let text = |tokenizer: &str| {
        let record = if tokenizer == SEARCH_TOKENIZER {
            IndexRecordOption::WithFreqs
        } else {
            IndexRecordOption::WithFreqsAndPositions
        };
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(record),
        )
    };
    let id = builder.add_text_field("id", raw_fast.clone());
    let url = builder.add_text_field("url", STRING);
    let stored = builder.add_text_field("stored", STORED);
    // Positions, but no length norms: a pair phrase is scored with its
    // characters' field's norms. Each pair field follows its chars field,
    // so tantivy tokenizes them one after the other and they share the
    // normalised text (analysis::tokenizer).
    let pairs = || {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(PAIRS_TOKENIZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions)
                .set_fieldnorms(false),
        )
    };
    let title = [
        builder.add_text_field("title_precise", text(PRECISE_TOKENIZER)),
        builder.add_text_field("title_search", text(SEARCH_TOKENIZER)),
        builder.add_text_field("title_chars", text(CHARS_TOKENIZER)),
    ];
    let title_pairs = builder.add_text_field("title_pairs", pairs());
    let body = [
        builder.add_text_field("body_precise", text(PRECISE_TOKENIZER)),
        builder.add_text_field("body_search", text(SEARCH_TOKENIZER)),
        builder.add_text_field("body_chars", text(CHARS_TOKENIZER)),
    ];
    let body_pairs = builder.add_text_field("body_pairs", pairs());
    let published = builder.add_date_field(
        "published",
        DateOptions::from(INDEXED | FAST).set_precision(DateTimePrecision::Seconds),
    );
    let year = builder.add_u64_field("year", INDEXED | FAST);
    let publisher = builder.add_text_field("publisher", raw_fast.clone());
    let category = builder.add_text_field("category", raw_fast.clone());
    let category_source = builder.add_text_field("category_source", raw_fast.clone());
    let kind = builder.add_text_field("kind", raw_fast.clone());
    let doc_number = builder.add_text_field("doc_number", STRING);
    let index_number = builder.add_text_field("index_number", STRING);
    let content_hash = builder.add_text_field("content_hash", raw_fast);
    let fields = Fields {
        id,
        url,
        stored,
        title,
        body,
        pairs: [title_pairs, body_pairs],
        published,
        year,
        publisher,
        category,
        category_source,
        kind,
        doc_number,
        index_number,
        content_hash,
    };
    (builder.build(), fields)
}

/// Turns a validated document into a tantivy document (analysis happens
/// when tantivy indexes it). Its crawl details should be cleared first
/// ([`Document::clear_crawl_details`]): the stored JSON is the document as given.
pub fn to_tantivy(doc: &ValidDocument, fields: &Fields) -> TantivyDocument {
    let mut out = TantivyDocument::default();
    out.add_text(fields.id, &doc.id);
    if !doc.url.is_empty() {
        out.add_text(fields.url, &doc.url);
    }
    for alias in &doc.aliases {
        out.add_text(fields.url, alias);
    }
    out.add_text(
        fields.stored,
        serde_json::to_string(doc).unwrap_or_default(),
    );

    // tantivy's indexing threads run the analyzer through the fields'
    // tokenizers; the attachment text is a second value of the body fields.
    for field in fields.title.into_iter().chain([fields.pairs[0]]) {
        out.add_text(field, &doc.title);
    }
    for field in fields.body.into_iter().chain([fields.pairs[1]]) {
        out.add_text(field, &doc.body);
        if !doc.attachment_text.is_empty() {
            out.add_text(field, &doc.attachment_text);
        }
    }

    if let Some(date) = doc.published_date() {
        let midnight = date.midnight().assume_utc();
        out.add_date(fields.published, DateTime::from_utc(midnight));
        out.add_u64(fields.year, date.year().max(0) as u64);
    }
    out.add_text(fields.publisher, doc.publisher.trim());
    // News has no category; it is filed under 新闻 so the category filter
    // and facet (which name news 新闻) find it.
    let is_news = doc.category.is_none() && doc.kind == Some(gongkai_document::Kind::News);
    let category = if is_news {
        Some(crate::category::KIND_NEWS)
    } else {
        doc.category.as_deref()
    };
    out.add_text(fields.category, category.unwrap_or(""));
    out.add_text(
        fields.category_source,
        doc.category_source.as_ref().map_or("", |s| s.as_str()),
    );
    out.add_text(fields.kind, doc.kind.as_ref().map_or("", |k| k.as_str()));
    if let Some(key) = stored_doc_number_key(&doc.doc_number) {
        out.add_text(fields.doc_number, key);
    }
    if let Some(key) = stored_index_number_key(&doc.index_number) {
        out.add_text(fields.index_number, key);
    }
    out.add_text(fields.content_hash, &doc.content_hash);
    out
}
