//! The document: what the crawler (or a JSON lines file) hands to the index,
//! and what `export` and the search results give back.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::date::{format_date, parse_date};
use crate::keys::{stored_doc_number_key, stored_index_number_key};
use crate::{CategorySource, Error, Kind};

/// Longest title kept, in bytes (longer ones are cut at a char boundary).
pub const MAX_TITLE_BYTES: usize = 4 * 1024;
/// Longest body kept, in bytes: a government page's text is rarely above
/// 200 kB; anything past this is cut rather than rejected.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// One published item: an article of a 信息公开 category or a news item.
///
/// Every field but `id` and `title` may be missing in input; `category` and
/// `kind` are settled by the index's taxonomy before indexing. The crawler
/// also fills the *crawl details* (`breadcrumb`, `category_hint`, each
/// attachment's `text` and `error`): what it saw on the page, for the
/// taxonomy and the crawl state; the index never stores them, and they are
/// written to JSON only when present.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Document {
    /// Stable identity: survives URL changes (see [`document_id`]).
    #[serde(deserialize_with = "null_as_default")]
    pub id: String,
    /// Canonical URL.
    #[serde(deserialize_with = "null_as_default")]
    pub url: String,
    /// Other URLs of the same document (繁體 mirror, old URLs after a move).
    #[serde(deserialize_with = "null_as_default")]
    pub aliases: Vec<String>,
    /// Title as published.
    #[serde(deserialize_with = "null_as_default")]
    pub title: String,
    /// Body text as published.
    #[serde(deserialize_with = "null_as_default")]
    pub body: String,
    /// Publication date, `YYYY-MM-DD`.
    pub published: Option<String>,
    /// 发布机构.
    #[serde(deserialize_with = "null_as_default")]
    pub publisher: String,
    /// One of the 20 categories, or `None` for news / not yet classified.
    pub category: Option<String>,
    /// What decided the category.
    pub category_source: Option<CategorySource>,
    /// Classifier confidence (0..1) when the classifier decided.
    pub category_confidence: Option<f32>,
    /// `信息公开` or `新闻` (any other text in input, until settled).
    pub kind: Option<Kind>,
    /// 栏目: the column the portal filed it under.
    #[serde(deserialize_with = "null_as_default")]
    pub column: String,
    /// 文号 as published.
    #[serde(deserialize_with = "null_as_default")]
    pub doc_number: String,
    /// 索引号 as published.
    #[serde(deserialize_with = "null_as_default")]
    pub index_number: String,
    /// Where it came from (site or file).
    #[serde(deserialize_with = "null_as_default")]
    pub source: String,
    /// Hash of the indexed content; always computed by the writer (a value
    /// given in input is ignored).
    #[serde(deserialize_with = "null_as_default")]
    pub content_hash: String,
    /// Text extracted from attachments (PDF, DOCX, XLSX), searchable with the body.
    #[serde(deserialize_with = "null_as_default")]
    pub attachment_text: String,
    /// Attachment links as `title<TAB>url` lines' objects.
    #[serde(deserialize_with = "null_as_default")]
    pub attachments: Vec<AttachmentRef>,
    /// Crawl detail: the page's breadcrumb, one part per entry.
    #[serde(
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub breadcrumb: Vec<String>,
    /// Crawl detail: raw 信息分类 / 组配分类 / 主题分类 text, for the taxonomy.
    #[serde(
        deserialize_with = "null_as_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub category_hint: String,
}

/// `null` read as the field's default (empty), the way a missing field is:
/// exporters write `null` for "nothing here".
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// An attachment recorded on its document.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AttachmentRef {
    /// Link target.
    #[serde(deserialize_with = "null_as_default")]
    pub url: String,
    /// Link text.
    #[serde(deserialize_with = "null_as_default")]
    pub title: String,
    /// Crawl detail: the text extracted from it (the index keeps all
    /// attachments' text in [`Document::attachment_text`] instead).
    #[serde(
        deserialize_with = "null_as_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub text: String,
    /// Crawl detail: why there is no text, if there is none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Longest id accepted, in bytes.
pub const MAX_ID_BYTES: usize = 512;

/// The stable identity of a document, so it keeps its id when its URL
/// changes and its mirrors share it: `idx:<索引号 key>`, else `wh:<文号
/// key>`, else `h:<content hash>`.
///
/// The keys are the normalised ones the index looks numbers up by
/// ([`stored_index_number_key`], [`stored_doc_number_key`]): brackets,
/// widths, 繁體, spaces and 第 do not make two documents of one.
///
/// ```
/// use gongkai_document::document_id;
/// let id = document_id(None, Some("国发〔2016〕55号"), "ab");
/// assert_eq!(id, "wh:国发〔2016〕55号");
/// assert_eq!(id, document_id(None, Some("国发[2016]55号"), "cd"));
/// assert_eq!(id, document_id(None, Some("国发［２０１６］５５号"), "ef"));
/// ```
pub fn document_id(
    index_number: Option<&str>,
    doc_number: Option<&str>,
    content_hash: &str,
) -> String {
    if let Some(key) = index_number.and_then(stored_index_number_key) {
        return format!("idx:{key}");
    }
    if let Some(key) = doc_number.and_then(stored_doc_number_key) {
        return format!("wh:{key}");
    }
    format!("h:{content_hash}")
}

/// Hash of a page's normalised content, what a crawl compares to see a
/// change: white space removed, so re-wrapped text and template changes
/// around it do not count.
pub fn content_hash(title: &str, body: &str) -> String {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    let mut buf = [0u8; 4];
    for c in title.chars().chain(['\n']).chain(body.chars()) {
        if !c.is_whitespace() {
            h.update(c.encode_utf8(&mut buf).as_bytes());
        }
    }
    format!("{:016x}", h.digest())
}

impl Document {
    /// Checks and tidies a document from outside: an id and a title or body
    /// are required, the date must parse (it is rewritten `YYYY-MM-DD`), and
    /// oversized text is cut. The only way to a [`ValidDocument`].
    pub fn validate(mut self) -> Result<ValidDocument, Error> {
        self.tidy()?;
        Ok(ValidDocument(self))
    }

    fn tidy(&mut self) -> Result<(), Error> {
        let id = self.id.trim();
        if id.len() != self.id.len() {
            self.id = id.to_string();
        }
        if self.id.is_empty() {
            return Err(Error::MissingId);
        }
        if self.id.len() > MAX_ID_BYTES {
            return Err(Error::IdTooLong);
        }
        if self.title.trim().is_empty() && self.body.trim().is_empty() {
            return Err(Error::Empty {
                id: self.id.clone(),
            });
        }
        if let Some(published) = self.published.as_deref() {
            if published.trim().is_empty() {
                self.published = None;
            } else {
                let date = parse_date(published).ok_or_else(|| Error::Date {
                    id: self.id.clone(),
                    date: published.to_string(),
                })?;
                self.published = Some(format_date(date));
            }
        }
        truncate_at_char(&mut self.title, MAX_TITLE_BYTES);
        truncate_at_char(&mut self.body, MAX_BODY_BYTES);
        truncate_at_char(&mut self.attachment_text, MAX_BODY_BYTES);
        Ok(())
    }

    /// Drops the crawl details (breadcrumb, category hint, attachments'
    /// text and errors): what the index stores is the rest.
    pub fn clear_crawl_details(&mut self) {
        self.breadcrumb = Vec::new();
        self.category_hint = String::new();
        for a in &mut self.attachments {
            a.text = String::new();
            a.error = None;
        }
    }

    /// Hash of everything that is indexed (not the crawl details, not the
    /// stored hash); equal hashes mean re-indexing would change nothing.
    pub fn compute_content_hash(&self) -> String {
        let mut copy = self.clone();
        copy.content_hash.clear();
        copy.clear_crawl_details();
        let bytes = serde_json::to_vec(&copy).unwrap_or_default();
        format!("{:016x}", xxhash_rust::xxh3::xxh3_64(&bytes))
    }

    /// Publication date, parsed.
    pub fn published_date(&self) -> Option<Date> {
        self.published.as_deref().and_then(parse_date)
    }
}

/// A document that passed [`Document::validate`]: it has an id of at most
/// [`MAX_ID_BYTES`], a title or a body, a `YYYY-MM-DD` date or none, and
/// text within the size caps. The index writes nothing else.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct ValidDocument(Document);

impl ValidDocument {
    /// The document, to change or take apart (validate it again to index it).
    pub fn into_inner(self) -> Document {
        self.0
    }

    /// The form the index stores: crawl details dropped, `content_hash`
    /// computed from the content (whatever the input said).
    pub fn into_indexed(self) -> Self {
        let mut doc = self.0;
        doc.clear_crawl_details();
        doc.content_hash = doc.compute_content_hash();
        ValidDocument(doc)
    }

    /// Changes the document (settling its category, say) and validates it
    /// again, so a change cannot leave it invalid.
    pub fn edit<R>(self, change: impl FnOnce(&mut Document) -> R) -> Result<(Self, R), Error> {
        let mut doc = self.0;
        let out = change(&mut doc);
        Ok((doc.validate()?, out))
    }
}

impl std::ops::Deref for ValidDocument {
    type Target = Document;

    fn deref(&self) -> &Document {
        &self.0
    }
}

impl From<ValidDocument> for Document {
    fn from(doc: ValidDocument) -> Self {
        doc.0
    }
}

fn truncate_at_char(text: &mut String, max: usize) {
    let cut = prefix_at_char(text, max).len();
    text.truncate(cut);
}

/// The longest prefix of `text` of at most `max` bytes that ends on a
/// character boundary.
pub fn prefix_at_char(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut cut = max;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    &text[..cut]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_requires_id_and_cuts_long_text() {
        assert!(Document::default().validate().is_err());
        let doc = Document {
            id: " a ".into(),
            title: "标".repeat(MAX_TITLE_BYTES),
            published: Some("2020年1月5日".into()),
            ..Default::default()
        }
        .validate()
        .unwrap();
        assert_eq!(doc.id, "a");
        assert!(doc.title.len() <= MAX_TITLE_BYTES);
        assert_eq!(doc.published.as_deref(), Some("2020-01-05"));
    }

    #[test]
    fn null_fields_read_as_absent() {
        let doc: Document = serde_json::from_str(
            r#"{"id":"n1","title":"标题","body":null,"publisher":null,"url":null,
                "aliases":null,"published":null,"category":null,"column":null,
                "attachments":[{"url":"http://x/a.pdf","title":null}],"content_hash":null}"#,
        )
        .unwrap();
        assert_eq!(doc.body, "");
        assert_eq!(doc.publisher, "");
        assert!(doc.aliases.is_empty() && doc.published.is_none());
        assert_eq!(doc.attachments[0].title, "");
        let no_id: Document = serde_json::from_str(r#"{"id":null,"title":"t"}"#).unwrap();
        assert!(no_id.validate().is_err(), "a null id is a missing id");
    }

    #[test]
    fn content_hash_ignores_the_stored_hash() {
        let mut doc = Document {
            id: "x".into(),
            title: "t".into(),
            ..Default::default()
        };
        let h = doc.compute_content_hash();
        doc.content_hash = h.clone();
        assert_eq!(doc.compute_content_hash(), h);
        doc.body = "changed".into();
        assert_ne!(doc.compute_content_hash(), h);
    }

    #[test]
    fn identity_prefers_the_normalised_index_number_then_doc_number() {
        assert_eq!(
            document_id(Some("6107/2020-00001"), Some("样政发〔2020〕1号"), "ab"),
            "idx:6107/2020-00001"
        );
        assert_eq!(
            document_id(None, Some("样政发〔2020〕1号"), "ab"),
            "wh:样政发〔2020〕1号"
        );
        assert_eq!(document_id(Some(" "), None, "ab"), "h:ab");
        assert_eq!(document_id(Some(""), Some(" "), "ab"), "h:ab");
        assert_eq!(content_hash("a b", "c\nd"), content_hash("ab", "cd"));
        // One 文号 however a page writes it.
        let id = document_id(None, Some("国发〔2016〕55号"), "ab");
        for variant in [
            "国发[2016]55号",
            "国发【2016】55号",
            "国发（2016）55号",
            "国发［２０１６］５５号",
            " 国发 〔2016〕 第55号 ",
            "國發〔2016〕55號",
        ] {
            assert_eq!(document_id(None, Some(variant), "cd"), id, "{variant}");
        }
        // One 索引号 in either width or case.
        assert_eq!(
            document_id(
                Some("１１３６００００ｍｂ/２０２０－００１２３"),
                None,
                "ab"
            ),
            document_id(Some("11360000MB/2020-00123"), None, "cd"),
        );
    }

    #[test]
    fn crawl_details_are_neither_hashed_nor_written_when_absent() {
        let plain = Document {
            id: "x".into(),
            title: "t".into(),
            attachments: vec![AttachmentRef {
                url: "http://h/a.pdf".into(),
                title: "附件".into(),
                ..Default::default()
            }],
            ..Default::default()
        };
        let json = serde_json::to_string(&plain).unwrap();
        assert!(!json.contains("breadcrumb") && !json.contains("category_hint"));
        assert!(!json.contains("\"text\"") && !json.contains("error"));
        let mut crawled = plain.clone();
        crawled.breadcrumb = vec!["首页".into(), "政府文件".into()];
        crawled.category_hint = "政府文件".into();
        crawled.attachments[0].text = "附件正文".into();
        crawled.attachments[0].error = Some("HTTP 404".into());
        assert_eq!(crawled.compute_content_hash(), plain.compute_content_hash());
        crawled.clear_crawl_details();
        assert_eq!(crawled, plain);
    }

    #[test]
    fn an_edit_is_validated_again() {
        let doc = Document {
            id: "x".into(),
            title: "t".into(),
            ..Default::default()
        }
        .validate()
        .unwrap();
        let (doc, ()) = doc
            .edit(|d| d.published = Some("2020年1月5日".into()))
            .unwrap();
        assert_eq!(doc.published.as_deref(), Some("2020-01-05"));
        assert_eq!(doc.edit(|d| d.id.clear()).unwrap_err(), Error::MissingId);
    }
}
