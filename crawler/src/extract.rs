//! Turning one HTML page into a document: metadata, body text, links, and
//! what kind of page it is (article, list, soft 404, other).
//!
//! Government portals carry metadata in three layers, read in this order:
//! 1. the 《政府网站发展指引》 `<meta>` tags (`ArticleTitle`, `PubDate`,
//!    `ContentSource`, `ColumnName`, `SiteName`), which CMS templates fill
//!    from the database and are the most reliable when present;
//! 2. the 信息公开 metadata table (索引号, 信息分类, 发布机构, 生成日期, 文号,
//!    and variants such as 发文机关, 组配分类, 成文日期, `索 引 号`);
//! 3. plain page structure: `<h1>`, the "发布时间：… 来源：…" line, the
//!    breadcrumb ("当前位置：首页 > … > 栏目"), a 文号 line at the top of the body.
//!
//! Everything here is untrusted input: no panics, bounded loops, and text
//! is only read, never re-emitted as HTML.

use std::collections::HashMap;
use std::sync::LazyLock;

use ego_tree::iter::Edge;
use regex::Regex;
use scraper::{ElementRef, Html, Node, Selector};
use url::Url;

use crate::url_norm::resolve;

/// What a page is, which decides whether it is indexed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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

/// A link found on a page.
#[derive(Debug, Clone)]
pub struct Link {
    pub url: Url,
    pub text: String,
    /// "下一页", "尾页", page numbers, or a generated JS-pagination URL:
    /// followed without adding depth.
    pub pagination: bool,
}

/// Everything extracted from one page.
#[derive(Debug, Clone, Default)]
pub struct Extracted {
    pub kind: Option<PageKind>,
    pub title: String,
    pub body: String,
    pub published: Option<String>,
    pub publisher: Option<String>,
    pub column: Option<String>,
    pub breadcrumb: Vec<String>,
    pub category_hint: Option<String>,
    pub doc_number: Option<String>,
    pub index_number: Option<String>,
    pub site_name: Option<String>,
    pub links: Vec<Link>,
    /// Links to attachment files (PDF, Office documents): url and link text.
    pub attachments: Vec<(Url, String)>,
}

impl Extracted {
    pub fn kind(&self) -> PageKind {
        self.kind.unwrap_or(PageKind::Other)
    }
}

fn sel(s: &str) -> Selector {
    // The selectors below are constants; a typo would show in every test.
    Selector::parse(s).unwrap_or_else(|_| Selector::parse("never-matches-anything").expect("valid"))
}

static S_META: LazyLock<Selector> = LazyLock::new(|| sel("meta[name][content]"));
static S_TITLE: LazyLock<Selector> = LazyLock::new(|| sel("title"));
static S_CELLS: LazyLock<Selector> = LazyLock::new(|| sel("td, th"));
static S_LINKS: LazyLock<Selector> = LazyLock::new(|| sel("a[href], area[href]"));
static S_BASE: LazyLock<Selector> = LazyLock::new(|| sel("base[href]"));
static S_BODY: LazyLock<Selector> = LazyLock::new(|| sel("body"));
static S_SCRIPT: LazyLock<Selector> = LazyLock::new(|| sel("script"));
static S_H1: LazyLock<Selector> = LazyLock::new(|| {
    sel("h1, .article-title, .title, .con-title, .sp_title, .artTitle, .art_title, #title, h2")
});
static S_CRUMB: LazyLock<Selector> = LazyLock::new(|| {
    sel(
        "[class*=position], [class*=crumb], [class*=location], [class*=dqwz], [class*=weizhi], [id*=position], [id*=crumb], [id*=location], [class*=bread]",
    )
});
/// Article body containers of common Chinese government CMSs (TRS, VSB,
/// Hanweb, 大汉, 拓尔思, 集约化 platforms), most specific first.
static BODY_SELECTORS: LazyLock<Vec<Selector>> = LazyLock::new(|| {
    [
        "#zoom",
        ".TRS_Editor",
        ".v_news_content",
        "#vsb_content",
        "#UCAP-CONTENT",
        ".pages_content",
        ".article-content",
        ".art_con",
        ".article_con",
        ".content-text",
        "#Zoom",
        ".zoom",
        "#content",
        ".con_text",
        "article",
    ]
    .iter()
    .map(|s| sel(s))
    .collect()
});
static S_DENSITY: LazyLock<Selector> = LazyLock::new(|| sel("div, td, article, section"));

const SKIP: &[&str] = &[
    "script", "style", "noscript", "template", "select", "option", "button", "iframe", "head",
    "object", "svg", "form", "input", "textarea",
];
const BLOCK: &[&str] = &[
    "p",
    "div",
    "br",
    "li",
    "tr",
    "td",
    "th",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "ul",
    "ol",
    "section",
    "article",
    "header",
    "footer",
    "nav",
    "dl",
    "dt",
    "dd",
    "blockquote",
    "pre",
    "hr",
    "center",
    "title",
    "aside",
    "main",
];

/// Text of an element with a newline at block boundaries, scripts and
/// styles skipped, and whitespace (including U+00A0 and U+3000) normalised.
pub fn element_text(el: ElementRef<'_>) -> String {
    let mut raw = String::new();
    let mut skip = 0usize;
    for edge in el.traverse() {
        match edge {
            Edge::Open(node) => match node.value() {
                Node::Element(e) => {
                    if SKIP.contains(&e.name()) {
                        skip += 1;
                    } else if skip == 0 && BLOCK.contains(&e.name()) {
                        raw.push('\n');
                    }
                }
                Node::Text(t) if skip == 0 => raw.push_str(t),
                _ => {}
            },
            Edge::Close(node) => {
                if let Node::Element(e) = node.value() {
                    if SKIP.contains(&e.name()) {
                        skip = skip.saturating_sub(1);
                    } else if skip == 0 && BLOCK.contains(&e.name()) {
                        raw.push('\n');
                    }
                }
            }
        }
    }
    tidy(&raw)
}

/// Collapses runs of spaces within lines, trims lines, drops empty lines.
pub fn tidy(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for line in raw.lines() {
        let mut prev_space = true;
        let start = out.len();
        for c in line.chars() {
            let space = c.is_whitespace() || c == '\u{00A0}' || c == '\u{3000}' || c == '\u{FEFF}';
            if space {
                if !prev_space {
                    out.push(' ');
                }
            } else {
                out.push(c);
            }
            prev_space = space;
        }
        while out.ends_with(' ') {
            out.pop();
        }
        if out.len() > start {
            out.push('\n');
        }
    }
    while out.ends_with('\n') {
        out.pop();
    }
    out
}

fn one_line(s: &str) -> String {
    tidy(s).replace('\n', " ")
}

static RE_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"((?:19|20)\d{2})\s*[-/年.]\s*(\d{1,2})\s*[-/月.]\s*(\d{1,2})").expect("date regex")
});

/// Parses `2020-01-05`, `2020年01月05日`, `2020/1/5`, `2020-01-05 10:20`
/// into `YYYY-MM-DD`; `None` for anything else or an impossible date.
pub fn parse_date(s: &str) -> Option<String> {
    let c = RE_DATE.captures(s)?;
    let y: u32 = c.get(1)?.as_str().parse().ok()?;
    let m: u32 = c.get(2)?.as_str().parse().ok()?;
    let d: u32 = c.get(3)?.as_str().parse().ok()?;
    ((1..=12).contains(&m) && (1..=31).contains(&d)).then(|| format!("{y:04}-{m:02}-{d:02}"))
}

/// Metadata table labels (whitespace removed) and the field they fill.
const LABELS: &[(&str, &str)] = &[
    ("索引号", "index_number"),
    ("信息索引号", "index_number"),
    ("信息分类", "info_class"),
    ("组配分类", "combo_class"),
    ("主题分类", "topic_class"),
    ("体裁分类", "genre_class"),
    ("发布机构", "publisher"),
    ("发文机关", "publisher"),
    ("发文单位", "publisher"),
    ("发布单位", "publisher"),
    ("公开主体", "publisher"),
    ("信息来源", "source"),
    ("来源", "source"),
    ("生成日期", "date_made"),
    ("发布日期", "date_pub"),
    ("公开日期", "date_pub"),
    ("发布时间", "date_pub"),
    ("成文日期", "date_written"),
    ("发文日期", "date_written"),
    ("文号", "doc_number"),
    ("发文字号", "doc_number"),
    ("文件编号", "doc_number"),
    ("名称", "title"),
    ("标题", "title"),
    ("主题词", "keywords"),
    ("关键词", "keywords"),
    ("有效性", "validity"),
];

/// If `text` starts with a metadata label, the field and the value after
/// the colon (empty if the value sits in the next cell).
fn label_of(text: &str) -> Option<(&'static str, String)> {
    let mut compact = String::new();
    let mut consumed = 0usize;
    for (i, c) in text.char_indices() {
        if c.is_whitespace() || c == '\u{3000}' || c == '\u{00A0}' {
            continue;
        }
        if c == ':' || c == '：' {
            let field = LABELS
                .iter()
                .find(|(l, _)| *l == compact)
                .map(|(_, f)| *f)?;
            return Some((field, one_line(&text[i + c.len_utf8()..])));
        }
        compact.push(c);
        consumed = i + c.len_utf8();
        if compact.chars().count() > 6 {
            return None;
        }
    }
    let _ = consumed;
    // A bare label cell without a colon ("<th>索引号</th>").
    LABELS
        .iter()
        .find(|(l, _)| *l == compact)
        .map(|(_, f)| (*f, String::new()))
}

/// Reads label/value pairs from table cells, whether the value shares the
/// label's cell (`<td><b>发文机关:</b> 江西省…</td>`) or sits in the next one.
fn metadata_table(doc: &Html) -> HashMap<&'static str, String> {
    let cells: Vec<String> = doc
        .select(&S_CELLS)
        .take(2000)
        .map(|c| one_line(&element_text(c)))
        .collect();
    let mut out = HashMap::new();
    let mut i = 0;
    while i < cells.len() {
        if let Some((field, value)) = label_of(&cells[i]) {
            let value = if value.is_empty() {
                match cells.get(i + 1) {
                    Some(next) if label_of(next).is_none() => {
                        i += 1;
                        next.clone()
                    }
                    _ => String::new(),
                }
            } else {
                value
            };
            if !value.is_empty() {
                out.entry(field).or_insert(value);
            }
        }
        i += 1;
    }
    out
}

/// Values that mean "none" in a metadata field.
fn meaningful(v: &str) -> Option<String> {
    let v = v.trim();
    let empty = v.is_empty()
        || matches!(
            v,
            "无" | "暂无" | "-" | "—" | "／" | "/" | "空" | "null" | "无文号"
        )
        || v.chars().all(|c| c == '-' || c == '—' || c == ' ');
    (!empty).then(|| v.to_string())
}

static RE_DOCNUM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[\p{Han}A-Za-z]{1,16}\s*[〔\[【（(［]\s*(?:19|20)\d{2}\s*[〕\]】）)］]\s*第?\s*\d{1,5}\s*号$")
        .expect("docnum regex")
});
static RE_TEXT_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:发布时间|发布日期|发表时间|更新时间|时间|日期)\s*[:：]\s*((?:19|20)\d{2}\s*[-/年.]\s*\d{1,2}\s*[-/月.]\s*\d{1,2})")
        .expect("text date regex")
});
static RE_TEXT_SOURCE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:信息来源|来源|发布机构|发布单位|发文机关)\s*[:：]\s*([^\s|｜:：]{2,40})")
        .expect("source regex")
});
static RE_TEXT_INDEX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"索\s*引\s*号\s*[:：]\s*([A-Za-z0-9][A-Za-z0-9\-/_.]{3,60})").expect("index regex")
});
static RE_JS_PAGES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"createPageHTML\(\s*(\d{1,5})\s*,\s*\d{1,5}\s*,\s*["']([\w\-]{1,40})["']\s*,\s*["'](\w{1,8})["']"#)
        .expect("js pages regex")
});
static RE_COUNT_PAGE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"countPage\s*=\s*(\d{1,5})").expect("countPage regex"));

const NOT_FOUND: &[&str] = &[
    "页面不存在",
    "已被删除",
    "页面未找到",
    "找不到页面",
    "找不到您要访问的页面",
    "页面已删除",
    "信息不存在",
    "文章不存在",
    "该信息已撤销",
    "404 Not Found",
    "页面没有找到",
];

const PAGINATION_TEXT: &[&str] = &[
    "下一页",
    "上一页",
    "尾页",
    "末页",
    "首页",
    "下页",
    "上页",
    ">",
    ">>",
    "»",
];

const ATTACHMENT_EXT: &[&str] = &[
    "pdf", "doc", "docx", "xls", "xlsx", "wps", "et", "ofd", "ppt", "pptx", "zip", "rar", "txt",
];

/// The attachment extension of a URL path, if it is one.
pub fn attachment_ext(url: &Url) -> Option<String> {
    let last = url.path().rsplit('/').next()?;
    let (_, ext) = last.rsplit_once('.')?;
    let ext = ext.to_ascii_lowercase();
    ATTACHMENT_EXT.contains(&ext.as_str()).then_some(ext)
}

/// Extracts a page fetched from `url`.
pub fn extract(html: &str, url: &Url) -> Extracted {
    let doc = Html::parse_document(html);
    let mut ex = Extracted::default();

    let mut meta: HashMap<String, String> = HashMap::new();
    for m in doc.select(&S_META).take(200) {
        if let (Some(n), Some(c)) = (m.value().attr("name"), m.value().attr("content")) {
            let c = one_line(c);
            if !c.is_empty() {
                meta.entry(n.to_ascii_lowercase()).or_insert(c);
            }
        }
    }
    let table = metadata_table(&doc);
    let page_title = doc
        .select(&S_TITLE)
        .next()
        .map(|t| one_line(&t.text().collect::<String>()))
        .unwrap_or_default();
    let body_el = doc.select(&S_BODY).next();
    let page_text = body_el.map(element_text).unwrap_or_default();

    // Base URL for links.
    let base = doc
        .select(&S_BASE)
        .next()
        .and_then(|b| b.value().attr("href"))
        .and_then(|h| resolve(url, h))
        .unwrap_or_else(|| url.clone());
    links(&doc, &base, html, &mut ex);

    ex.site_name = meta.get("sitename").cloned();
    // Title.
    ex.title = meta
        .get("articletitle")
        .cloned()
        .or_else(|| table.get("title").cloned())
        .or_else(|| {
            doc.select(&S_H1)
                .take(20)
                .map(|h| one_line(&element_text(h)))
                .find(|t| t.chars().count() >= 2 && t.chars().count() <= 200)
        })
        .unwrap_or_else(|| strip_site_suffix(&page_title, ex.site_name.as_deref()));

    // Body: the first known container with real text, else the densest block.
    // A short text ("请见附件") in a known container still counts when no
    // container has a paragraph's worth.
    let find_container = |min: usize| {
        BODY_SELECTORS.iter().find_map(|s| {
            doc.select(s)
                .take(5)
                .map(|e| (e, element_text(e)))
                .find(|(_, t)| t.chars().count() >= min)
        })
    };
    let container = find_container(20).or_else(|| find_container(1));
    let known_container = container.is_some();
    let (body_el_found, body) = match container {
        Some((e, t)) => (Some(e), t),
        None => match densest(&doc) {
            Some((e, t)) => (Some(e), t),
            None => (None, String::new()),
        },
    };
    ex.body = body;

    // Dates.
    ex.published = meta
        .get("pubdate")
        .and_then(|d| parse_date(d))
        .or_else(|| table.get("date_made").and_then(|d| parse_date(d)))
        .or_else(|| table.get("date_pub").and_then(|d| parse_date(d)))
        .or_else(|| {
            RE_TEXT_DATE
                .captures(&page_text)
                .and_then(|c| parse_date(c.get(1)?.as_str()))
        })
        .or_else(|| table.get("date_written").and_then(|d| parse_date(d)))
        .or_else(|| meta.get("maketime").and_then(|d| parse_date(d)));

    // Publisher.
    ex.publisher = meta
        .get("contentsource")
        .and_then(|s| meaningful(s))
        .or_else(|| table.get("publisher").and_then(|s| meaningful(s)))
        .or_else(|| table.get("source").and_then(|s| meaningful(s)))
        .or_else(|| {
            RE_TEXT_SOURCE
                .captures(&page_text)
                .and_then(|c| meaningful(c.get(1)?.as_str()))
        });

    // Numbers.
    ex.index_number = table
        .get("index_number")
        .and_then(|s| meaningful(s))
        .or_else(|| RE_TEXT_INDEX.captures(&page_text).map(|c| c[1].to_string()));
    ex.doc_number = table
        .get("doc_number")
        .and_then(|s| meaningful(s))
        .or_else(|| {
            ex.body
                .lines()
                .take(6)
                .map(str::trim)
                .find(|l| RE_DOCNUM.is_match(l))
                .map(|l| l.to_string())
        });
    ex.category_hint = ["info_class", "combo_class", "topic_class"]
        .iter()
        .find_map(|k| table.get(k).and_then(|s| meaningful(s)));

    // Breadcrumb and column.
    ex.breadcrumb = breadcrumb(&doc, &page_text);
    ex.column = meta.get("columnname").cloned().or_else(|| {
        ex.breadcrumb
            .iter()
            .rev()
            .find(|c| {
                !matches!(
                    c.as_str(),
                    "正文" | "详情" | "内容" | "阅读" | "文章" | "浏览"
                )
            })
            .cloned()
    });

    // Attachments: the links inside the article, or anywhere for articles
    // whose attachment block sits outside the text container.
    let _ = body_el_found;
    ex.kind = Some(classify(
        &ex,
        &meta,
        &table,
        &page_title,
        &page_text,
        known_container,
    ));
    if ex.kind != Some(PageKind::Article) {
        ex.attachments.clear();
    }
    ex
}

fn links(doc: &Html, base: &Url, html: &str, ex: &mut Extracted) {
    let mut seen = std::collections::HashSet::new();
    for a in doc.select(&S_LINKS).take(5000) {
        let Some(href) = a.value().attr("href") else {
            continue;
        };
        let Some(u) = resolve(base, href) else {
            continue;
        };
        let text = one_line(&a.text().collect::<String>());
        if let Some(_ext) = attachment_ext(&u) {
            let title = if text.is_empty() {
                a.value().attr("title").unwrap_or("").to_string()
            } else {
                text.clone()
            };
            if seen.insert(u.to_string()) {
                ex.attachments.push((u, title));
            }
            continue;
        }
        let pagination = PAGINATION_TEXT.contains(&text.as_str())
            || (!text.is_empty() && text.len() <= 4 && text.chars().all(|c| c.is_ascii_digit()));
        ex.links.push(Link {
            url: u,
            text,
            pagination,
        });
    }
    // JavaScript-only pagination (TRS `createPageHTML(count, current, "index", "html")`).
    let scripts: String = doc
        .select(&S_SCRIPT)
        .take(200)
        .map(|s| s.text().collect::<String>())
        .collect::<Vec<_>>()
        .join("\n");
    let _ = html;
    let spec = RE_JS_PAGES
        .captures(&scripts)
        .and_then(|c| {
            Some((
                c.get(1)?.as_str().parse::<usize>().ok()?,
                c.get(2)?.as_str().to_string(),
                c.get(3)?.as_str().to_string(),
            ))
        })
        .or_else(|| {
            RE_COUNT_PAGE
                .captures(&scripts)
                .and_then(|c| c.get(1)?.as_str().parse::<usize>().ok())
                .map(|n| (n, "index".to_string(), "html".to_string()))
        });
    if let Some((count, prefix, ext)) = spec {
        for k in 0..count.min(2000) {
            let name = if k == 0 {
                format!("{prefix}.{ext}")
            } else {
                format!("{prefix}_{k}.{ext}")
            };
            if let Ok(u) = base.join(&name) {
                ex.links.push(Link {
                    url: u,
                    text: String::new(),
                    pagination: true,
                });
            }
        }
    }
}

/// The block whose direct `<p>` children hold the most text, for pages
/// without a known content container.
fn densest<'a>(doc: &'a Html) -> Option<(ElementRef<'a>, String)> {
    let mut best: Option<(ElementRef<'a>, usize)> = None;
    for el in doc.select(&S_DENSITY).take(5000) {
        let mut score = 0usize;
        for child in el.children().filter_map(ElementRef::wrap) {
            if matches!(child.value().name(), "p" | "br" | "span" | "font") {
                score += child
                    .text()
                    .map(|t| t.trim().chars().count())
                    .sum::<usize>();
            }
        }
        if score > best.map_or(0, |b| b.1) {
            best = Some((el, score));
        }
    }
    best.filter(|b| b.1 >= 50)
        .map(|(e, _)| (e, element_text(e)))
}

fn breadcrumb(doc: &Html, page_text: &str) -> Vec<String> {
    let text = doc
        .select(&S_CRUMB)
        .take(10)
        .map(|e| one_line(&element_text(e)))
        .find(|t| t.contains('>') || t.contains('»') || t.contains('＞') || t.contains('›'))
        .or_else(|| {
            page_text
                .lines()
                .take(200)
                .find(|l| {
                    l.starts_with("当前位置")
                        || l.starts_with("您当前的位置")
                        || l.starts_with("您的位置")
                        || l.starts_with("当前的位置")
                })
                .map(|l| l.to_string())
        });
    let Some(text) = text else { return Vec::new() };
    let text = text
        .split_once(['：', ':'])
        .map_or(text.as_str(), |(_, r)| r);
    text.split(['>', '»', '＞', '›', '→'])
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty() && s.chars().count() <= 30)
        .take(12)
        .collect()
}

fn strip_site_suffix(title: &str, site: Option<&str>) -> String {
    let mut t = title.to_string();
    if let Some(site) = site.filter(|s| !s.is_empty()) {
        t = t.replace(site, "");
    }
    let t = t
        .split(['_', '|', '｜'])
        .next()
        .unwrap_or("")
        .trim_end_matches(['-', ' ', '—'])
        .trim();
    t.rsplit_once('-')
        .filter(|(a, _)| a.chars().count() >= 4)
        .map_or(t, |(a, _)| a)
        .trim()
        .to_string()
}

fn classify(
    ex: &Extracted,
    meta: &HashMap<String, String>,
    table: &HashMap<&'static str, String>,
    page_title: &str,
    page_text: &str,
    known_container: bool,
) -> PageKind {
    let body_chars = ex.body.chars().count();
    if page_text.chars().count() < 2000
        && NOT_FOUND
            .iter()
            .any(|p| page_title.contains(p) || ex.title.contains(p) || page_text.contains(p))
        && !meta.contains_key("articletitle")
    {
        return PageKind::SoftNotFound;
    }
    if ex.title.is_empty() {
        return PageKind::Other;
    }
    let has_meta = meta.contains_key("articletitle");
    let has_table = table.contains_key("index_number") || table.contains_key("doc_number");
    let has_text = body_chars >= 20
        || (body_chars > 0 && (has_meta || has_table || !ex.attachments.is_empty()));
    if known_container && has_text && (has_meta || has_table || ex.published.is_some()) {
        return PageKind::Article;
    }
    if !known_container && body_chars >= 100 && ex.published.is_some() && (has_meta || has_table) {
        return PageKind::Article;
    }
    if ex.links.len() >= 10 {
        PageKind::List
    } else {
        PageKind::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(name: &str) -> String {
        let p = format!(
            "{}/../../shared/corpus/pages/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        let bytes = std::fs::read(p).expect("shared corpus page");
        crate::charset::decode(&bytes, None).text
    }

    #[test]
    fn dates() {
        assert_eq!(parse_date("2020-01-05").as_deref(), Some("2020-01-05"));
        assert_eq!(parse_date("2020年01月05日").as_deref(), Some("2020-01-05"));
        assert_eq!(parse_date("2020年1月5日").as_deref(), Some("2020-01-05"));
        assert_eq!(
            parse_date("2020-01-05 10:20").as_deref(),
            Some("2020-01-05")
        );
        assert_eq!(parse_date("2020/1/5").as_deref(), Some("2020-01-05"));
        assert_eq!(parse_date("2020-13-05"), None);
        assert_eq!(parse_date("无"), None);
    }

    #[test]
    fn labels_with_spacing() {
        assert_eq!(
            label_of("索 引 号："),
            Some(("index_number", String::new()))
        );
        assert_eq!(
            label_of("文\u{a0}\u{a0}号: 赣市监党组〔2020〕16号"),
            Some(("doc_number", "赣市监党组〔2020〕16号".to_string()))
        );
        assert_eq!(label_of("文　　号："), Some(("doc_number", String::new())));
        assert_eq!(label_of("这是一段很长的正文：内容"), None);
    }

    #[test]
    fn jiangxi_pages() {
        let dir = format!(
            "{}/../../shared/corpus/pages/jiangxi",
            env!("CARGO_MANIFEST_DIR")
        );
        let mut n = 0;
        let mut with_docnum = 0;
        let mut full = 0;
        for entry in std::fs::read_dir(dir).expect("dir").flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            let html = page(&format!("jiangxi/{name}"));
            let url = Url::parse("http://www.jiangxi.gov.cn/art/2020/1/1/x.html").unwrap();
            let ex = extract(&html, &url);
            // Every page is an article with a title and a date; one template
            // (解读材料) has no metadata table and an empty ContentSource.
            assert_eq!(ex.kind(), PageKind::Article, "{name}");
            assert!(!ex.title.is_empty(), "{name}");
            assert!(ex.published.is_some(), "{name}");
            assert!(!ex.body.contains("ContentStart"), "{name}");
            if html.contains("发文机关") {
                assert!(
                    ex.publisher.is_some()
                        && ex.index_number.is_some()
                        && ex.category_hint.is_some(),
                    "{name}"
                );
            }
            full += (ex.publisher.is_some()
                && ex.index_number.is_some()
                && ex.category_hint.is_some()
                && ex.body.chars().count() > 20) as usize;
            if std::env::var("SHOW").is_ok() {
                eprintln!(
                    "{name}: pub={:?} idx={:?} cat={:?} body={} title={}",
                    ex.publisher,
                    ex.index_number,
                    ex.category_hint,
                    ex.body.chars().count(),
                    ex.title
                );
            }
            if ex.doc_number.is_some() {
                with_docnum += 1;
            }
            n += 1;
        }
        assert_eq!(n, 40);
        // The six 解读材料 pages (column 14236) carry no metadata table.
        assert!(
            full >= 34,
            "{full}/40 with publisher, 索引号, 分类 and body"
        );
        assert!(with_docnum >= 20, "{with_docnum}");
    }

    #[test]
    fn jiangxi_one_page_fields() {
        let html = page("jiangxi/art_14075_1574386.html");
        let url =
            Url::parse("http://www.jiangxi.gov.cn/art/2020/2/28/art_14075_1574386.html").unwrap();
        let ex = extract(&html, &url);
        assert_eq!(
            ex.title,
            "中共江西省市场监督管理局党组关于李洪斌同志职务任免的通知"
        );
        assert_eq!(ex.published.as_deref(), Some("2020-02-28"));
        assert_eq!(ex.publisher.as_deref(), Some("江西省市场监督管理局"));
        assert_eq!(ex.index_number.as_deref(), Some("014501068/2020-03530"));
        assert_eq!(ex.doc_number.as_deref(), Some("赣市监党组〔2020〕16号"));
        assert_eq!(ex.category_hint.as_deref(), Some("领导干部任免"));
        assert_eq!(ex.column.as_deref(), Some("领导干部任免"));
        assert!(ex.body.starts_with("省药品监督管理局"), "{}", ex.body);
    }

    #[test]
    fn other_real_pages_do_not_panic() {
        for name in ["zhejiang-fgw.html", "shanxi-portal.html"] {
            let html = page(name);
            let ex = extract(&html, &Url::parse("http://x.gov.cn/a/b.html").unwrap());
            assert!(!ex.title.is_empty(), "{name}");
        }
        let ex = extract(
            &page("zhejiang-fgw.html"),
            &Url::parse("http://x.gov.cn/").unwrap(),
        );
        assert!(ex.published.is_some());
        assert!(ex.publisher.is_some());
    }

    #[test]
    fn soft_404_and_list() {
        let url = Url::parse("http://h/info/9999/0.htm").unwrap();
        let ex = extract(
            "<html><head><title>提示信息</title></head><body><div class='msg'>对不起，您访问的页面不存在或已被删除！</div></body></html>",
            &url,
        );
        assert_eq!(ex.kind(), PageKind::SoftNotFound);
        let items: String = (0..15)
            .map(|i| {
                format!(
                    "<li><a href='/info/1/{i}.htm'>标题{i}</a><span>2020-01-0{}</span></li>",
                    i % 9 + 1
                )
            })
            .collect();
        let ex = extract(
            &format!(
                "<html><head><title>统计信息</title></head><body><ul>{items}</ul><script>createPageHTML(3, 0, \"index\", \"html\");</script></body></html>"
            ),
            &Url::parse("http://h/xxgk/tjxx/").unwrap(),
        );
        assert_eq!(ex.kind(), PageKind::List);
        let pages: Vec<_> = ex
            .links
            .iter()
            .filter(|l| l.pagination)
            .map(|l| l.url.to_string())
            .collect();
        assert_eq!(
            pages,
            [
                "http://h/xxgk/tjxx/index.html",
                "http://h/xxgk/tjxx/index_1.html",
                "http://h/xxgk/tjxx/index_2.html"
            ]
        );
    }

    #[test]
    fn garbage_does_not_panic() {
        let url = Url::parse("http://h/").unwrap();
        for s in [
            "",
            "<",
            "<<<>>>",
            "<table><td>索引号：<td>",
            &"<div>".repeat(5000),
            "\u{0}\u{FFFD}",
        ] {
            let _ = extract(s, &url);
        }
    }
}
