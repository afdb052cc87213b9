//! The closed vocabularies of a document: its kind, what decided its
//! category, and what kind of page it was found on. Their JSON and index
//! spellings are the strings gongkai has always written.

use serde::{Deserialize, Serialize};

/// A vocabulary value reads as its text (`Deref<Target = str>`, `Display`),
/// so `Option<_>::as_deref()` compares with the strings callers and old
/// inputs use.
macro_rules! reads_as_text {
    ($name:ident) => {
        impl std::ops::Deref for $name {
            type Target = str;

            fn deref(&self) -> &str {
                self.as_str()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

/// What a document is: inside one of the 20 categories, or plain news.
///
/// Input may spell a kind any way; what is not one of the two is kept as
/// given in [`Kind::Other`] (and settled by the index's taxonomy).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Kind {
    /// `信息公开`: filed in one of the 20 disclosure categories.
    #[serde(rename = "信息公开")]
    Disclosure,
    /// `新闻`: news, outside the categories.
    #[serde(rename = "新闻")]
    News,
    /// Any other text, as given.
    #[serde(untagged)]
    Other(String),
}

impl Kind {
    /// The text written to JSON and the index.
    pub fn as_str(&self) -> &str {
        match self {
            Kind::Disclosure => KIND_DISCLOSURE,
            Kind::News => KIND_NEWS,
            Kind::Other(text) => text,
        }
    }
}

/// `信息公开`, as [`Kind::Disclosure`] is written.
pub const KIND_DISCLOSURE: &str = "信息公开";
/// `新闻`, as [`Kind::News`] is written.
pub const KIND_NEWS: &str = "新闻";

impl From<&str> for Kind {
    fn from(text: &str) -> Self {
        match text {
            KIND_DISCLOSURE => Kind::Disclosure,
            KIND_NEWS => Kind::News,
            other => Kind::Other(other.to_string()),
        }
    }
}

reads_as_text!(Kind);

/// What decided a document's category.
///
/// A source given in input that is none of these is kept as given in
/// [`CategorySource::Other`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CategorySource {
    /// `metadata`: the page (or input) named it (信息分类, a `category` field).
    #[serde(rename = "metadata")]
    Metadata,
    /// `column`: the 栏目 or the breadcrumb.
    #[serde(rename = "column")]
    Column,
    /// `url`: a URL pattern of the taxonomy.
    #[serde(rename = "url")]
    Url,
    /// `keyword`: a title keyword of the taxonomy.
    #[serde(rename = "keyword")]
    Keyword,
    /// `classifier`: the text classifier trained on this index's own
    /// placed documents (blended with the shipped default model).
    #[serde(rename = "classifier")]
    Classifier,
    /// `default-model`: the default model shipped with gongkai, alone (the
    /// index held too few placed documents to train its own).
    #[serde(rename = "default-model")]
    DefaultModel,
    /// Any other text, as given.
    #[serde(untagged)]
    Other(String),
}

impl CategorySource {
    /// Every named source, in the order the taxonomy tries them, then the
    /// classifier and the shipped default model.
    pub const NAMED: [CategorySource; 6] = [
        CategorySource::Metadata,
        CategorySource::Column,
        CategorySource::Url,
        CategorySource::Keyword,
        CategorySource::Classifier,
        CategorySource::DefaultModel,
    ];

    /// Whether a text model decided (the index's own or the shipped default).
    pub fn is_model(&self) -> bool {
        matches!(
            self,
            CategorySource::Classifier | CategorySource::DefaultModel
        )
    }

    /// The text written to JSON and the index.
    pub fn as_str(&self) -> &str {
        match self {
            CategorySource::Metadata => "metadata",
            CategorySource::Column => "column",
            CategorySource::Url => "url",
            CategorySource::Keyword => "keyword",
            CategorySource::Classifier => "classifier",
            CategorySource::DefaultModel => "default-model",
            CategorySource::Other(text) => text,
        }
    }
}

impl From<&str> for CategorySource {
    fn from(text: &str) -> Self {
        CategorySource::NAMED
            .into_iter()
            .find(|s| s.as_str() == text)
            .unwrap_or_else(|| CategorySource::Other(text.to_string()))
    }
}

reads_as_text!(CategorySource);

/// What a fetched page is, which decides whether it becomes a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PageKind {
    /// A published document: indexed.
    Article,
    /// A list or directory page: links followed, not indexed.
    List,
    /// "页面不存在" served with status 200: not indexed.
    SoftNotFound,
    /// Anything else (home page, calendar, search form): not indexed.
    Other,
}

impl PageKind {
    /// The name used in summaries, logs and `gongkai extract`.
    pub fn name(self) -> &'static str {
        match self {
            PageKind::Article => "article",
            PageKind::List => "list",
            PageKind::SoftNotFound => "soft-404",
            PageKind::Other => "other",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_strings_written_before() {
        let json = |v: &dyn erased::Ser| v.json();
        assert_eq!(json(&Kind::Disclosure), r#""信息公开""#);
        assert_eq!(json(&Kind::News), r#""新闻""#);
        assert_eq!(json(&Kind::Other("新聞".into())), r#""新聞""#);
        for source in CategorySource::NAMED {
            assert_eq!(json(&source), format!("\"{}\"", source.as_str()));
            let back: CategorySource = serde_json::from_str(&json(&source)).unwrap();
            assert_eq!(back, source);
        }
        assert_eq!(json(&CategorySource::Other("manual".into())), r#""manual""#);
        let other: CategorySource = serde_json::from_str(r#""manual""#).unwrap();
        assert_eq!(other, CategorySource::Other("manual".into()));
        let news: Kind = serde_json::from_str(r#""新闻""#).unwrap();
        assert_eq!(news, Kind::News);
        let given: Kind = serde_json::from_str(r#""news""#).unwrap();
        assert_eq!(given, Kind::Other("news".into()));
        assert_eq!(Kind::from("信息公开"), Kind::Disclosure);
        assert_eq!(CategorySource::from("url"), CategorySource::Url);
        assert_eq!(json(&PageKind::SoftNotFound), r#""soft-not-found""#);
        assert_eq!(PageKind::SoftNotFound.name(), "soft-404");
    }

    mod erased {
        pub trait Ser {
            fn json(&self) -> String;
        }
        impl<T: serde::Serialize> Ser for T {
            fn json(&self) -> String {
                serde_json::to_string(self).unwrap()
            }
        }
    }
}
