//! The field names of a shipped document: one contract between shipping
//! (mapping, `_bulk` bodies) and searching (the query DSL, aggregations).
//! They are the embedded schema's names (`gongkai_index::schema`), so a
//! query plan reads the same on both back ends.

/// Document id (keyword): also the OpenSearch `_id`.
pub const ID: &str = "id";
/// The URL and every alias (keyword, multi-valued).
pub const URL: &str = "url";
/// Title streams, in `TermStream::ALL` order: precise words with positions,
/// sub-words (frequencies only), characters with positions and gaps.
pub const TITLE: [&str; 3] = ["title_precise", "title_search", "title_chars"];
/// Body and attachment text streams, in the same order.
pub const BODY: [&str; 3] = ["body_precise", "body_search", "body_chars"];
/// Publication date (date, day precision).
pub const PUBLISHED: &str = "published";
/// Publication year (integer).
pub const YEAR: &str = "year";
/// 发布机构 (keyword).
pub const PUBLISHER: &str = "publisher";
/// Category name, `新闻` for news, empty when unknown (keyword).
pub const CATEGORY: &str = "category";
/// What decided the category (keyword).
pub const CATEGORY_SOURCE: &str = "category_source";
/// 信息公开 or 新闻 (keyword).
pub const KIND: &str = "kind";
/// Normalised 文号 key (keyword).
pub const DOC_NUMBER: &str = "doc_number";
/// Normalised 索引号 key (keyword).
pub const INDEX_NUMBER: &str = "index_number";
/// Content hash (keyword).
pub const CONTENT_HASH: &str = "content_hash";
/// The whole gongkai document as given (an object, stored in `_source`,
/// not indexed): titles, bodies and attachment text for display and
/// snippets.
pub const DOCUMENT: &str = "document";
