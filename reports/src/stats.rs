//! The annual 政府信息公开 figures: counting, and rendering as HTML/SVG, CSV, JSON and a terminal table.
//!
//! What a 政府信息公开工作年度报告 needs, straight from the index: items
//! published in a year (or in all), 信息公开 versus 新闻, per category (the
//! 主动公开 table), per 发布机构, per month (and per month × kind), and the
//! years that have documents.
//!
//! Owns: the figures ([`Stats`]), the one pass that counts them over a
//! generation's documents ([`Tally`]), and every rendering of them
//! ([`to_html`], [`to_csv`], [`to_json`], [`to_table`]). Never touches: the
//! index beyond reading its documents, the network, the file system (callers
//! write the output where they want) — and it never runs or emits script:
//! the HTML page's charts are inline SVG drawn here.
//!
//! Everything a document says (publisher names above all) is untrusted:
//! maud escapes every value in the HTML and SVG, and the terminal table
//! replaces control characters.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use gongkai_index::category::{CATEGORIES, KIND_DISCLOSURE, KIND_NEWS, UNCLASSIFIED};
use gongkai_index::{Document, Searcher};
use maud::{Markup, PreEscaped, html};
use serde::Serialize;
use unicode_width::UnicodeWidthStr;

/// Publisher shown for documents that name none.
pub const NO_PUBLISHER: &str = "（未注明）";
/// Earliest year accepted.
pub const MIN_YEAR: i32 = 1000;
/// Latest year accepted.
pub const MAX_YEAR: i32 = 9999;
/// Publishers drawn in the chart (the table beside it lists all of them).
pub const CHART_PUBLISHERS: usize = 20;

/// What can go wrong making the figures.
#[derive(Debug, thiserror::Error)]
pub enum StatsError {
    /// A year outside [`MIN_YEAR`]..=[`MAX_YEAR`].
    #[error("year {0} is out of range: give a four-digit year ({MIN_YEAR}–{MAX_YEAR})")]
    YearOutOfRange(i64),
    /// Text that is not a year.
    #[error("{0:?} is not a year: give four digits such as 2023")]
    NotAYear(String),
    /// Reading the index's documents failed.
    #[error("reading the index: {0}")]
    Index(#[from] gongkai_index::Error),
    /// Writing CSV failed.
    #[error("writing CSV: {0}")]
    Csv(#[from] csv::Error),
    /// Writing JSON failed.
    #[error("writing JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// Checks a year given as a number.
pub fn check_year(year: i64) -> Result<i32, StatsError> {
    match i32::try_from(year) {
        Ok(y) if (MIN_YEAR..=MAX_YEAR).contains(&y) => Ok(y),
        _ => Err(StatsError::YearOutOfRange(year)),
    }
}

/// Reads a year (`2023`, surrounding blanks allowed).
pub fn parse_year(text: &str) -> Result<i32, StatsError> {
    let t = text.trim();
    if t.is_empty() || t.len() > 9 || !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(StatsError::NotAYear(text.to_string()));
    }
    // At most nine digits: always fits.
    check_year(
        t.parse::<i64>()
            .map_err(|_| StatsError::NotAYear(text.to_string()))?,
    )
}

/// The figures of one year, or of all documents.
///
/// The JSON form is what `gongkai stats --format json` and
/// `/stats?format=json` give: the fields below, maps as objects.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Stats {
    /// The year counted, or null for all.
    pub year: Option<i32>,
    /// Items published (in the year; all documents when no year).
    pub total: u64,
    /// Documents without a publication date (counted only when no year is given).
    pub undated: u64,
    /// 信息公开 and 新闻 (zeros included), and 未分类 when there are any.
    pub kinds: BTreeMap<String, u64>,
    /// The 20 categories (zeros included); a category outside them as given.
    pub categories: BTreeMap<String, u64>,
    /// Per 发布机构 ([`NO_PUBLISHER`] for none).
    pub publishers: BTreeMap<String, u64>,
    /// Per month, `YYYY-MM` (the 12 months of the year when a year is given;
    /// the months that have documents otherwise).
    pub months: BTreeMap<String, u64>,
    /// Per month, per kind (the same months as `months`; 信息公开 and 新闻
    /// always, 未分类 when there are any).
    pub month_kinds: BTreeMap<String, BTreeMap<String, u64>>,
    /// Every year that has documents in the index, with its count (whatever
    /// the year counted): the page's year links.
    pub years: BTreeMap<i32, u64>,
}

impl Stats {
    /// Zero figures for `year` (or all), with the rows every report shows.
    pub fn empty(year: Option<i32>) -> Stats {
        let mut stats = Stats {
            year,
            ..Default::default()
        };
        for name in CATEGORIES {
            stats.categories.insert(name.to_string(), 0);
        }
        for kind in [KIND_DISCLOSURE, KIND_NEWS] {
            stats.kinds.insert(kind.to_string(), 0);
        }
        if let Some(y) = year {
            for m in 1..=12 {
                let month = format!("{y:04}-{m:02}");
                stats.months.insert(month.clone(), 0);
                stats.month_kinds.insert(month, zero_kinds());
            }
        }
        stats
    }

    /// Counts one document (already known to belong to this year).
    fn add(&mut self, doc: &Document, date: Option<time::Date>) {
        self.total += 1;
        let kind = match (doc.category.as_deref(), doc.kind.as_deref()) {
            (Some(c), _) => {
                *self.categories.entry(c.to_string()).or_insert(0) += 1;
                KIND_DISCLOSURE
            }
            (None, Some(KIND_NEWS)) => KIND_NEWS,
            _ => UNCLASSIFIED,
        };
        *self.kinds.entry(kind.to_string()).or_insert(0) += 1;
        let publisher = doc.publisher.trim();
        let publisher = if publisher.is_empty() {
            NO_PUBLISHER
        } else {
            publisher
        };
        *self.publishers.entry(publisher.to_string()).or_insert(0) += 1;
        match date {
            Some(d) => {
                let month = format!("{:04}-{:02}", d.year(), u8::from(d.month()));
                *self.months.entry(month.clone()).or_insert(0) += 1;
                *self
                    .month_kinds
                    .entry(month)
                    .or_insert_with(zero_kinds)
                    .entry(kind.to_string())
                    .or_insert(0) += 1;
            }
            None => self.undated += 1,
        }
    }

    /// Publishers, most items first (ties by name).
    pub fn publishers_by_count(&self) -> Vec<(&str, u64)> {
        let mut v: Vec<(&str, u64)> = self
            .publishers
            .iter()
            .map(|(k, n)| (k.as_str(), *n))
            .collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        v
    }

    /// A kind's count (0 when absent).
    pub fn kind(&self, kind: &str) -> u64 {
        self.kinds.get(kind).copied().unwrap_or(0)
    }

    /// Whether any document is neither 信息公开 nor 新闻.
    fn has_unclassified(&self) -> bool {
        self.kind(UNCLASSIFIED) > 0
    }
}

fn zero_kinds() -> BTreeMap<String, u64> {
    [KIND_DISCLOSURE, KIND_NEWS]
        .into_iter()
        .map(|k| (k.to_string(), 0))
        .collect()
}

/// Every year's figures and the all-years figures, counted in one pass over
/// the documents; [`Tally::stats`] then answers any year without counting
/// again (the server keeps one per live generation).
#[derive(Debug, Clone)]
pub struct Tally {
    all: Stats,
    by_year: BTreeMap<i32, Stats>,
}

impl Default for Tally {
    fn default() -> Self {
        Tally {
            all: Stats::empty(None),
            by_year: BTreeMap::new(),
        }
    }
}

impl Tally {
    /// Counts every document of the searcher's generation (as of now).
    pub fn count(searcher: &Searcher) -> Result<Tally, StatsError> {
        let mut tally = Tally::default();
        searcher.for_each_document(|doc| {
            tally.add(&doc);
            Ok(())
        })?;
        Ok(tally)
    }

    /// Counts documents given directly.
    pub fn from_documents<'a>(docs: impl IntoIterator<Item = &'a Document>) -> Tally {
        let mut tally = Tally::default();
        for doc in docs {
            tally.add(doc);
        }
        tally
    }

    /// Counts one more document.
    pub fn add(&mut self, doc: &Document) {
        let date = doc.published_date();
        self.all.add(doc, date);
        if let Some(d) = date {
            self.by_year
                .entry(d.year())
                .or_insert_with(|| Stats::empty(Some(d.year())))
                .add(doc, date);
        }
    }

    /// Years that have documents, with their counts.
    pub fn years(&self) -> BTreeMap<i32, u64> {
        self.by_year.iter().map(|(y, s)| (*y, s.total)).collect()
    }

    /// The latest year that has documents.
    pub fn latest_year(&self) -> Option<i32> {
        self.by_year.keys().next_back().copied()
    }

    /// The figures of `year` (zeros for a year without documents), or of
    /// all documents.
    pub fn stats(&self, year: Option<i32>) -> Stats {
        let mut stats = match year {
            None => self.all.clone(),
            Some(y) => self
                .by_year
                .get(&y)
                .cloned()
                .unwrap_or_else(|| Stats::empty(Some(y))),
        };
        stats.years = self.years();
        stats
    }
}

/// Counts the figures of `year` (or all) over the searcher's documents.
pub fn compute(searcher: &Searcher, year: Option<i32>) -> Result<Stats, StatsError> {
    Ok(Tally::count(searcher)?.stats(year))
}

// ---------------------------------------------------------------- JSON, CSV

/// The figures as pretty JSON (see [`Stats`]).
pub fn to_json(stats: &Stats) -> Result<String, StatsError> {
    Ok(serde_json::to_string_pretty(stats)?)
}

/// CSV rows `section,name,count`: `total`, `undated` (all years only),
/// `kind`, `category` (portal order), `publisher` (most first), `month`,
/// then `month_kind` (`YYYY-MM/kind`) and `year` (every year that has
/// documents). A name a spreadsheet would run as a formula (starting with
/// `=`, `+`, `-`, `@`, a tab or a carriage return) gets a `'` in front.
pub fn to_csv(stats: &Stats) -> Result<String, StatsError> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(["section", "name", "count"])?;
    out.write_record(["total", "", &stats.total.to_string()])?;
    if stats.year.is_none() {
        out.write_record(["undated", "", &stats.undated.to_string()])?;
    }
    for (name, n) in &stats.kinds {
        out.write_record(["kind", name, &n.to_string()])?;
    }
    for (name, n) in category_rows(stats) {
        out.write_record(["category", &inert(name), &n.to_string()])?;
    }
    for (name, n) in stats.publishers_by_count() {
        out.write_record(["publisher", &inert(name), &n.to_string()])?;
    }
    for (name, n) in &stats.months {
        out.write_record(["month", name, &n.to_string()])?;
    }
    for (month, kinds) in &stats.month_kinds {
        for (kind, n) in kinds {
            out.write_record(["month_kind", &format!("{month}/{kind}"), &n.to_string()])?;
        }
    }
    for (year, n) in &stats.years {
        out.write_record(["year", &year.to_string(), &n.to_string()])?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| StatsError::Csv(e.into_error().into()))?;
    // Every field is a Rust string: the bytes are UTF-8.
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// A crawled name made inert for a spreadsheet (no formula runs from a CSV
/// cell): `'` before a leading `=`, `+`, `-`, `@`, tab or carriage return.
fn inert(name: &str) -> std::borrow::Cow<'_, str> {
    if name.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{name}").into()
    } else {
        name.into()
    }
}

/// The 20 categories in the portal's order, then any other category given.
fn category_rows(stats: &Stats) -> Vec<(&str, u64)> {
    let mut rows: Vec<(&str, u64)> = CATEGORIES
        .iter()
        .map(|c| (*c, stats.categories.get(*c).copied().unwrap_or(0)))
        .collect();
    rows.extend(
        stats
            .categories
            .iter()
            .filter(|(c, _)| !CATEGORIES.contains(&c.as_str()))
            .map(|(c, n)| (c.as_str(), *n)),
    );
    rows
}

// ------------------------------------------------------------ terminal table

/// Text safe to print on a terminal: control characters (escape sequences,
/// line breaks in a publisher's name) become `�`.
fn terminal_safe(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect()
}

/// Column alignment.
#[derive(Clone, Copy, PartialEq)]
enum Align {
    Left,
    Right,
}

/// Appends a table whose columns line up by display width (a CJK character
/// takes two columns).
fn write_table(out: &mut String, header: &[&str], align: &[Align], rows: &[Vec<String>]) {
    let cells: Vec<Vec<String>> = std::iter::once(header.iter().map(|h| h.to_string()).collect())
        .chain(
            rows.iter()
                .map(|r| r.iter().map(|c| terminal_safe(c)).collect()),
        )
        .collect();
    let columns = header.len();
    let widths: Vec<usize> = (0..columns)
        .map(|i| {
            cells
                .iter()
                .map(|r| r.get(i).map_or(0, |c| c.width()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in &cells {
        let mut line = String::new();
        for (i, width) in widths.iter().enumerate() {
            let cell = row.get(i).map_or("", String::as_str);
            let pad = " ".repeat(width.saturating_sub(cell.width()));
            if i > 0 {
                line.push_str("  ");
            }
            match align.get(i).copied().unwrap_or(Align::Left) {
                Align::Left => {
                    line.push_str(cell);
                    line.push_str(&pad);
                }
                Align::Right => {
                    line.push_str(&pad);
                    line.push_str(cell);
                }
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
}

/// The figures as tables for a terminal, aligned by display width.
pub fn to_table(stats: &Stats) -> String {
    let mut out = String::new();
    match stats.year {
        Some(y) => {
            let _ = writeln!(out, "{y}年: {} items published", stats.total);
        }
        None => {
            let _ = writeln!(
                out,
                "all years: {} items ({} without a date)",
                stats.total, stats.undated
            );
        }
    }
    out.push('\n');
    let num = |n: u64| n.to_string();
    let kinds: Vec<Vec<String>> = stats
        .kinds
        .iter()
        .map(|(k, n)| vec![k.clone(), num(*n)])
        .collect();
    write_table(
        &mut out,
        &["kind", "items"],
        &[Align::Left, Align::Right],
        &kinds,
    );
    out.push('\n');
    let categories: Vec<Vec<String>> = category_rows(stats)
        .into_iter()
        .map(|(c, n)| vec![c.to_string(), num(n)])
        .collect();
    write_table(
        &mut out,
        &["category", "items"],
        &[Align::Left, Align::Right],
        &categories,
    );
    out.push('\n');
    let unclassified = stats.has_unclassified();
    let mut header = vec!["month", "items", KIND_DISCLOSURE, KIND_NEWS];
    if unclassified {
        header.push(UNCLASSIFIED);
    }
    let months: Vec<Vec<String>> = stats
        .months
        .iter()
        .map(|(m, n)| {
            let kinds = stats.month_kinds.get(m);
            let k = |kind: &str| num(kinds.and_then(|k| k.get(kind)).copied().unwrap_or(0));
            let mut row = vec![m.clone(), num(*n), k(KIND_DISCLOSURE), k(KIND_NEWS)];
            if unclassified {
                row.push(k(UNCLASSIFIED));
            }
            row
        })
        .collect();
    let mut align = vec![Align::Left];
    align.resize(header.len(), Align::Right);
    write_table(&mut out, &header, &align, &months);
    out.push('\n');
    let publishers: Vec<Vec<String>> = stats
        .publishers_by_count()
        .into_iter()
        .map(|(p, n)| vec![p.to_string(), num(n)])
        .collect();
    write_table(
        &mut out,
        &["publisher", "items"],
        &[Align::Left, Align::Right],
        &publishers,
    );
    out
}

// ------------------------------------------------------------------- HTML

/// How the HTML page links out.
#[derive(Debug, Clone)]
pub struct HtmlOptions {
    /// The site's name, in the header and the title.
    pub site_title: String,
    /// Path the year links go to (`/stats` makes `/stats?year=2023`); `None`
    /// (a file written by `gongkai stats`) shows the years as plain text.
    pub stats_path: Option<String>,
    /// The search page, linked from the header and footer; `None` for a file.
    pub search_path: Option<String>,
}

impl Default for HtmlOptions {
    fn default() -> Self {
        HtmlOptions {
            site_title: "政府信息公开".to_string(),
            stats_path: None,
            search_path: None,
        }
    }
}

const CSS: &str = "\
*{box-sizing:border-box}\
body{margin:0;font:16px/1.6 system-ui,-apple-system,\"PingFang SC\",\"Microsoft YaHei\",\"Noto Sans CJK SC\",sans-serif;color:#1a1a1a;background:#fff}\
a{color:#0b4fa6}a:visited{color:#5a2d91}\
a:focus{outline:3px solid #f5a700;outline-offset:2px}\
header{background:#a61b1b;color:#fff;padding:.8rem 1rem}header a,header a:visited{color:#fff;text-decoration:none}\
h1{font-size:1.25rem;margin:0}header p{margin:.2rem 0 0}\
main{padding:1rem;max-width:72rem;margin:0 auto}\
h2{font-size:1.15rem;margin:.5rem 0}h3{font-size:1rem;margin:1.5rem 0 .5rem}\
.stat{color:#444}\
nav.years{display:flex;flex-wrap:wrap;gap:.4rem;align-items:center;margin:.5rem 0}\
nav.years a,nav.years span.y{padding:.2rem .6rem;border:1px solid #bbb;border-radius:4px;text-decoration:none}\
nav.years span.y[aria-current]{background:#1a1a1a;color:#fff;border-color:#1a1a1a}\
.fig{display:flex;flex-wrap:wrap;gap:1.5rem;align-items:flex-start}\
.fig svg{flex:1 1 26rem;max-width:44rem;width:100%;height:auto}\
.fig svg text{font-size:12px;fill:#1a1a1a}.fig svg rect{fill:#a61b1b}\
table{border-collapse:collapse;font-size:.9rem}\
th,td{border:1px solid #ccc;padding:.2rem .6rem}th{background:#f3f3f3;text-align:left}\
td.n{text-align:right;font-variant-numeric:tabular-nums}\
tr.sub th{font-weight:400;padding-left:1.4rem}\
caption{text-align:left;font-weight:600;padding:.2rem 0}\
.tw{overflow-x:auto;max-width:100%}\
.note{background:#fff6d6;border-left:4px solid #c89500;padding:.5rem .8rem}\
.err{background:#fde8e8;border-left:4px solid #a61b1b;padding:.5rem .8rem}\
footer{color:#555;font-size:.8rem;text-align:center;padding:1rem}";

/// One bar of a chart: its label, its number.
struct Bar {
    label: String,
    value: u64,
}

/// Width of the plotting area of every chart (SVG user units).
const PLOT: f64 = 400.0;

/// Length of a bar: proportional to its value, the longest `PLOT`.
fn bar_length(value: u64, max: u64) -> f64 {
    if max == 0 {
        0.0
    } else {
        value as f64 / max as f64 * PLOT
    }
}

/// A label cut to `chars` characters (the whole one stays in `<title>`).
fn short(label: &str, chars: usize) -> String {
    if label.chars().count() <= chars {
        label.to_string()
    } else {
        let mut s: String = label.chars().take(chars.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

// SVG elements are closed explicitly (`rect … {}`): maud writes `rect …;`
// as `<rect …>`, which the HTML parser leaves open in SVG, swallowing
// what follows.

/// A vertical bar chart (one column per label, bars only where the value is
/// not 0), each bar with its `<title>` and its number above it.
fn vertical_chart(name: &str, bars: &[Bar]) -> Markup {
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0);
    let slot = (PLOT + 120.0) / bars.len().max(1) as f64;
    let (top, height) = (20.0, 200.0);
    let width = slot * bars.len().max(1) as f64;
    let view = format!("0 0 {:.0} {:.0}", width, top + height + 24.0);
    html! {
        svg xmlns="http://www.w3.org/2000/svg" viewBox=(view) role="img" aria-label=(name) class="chart vbars" {
            title { (name) }
            line x1="0" x2=(format!("{width:.1}")) y1=(format!("{:.1}", top + height)) y2=(format!("{:.1}", top + height)) stroke="#888" {}
            @for (i, bar) in bars.iter().enumerate() {
                @let x = i as f64 * slot;
                @let h = bar_length(bar.value, max) / PLOT * height;
                @if bar.value > 0 {
                    g class="bar" {
                        title { (bar.label) "：" (bar.value) " 条" }
                        rect x=(format!("{:.2}", x + slot * 0.15)) y=(format!("{:.2}", top + height - h))
                            width=(format!("{:.2}", slot * 0.7)) height=(format!("{h:.2}")) {}
                        text x=(format!("{:.2}", x + slot / 2.0)) y=(format!("{:.2}", top + height - h - 4.0))
                            text-anchor="middle" { (bar.value) }
                    }
                }
                text x=(format!("{:.2}", x + slot / 2.0)) y=(format!("{:.1}", top + height + 16.0))
                    text-anchor="middle" class="label" { (short(&bar.label, 8)) }
            }
        }
    }
}

/// A horizontal bar chart (one row per label; bars only where the value is
/// not 0), each bar with its `<title>` and its number after it.
fn horizontal_chart(name: &str, bars: &[Bar]) -> Markup {
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0);
    let (label_width, row, gap) = (170.0, 22.0, 4.0);
    let height = row * bars.len().max(1) as f64 + gap;
    let view = format!("0 0 {:.0} {:.0}", label_width + PLOT + 60.0, height);
    html! {
        svg xmlns="http://www.w3.org/2000/svg" viewBox=(view) role="img" aria-label=(name) class="chart hbars" {
            title { (name) }
            @for (i, bar) in bars.iter().enumerate() {
                @let y = i as f64 * row + gap;
                @let w = bar_length(bar.value, max);
                text x=(format!("{:.1}", label_width - 6.0)) y=(format!("{:.2}", y + row * 0.65))
                    text-anchor="end" class="label" { (short(&bar.label, 13)) }
                @if bar.value > 0 {
                    g class="bar" {
                        title { (bar.label) "：" (bar.value) " 条" }
                        rect x=(format!("{label_width:.1}")) y=(format!("{:.2}", y + 2.0))
                            width=(format!("{w:.2}")) height=(format!("{:.2}", row - 6.0)) {}
                        text x=(format!("{:.2}", label_width + w + 4.0)) y=(format!("{:.2}", y + row * 0.65)) { (bar.value) }
                    }
                }
            }
        }
    }
}

/// The whole page: header, year links, the figures with their charts.
pub fn to_html(stats: &Stats, options: &HtmlOptions) -> String {
    let period = match stats.year {
        Some(y) => format!("{y}年"),
        None => "全部年份".to_string(),
    };
    let main = html! {
        main id="report" {
            (year_links(stats.year, &stats.years, options))
            h2 { (period) "政府信息主动公开情况" }
            p class="stat" {
                "共发布 " strong id="total" { (stats.total) } " 条："
                (KIND_DISCLOSURE) " " span id="disclosure" { (stats.kind(KIND_DISCLOSURE)) } " 条，"
                (KIND_NEWS) " " span id="news" { (stats.kind(KIND_NEWS)) } " 条"
                @if stats.has_unclassified() {
                    "，" (UNCLASSIFIED) " " (stats.kind(UNCLASSIFIED)) " 条"
                }
                @if stats.year.is_none() && stats.undated > 0 {
                    "（其中 " (stats.undated) " 条未注明发布日期）"
                }
                "。"
            }
            @if stats.total == 0 {
                p class="note" { (period) "没有已发布的文件。" }
            }
            (period_section(stats))
            (category_section(stats))
            (publisher_section(stats))
        }
    };
    page(&format!("{period}政府信息公开统计"), options, main).into_string()
}

/// An error page in the same frame (the server's 400 for a bad year).
pub fn error_html(message: &str, options: &HtmlOptions) -> String {
    let main = html! {
        main id="report" {
            p class="err" role="alert" { "无法生成统计：" (message) }
            @if let Some(path) = &options.stats_path {
                p { a href=(path) { "查看最新年度统计" } }
            }
        }
    };
    page("统计出错", options, main).into_string()
}

fn page(title: &str, options: &HtmlOptions, main: Markup) -> Markup {
    let site = &options.site_title;
    html! {
        (PreEscaped("<!doctype html>"))
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width,initial-scale=1";
                title { (title) " - " (site) }
                style { (PreEscaped(CSS)) }
            }
            body {
                header {
                    h1 {
                        @if let Some(search) = &options.search_path {
                            a href=(search) { (site) }
                        } @else {
                            (site)
                        }
                    }
                    p { "政府信息公开工作年度报告统计" }
                }
                (main)
                footer {
                    "按发布日期统计本站已收录的政府信息；以原发布机关网站为准。"
                    @if let Some(search) = &options.search_path {
                        " " a href=(search) { "返回搜索" }
                    }
                }
            }
        }
    }
}

/// The years as links (the current one marked), and 全部年份.
fn year_links(current: Option<i32>, years: &BTreeMap<i32, u64>, options: &HtmlOptions) -> Markup {
    let href = |year: Option<i32>| {
        options.stats_path.as_ref().map(|p| match year {
            Some(y) => format!("{p}?year={y}"),
            None => format!("{p}?year=all"),
        })
    };
    let mut items: Vec<(Option<i32>, String)> = years
        .keys()
        .rev()
        .map(|y| (Some(*y), format!("{y}年")))
        .collect();
    items.push((None, "全部年份".to_string()));
    html! {
        nav class="years" aria-label="年份" {
            "年份："
            @for (year, label) in &items {
                @if *year == current {
                    span class="y" aria-current="page" { (label) }
                } @else if let Some(h) = href(*year) {
                    a href=(h) { (label) }
                } @else {
                    span class="y" { (label) }
                }
            }
        }
    }
}

/// Items per month (a year) or per year (all): chart and table.
fn period_section(stats: &Stats) -> Markup {
    let unclassified = stats.has_unclassified();
    // (label, total, per kind)
    let rows: Vec<(String, u64, BTreeMap<String, u64>)> = match stats.year {
        Some(_) => stats
            .months
            .iter()
            .map(|(m, n)| {
                let label = m
                    .split_once('-')
                    .and_then(|(_, mm)| mm.parse::<u8>().ok())
                    .map_or_else(|| m.clone(), |mm| format!("{mm}月"));
                let kinds = stats.month_kinds.get(m).cloned().unwrap_or_default();
                (label, *n, kinds)
            })
            .collect(),
        None => {
            let mut per_year: BTreeMap<String, (u64, BTreeMap<String, u64>)> = BTreeMap::new();
            for (m, n) in &stats.months {
                let year = m.split('-').next().unwrap_or(m).to_string();
                let entry = per_year.entry(year).or_default();
                entry.0 += n;
                for (kind, k) in stats.month_kinds.get(m).into_iter().flatten() {
                    *entry.1.entry(kind.clone()).or_insert(0) += k;
                }
            }
            per_year
                .into_iter()
                .map(|(y, (n, kinds))| (format!("{y}年"), n, kinds))
                .collect()
        }
    };
    let (heading, unit) = match stats.year {
        Some(y) => (format!("{y}年各月发布条数"), "月份"),
        None => ("各年发布条数".to_string(), "年份"),
    };
    let bars: Vec<Bar> = rows
        .iter()
        .map(|(label, n, _)| Bar {
            label: label.clone(),
            value: *n,
        })
        .collect();
    let kind = |kinds: &BTreeMap<String, u64>, k: &str| kinds.get(k).copied().unwrap_or(0);
    html! {
        section id="months" aria-labelledby="h-months" {
            h3 id="h-months" { (heading) }
            div class="fig" {
                (vertical_chart(&heading, &bars))
                div class="tw" {
                    table {
                        caption { (heading) }
                        thead { tr {
                            th scope="col" { (unit) }
                            th scope="col" { (KIND_DISCLOSURE) }
                            th scope="col" { (KIND_NEWS) }
                            @if unclassified { th scope="col" { (UNCLASSIFIED) } }
                            th scope="col" { "合计" }
                        } }
                        tbody {
                            @for (label, n, kinds) in &rows {
                                tr {
                                    th scope="row" { (label) }
                                    td class="n" { (kind(kinds, KIND_DISCLOSURE)) }
                                    td class="n" { (kind(kinds, KIND_NEWS)) }
                                    @if unclassified { td class="n" { (kind(kinds, UNCLASSIFIED)) } }
                                    td class="n" { (n) }
                                }
                            }
                        }
                        tfoot { tr {
                            th scope="row" { "合计" }
                            td class="n" { (stats.kind(KIND_DISCLOSURE)) }
                            td class="n" { (stats.kind(KIND_NEWS)) }
                            @if unclassified { td class="n" { (stats.kind(UNCLASSIFIED)) } }
                            td class="n" { (rows.iter().map(|r| r.1).sum::<u64>()) }
                        } }
                    }
                }
            }
        }
    }
}

/// The report's 主动公开 table: total, 新闻, 信息公开 and each category.
fn category_section(stats: &Stats) -> Markup {
    let rows = category_rows(stats);
    let bars: Vec<Bar> = rows
        .iter()
        .map(|(c, n)| Bar {
            label: c.to_string(),
            value: *n,
        })
        .collect();
    let heading = "按信息分类（主动公开）";
    html! {
        section id="categories" aria-labelledby="h-categories" {
            h3 id="h-categories" { (heading) }
            div class="fig" {
                (horizontal_chart("各信息分类发布条数", &bars))
                div class="tw" {
                    table {
                        caption { "主动公开政府信息情况" }
                        thead { tr { th scope="col" { "项目" } th scope="col" { "条数" } } }
                        tbody {
                            tr { th scope="row" { "主动公开总数" } td class="n" { (stats.total) } }
                            tr { th scope="row" { (KIND_NEWS) } td class="n" { (stats.kind(KIND_NEWS)) } }
                            tr { th scope="row" { (KIND_DISCLOSURE) } td class="n" { (stats.kind(KIND_DISCLOSURE)) } }
                            @for (name, n) in &rows {
                                tr class="sub" { th scope="row" { (name) } td class="n" { (n) } }
                            }
                            @if stats.has_unclassified() {
                                tr { th scope="row" { (UNCLASSIFIED) } td class="n" { (stats.kind(UNCLASSIFIED)) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Items per 发布机构: the first [`CHART_PUBLISHERS`] drawn, all in the table.
fn publisher_section(stats: &Stats) -> Markup {
    let publishers = stats.publishers_by_count();
    let bars: Vec<Bar> = publishers
        .iter()
        .take(CHART_PUBLISHERS)
        .map(|(p, n)| Bar {
            label: p.to_string(),
            value: *n,
        })
        .collect();
    let heading = "按发布机构";
    let chart_name = if publishers.len() > CHART_PUBLISHERS {
        format!("发布条数最多的 {CHART_PUBLISHERS} 个发布机构")
    } else {
        "各发布机构发布条数".to_string()
    };
    html! {
        section id="publishers" aria-labelledby="h-publishers" {
            h3 id="h-publishers" { (heading) }
            @if publishers.is_empty() {
                p class="stat" { "没有发布机构。" }
            } @else {
                div class="fig" {
                    (horizontal_chart(&chart_name, &bars))
                    div class="tw" {
                        table {
                            caption { "各发布机构发布条数（" (publishers.len()) " 个）" }
                            thead { tr { th scope="col" { "发布机构" } th scope="col" { "条数" } } }
                            tbody {
                                @for (name, n) in &publishers {
                                    tr { th scope="row" { (name) } td class="n" { (n) } }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
