//! The self-inspection (网站常态化自查) from the last crawl: findings, and
//! rendering as HTML, CSV and JSON.
//!
//! It follows the national checklist for government websites, the
//! 《政府网站与政务新媒体检查指标》 (issued with 国办秘函〔2019〕19号): broken
//! links (home page links counted one by one), columns not updated (动态、要闻
//! 2 weeks; 通知公告、政策文件 6 months; 人事、规划计划 1 year), blank columns
//! (空白栏目), 信息公开 items missing their 索引号/发布机构/date, dates in the
//! future, items published twice, unreadable attachments, pages that are only
//! an image, and availability (failures and slow answers per host).
//!
//! Everything is read from the crawl state ([`gongkai_crawler::State::snapshot`]):
//! nothing is fetched again, except external links when asked
//! ([`external`]). The thresholds are [`InspectConfig`], read from
//! `DATA/inspect.toml`.

mod checks;
pub mod external;
mod render;

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

pub use checks::inspect;
pub use render::{to_csv, to_html, to_json};

/// Errors of the self-inspection.
#[derive(Debug, thiserror::Error)]
pub enum InspectError {
    #[error("crawl state: {0}")]
    State(#[from] gongkai_crawler::Error),
    #[error("no crawl state in {0} (run `gongkai crawl` first)")]
    NoCrawl(String),
    #[error("{path}: {message}")]
    Config { path: String, message: String },
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    #[error("CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Check {
    /// A link on the home page that does not open (each one counts).
    HomeBrokenLink,
    /// An internal link that does not open, with the pages linking to it.
    BrokenLink,
    /// An external link that does not open (`--external` only).
    ExternalBrokenLink,
    /// The home page's newest item is older than allowed.
    HomeNotUpdated,
    /// A column's newest item is older than its period allows.
    ColumnNotUpdated,
    /// A column with no items, or only "暂无信息".
    BlankColumn,
    /// A 信息公开 item without 索引号, 发布机构 or a date.
    MissingMetadata,
    /// A publication date after the day of the inspection.
    FutureDate,
    /// The same item (same 文号, 索引号 or text) under different URLs.
    Duplicate,
    /// An attachment that could not be read.
    BadAttachment,
    /// A page with (almost) no text: an image, or nothing.
    ImageOnly,
    /// Fetches of a host that failed (5xx, network, timeout).
    FetchFailures,
    /// Answers of a host slower than the threshold.
    SlowAnswers,
}

impl Check {
    /// Every check, in report order.
    pub const ALL: [Check; 13] = [
        Check::HomeBrokenLink,
        Check::BrokenLink,
        Check::ExternalBrokenLink,
        Check::HomeNotUpdated,
        Check::ColumnNotUpdated,
        Check::BlankColumn,
        Check::MissingMetadata,
        Check::FutureDate,
        Check::Duplicate,
        Check::BadAttachment,
        Check::ImageOnly,
        Check::FetchFailures,
        Check::SlowAnswers,
    ];

    /// The name used in JSON and CSV.
    pub fn name(self) -> &'static str {
        match self {
            Check::HomeBrokenLink => "home-broken-link",
            Check::BrokenLink => "broken-link",
            Check::ExternalBrokenLink => "external-broken-link",
            Check::HomeNotUpdated => "home-not-updated",
            Check::ColumnNotUpdated => "column-not-updated",
            Check::BlankColumn => "blank-column",
            Check::MissingMetadata => "missing-metadata",
            Check::FutureDate => "future-date",
            Check::Duplicate => "duplicate",
            Check::BadAttachment => "bad-attachment",
            Check::ImageOnly => "image-only",
            Check::FetchFailures => "fetch-failures",
            Check::SlowAnswers => "slow-answers",
        }
    }

    /// The heading staff read.
    pub fn title(self) -> &'static str {
        match self {
            Check::HomeBrokenLink => "首页不可用链接",
            Check::BrokenLink => "不可用链接（错链、断链）",
            Check::ExternalBrokenLink => "不可用外部链接",
            Check::HomeNotUpdated => "首页信息不更新",
            Check::ColumnNotUpdated => "栏目不更新",
            Check::BlankColumn => "空白栏目",
            Check::MissingMetadata => "信息公开要素缺失",
            Check::FutureDate => "发布日期晚于检查日",
            Check::Duplicate => "重复发布",
            Check::BadAttachment => "附件无法读取",
            Check::ImageOnly => "正文仅为图片或为空",
            Check::FetchFailures => "访问失败",
            Check::SlowAnswers => "访问缓慢",
        }
    }
}

/// How much a finding weighs under the checklist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// Counts towards a 单项否决 (the site fails the inspection outright
    /// once enough of them add up).
    Veto,
    /// Costs points (扣分).
    Deduct,
    /// Worth fixing; not scored by the checklist.
    Notice,
}

/// One problem, with what shows it and what the checklist says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub check: Check,
    pub severity: Severity,
    /// The URL at fault first, then related ones (pages linking to it, the
    /// other copies, the item the evidence names).
    pub urls: Vec<String>,
    /// What the crawl saw.
    pub evidence: String,
    /// What the checklist says.
    pub rule: String,
}

/// A column (栏目) and how fresh it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnStatus {
    /// Its first list page.
    pub url: String,
    pub name: String,
    /// 动态要闻, 通知公告政策文件, 人事规划计划, 其他 (or `configured`).
    pub kind: String,
    /// Items found on its list pages.
    pub items: usize,
    /// Its list pages.
    pub pages: usize,
    /// Newest item's date and URL.
    pub newest: Option<String>,
    pub newest_url: Option<String>,
    /// Days from the newest item to the day of the inspection.
    pub days_since: Option<i64>,
    /// Days allowed (0: never flagged).
    pub allowed_days: u32,
    pub stale: bool,
    pub blank: bool,
}

/// Fetches of one host during the crawl.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostStatus {
    pub host: String,
    /// URLs fetched (that answered or failed).
    pub fetched: usize,
    pub failed: usize,
    pub slow: usize,
    /// Slowest answer in milliseconds.
    pub max_ms: Option<u32>,
    /// Median answer in milliseconds.
    pub median_ms: Option<u32>,
}

/// The whole report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    /// The day the report is for (`YYYY-MM-DD`): ages count up to it.
    pub as_of: String,
    /// The crawl run read, and whether it had finished.
    pub run: i64,
    pub run_finished: bool,
    /// When the crawl started (Unix seconds).
    pub run_started: i64,
    pub home_pages: Vec<String>,
    /// Newest item linked from the home page, and its date.
    pub home_newest: Option<String>,
    pub home_newest_url: Option<String>,
    pub pages: usize,
    pub documents: usize,
    pub columns: Vec<ColumnStatus>,
    pub hosts: Vec<HostStatus>,
    /// Findings per check.
    pub counts: BTreeMap<String, usize>,
    /// Checklist conclusions drawn from the counts (e.g. 5 or more blank
    /// columns: 单项否决).
    pub verdicts: Vec<String>,
    pub findings: Vec<Finding>,
    /// The thresholds used.
    pub config: InspectConfig,
}

impl Report {
    /// Adds findings made apart (external links), keeping the order and counts.
    pub fn add_findings(&mut self, more: Vec<Finding>) {
        for f in &more {
            *self.counts.entry(f.check.name().to_string()).or_default() += 1;
        }
        self.findings.extend(more);
        self.findings
            .sort_by(|a, b| a.check.cmp(&b.check).then_with(|| a.urls.cmp(&b.urls)));
    }
}

/// Thresholds, with the checklist's values as defaults. Read from
/// `DATA/inspect.toml` (every key optional).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InspectConfig {
    /// 动态、要闻类 columns and the home page: days without a new item
    /// before they are flagged (checklist: 2 weeks).
    pub news_days: u32,
    /// 通知公告、政策文件类 columns (checklist: 6 months).
    pub notice_days: u32,
    /// 人事、规划计划类 columns (checklist: 1 year).
    pub plan_days: u32,
    /// Columns of no named type (0: never flagged). Default 1 year.
    pub other_days: u32,
    /// The home page's newest item (checklist: 2 weeks).
    pub home_days: u32,
    /// Per column, by name or by the start of its URL: days allowed (0:
    /// never flagged, e.g. a finished 专题).
    pub columns: BTreeMap<String, u32>,
    /// Column names containing one of these are 动态要闻类.
    pub news_words: Vec<String>,
    /// … 通知公告、政策文件类.
    pub notice_words: Vec<String>,
    /// … 人事、规划计划类.
    pub plan_words: Vec<String>,
    /// Answers at least this slow (ms) are reported (checklist: a page that
    /// does not open within 15 s is unavailable).
    pub slow_ms: u32,
    /// Article text shorter than this (characters, without spaces) and no
    /// attachment: a page that is only an image.
    pub min_text_chars: usize,
    /// Most pages named as linking to one broken link.
    pub max_referrers: usize,
    /// Most findings of one check (the rest are counted, not listed).
    pub max_findings: usize,
}

impl Default for InspectConfig {
    fn default() -> Self {
        let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect();
        InspectConfig {
            news_days: 14,
            notice_days: 183,
            plan_days: 365,
            other_days: 365,
            home_days: 14,
            columns: BTreeMap::new(),
            news_words: words(&["动态", "要闻", "新闻", "快讯", "资讯", "工作进展"]),
            notice_words: words(&["通知", "公告", "公示", "政策", "文件", "规范性"]),
            plan_words: words(&["人事", "任免", "规划", "计划"]),
            slow_ms: 15_000,
            min_text_chars: 20,
            max_referrers: 20,
            max_findings: 2_000,
        }
    }
}

impl InspectConfig {
    /// `DIR/inspect.toml` when it exists, else the defaults.
    pub fn load(data: &Path) -> Result<Self, InspectError> {
        let path = data.join("inspect.toml");
        if path.exists() {
            Self::load_file(&path)
        } else {
            Ok(Self::default())
        }
    }

    /// A settings file (TOML; every key optional, unknown keys refused).
    pub fn load_file(path: &Path) -> Result<Self, InspectError> {
        let text = std::fs::read_to_string(path)?;
        toml::from_str(&text).map_err(|e| InspectError::Config {
            path: path.display().to_string(),
            message: e.to_string(),
        })
    }
}

/// Reads `DIR/crawl.sqlite` and inspects it as of `as_of`.
pub fn inspect_data_dir(
    data: &Path,
    config: &InspectConfig,
    as_of: time::Date,
) -> Result<Report, InspectError> {
    let path = data.join("crawl.sqlite");
    if !path.exists() {
        return Err(InspectError::NoCrawl(data.display().to_string()));
    }
    let state = gongkai_crawler::State::open(&path).map_err(gongkai_crawler::Error::from)?;
    let snapshot = state
        .snapshot()
        .map_err(gongkai_crawler::Error::from)?
        .ok_or_else(|| InspectError::NoCrawl(data.display().to_string()))?;
    Ok(inspect(&snapshot, config, as_of))
}

/// A `YYYY-MM-DD` day.
pub fn parse_day(text: &str) -> Option<time::Date> {
    let mut parts = text.trim().splitn(3, '-');
    let year: i32 = parts.next()?.parse().ok()?;
    let month: u8 = parts.next()?.parse().ok()?;
    let day: u8 = parts.next()?.parse().ok()?;
    time::Date::from_calendar_date(year, time::Month::try_from(month).ok()?, day).ok()
}

/// Today in UTC.
pub fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}
