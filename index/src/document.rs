//! The document: what the crawler (or a JSON lines file) hands to the index,
//! and what `export` and the search results give back.

use serde::{Deserialize, Serialize};
use time::{Date, Month};

use crate::Error;

/// Longest title kept, in bytes (longer ones are cut at a char boundary).
pub const MAX_TITLE_BYTES: usize = 4 * 1024;
/// Longest body kept, in bytes: a government page's text is rarely above
/// 200 kB; anything past this is cut rather than rejected.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// One published item: an article of a 信息公开 category or a news item.
///
/// Every field but `id` and `title` may be missing in input; `category` and
/// `kind` are settled by the taxonomy before indexing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Document {
    /// Stable identity: survives URL changes (see the crawler's identity rules).
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
    /// What decided the category: `metadata`, `column`, `url`, `classifier`.
    pub category_source: Option<String>,
    /// Classifier confidence (0..1) when the classifier decided.
    pub category_confidence: Option<f32>,
    /// `信息公开` or `新闻`.
    pub kind: Option<String>,
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
}

impl Document {
    /// Checks and tidies a document from outside: an id and a title are
    /// required, the date must parse, and oversized text is cut.
    pub fn validate(mut self) -> Result<Self, Error> {
        self.id = self.id.trim().to_string();
        if self.id.is_empty() {
            return Err(Error::InvalidDocument("missing `id`".into()));
        }
        if self.id.len() > 512 {
            return Err(Error::InvalidDocument("`id` longer than 512 bytes".into()));
        }
        if self.title.trim().is_empty() && self.body.trim().is_empty() {
            return Err(Error::InvalidDocument(format!(
                "document {}: no title and no body",
                self.id
            )));
        }
        if let Some(published) = self.published.as_deref() {
            if published.trim().is_empty() {
                self.published = None;
            } else {
                let date = parse_date(published).ok_or_else(|| {
                    Error::InvalidDocument(format!(
                        "document {}: unreadable date {published:?}",
                        self.id
                    ))
                })?;
                self.published = Some(format_date(date));
            }
        }
        truncate_at_char(&mut self.title, MAX_TITLE_BYTES);
        truncate_at_char(&mut self.body, MAX_BODY_BYTES);
        truncate_at_char(&mut self.attachment_text, MAX_BODY_BYTES);
        Ok(self)
    }

    /// Hash of everything that is indexed; equal hashes mean re-indexing
    /// would change nothing.
    pub fn compute_content_hash(&self) -> String {
        let mut copy = self.clone();
        copy.content_hash.clear();
        let bytes = serde_json::to_vec(&copy).unwrap_or_default();
        format!("{:016x}", xxhash_rust::xxh3::xxh3_64(&bytes))
    }

    /// Publication date, parsed.
    pub fn published_date(&self) -> Option<Date> {
        self.published.as_deref().and_then(parse_date)
    }
}

fn truncate_at_char(text: &mut String, max: usize) {
    let cut = prefix_at_char(text, max).len();
    text.truncate(cut);
}

/// The longest prefix of `text` of at most `max` bytes that ends on a
/// character boundary.
pub(crate) fn prefix_at_char(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut cut = max;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    &text[..cut]
}

/// Parses the date formats portals use: `2020-01-05`, `2020/1/5`,
/// `2020.01.05`, `2020年1月5日`, optionally followed by a time, and
/// `20200105`.
pub fn parse_date(text: &str) -> Option<Date> {
    let text = text.trim();
    let mut numbers = [0u32; 3];
    let mut count = 0;
    let mut current: Option<u32> = None;
    let mut digits = 0;
    for c in text.chars() {
        let d = c.to_digit(10).or_else(|| {
            // full-width digits
            let cp = c as u32;
            (0xFF10..=0xFF19).contains(&cp).then(|| cp - 0xFF10)
        });
        match d {
            Some(d) => {
                digits += 1;
                if digits > 8 {
                    return None;
                }
                current = Some(current.unwrap_or(0) * 10 + d);
            }
            None => {
                if let Some(n) = current.take() {
                    if count == 3 {
                        break;
                    }
                    numbers[count] = n;
                    count += 1;
                    digits = 0;
                }
                if count == 3 {
                    break;
                }
                if !matches!(c, '-' | '/' | '.' | '年' | '月' | '日' | ' ' | '－' | '／') {
                    return None;
                }
            }
        }
    }
    if let Some(n) = current
        && count < 3
    {
        if count == 0 && digits == 8 {
            numbers = [n / 10000, n / 100 % 100, n % 100];
            count = 3;
        } else {
            numbers[count] = n;
            count += 1;
        }
    }
    if count != 3 || !(1900..=2200).contains(&numbers[0]) {
        return None;
    }
    let month = Month::try_from(u8::try_from(numbers[1]).ok()?).ok()?;
    Date::from_calendar_date(numbers[0] as i32, month, u8::try_from(numbers[2]).ok()?).ok()
}

/// `YYYY-MM-DD`.
pub fn format_date(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_portal_formats_parse() {
        for text in [
            "2020-01-05",
            "2020/1/5",
            "2020.01.05",
            "2020年1月5日",
            "2020年01月05日",
            "2020-01-05 10:20",
            "2020-01-05T10:20:00+08:00",
            "20200105",
            "２０２０-０１-０５",
        ] {
            let date = parse_date(text).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(format_date(date), "2020-01-05", "{text}");
        }
    }

    #[test]
    fn bad_dates_are_rejected() {
        for text in [
            "",
            "2020",
            "2020-13-01",
            "2020-02-30",
            "昨天",
            "0020-01-01",
            "99999999999",
        ] {
            assert_eq!(parse_date(text), None, "{text}");
        }
    }

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
}
