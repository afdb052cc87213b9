//! The 20 disclosure categories (信息分类) of a county portal, and plain news.
//!
//! How a document is sorted into one of them (metadata, column, URL, text
//! classifier) is the business of `taxonomy` and `classifier`; this module
//! only names the categories.

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

/// Kind of a document inside one of the 20 categories.
pub const KIND_DISCLOSURE: &str = "信息公开";
/// Kind of plain news, outside the 20 categories.
pub const KIND_NEWS: &str = "新闻";

/// Whether `name` is one of the 20 categories (exact, 简体).
pub fn is_category(name: &str) -> bool {
    CATEGORIES.contains(&name)
}

/// Position of a category in [`CATEGORIES`].
pub fn category_index(name: &str) -> Option<usize> {
    CATEGORIES.iter().position(|c| *c == name)
}
