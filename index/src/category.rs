//! The 20 disclosure categories (信息分类) of a county portal, and plain news.
//!
//! How a document is sorted into one of them (metadata, column, URL, text
//! classifier) is the business of `taxonomy` and `classifier`; this module
//! only names the categories, settles what a document says of itself, and
//! labels documents for counting.

/// The 20 信息公开 categories, in the portal's order.
pub const CATEGORIES: [&str; 20] = [
    "统计信息",
    "人事信息",
    "财政信息",
    "财政预决算",
    "应急管理",
    "应急工作",
    "监督检查",
    "环境保护",
    "公共卫生",
    "城乡建设",
    "政府领导",
    "政府机构",
    "政府文件",
    "规划计划",
    "政府工作报告",
    "政府采购",
    "工程招标",
    "中标公告",
    "三公经费",
    "政策解读",
];

use gongkai_document::{CategorySource, Kind};
/// Kind of a document inside one of the 20 categories, and of plain news
/// (the strings of [`gongkai_document::Kind`]).
pub use gongkai_document::{KIND_DISCLOSURE, KIND_NEWS};

/// What documents nobody could place are counted as (`gongkai categories`,
/// `gongkai stats`).
pub const UNCLASSIFIED: &str = "未分类";

/// A document's category for counting: one of the 20, 新闻 or 未分类.
pub fn category_label(doc: &crate::Document) -> &str {
    match doc.category.as_deref() {
        Some(c) => c,
        None if doc.kind.as_deref() == Some(KIND_NEWS) => KIND_NEWS,
        None => UNCLASSIFIED,
    }
}

/// Whether `name` is one of the 20 categories (exact, 简体).
pub fn is_category(name: &str) -> bool {
    CATEGORIES.contains(&name)
}

/// Position of a category in [`CATEGORIES`].
pub fn category_index(name: &str) -> Option<usize> {
    CATEGORIES.iter().position(|c| *c == name)
}

/// Settles `category` and `kind` from what a document says of itself: a
/// category among the 20 (in either script) is taken as given (source
/// `metadata`) and makes the kind 信息公开; a kind of 新闻 (or `news`) makes
/// it news without a category. Returns whether the document is settled;
/// an unsettled one is left for the taxonomy and the classifier.
pub fn settle_given(doc: &mut crate::Document) -> bool {
    if let Some(given) = doc.category.as_deref() {
        let name = crate::analysis::normalize(given.trim());
        if is_category(&name) {
            doc.category = Some(name);
            doc.kind = Some(Kind::Disclosure);
            if doc.category_source.is_none() {
                doc.category_source = Some(CategorySource::Metadata);
            }
            return true;
        }
        doc.category = None;
    }
    let is_news = doc.kind.as_ref().is_some_and(|k| {
        matches!(
            crate::analysis::normalize(k.as_str().trim()).as_str(),
            "新闻" | "news"
        )
    });
    if is_news {
        doc.kind = Some(Kind::News);
        doc.category = None;
        if doc.category_source.is_none() {
            doc.category_source = Some(CategorySource::Metadata);
        }
        return true;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Document;

    #[test]
    fn given_categories_and_news_are_settled() {
        let mut doc = Document {
            category: Some("財政預決算".into()),
            ..Default::default()
        };
        assert!(settle_given(&mut doc));
        assert_eq!(doc.category.as_deref(), Some("财政预决算"));
        assert_eq!(doc.kind, Some(Kind::Disclosure));
        let mut news = Document {
            kind: Some(Kind::from("新聞")),
            ..Default::default()
        };
        assert!(settle_given(&mut news));
        assert_eq!(news.kind, Some(Kind::News));
        let mut unknown = Document {
            category: Some("不存在".into()),
            ..Default::default()
        };
        assert!(!settle_given(&mut unknown));
        assert_eq!(unknown.category, None);
    }
}
