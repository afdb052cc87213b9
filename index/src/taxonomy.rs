//! The taxonomy: how a page's structure (信息分类 text, column, breadcrumb,
//! URL) names one of the 20 categories or plain news.
//!
//! A TOML file (the shipped default is `index/data/taxonomy.toml`, embedded;
//! `DATA/taxonomy.toml` replaces it for one portal) lists for each category
//! its aliases (简体 or 繁體, matched after [`normalize`]), URL path patterns
//! (regular expressions) and optional title keywords. It is validated when
//! loaded: unknown or missing categories, an alias claimed twice, an empty
//! alias or a bad pattern are errors that name the line.
//!
//! Assignment order ([`Taxonomy::assign`]): the category hint (信息分类 /
//! 组配分类, source `metadata`), then the column name and the breadcrumb
//! (source `column`), then the URL (source `url`), then title keywords
//! (source `keyword`). What none of them decides is left to the
//! [`crate::classifier`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use regex::Regex;
use serde::Deserialize;
use toml::Spanned;

use crate::analysis::normalize;
use crate::category::{CATEGORIES, KIND_NEWS};
use crate::{Document, Error, ValidDocument};
use gongkai_document::{CategorySource, Kind};

/// The shipped default taxonomy.
pub const DEFAULT_TAXONOMY: &str = include_str!("../data/taxonomy.toml");
/// File name of a portal's own taxonomy in the data directory.
pub const TAXONOMY_FILE: &str = "taxonomy.toml";

/// `category_source` of a category given by the document (信息分类, JSON `category`).
pub const SOURCE_METADATA: CategorySource = CategorySource::Metadata;
/// `category_source` of a category named by the column or breadcrumb.
pub const SOURCE_COLUMN: CategorySource = CategorySource::Column;
/// `category_source` of a category named by the URL path.
pub const SOURCE_URL: CategorySource = CategorySource::Url;
/// `category_source` of a category decided by a title keyword rule.
pub const SOURCE_KEYWORD: CategorySource = CategorySource::Keyword;
/// `category_source` of a category decided by the text classifier.
pub const SOURCE_CLASSIFIER: CategorySource = CategorySource::Classifier;
/// Source of a category the shipped default model decided alone.
pub const SOURCE_DEFAULT_MODEL: CategorySource = CategorySource::DefaultModel;

/// Sources decided by the structure of the portal (what the classifier learns from).
pub const STRUCTURAL_SOURCES: [CategorySource; 4] =
    [SOURCE_METADATA, SOURCE_COLUMN, SOURCE_URL, SOURCE_KEYWORD];

/// What a page says of its place in the portal; every field may be empty.
#[derive(Debug, Clone, Default)]
pub struct CategoryHints<'a> {
    /// 信息分类 / 组配分类 / 主题分类 text, or a JSON `category` that is not
    /// one of the 20 verbatim (an alias).
    pub category_hint: &'a str,
    /// 栏目 name (e.g. the `ColumnName` meta tag).
    pub column: &'a str,
    /// Breadcrumb text (`首页 > 信息公开 > 统计信息 > 正文`) or its parts
    /// joined by `>`.
    pub breadcrumb: &'a str,
    /// The page URL (absolute or a path).
    pub url: &'a str,
    /// Title, for keyword rules.
    pub title: &'a str,
}

/// A decision of the taxonomy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// One of the 20 categories, or `None` for plain news.
    pub category: Option<String>,
    /// What decided: [`SOURCE_METADATA`], [`SOURCE_COLUMN`], [`SOURCE_URL`] or [`SOURCE_KEYWORD`].
    pub source: CategorySource,
}

impl Assignment {
    /// The document kind this assignment implies.
    pub fn kind(&self) -> Kind {
        if self.category.is_some() {
            Kind::Disclosure
        } else {
            Kind::News
        }
    }

    /// Writes category, kind and source into a document.
    pub fn apply_to(&self, doc: &mut Document) {
        doc.category = self.category.clone();
        doc.kind = Some(self.kind());
        doc.category_source = Some(self.source.clone());
        doc.category_confidence = None;
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TaxonomyFile {
    #[serde(default)]
    news: Option<EntryFile>,
    #[serde(default)]
    category: Vec<EntryFile>,
}

/// One `[[category]]` (or `[news]`) table; every value keeps its place in
/// the file (`toml::Spanned`) so that an error can name its line.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryFile {
    #[serde(default)]
    name: Option<Spanned<String>>,
    #[serde(default)]
    aliases: Vec<Spanned<String>>,
    #[serde(default)]
    url_patterns: Vec<Spanned<String>>,
    #[serde(default)]
    keywords: Vec<Spanned<String>>,
}

/// Target of an alias or pattern: a category index, or news.
type Target = Option<usize>;

/// The loaded, validated taxonomy.
#[derive(Debug, Clone)]
pub struct Taxonomy {
    /// Normalised alias → target.
    aliases: HashMap<String, Target>,
    /// Aliases sorted longest first (for matching inside longer column names).
    by_length: Vec<(String, Target)>,
    url_patterns: Vec<(Regex, Target)>,
    keywords: Vec<(String, Target)>,
    path: PathBuf,
}

impl Taxonomy {
    /// The shipped default.
    pub fn default_taxonomy() -> Result<Self, Error> {
        Self::parse(DEFAULT_TAXONOMY, Path::new("<default taxonomy.toml>"))
    }

    /// `DATA/taxonomy.toml` when present, else the default.
    pub fn for_data_dir(root: &Path) -> Result<Self, Error> {
        let path = root.join(TAXONOMY_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => Self::parse(&text, &path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Self::default_taxonomy(),
            Err(e) => Err(Error::io(&path, e)),
        }
    }

    /// Parses and validates taxonomy text; `path` names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Self, Error> {
        let config = |message: String| Error::Config {
            path: path.to_path_buf(),
            message,
        };
        let file: TaxonomyFile =
            toml::from_str(text).map_err(|e| config(e.to_string().trim().to_string()))?;
        let mut taxonomy = Taxonomy {
            aliases: HashMap::new(),
            by_length: Vec::new(),
            url_patterns: Vec::new(),
            keywords: Vec::new(),
            path: path.to_path_buf(),
        };
        let mut seen = [false; CATEGORIES.len()];
        let mut entries: Vec<(Target, &EntryFile)> = Vec::new();
        if let Some(news) = &file.news {
            entries.push((None, news));
        }
        for entry in &file.category {
            let (name, line) = match &entry.name {
                Some(n) => (normalize(n.get_ref().trim()), line_at(text, n)),
                None => (String::new(), 1),
            };
            if name.is_empty() {
                return Err(config("a [[category]] has no `name`".into()));
            }
            let index = crate::category::category_index(&name).ok_or_else(|| {
                config(format!(
                    "line {line}: unknown category {name:?} (expected one of the 20: {})",
                    CATEGORIES.join(", ")
                ))
            })?;
            if seen[index] {
                return Err(config(format!(
                    "line {line}: category {name:?} listed twice"
                )));
            }
            seen[index] = true;
            entries.push((Some(index), entry));
        }
        let missing: Vec<&str> = CATEGORIES
            .iter()
            .zip(seen)
            .filter(|(_, s)| !s)
            .map(|(c, _)| *c)
            .collect();
        if !missing.is_empty() {
            return Err(config(format!(
                "categories missing: {}",
                missing.join(", ")
            )));
        }
        for (target, entry) in entries {
            // The aliases, then the category's own name (on its `name` line).
            let mut names: Vec<(&str, usize)> = entry
                .aliases
                .iter()
                .map(|a| (a.get_ref().as_str(), line_at(text, a)))
                .collect();
            if let Some(index) = target {
                let line = entry.name.as_ref().map_or(1, |n| line_at(text, n));
                names.push((CATEGORIES[index], line));
            }
            for (alias, line) in names {
                let key = alias_key(alias);
                if key.is_empty() {
                    return Err(config(format!("line {line}: empty alias")));
                }
                match taxonomy.aliases.get(&key) {
                    Some(existing) if *existing == target => {}
                    Some(existing) => {
                        return Err(config(format!(
                            "line {line}: alias {alias:?} belongs to both {} and {}",
                            target_name(*existing),
                            target_name(target)
                        )));
                    }
                    None => {
                        taxonomy.aliases.insert(key.clone(), target);
                        taxonomy.by_length.push((key, target));
                    }
                }
            }
            for pattern in &entry.url_patterns {
                let regex = Regex::new(&pattern.get_ref().to_lowercase()).map_err(|e| {
                    config(format!(
                        "line {}: bad URL pattern {:?}: {e}",
                        line_at(text, pattern),
                        pattern.get_ref()
                    ))
                })?;
                taxonomy.url_patterns.push((regex, target));
            }
            for keyword in &entry.keywords {
                let key = alias_key(keyword.get_ref());
                if key.is_empty() {
                    return Err(config(format!(
                        "line {}: empty keyword",
                        line_at(text, keyword)
                    )));
                }
                taxonomy.keywords.push((key, target));
            }
        }
        taxonomy.by_length.sort_by(|a, b| {
            b.0.chars()
                .count()
                .cmp(&a.0.chars().count())
                .then_with(|| a.0.cmp(&b.0))
        });
        Ok(taxonomy)
    }

    /// Where it was loaded from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What a name (信息分类 text, column, breadcrumb part) means: `Some(Some(i))`
    /// category `CATEGORIES[i]`, `Some(None)` news, `None` unknown. An exact
    /// alias wins; otherwise the longest alias contained in the name.
    pub fn lookup_name(&self, name: &str) -> Option<Target> {
        let key = alias_key(name);
        if key.is_empty() {
            return None;
        }
        if let Some(target) = self.aliases.get(&key) {
            return Some(*target);
        }
        self.by_length
            .iter()
            .find(|(alias, _)| key.contains(alias.as_str()))
            .map(|(_, t)| *t)
    }

    /// What a URL's path means, by the URL patterns.
    pub fn lookup_url(&self, url: &str) -> Option<Target> {
        let path = url_path(url).to_lowercase();
        if path.is_empty() {
            return None;
        }
        self.url_patterns
            .iter()
            .find(|(re, _)| re.is_match(&path))
            .map(|(_, t)| *t)
    }

    /// Decides by structure, in order: category hint, column, breadcrumb,
    /// URL, title keywords. `None` when nothing decides (classifier's turn).
    pub fn assign(&self, hints: &CategoryHints<'_>) -> Option<Assignment> {
        let make = |target: Target, source: CategorySource| Assignment {
            category: target.map(|i| CATEGORIES[i].to_string()),
            source,
        };
        if let Some(target) = self.lookup_name(hints.category_hint) {
            return Some(make(target, SOURCE_METADATA));
        }
        if let Some(target) = self.lookup_name(hints.column) {
            return Some(make(target, SOURCE_COLUMN));
        }
        if let Some(target) = self.lookup_breadcrumb(hints.breadcrumb) {
            return Some(make(target, SOURCE_COLUMN));
        }
        if let Some(target) = self.lookup_url(hints.url) {
            return Some(make(target, SOURCE_URL));
        }
        if !hints.title.is_empty() && !self.keywords.is_empty() {
            let title = alias_key(hints.title);
            if let Some((_, target)) = self
                .keywords
                .iter()
                .find(|(k, _)| title.contains(k.as_str()))
            {
                return Some(make(*target, SOURCE_KEYWORD));
            }
        }
        None
    }

    /// The innermost breadcrumb part that names a category or news.
    fn lookup_breadcrumb(&self, breadcrumb: &str) -> Option<Target> {
        let parts: Vec<&str> = breadcrumb
            .split(['>', '›', '»', '/', '|', '＞', '→', '\n'])
            .map(|p| {
                p.trim_matches(|c: char| c.is_whitespace() || c == '-' || c == '：' || c == ':')
            })
            .filter(|p| !p.is_empty())
            .collect();
        for part in parts.iter().rev() {
            let key = alias_key(part);
            if matches!(
                key.as_str(),
                "正文" | "首页" | "信息公开" | "政府信息公开" | "当前位置" | "详情"
            ) || key.ends_with("当前位置")
                || key.ends_with("的位置")
            {
                continue;
            }
            // Breadcrumb parts are names themselves: exact aliases only, so
            // a site name such as 某某县人民政府 decides nothing.
            if let Some(target) = self.aliases.get(&key) {
                return Some(*target);
            }
        }
        None
    }

    /// Settles a crawled document's category and kind from what the crawler
    /// saw: its 信息分类 text (`category_hint`), column, breadcrumb, URL and
    /// title. What the crawl path does before indexing (the JSON lines path
    /// uses [`crate::category::settle_given`] and [`Taxonomy::apply`]).
    pub fn settle_crawled(&self, doc: &mut Document) {
        let breadcrumb = doc.breadcrumb.join(" > ");
        let hints = CategoryHints {
            category_hint: &doc.category_hint,
            column: &doc.column,
            breadcrumb: &breadcrumb,
            url: &doc.url,
            title: &doc.title,
        };
        if let Some(assignment) = self.assign(&hints) {
            assignment.apply_to(doc);
        }
    }

    /// Settles every crawled document ([`Taxonomy::settle_crawled`]) and
    /// validates it, as the crawl path does before indexing; an invalid one
    /// is left out with a warning. Returns the valid documents and how many
    /// were left out.
    pub fn settle_all_crawled(&self, docs: Vec<Document>) -> (Vec<ValidDocument>, usize) {
        let mut valid = Vec::with_capacity(docs.len());
        let mut skipped = 0;
        for mut doc in docs {
            self.settle_crawled(&mut doc);
            let url = doc.url.clone();
            match doc.validate() {
                Ok(doc) => valid.push(doc),
                Err(e) => {
                    skipped += 1;
                    tracing::warn!(%url, error = %e, "crawled document skipped");
                }
            }
        }
        (valid, skipped)
    }

    /// Settles a document not settled by [`crate::category::settle_given`]:
    /// its `category` text (an alias), column and URL. Returns whether it is
    /// now settled.
    pub fn apply(&self, doc: &mut Document) -> bool {
        let hint = doc.category.clone().unwrap_or_default();
        let hints = CategoryHints {
            category_hint: &hint,
            column: &doc.column,
            breadcrumb: "",
            url: &doc.url,
            title: &doc.title,
        };
        match self.assign(&hints) {
            Some(assignment) => {
                assignment.apply_to(doc);
                true
            }
            None => {
                doc.category = None;
                false
            }
        }
    }
}

fn target_name(target: Target) -> &'static str {
    target.map_or(KIND_NEWS, |i| CATEGORIES[i])
}

/// Normalised form of an alias or name: NFKC, lower case, 简体, no spaces.
fn alias_key(text: &str) -> String {
    normalize(text)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// The path of a URL (or the text itself when it is a path), without query
/// or fragment.
fn url_path(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(parsed) if !parsed.cannot_be_a_base() => parsed.path().to_string(),
        _ => url.split(['?', '#']).next().unwrap_or("").to_string(),
    }
}

/// 1-based line of a value in the TOML text it was read from.
fn line_at<T>(text: &str, value: &Spanned<T>) -> usize {
    let start = value.span().start.min(text.len());
    text.as_bytes()[..start]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default() -> Taxonomy {
        Taxonomy::default_taxonomy().expect("default taxonomy is valid")
    }

    #[test]
    fn default_knows_every_category_by_its_name_and_code() {
        let t = default();
        let codes = [
            "tjxx", "rsxx", "czxx", "czyjs", "yjgl", "yjgz", "jdjc", "hjbh", "ggws", "cxjs",
            "zfld", "zfjg", "zfwj", "ghjh", "zfgzbg", "zfcg", "gczb", "zbgg", "sgjf", "zcjd",
        ];
        for (i, name) in CATEGORIES.iter().enumerate() {
            assert_eq!(t.lookup_name(name), Some(Some(i)), "{name}");
            let url = format!("http://x.gov.cn/xxgk/{}/202001/t20200101_1.html", codes[i]);
            assert_eq!(t.lookup_url(&url), Some(Some(i)), "{url}");
            let big5 = format!("/big5/xxgk/{}/202001/t1.html", codes[i]);
            assert_eq!(t.lookup_url(&big5), Some(Some(i)), "{big5}");
        }
        assert_eq!(t.lookup_url("/xwdt/1.htm"), Some(None));
        assert_eq!(t.lookup_url("/xwzx/bmdt/202001/t1.html"), Some(None));
        assert_eq!(t.lookup_url("/info/1003/2.htm"), None);
    }

    #[test]
    fn aliases_in_both_scripts_and_renamed_columns() {
        let t = default();
        let idx = |c: &str| crate::category::category_index(c);
        assert_eq!(t.lookup_name("採購公告"), Some(idx("政府采购")));
        assert_eq!(t.lookup_name("人事任免"), Some(idx("人事信息")));
        assert_eq!(t.lookup_name("应急预案与演练"), Some(idx("应急工作")));
        assert_eq!(t.lookup_name("預決算公開"), Some(idx("财政预决算")));
        assert_eq!(t.lookup_name("新聞動態"), Some(None));
        assert_eq!(t.lookup_name("部门动态"), Some(None));
        assert_eq!(t.lookup_name(" 双随机一公开 "), Some(idx("监督检查")));
        // longest contained alias wins
        assert_eq!(
            t.lookup_name("2020年财政预决算公开专栏"),
            Some(idx("财政预决算"))
        );
        assert_eq!(t.lookup_name("无关栏目"), None);
        assert_eq!(t.lookup_name(""), None);
    }

    #[test]
    fn assignment_order_and_breadcrumbs() {
        let t = default();
        // (hints, expected category, expected source): metadata beats the
        // column, the column beats the URL, a breadcrumb names the column.
        let cases = [
            (
                CategoryHints {
                    category_hint: "统计信息",
                    column: "政府文件",
                    url: "/xxgk/zfcg/1.html",
                    ..Default::default()
                },
                "统计信息",
                SOURCE_METADATA,
            ),
            (
                CategoryHints {
                    column: "政府文件",
                    url: "/xxgk/zfcg/1.html",
                    ..Default::default()
                },
                "政府文件",
                SOURCE_COLUMN,
            ),
            (
                CategoryHints {
                    breadcrumb: "当前位置：首页 >> 信息公开 >> 中标公告 >> 正文",
                    url: "/info/1017/1.htm",
                    ..Default::default()
                },
                "中标公告",
                SOURCE_COLUMN,
            ),
            (
                CategoryHints {
                    url: "https://x.gov.cn/xxgk/sgjf/a.html?x=1",
                    ..Default::default()
                },
                "三公经费",
                SOURCE_URL,
            ),
        ];
        for (hints, category, source) in cases {
            let a = t.assign(&hints).unwrap();
            assert_eq!((a.category.as_deref(), a.source), (Some(category), source));
        }
        let a = t
            .assign(&CategoryHints {
                breadcrumb: "首页 > 新闻动态 > 正文",
                ..Default::default()
            })
            .unwrap();
        assert_eq!((a.category.clone(), a.kind()), (None, Kind::News));
        assert_eq!(
            t.assign(&CategoryHints {
                breadcrumb: "首页 > 某某县人民政府 > 正文",
                ..Default::default()
            }),
            None
        );
        assert_eq!(t.assign(&CategoryHints::default()), None);
    }

    #[test]
    fn apply_settles_documents_by_alias_column_and_url() {
        let t = default();
        let mut doc = Document {
            category: Some("成交公告".into()),
            ..Default::default()
        };
        assert!(t.apply(&mut doc));
        assert_eq!(doc.category.as_deref(), Some("中标公告"));
        assert_eq!(doc.kind, Some(Kind::Disclosure));
        assert_eq!(doc.category_source, Some(SOURCE_METADATA));
        let mut doc = Document {
            url: "/xxgk/hjbh/1.html".into(),
            ..Default::default()
        };
        assert!(t.apply(&mut doc));
        assert_eq!(doc.category_source, Some(SOURCE_URL));
        let mut doc = Document {
            category: Some("不明".into()),
            title: "某某".into(),
            ..Default::default()
        };
        assert!(!t.apply(&mut doc));
        assert_eq!(doc.category, None);
    }

    #[test]
    fn keyword_rules_come_after_the_url() {
        let text = DEFAULT_TAXONOMY.replace(
            "name = \"三公经费\"",
            "name = \"三公经费\"\nkeywords = [\"公务接待费\"]",
        );
        let t = Taxonomy::parse(&text, Path::new("t.toml")).unwrap();
        let a = t
            .assign(&CategoryHints {
                title: "2020年公務接待費情况",
                ..Default::default()
            })
            .unwrap();
        assert_eq!(
            (a.category.as_deref(), a.source),
            (Some("三公经费"), SOURCE_KEYWORD)
        );
    }

    fn error_of(text: &str) -> String {
        match Taxonomy::parse(text, Path::new("portal/taxonomy.toml")) {
            Ok(_) => panic!("accepted: {text}"),
            Err(e) => e.to_string(),
        }
    }

    /// The line comes from where the parser read the value, so text that
    /// repeats it earlier (a comment, another table) does not mislead it.
    #[test]
    fn error_lines_are_where_the_value_was_read() {
        let line_of_error = |text: &str| -> usize {
            let message = error_of(text);
            message["portal/taxonomy.toml: line ".len()..]
                .split(':')
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("{message}"))
        };
        let mut text = String::from("# \"/tjxx/(\" was a typo once; \"\" too\n");
        text.push_str(DEFAULT_TAXONOMY);
        let lines = text.lines().count();
        let bad =
            format!("{text}\n[[category]]\nname = \"统计信息\"\nurl_patterns = [\"/tjxx/(\"]\n");
        // The category is listed twice: the error names the second `name`.
        assert_eq!(line_of_error(&bad), lines + 3);
        let bad = text.replacen("\"/sgjf/\"", "\"/tjxx/(\"", 1);
        let expected = bad
            .lines()
            .position(|l| l.contains("\"/tjxx/(\"]") || l.contains("\"/tjxx/(\","))
            .unwrap()
            + 1;
        assert!(expected > 1);
        assert_eq!(line_of_error(&bad), expected);
        let bad = text.replacen("\"解读\", ", "\"解读\", \"\", ", 1);
        let expected = bad
            .lines()
            .position(|l| l.contains("\"解读\", \"\""))
            .unwrap()
            + 1;
        assert_eq!(line_of_error(&bad), expected);
    }

    #[test]
    fn validation_names_the_problem_and_the_line() {
        let dup = DEFAULT_TAXONOMY.replace("\"解读\", ", "\"解读\", \"采购公告\", ");
        let message = error_of(&dup);
        assert!(
            message.contains("采购公告")
                && message.contains("政府采购")
                && message.contains("政策解读"),
            "{message}"
        );
        assert!(
            message.starts_with("portal/taxonomy.toml: line "),
            "{message}"
        );
        let line: usize = message["portal/taxonomy.toml: line ".len()..]
            .split(':')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap();
        assert!(
            dup.lines()
                .nth(line - 1)
                .unwrap()
                .contains("\"解读\", \"采购公告\""),
            "{message}"
        );

        let bad = DEFAULT_TAXONOMY.replace("\"/sgjf/\"", "\"/sgjf/(\"");
        let message = error_of(&bad);
        assert!(
            message.contains("bad URL pattern") && message.contains("/sgjf/("),
            "{message}"
        );

        let message =
            error_of(&DEFAULT_TAXONOMY.replace("name = \"三公经费\"", "name = \"四公经费\""));
        assert!(
            message.contains("unknown category") && message.contains("四公经费"),
            "{message}"
        );
        let message =
            error_of(&DEFAULT_TAXONOMY.replace("name = \"三公经费\"", "name = \"政策解读\""));
        assert!(
            message.contains("listed twice") || message.contains("missing"),
            "{message}"
        );
        let message = error_of("[[category]]\nname = \"统计信息\"\nalias = []\n");
        assert!(
            message.contains("line 3") || message.contains("alias"),
            "{message}"
        );
        let message = error_of("[news\n");
        assert!(
            message.contains("line 1") || message.contains('1'),
            "{message}"
        );
    }
}
