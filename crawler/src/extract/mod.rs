//! Turning one HTML page into a document: what kind of page it is, its
//! headline, date, publisher, 文号, 索引号, body text, links and attachments,
//! from evidence any CMS leaves, not from one template's markup.
//!
//! The evidence, strongest first:
//! - the 《政府网站发展指引》 `<meta>` tags (`ArticleTitle`, `PubDate`,
//!   `ContentSource`, `ColumnName`), when a template fills them;
//! - label–value pairs wherever they stand ([`fields`]): the 信息公开 table,
//!   `<dl>`, spans, one-line strips, in both scripts;
//! - a headline that agrees with the `<title>` and stands above the text;
//! - a date next to the headline;
//! - one dominant block of prose with few links ([`body`]), as text-density
//!   extractors (GNE, readability, trafilatura) find it;
//! - against an article: many similar dated links (a list), a soft-404
//!   message, a page that is all navigation.
//!
//! [`extract_with`] applies a site's overrides from `sites.toml`
//! ([`rules`]) on top, for the rare site that defeats the generic path.
//!
//! Everything here is untrusted input: no panics, bounded loops, and text
//! is only read, never re-emitted as HTML.

mod body;
pub mod dates;
pub mod fields;
mod links;
pub mod rules;
mod text;

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use ego_tree::NodeId;
use regex::Regex;
use scraper::{ElementRef, Html, Selector};
use url::Url;

pub use dates::parse_date;
pub use fields::Field;
pub use links::{Link, attachment_ext, data_links};
pub use rules::{SiteRule, SiteRules};
pub use text::{element_text, tidy};

use crate::url_norm::resolve;
use body::Stats;
use fields::Pair;
use text::{Line, SEP, one_line, text_len};

use gongkai_document::Document;
/// What a page is, which decides whether it is indexed (defined with the document).
pub use gongkai_document::PageKind;

/// Why the page was read the way it was: what `gongkai extract` shows.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Evidence {
    /// Points for (and against) an article; ≥ [`ARTICLE_THRESHOLD`] is one.
    pub article_score: i32,
    /// One line per piece of evidence, with its points.
    pub reasons: Vec<String>,
    /// Where each field came from (`meta`, `label 发布机构`, `headline h1`…).
    pub sources: HashMap<&'static str, String>,
    /// The body element (`div.zw`, `td#content`).
    pub body_element: Option<String>,
    /// Characters of body text outside links.
    pub body_chars: usize,
    /// Link text share of the body block.
    pub body_link_density: f64,
    /// Links that sit beside a date (list items) on the whole page.
    pub dated_links: usize,
    /// The largest group of similar links (siblings in one list).
    pub largest_link_group: usize,
}

/// Evidence points at or above which a page is an article.
pub const ARTICLE_THRESHOLD: i32 = 5;

/// Everything extracted from one page: the page read as a document, and
/// what the crawl needs besides (its kind, links, attachment links) and why.
#[derive(Debug, Clone, Default)]
pub struct Extracted {
    pub kind: Option<PageKind>,
    /// The page as a document: title, body, `published`, `publisher`,
    /// `column`, `breadcrumb`, `category_hint`, `doc_number`,
    /// `index_number`, and the site's own name in `source` (empty where
    /// the page says nothing). The crawl gives it its id, URL, content
    /// hash and attachments.
    pub document: Document,
    pub links: Vec<Link>,
    /// Links to attachment files (PDF, Office documents): url and link text.
    pub attachments: Vec<(Url, String)>,
    pub evidence: Evidence,
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

static S_META: LazyLock<Selector> =
    LazyLock::new(|| sel("meta[name][content], meta[property][content]"));
static S_TITLE: LazyLock<Selector> = LazyLock::new(|| sel("title"));
static S_BASE: LazyLock<Selector> = LazyLock::new(|| sel("base[href]"));
static S_BODY: LazyLock<Selector> = LazyLock::new(|| sel("body"));
static S_HEADINGS: LazyLock<Selector> = LazyLock::new(|| {
    sel(
        "h1, h2, h3, [class*=title], [class*=Title], [id*=title], [class*=tit], [class*=headline], [class*=bt]",
    )
});
static S_CRUMB: LazyLock<Selector> = LazyLock::new(|| {
    sel(
        "[class*=position], [class*=crumb], [class*=location], [class*=dqwz], [class*=weizhi], [id*=position], [id*=crumb], [id*=location], [class*=bread]",
    )
});

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
    "頁面不存在",
    "查無資料",
    "找不到網頁",
];

/// The longest line (characters) read as a metadata line rather than prose.
const META_LINE: usize = 150;

/// At most this many lines of a page are scanned.
const MAX_LINES: usize = 20_000;

/// Extracts a page fetched from `url` with the generic evidence only.
pub fn extract(html: &str, url: &Url) -> Extracted {
    extract_with(html, url, None)
}

/// Extracts a page, then applies `rule` (the page's host's overrides from
/// `sites.toml`) where it names a selector, a label or a URL pattern.
pub fn extract_with(html: &str, url: &Url, rule: Option<&SiteRule>) -> Extracted {
    let doc = Html::parse_document(bound_nesting(html));
    let mut ex = Extracted::default();
    let roc = url.host_str().is_some_and(|h| h.ends_with(".tw"));

    // <meta> tags, lower-cased names.
    let mut meta: HashMap<String, String> = HashMap::new();
    for m in doc.select(&S_META).take(200) {
        let v = m.value();
        if let (Some(n), Some(c)) = (
            v.attr("name").or_else(|| v.attr("property")),
            v.attr("content"),
        ) {
            let c = one_line(c);
            if !c.is_empty() {
                meta.entry(n.to_ascii_lowercase()).or_insert(c);
            }
        }
    }
    let page_title = doc
        .select(&S_TITLE)
        .next()
        .map(|t| one_line(&t.text().collect::<String>()))
        .unwrap_or_default();
    let site_name = meta.get("sitename").cloned();
    let base = doc
        .select(&S_BASE)
        .next()
        .and_then(|b| b.value().attr("href"))
        .and_then(|h| resolve(url, h))
        .unwrap_or_else(|| url.clone());
    links::page_links(&doc, &base, &mut ex.links, &mut ex.attachments);

    let root = doc
        .select(&S_BODY)
        .next()
        .unwrap_or_else(|| doc.root_element());
    let lines = text::lines(root, MAX_LINES);
    let mut pairs = fields::pairs(&lines);
    // A label inside a long paragraph is prose, not page metadata.
    pairs.retain(|p| p.at_start || text_len(&lines[p.line].text) <= META_LINE);
    let page_text_len: usize = lines.iter().map(|l| text_len(&l.text)).sum();

    // Headline.
    let crumb = breadcrumb(&doc, &lines);
    let heading = headline(&doc, &lines, &page_title, site_name.as_deref(), &crumb);
    // The headline is where the title stands, when a meta tag or a label
    // gave the title and no heading agreed with the <title>.
    let meta_title = meta
        .get("articletitle")
        .cloned()
        .filter(|t| !t.is_empty())
        .or_else(|| title_pair_value(&pairs));
    let heading = match (&heading, &meta_title) {
        (Some(h), Some(t)) if squash(&h.text) != squash(t) => title_line(&lines, t).or(heading),
        (None, Some(t)) => title_line(&lines, t),
        _ => heading,
    };
    // Text that is neither body nor boilerplate: the headline, and the
    // metadata lines with the value lines after bare labels.
    let mut neutral: HashSet<NodeId> = HashSet::new();
    // A text node shared with other lines (preformatted text) is not
    // neutral: most of it is something else.
    let mut shared: HashMap<NodeId, usize> = HashMap::new();
    for l in &lines {
        for t in &l.texts {
            *shared.entry(*t).or_default() += 1;
        }
    }
    let own = |l: &Line| -> Vec<NodeId> {
        l.texts
            .iter()
            .copied()
            .filter(|t| shared.get(t) == Some(&1))
            .collect()
    };
    // Metadata lines are short; a label inside a paragraph ("[机关名称]…")
    // leaves the paragraph body text.
    for p in pairs
        .iter()
        .filter(|p| text_len(&lines[p.line].text) <= META_LINE)
    {
        neutral.extend(own(&lines[p.line]));
        if p.value_below
            && let Some(next) = lines.get(p.line + 1)
        {
            neutral.extend(own(next));
        }
    }
    if let Some(h) = &heading {
        if let Some(l) = lines.get(h.line) {
            neutral.extend(own(l));
        }
        // A heading element's own text (a title broken over lines).
        if let Some(el) = doc.tree.get(h.node).and_then(ElementRef::wrap)
            && el.text().map(text_len).sum::<usize>() <= 2 * text_len(&h.text) + 10
        {
            neutral.extend(el.descendants().take(500).map(|n| n.id()));
        }
    }

    let title_pair = title_pair_value(&pairs);
    // A labelled title must agree with the <title> to beat the headline: a
    // 名称 row of a table in the text names something else.
    let title_pairs = bigrams(&page_title);
    let pair_agreement = title_pair
        .as_ref()
        .map_or(0.0, |t| agreement(t, &page_title, &title_pairs));
    let heading_agreement = heading
        .as_ref()
        .map_or(0.0, |h| agreement(&h.text, &page_title, &title_pairs));
    // The line holding the headline may be the label's own line
    // ("例稿名稱：…"): the value is the title then.
    let heading_holds_pair = match (&heading, &title_pair) {
        (Some(h), Some(t)) => squash(&h.text) != squash(t) && squash(&h.text).contains(&squash(t)),
        _ => false,
    };
    let pair_agrees =
        (pair_agreement >= 0.6 && pair_agreement > heading_agreement) || heading_holds_pair;
    let (title, title_from) = if let Some(t) = meta.get("articletitle").filter(|t| !t.is_empty()) {
        (t.clone(), "meta ArticleTitle".to_string())
    } else if let Some(t) = title_pair
        .clone()
        .filter(|_| pair_agrees || heading.is_none())
    {
        (t, "label 标题/名称".to_string())
    } else if let Some(h) = &heading {
        (h.text.clone(), format!("headline {}", h.how))
    } else {
        (
            strip_site_suffix(&page_title, site_name.as_deref()),
            "<title>".to_string(),
        )
    };
    ex.document.title = title;
    ex.evidence.sources.insert("title", title_from);

    // Body block.
    let stats = body::score(root, &neutral);
    let rule_body = rule
        .and_then(|r| r.body.as_ref())
        .and_then(|s| doc.select(s).next());
    let body_el = rule_body.or_else(|| body::best(root, &stats));
    let heading_line = heading
        .as_ref()
        .map(|h| h.line)
        .filter(|l| *l < lines.len());
    let (body_lines, body_range) = match body_el {
        Some(el) => body_lines(&doc, el, &lines, &stats, &ex.document.title, heading_line),
        None => (Vec::new(), None),
    };
    // No block of text (a page that is only "附件：…" or an image): the
    // few lines under the headline and its metadata, up to the first
    // boilerplate line.
    let (body_lines, body_range) = match (&heading, body_lines.is_empty()) {
        (Some(h), true) if h.line < lines.len() => {
            let kept = short_body(&lines, h.line + 1);
            let range = kept.first().zip(kept.last()).map(|(a, b)| (*a, *b));
            (kept, range.or(body_range))
        }
        _ => (body_lines, body_range),
    };
    ex.document.body = join_lines(&lines, &body_lines);
    let body_stats = body_el
        .and_then(|e| stats.get(&e.id()))
        .copied()
        .unwrap_or_default();
    ex.evidence.body_element = body_el.map(describe);
    ex.evidence.body_chars = text_len(&ex.document.body);
    ex.evidence.body_link_density = (body_stats.link_density() * 100.0).round() / 100.0;

    // Fields by position: before the body, then the body's first lines,
    // then after it.
    let rank = |line: usize| -> usize {
        match body_range {
            Some((b0, _)) if line < b0 => 0,
            Some((b0, b1)) if line <= b1 && line < b0 + 8 => 1,
            Some((_, b1)) if line > b1 => 2,
            Some(_) => 3,
            None => 0,
        }
    };
    let pick =
        |field: Field, ok: &dyn Fn(&str) -> Option<String>| -> Option<(String, &'static str)> {
            pairs
                .iter()
                .filter(|p| p.field == field)
                .filter_map(|p| ok(&p.value).map(|v| (rank(p.line), p.line, v, p.label)))
                .min_by_key(|(r, l, _, _)| (*r, *l))
                .map(|(_, _, v, label)| (v, label))
        };
    let date_ok = |v: &str| dates::parse_date_roc(v, roc);

    // Date.
    let header_end = body_range.map_or(lines.len(), |(b0, _)| b0);
    let header_start = heading_line.unwrap_or(header_end.saturating_sub(8));
    let header_date = (header_start..header_end.min(header_start.saturating_add(10)))
        .filter_map(|i| lines.get(i))
        .filter(|l| text_len(&l.text) <= 120)
        .find_map(|l| dates::parse_date_roc(&l.text, roc));
    // The publication date the reader sees above the text comes first: a
    // meta tag can carry the date a migrated page was re-published.
    let shown = pairs
        .iter()
        .filter(|p| p.field == Field::Published && rank(p.line) == 0)
        .filter(|p| heading_line.is_none_or(|h| p.line + 3 >= h))
        .find_map(|p| date_ok(&p.value).map(|d| (d, format!("label {}", p.label))));
    let published = shown
        .or_else(|| {
            [
                "pubdate",
                "publishdate",
                "firstpublishedtime",
                "article:published_time",
            ]
            .iter()
            .filter_map(|k| meta.get(*k))
            .find_map(|d| dates::parse_date_roc(d, roc))
            .map(|d| (d, "meta PubDate".to_string()))
        })
        .or_else(|| pick(Field::Published, &date_ok).map(|(d, l)| (d, format!("label {l}"))))
        .or_else(|| header_date.map(|d| (d, "date beside the headline".to_string())))
        .or_else(|| pick(Field::Written, &date_ok).map(|(d, l)| (d, format!("label {l}"))))
        .or_else(|| pick(Field::Updated, &date_ok).map(|(d, l)| (d, format!("label {l}"))))
        .or_else(|| {
            // A 公文 signed at its end: a short date line closing the body.
            body_lines
                .iter()
                .rev()
                .take(3)
                .filter(|&&i| text_len(&lines[i].text) <= 24)
                .find_map(|&i| dates::parse_date_roc(&lines[i].text, roc))
                .map(|d| (d, "date closing the body".to_string()))
        })
        .or_else(|| dates::date_in_url(url.path()).map(|d| (d, "date in the URL".to_string())));
    if let Some((d, from)) = published {
        ex.document.published = Some(d);
        ex.evidence.sources.insert("published", from);
    }

    // Publisher: the organisation that published, before a mere source.
    let publisher = meta
        .get("contentsource")
        // Templates that fill it with the site's own name say nothing.
        .filter(|s| meta.get("sitename") != Some(*s))
        .and_then(|s| fields::organisation(s))
        .map(|s| (s, "meta ContentSource".to_string()))
        .or_else(|| {
            pick(Field::Publisher, &fields::organisation).map(|(v, l)| (v, format!("label {l}")))
        })
        .or_else(|| {
            pick(Field::Source, &fields::organisation).map(|(v, l)| (v, format!("label {l}")))
        });
    if let Some((p, from)) = publisher {
        ex.document.publisher = p;
        ex.evidence.sources.insert("publisher", from);
    }

    // 索引号 and 文号.
    if let Some((v, l)) = pick(Field::IndexNumber, &fields::index_number_value) {
        ex.document.index_number = v;
        ex.evidence
            .sources
            .insert("index_number", format!("label {l}"));
    }
    let doc_number = pick(Field::DocNumber, &fields::doc_number_value)
        .map(|(v, l)| (v, format!("label {l}")))
        .or_else(|| {
            fields::find_doc_number(&ex.document.title).map(|v| (v, "in the headline".to_string()))
        })
        .or_else(|| {
            // A 文号 line at the top of a 公文, or in the header.
            (header_start..header_end)
                .chain(body_lines.iter().take(4).copied())
                .filter_map(|i| lines.get(i))
                .map(|l| l.text.replace(SEP, ""))
                .find_map(|t| {
                    let n = fields::find_doc_number(&t)?;
                    (t.chars().count() <= n.chars().count() + 12).then_some(n)
                })
                .map(|v| (v, "by its shape at the top".to_string()))
        });
    if let Some((v, from)) = doc_number {
        ex.document.doc_number = v;
        ex.evidence.sources.insert("doc_number", from);
    }
    // 信息分类 and 组配分类 name the disclosure category; 主题分类 and
    // 体裁分类 the subject and genre, a weaker hint.
    ex.document.category_hint = ["信息分类", "组配分类", "主题分类", "主題分類", "体裁分类"]
        .iter()
        .find_map(|label| {
            pairs
                .iter()
                .filter(|p| p.field == Field::Category && p.label == *label)
                .find_map(|p| fields::meaningful(&p.value))
        })
        .unwrap_or_default();

    // Breadcrumb and column.
    ex.document.breadcrumb = crumb;
    ex.document.column = meta
        .get("columnname")
        .cloned()
        .or_else(|| {
            ex.document
                .breadcrumb
                .iter()
                .rev()
                .find(|c| {
                    !matches!(
                        c.as_str(),
                        "正文" | "详情" | "内容" | "阅读" | "文章" | "浏览" | "內容" | "詳細內容"
                    )
                })
                .cloned()
        })
        .unwrap_or_default();
    ex.document.source = site_name.unwrap_or_default();

    if let Some(rule) = rule {
        rule.apply(&doc, url, &lines, &mut ex);
    }

    let kind = rule.and_then(|r| r.kind_of(url)).unwrap_or_else(|| {
        classify(
            &mut ex,
            &Signals {
                doc: &doc,
                url,
                base: &base,
                root,
                meta: &meta,
                pairs: &pairs,
                lines: &lines,
                stats: &stats,
                body_el,
                heading: heading.as_ref(),
                page_title: &page_title,
                page_text_len,
                title_pair: title_pair.is_some(),
            },
        )
    });
    ex.kind = Some(kind);
    if kind != PageKind::Article {
        ex.attachments.clear();
    }
    ex
}

fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != SEP)
        .collect()
}

/// A labelled title (标题, 名称) that reads like one.
fn title_pair_value(pairs: &[Pair]) -> Option<String> {
    pairs
        .iter()
        .filter(|p| p.field == Field::Title)
        .find_map(|p| fields::meaningful(&p.value))
        .filter(|v| v.chars().count() >= 4)
}

/// The first line that is the title (give or take a few characters).
fn title_line(lines: &[Line], title: &str) -> Option<Heading> {
    let t = squash(title);
    let n = t.chars().count();
    if n < 4 {
        return None;
    }
    lines.iter().enumerate().take(2000).find_map(|(i, l)| {
        let s = squash(&l.text);
        let close = s == t || (s.contains(&t) && s.chars().count() <= n + 6);
        (close && l.link_chars * 2 < s.chars().count()).then(|| Heading {
            text: l.text.replace(SEP, ""),
            node: l.node,
            line: i,
            how: "line holding the title".into(),
        })
    })
}

/// Elements open at once beyond which a page is cut off. The HTML tree
/// builder checks its stack of open elements at every tag, so a page of
/// 200,000 nested `<div>`s costs minutes; real pages stay under a few hundred.
const MAX_NESTING: usize = 1_000;

/// `html` up to the point where more than [`MAX_NESTING`] elements are open
/// (a rough count: start tags minus end tags, void elements left out).
fn bound_nesting(html: &str) -> &str {
    const VOID: &[&str] = &[
        "br", "img", "input", "meta", "link", "hr", "area", "base", "col", "embed", "param",
        "source", "track", "wbr", "p", "li", "td", "tr", "th", "option", "dt", "dd",
    ];
    let bytes = html.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(off) = bytes[i..].iter().position(|&b| b == b'<') {
        let at = i + off;
        let rest = &bytes[at + 1..];
        let closing = rest.first() == Some(&b'/');
        let name_start = if closing { 1 } else { 0 };
        let name: Vec<u8> = rest
            .iter()
            .skip(name_start)
            .take(10)
            .take_while(|b| b.is_ascii_alphanumeric())
            .map(|b| b.to_ascii_lowercase())
            .collect();
        if !name.is_empty() && !VOID.iter().any(|v| v.as_bytes() == name.as_slice()) {
            if closing {
                depth = depth.saturating_sub(1);
            } else {
                depth += 1;
                if depth > MAX_NESTING {
                    return &html[..at];
                }
            }
        }
        i = at + 1;
    }
    html
}

/// A headline candidate.
struct Heading {
    text: String,
    node: NodeId,
    line: usize,
    how: String,
}

fn bigrams(s: &str) -> HashSet<(char, char)> {
    let cs: Vec<char> = s.chars().filter(|c| !c.is_whitespace()).collect();
    cs.windows(2).map(|w| (w[0], w[1])).collect()
}

/// How much of `cand` the page's `<title>` holds: 1.0 when it contains it
/// whole, else the share of its character pairs found there.
fn agreement(cand: &str, title: &str, title_pairs: &HashSet<(char, char)>) -> f64 {
    let compact = squash(cand);
    if compact.chars().count() < 2 || title.is_empty() {
        return 0.0;
    }
    if squash(title).contains(&compact) {
        return 1.0;
    }
    let own = bigrams(&compact);
    if own.is_empty() {
        return 0.0;
    }
    own.iter().filter(|b| title_pairs.contains(b)).count() as f64 / own.len() as f64
}

fn heading_weight(el: ElementRef<'_>) -> (f64, String) {
    let e = el.value();
    let names = format!(
        "{} {}",
        e.attr("class").unwrap_or(""),
        e.attr("id").unwrap_or("")
    )
    .to_ascii_lowercase();
    let tag = e.name();
    let w = match tag {
        "h1" => 2.0,
        "h2" => 1.5,
        "h3" => 1.0,
        _ if names.contains("title") || names.contains("tit") || names.contains("headline") => 1.5,
        _ if names
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| w == "bt" || w.starts_with("bt")) =>
        {
            1.0
        }
        _ => 0.0,
    };
    let how = match e.attr("class").and_then(|c| c.split_whitespace().next()) {
        Some(c) => format!("<{tag} class={c}>"),
        None => format!("<{tag}>"),
    };
    (w, how)
}

/// The headline: a heading element or a line whose text the `<title>`
/// holds, above the page's text, not a link, not the site's or column's name.
fn headline(
    doc: &Html,
    lines: &[Line],
    page_title: &str,
    site_name: Option<&str>,
    crumb: &[String],
) -> Option<Heading> {
    let title_pairs = bigrams(page_title);
    let line_of: HashMap<NodeId, usize> = lines
        .iter()
        .enumerate()
        .rev()
        .map(|(i, l)| (l.node, i))
        .collect();
    let mut best: Option<(f64, Heading)> = None;
    let mut consider =
        |text: String, node: NodeId, line: usize, weight: f64, how: String, linked: bool| {
            let n = text.chars().count();
            if !(4..=200).contains(&n) {
                return;
            }
            let agree = agreement(&text, page_title, &title_pairs);
            let mut score = weight + if agree >= 0.5 { 4.0 * agree } else { 0.0 };
            if linked {
                score -= 3.0;
            }
            if site_name.is_some_and(|s| s == text) || crumb.contains(&text) {
                score -= 3.0;
            }
            if page_title.trim() == text && weight == 0.0 {
                // The <title> text repeated somewhere is weak on its own.
                score -= 1.0;
            }
            // Prose is not a headline (a title may end with 。, or hold one
            // short sentence before it).
            let sentences = text.trim_end_matches('。').matches('。').count();
            if sentences > 1 || (sentences == 1 && n > 60) {
                score -= 2.0;
            }
            if score >= 2.0 && best.as_ref().is_none_or(|(b, _)| score > *b) {
                best = Some((
                    score,
                    Heading {
                        text,
                        node,
                        line,
                        how,
                    },
                ));
            }
        };
    for el in doc.select(&S_HEADINGS).take(60) {
        let (w, how) = heading_weight(el);
        if w == 0.0 {
            continue;
        }
        let text = one_line(&element_text(el));
        let linked = el.value().name() == "a"
            || el
                .ancestors()
                .take(3)
                .any(|a| ElementRef::wrap(a).is_some_and(|e| e.value().name() == "a"))
            || el
                .select(&sel("a"))
                .map(|a| text_len(&a.text().collect::<String>()))
                .sum::<usize>()
                * 2
                > text_len(&text);
        let line = first_line_under(el, &line_of).unwrap_or(usize::MAX);
        consider(text, el.id(), line, w, how, linked);
    }
    // Lines the <title> holds, for templates with no heading markup.
    for (i, l) in lines.iter().enumerate().take(600) {
        let text = l.text.replace(SEP, "");
        let linked = l.link_chars * 2 > text_len(&text);
        consider(
            text,
            l.node,
            i,
            0.0,
            "line agreeing with <title>".into(),
            linked,
        );
    }
    best.map(|(_, h)| h)
}

/// The index of the first scan line inside `el`.
fn first_line_under(el: ElementRef<'_>, line_of: &HashMap<NodeId, usize>) -> Option<usize> {
    if let Some(i) = line_of.get(&el.id()) {
        return Some(*i);
    }
    el.descendants()
        .take(200)
        .filter_map(|n| line_of.get(&n.id()))
        .min()
        .copied()
}

fn describe(el: ElementRef<'_>) -> String {
    let e = el.value();
    let mut s = e.name().to_string();
    if let Some(id) = e.attr("id") {
        s.push('#');
        s.push_str(id);
    }
    if let Some(c) = e.attr("class") {
        for c in c.split_whitespace().take(2) {
            s.push('.');
            s.push_str(c);
        }
    }
    s
}

/// Whether `node` lies inside `ancestor` (or is it).
fn inside(doc: &Html, node: NodeId, ancestor: NodeId) -> bool {
    let mut cur = doc.tree.get(node);
    for _ in 0..256 {
        match cur {
            Some(n) if n.id() == ancestor => return true,
            Some(n) => cur = n.parent(),
            None => return false,
        }
    }
    false
}

/// The lines of the body block, boilerplate blocks inside it cut, and the
/// headline, metadata and bars trimmed from its ends. Returns the kept
/// line indices and the first and last index of the block.
fn body_lines(
    doc: &Html,
    el: ElementRef<'_>,
    lines: &[Line],
    stats: &HashMap<NodeId, Stats>,
    title: &str,
    heading_line: Option<usize>,
) -> (Vec<usize>, Option<(usize, usize)>) {
    let mut boiler: HashMap<NodeId, bool> = HashMap::new();
    let body_id = el.id();
    let mut kept = Vec::new();
    let mut range: Option<(usize, usize)> = None;
    for (i, l) in lines.iter().enumerate() {
        if !inside(doc, l.node, body_id) {
            continue;
        }
        range = Some(range.map_or((i, i), |(a, _)| (a, i)));
        // Cut lines under a boilerplate block strictly inside the body.
        let mut cur = doc.tree.get(l.node);
        let mut cut = false;
        for _ in 0..256 {
            let Some(n) = cur else { break };
            if n.id() == body_id {
                break;
            }
            if let Some(e) = ElementRef::wrap(n) {
                let b = *boiler
                    .entry(n.id())
                    .or_insert_with(|| body::is_boilerplate_block(e, stats));
                if b {
                    cut = true;
                    break;
                }
            }
            cur = n.parent();
        }
        if !cut && Some(i) != heading_line {
            kept.push(i);
        }
    }
    let title_compact = squash(title);
    let is_chrome = |i: usize, leading: bool| -> bool {
        let l = &lines[i];
        let t = l.text.replace(SEP, "");
        let n = text_len(&t);
        let compact = squash(&t);
        let link_only = l.link_chars * 10 >= n * 9;
        if link_only || (n < 200 && body::is_boilerplate_text(&t)) {
            return true;
        }
        if fields::has_label(&l.text) && n <= if leading { META_LINE } else { 60 } {
            return true;
        }
        // "附件：" or "十、附件" heading the attachment links, at the end.
        let bare = compact.trim_start_matches(|c: char| {
            c.is_ascii_digit() || "一二三四五六七八九十、.．()（）".contains(c)
        });
        if !leading
            && matches!(
                bare,
                "附件" | "附件：" | "附件:" | "相关附件" | "附件下载" | "附件下載" | "相關附件"
            )
        {
            return true;
        }
        if leading {
            let only_date = n <= 30 && dates::parse_date(&t).is_some() && !t.contains('。');
            let font_bar = t.contains("字号")
                || t.contains("字體")
                || t.contains("【大】")
                || (t.contains('大') && t.contains('中') && t.contains('小') && n <= 12);
            return compact == title_compact || only_date || font_bar;
        }
        false
    };
    // Trimmed as a window over `kept`, so that a body trimmed to nothing
    // still has its lines for the attachment-only case below.
    let (mut lo, mut hi) = (0, kept.len());
    // A bare label ("发文机关：") has its value on the next line: that
    // line is metadata too, however it reads.
    let mut after_bare_label = false;
    while lo < hi {
        let first = kept[lo];
        let t = lines[first].text.replace(SEP, "");
        let t = t.trim_end();
        let bare_label = (t.ends_with('：') || t.ends_with(':')) && fields::has_label(t);
        let value_of_label =
            after_bare_label && !bare_label && text_len(t) <= META_LINE && !t.contains('。');
        if !value_of_label && !is_chrome(first, true) {
            break;
        }
        // A body that only repeats the headline is still the body.
        let title_only = hi - lo == 1 && squash(&lines[first].text) == title_compact;
        if title_only {
            break;
        }
        after_bare_label = bare_label;
        lo += 1;
    }
    while hi > lo && is_chrome(kept[hi - 1], false) {
        hi -= 1;
    }
    if lo < hi {
        kept.truncate(hi);
        kept.drain(..lo);
    } else {
        // A page whose whole content is an attachment: the file's name, as
        // the reader sees it, is the body.
        kept.retain(|&i| links::names_attachment(lines[i].text.replace(SEP, "").trim()));
        kept.truncate(20);
    }
    (kept, range)
}

/// Up to twelve lines from `start` that are neither metadata nor
/// boilerplate, ending at the first boilerplate line after content.
fn short_body(lines: &[Line], start: usize) -> Vec<usize> {
    let mut kept = Vec::new();
    for (i, l) in lines.iter().enumerate().skip(start).take(40) {
        let t = l.text.replace(SEP, "");
        if kept.len() >= 12 {
            break;
        }
        if body::is_boilerplate_text(&t) {
            // A print/close bar between the headline and the content is
            // stepped over; boilerplate after content ends it.
            if kept.is_empty() && i < start + 6 {
                continue;
            }
            break;
        }
        let only_date = text_len(&t) <= 30 && dates::parse_date(&t).is_some();
        if fields::has_label(&l.text) || only_date || text_len(&t) > 1000 {
            continue;
        }
        kept.push(i);
    }
    kept
}

/// The body text of the kept lines: cells of one table row on one line.
fn join_lines(lines: &[Line], kept: &[usize]) -> String {
    let mut out = String::new();
    let mut prev_row: Option<NodeId> = None;
    for &i in kept {
        let l = &lines[i];
        let t = l.text.replace(SEP, "");
        let t = t.trim();
        if t.is_empty() {
            continue;
        }
        if !out.is_empty() {
            if l.row.is_some() && l.row == prev_row {
                out.push(' ');
            } else {
                out.push('\n');
            }
        }
        out.push_str(t);
        prev_row = l.row;
    }
    out
}

fn breadcrumb(doc: &Html, lines: &[Line]) -> Vec<String> {
    let text = doc
        .select(&S_CRUMB)
        .take(10)
        .map(|e| one_line(&element_text(e)))
        .find(|t| {
            t.contains('>')
                || t.contains('»')
                || t.contains('＞')
                || t.contains('›')
                || t.contains('→')
        })
        .or_else(|| {
            lines
                .iter()
                .take(300)
                .map(|l| l.text.replace(SEP, ""))
                .find(|l| {
                    [
                        "当前位置",
                        "您当前的位置",
                        "您当前位置",
                        "您的位置",
                        "当前的位置",
                        "目前位置",
                        "所在位置",
                        "當前位置",
                        "您當前的位置",
                        "您當前位置",
                        "當前的位置",
                        "現在位置",
                        "目前位置",
                    ]
                    .iter()
                    .any(|p| l.starts_with(p))
                })
        });
    let Some(text) = text else { return Vec::new() };
    let text = text
        .split_once(['：', ':'])
        .map_or(text.as_str(), |(_, r)| r);
    text.split(['>', '»', '＞', '›', '→', '/'])
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

/// What the page kind is decided from.
struct Signals<'a, 'd> {
    doc: &'d Html,
    /// The page's own address (`base` may be a `<base href>`).
    url: &'a Url,
    base: &'a Url,
    root: ElementRef<'d>,
    meta: &'a HashMap<String, String>,
    pairs: &'a [Pair],
    lines: &'a [Line],
    stats: &'a HashMap<NodeId, Stats>,
    body_el: Option<ElementRef<'d>>,
    heading: Option<&'a Heading>,
    page_title: &'a str,
    page_text_len: usize,
    title_pair: bool,
}

static S_A: LazyLock<Selector> = LazyLock::new(|| sel("a[href]"));

/// Links beside a date (list items), and the largest group of sibling
/// links with item-like text, on the page and inside `body`.
fn list_evidence(s: &Signals<'_, '_>) -> (usize, usize, usize) {
    let mut dated = 0;
    let mut dated_in_body = 0;
    let mut groups: HashMap<NodeId, usize> = HashMap::new();
    for a in s.root.select(&S_A).take(3000) {
        let text = one_line(&a.text().collect::<String>());
        let attachment = a
            .value()
            .attr("href")
            .and_then(|h| resolve(s.base, h))
            .and_then(|u| attachment_ext(&u));
        if text_len(&text) < 5 || attachment.is_some() {
            continue;
        }
        // The item: the nearest li/tr/dd/p/div around the link.
        let item = a
            .ancestors()
            .take(4)
            .filter_map(ElementRef::wrap)
            .find(|e| {
                matches!(
                    e.value().name(),
                    "li" | "tr" | "dd" | "dt" | "p" | "div" | "td"
                )
            });
        let Some(item) = item else { continue };
        if let Some(container) = item.parent() {
            *groups.entry(container.id()).or_default() += 1;
        }
        let item_text: String = item.text().take(40).collect();
        if item_text.chars().count() <= 300 && dates::parse_date_roc(&item_text, true).is_some() {
            dated += 1;
            if s.body_el.is_some_and(|b| inside(s.doc, a.id(), b.id())) {
                dated_in_body += 1;
            }
        }
    }
    let largest = groups.values().copied().max().unwrap_or(0);
    (dated, dated_in_body, largest)
}

/// Weighs the evidence for an article against a list or other page.
/// "搜尋結果…為 29 筆", "共找到 12 条检索结果": a search engine's answer,
/// never a document of its own.
static RE_RESULTS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:搜索|搜尋|检索|檢索|查询|查詢)[结結]果.{0,40}?\d+\s*(?:条|條|筆|笔|项|項|个|個|件)|(?:共|找到|共找到)\s*\d+\s*(?:条|條|筆|笔|项|項|个|個|件).{0,6}(?:搜索|搜尋|检索|檢索|查询|查詢)?[结結]果",
    )
    .expect("search results regex")
});

/// Whether `url` is a site's front page: `/`, or an index/default page at
/// the top.
fn is_site_root(url: &Url) -> bool {
    let path = url.path().to_ascii_lowercase();
    path == "/"
        || path
            .strip_prefix('/')
            .and_then(|p| p.split_once('.'))
            .is_some_and(|(stem, _)| matches!(stem, "index" | "default" | "main" | "home"))
}

fn classify(ex: &mut Extracted, s: &Signals<'_, '_>) -> PageKind {
    let ev = &mut ex.evidence;
    let mut points = 0i32;
    let mut add = |p: i32, why: &str, ev: &mut Evidence| {
        points += p;
        ev.reasons.push(format!("{p:+} {why}"));
    };
    let not_found = s.page_text_len < 2000
        && NOT_FOUND.iter().any(|p| {
            s.page_title.contains(p)
                || ex.document.title.contains(p)
                || s.lines.iter().take(200).any(|l| l.text.contains(p))
        })
        && !s.meta.contains_key("articletitle");
    if not_found {
        ev.reasons
            .push("a 'page not found' message on a short page".into());
        return PageKind::SoftNotFound;
    }
    let (dated, dated_in_body, largest) = list_evidence(s);
    // A list names its column in a short heading and pages on; an article
    // with a short text beside a sidebar of dated links does neither.
    let paged = ex.links.iter().any(|l| {
        l.pagination
            && !matches!(
                l.text.as_str(),
                "" | "首页" | "首頁" | "第一頁" | "上一页" | "上一頁"
            )
    });
    let heading_short = s.heading.is_none_or(|h| {
        h.text.chars().count() < 8 || ex.document.breadcrumb.last() == Some(&h.text)
    });
    ev.dated_links = dated;
    ev.largest_link_group = largest;

    if s.meta.contains_key("articletitle") {
        add(3, "ArticleTitle meta tag", ev);
    }
    if s.meta.contains_key("pubdate") {
        add(1, "PubDate meta tag", ev);
    }
    let strong: Vec<&str> = s
        .pairs
        .iter()
        .filter(|p| {
            matches!(
                p.field,
                Field::IndexNumber | Field::DocNumber | Field::Publisher
            ) && fields::meaningful(&p.value).is_some()
        })
        .map(|p| p.label)
        .collect();
    if !strong.is_empty() {
        add(2, &format!("metadata labels ({})", strong.join(", ")), ev);
    }
    if s.title_pair {
        add(1, "a labelled title (标题/名称)", ev);
    }
    match s.heading {
        Some(h) => {
            let agree = agreement(&h.text, s.page_title, &bigrams(s.page_title));
            if agree >= 0.6 {
                add(
                    2,
                    &format!("headline {} agrees with <title> ({agree:.2})", h.how),
                    ev,
                );
            } else {
                add(1, &format!("headline {}", h.how), ev);
            }
        }
        None => ev.reasons.push("no headline found".into()),
    }
    if ex.document.published.is_some() {
        let from = ev.sources.get("published").cloned().unwrap_or_default();
        if from == "date in the URL" {
            add(1, "a date in the URL", ev);
        } else {
            add(2, &format!("a date ({from})"), ev);
        }
    }
    let body_stats = s
        .body_el
        .and_then(|e| s.stats.get(&e.id()))
        .copied()
        .unwrap_or_default();
    let chars = ev.body_chars;
    let punct = body_stats.punct;
    if chars >= 200 && punct >= 4 {
        add(
            3,
            &format!("a block of prose ({chars} characters, {punct} punctuation)"),
            ev,
        );
    } else if chars >= 60 {
        add(2, &format!("a block of text ({chars} characters)"), ev);
    } else if chars >= 10 {
        add(1, &format!("a short text ({chars} characters)"), ev);
    } else if !ex.attachments.is_empty() {
        add(1, "attachments, little text", ev);
    }
    if body_stats.link_density() > 0.5 && chars < 300 {
        add(
            -3,
            &format!(
                "the main block is mostly links ({:.0}%)",
                body_stats.link_density() * 100.0
            ),
            ev,
        );
    }
    if dated_in_body >= 5 {
        add(
            -5,
            &format!("{dated_in_body} dated links inside the main block (a list)"),
            ev,
        );
    } else if dated >= 8 && chars < 150 && (paged || heading_short) {
        add(
            -3,
            &format!("{dated} dated links and little text (a list)"),
            ev,
        );
    }
    if largest >= 10 && chars < 100 {
        add(
            -2,
            &format!("a group of {largest} similar links and little text"),
            ev,
        );
    }
    if is_site_root(s.url) && !s.meta.contains_key("articletitle") {
        add(-5, "the site's home page (its URL is the site root)", ev);
    }
    if let Some(line) = s
        .lines
        .iter()
        .take(400)
        .map(|l| l.text.replace(SEP, ""))
        // The results' own heading: short, no sentence ("查询结果显示，
        // 全市共有 125 个…" is prose).
        .find(|t| {
            text_len(t) <= 80 && !t.contains('。') && !t.contains('，') && RE_RESULTS.is_match(t)
        })
    {
        add(
            -5,
            &format!(
                "search results ({})",
                one_line(&line).chars().take(40).collect::<String>()
            ),
            ev,
        );
    }
    ev.article_score = points;
    let has_content = !ex.document.body.is_empty() || !ex.attachments.is_empty();
    if points >= ARTICLE_THRESHOLD && !ex.document.title.is_empty() && has_content {
        return PageKind::Article;
    }
    if dated >= 5 || largest >= 8 || ex.links.iter().any(|l| l.pagination) {
        PageKind::List
    } else {
        PageKind::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_pages_and_search_results_are_known() {
        for root in [
            "https://adr.npa.gov.tw/",
            "http://x.gov.cn/index.html",
            "http://x.gov.cn/Default.aspx",
        ] {
            assert!(is_site_root(&Url::parse(root).unwrap()), "{root}");
        }
        for not in [
            "http://x.gov.cn/art/2020/1/1/art_1_2.html",
            "http://x.gov.cn/zwgk/index.html",
            "http://x.gov.cn/indexes.html",
        ] {
            assert!(!is_site_root(&Url::parse(not).unwrap()), "{not}");
        }
        assert!(RE_RESULTS.is_match(
            "搜尋結果：主辦單位= 司法及法制委員會 , 日期= 2024-04-01 之搜尋結果為 29 筆"
        ));
        assert!(RE_RESULTS.is_match("共找到 12 条结果"));
        assert!(RE_RESULTS.is_match("检索结果：共 305 条"));
        assert!(!RE_RESULTS.is_match("本次共发放补贴资金 12 万元"));
    }

    fn page(name: &str) -> String {
        let p = format!(
            "{}/../../shared/corpus/pages/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        let bytes = std::fs::read(p).expect("shared corpus page");
        crate::charset::decode(&bytes, None).text
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
            assert!(!ex.document.title.is_empty(), "{name}");
            assert!(ex.document.published.is_some(), "{name}");
            assert!(!ex.document.body.contains("ContentStart"), "{name}");
            if html.contains("发文机关") {
                assert!(
                    !ex.document.publisher.is_empty()
                        && !ex.document.index_number.is_empty()
                        && !ex.document.category_hint.is_empty(),
                    "{name}"
                );
            }
            full += (!ex.document.publisher.is_empty()
                && !ex.document.index_number.is_empty()
                && !ex.document.category_hint.is_empty()
                && ex.document.body.chars().count() > 20) as usize;
            if std::env::var("SHOW").is_ok() {
                eprintln!(
                    "{name}: pub={:?} idx={:?} cat={:?} body={} title={}",
                    ex.document.publisher,
                    ex.document.index_number,
                    ex.document.category_hint,
                    ex.document.body.chars().count(),
                    ex.document.title
                );
            }
            if !ex.document.doc_number.is_empty() {
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
            ex.document.title,
            "中共江西省市场监督管理局党组关于李洪斌同志职务任免的通知"
        );
        assert_eq!(ex.document.published.as_deref(), Some("2020-02-28"));
        assert_eq!(ex.document.publisher, "江西省市场监督管理局");
        assert_eq!(ex.document.index_number, "014501068/2020-03530");
        assert_eq!(ex.document.doc_number, "赣市监党组〔2020〕16号");
        assert_eq!(ex.document.category_hint, "领导干部任免");
        assert_eq!(ex.document.column, "领导干部任免");
        assert!(
            ex.document.body.starts_with("省药品监督管理局"),
            "{}",
            ex.document.body
        );
    }

    #[test]
    fn other_real_pages_do_not_panic() {
        for name in ["zhejiang-fgw.html", "shanxi-portal.html"] {
            let html = page(name);
            let ex = extract(&html, &Url::parse("http://x.gov.cn/a/b.html").unwrap());
            assert!(!ex.document.title.is_empty(), "{name}");
        }
        let ex = extract(
            &page("zhejiang-fgw.html"),
            &Url::parse("http://x.gov.cn/").unwrap(),
        );
        assert!(ex.document.published.is_some());
        assert!(!ex.document.publisher.is_empty());
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
