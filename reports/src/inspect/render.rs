//! The report as HTML (one page, no script; maud escapes every crawled
//! string), JSON and CSV.

use maud::{DOCTYPE, Markup, html};

use super::{Check, InspectError, Report, Severity};

const CSS: &str = "\
*{box-sizing:border-box}\
body{margin:0;font:15px/1.55 system-ui,-apple-system,\"PingFang SC\",\"Microsoft YaHei\",\"Noto Sans CJK SC\",sans-serif;color:#1a1a1a;background:#fff}\
header{background:#a61b1b;color:#fff;padding:.8rem 1rem}header h1{font-size:1.25rem;margin:0}\
main{max-width:76rem;margin:0 auto;padding:1rem}\
a{color:#0b4fa6}a:visited{color:#5a2d91}a:focus{outline:3px solid #f5a700;outline-offset:2px}\
table{border-collapse:collapse;width:100%;margin:.5rem 0 1.2rem}\
th,td{border:1px solid #bbb;padding:.3rem .5rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}\
th{background:#f1f1f1}\
.veto{background:#fde8e8}.deduct{background:#fff6d6}\
.verdict{background:#fde8e8;border-left:4px solid #a61b1b;padding:.5rem .8rem;margin:.3rem 0}\
.ok{background:#e8f6e8;border-left:4px solid #2a7a2a;padding:.5rem .8rem}\
.rule{color:#3d3d3d;font-size:.85rem;margin:.2rem 0 .5rem}\
ul.u{margin:0;padding-left:1.1rem}\
.n{color:#555}";

fn severity_name(s: Severity) -> &'static str {
    match s {
        Severity::Veto => "单项否决项",
        Severity::Deduct => "扣分项",
        Severity::Notice => "提示",
    }
}

fn severity_class(s: Severity) -> &'static str {
    match s {
        Severity::Veto => "veto",
        Severity::Deduct => "deduct",
        Severity::Notice => "notice",
    }
}

/// A crawled URL as a link only when it is http(s); anything else is text.
fn url_cell(url: &str) -> Markup {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        html! { a href=(url) rel="noreferrer nofollow" { (url) } }
    } else {
        html! { (url) }
    }
}

/// The report as one HTML page (works without JavaScript).
pub fn to_html(report: &Report) -> String {
    let markup = html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="robots" content="noindex";
                title { "网站自查报告 " (report.as_of) }
                style { (maud::PreEscaped(CSS)) }
            }
            body {
                header { h1 { "网站自查报告（" (report.as_of) "）" } }
                main {
                    p.n {
                        "依据《政府网站与政务新媒体检查指标》，读取第 " (report.run) " 次抓取"
                        @if !report.run_finished { "（未完成）" }
                        "的结果：" (report.pages) " 个网址，" (report.documents) " 条信息。首页："
                        @for (i, h) in report.home_pages.iter().enumerate() {
                            @if i > 0 { "，" }
                            (url_cell(h))
                        }
                    }
                    section aria-labelledby="summary" {
                        h2 #summary { "概况" }
                        @if report.verdicts.is_empty() {
                            p.ok { "未触及单项否决指标。" }
                        }
                        @for v in &report.verdicts { p.verdict { (v) } }
                        table {
                            thead { tr { th { "检查项" } th { "问题数" } } }
                            tbody {
                                @for c in Check::ALL {
                                    tr {
                                        td { a href={ "#" (c.name()) } { (c.title()) } }
                                        td { (report.counts.get(c.name()).copied().unwrap_or(0)) }
                                    }
                                }
                            }
                        }
                        p.n {
                            "首页最新信息："
                            @match (&report.home_newest, &report.home_newest_url) {
                                (Some(d), Some(u)) => { (d) " " (url_cell(u)) }
                                _ => { "无" }
                            }
                        }
                    }
                    @for c in Check::ALL {
                        @let findings: Vec<_> = report.findings.iter().filter(|f| f.check == c).collect();
                        section aria-labelledby=(c.name()) {
                            h2 id=(c.name()) { (c.title()) " (" (report.counts.get(c.name()).copied().unwrap_or(0)) ")" }
                            p.rule { (super::checks::rule(c)) }
                            @if findings.is_empty() {
                                p.n { "未发现问题。" }
                            } @else {
                                table {
                                    thead { tr { th { "性质" } th { "网址" } th { "证据" } } }
                                    tbody {
                                        @for f in findings {
                                            tr class=(severity_class(f.severity)) data-check=(c.name()) {
                                                td { (severity_name(f.severity)) }
                                                td {
                                                    ul.u { @for u in &f.urls { li { (url_cell(u)) } } }
                                                }
                                                td { (f.evidence) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    section aria-labelledby="columns" {
                        h2 #columns { "栏目更新情况" }
                        table {
                            thead { tr {
                                th { "栏目" } th { "类型" } th { "信息数" } th { "最新信息" }
                                th { "距今天数" } th { "允许天数" } th { "状态" }
                            } }
                            tbody {
                                @for col in &report.columns {
                                    tr class=[col.stale.then_some("deduct").or(col.blank.then_some("veto"))] {
                                        td { (col.name) br; (url_cell(&col.url)) }
                                        td { (col.kind) }
                                        td { (col.items) }
                                        td { @if let Some(u) = &col.newest_url { (col.newest.as_deref().unwrap_or("")) " " (url_cell(u)) } @else { "—" } }
                                        td { @if let Some(d) = col.days_since { (d) } @else { "—" } }
                                        td { @if col.allowed_days == 0 { "不检查" } @else { (col.allowed_days) } }
                                        td { @if col.blank { "空白" } @else if col.stale { "未按时更新" } @else { "正常" } }
                                    }
                                }
                            }
                        }
                    }
                    section aria-labelledby="hosts" {
                        h2 #hosts { "可用性（按主机）" }
                        table {
                            thead { tr { th { "主机" } th { "网址数" } th { "失败" } th { "缓慢" } th { "中位耗时 ms" } th { "最长耗时 ms" } } }
                            tbody {
                                @for h in &report.hosts {
                                    tr {
                                        td { (h.host) } td { (h.fetched) } td { (h.failed) } td { (h.slow) }
                                        td { @if let Some(m) = h.median_ms { (m) } @else { "—" } }
                                        td { @if let Some(m) = h.max_ms { (m) } @else { "—" } }
                                    }
                                }
                            }
                        }
                        p.n { "缓慢阈值 " (report.config.slow_ms) " ms；栏目期限：动态要闻 " (report.config.news_days)
                              " 天，通知公告政策文件 " (report.config.notice_days) " 天，人事规划计划 "
                              (report.config.plan_days) " 天，其他 " (report.config.other_days) " 天；首页 "
                              (report.config.home_days) " 天。" }
                    }
                }
            }
        }
    };
    markup.into_string()
}

/// The report as pretty JSON.
pub fn to_json(report: &Report) -> Result<String, InspectError> {
    Ok(serde_json::to_string_pretty(report)?)
}

/// A crawled string as a spreadsheet cell: one starting like a formula is
/// quoted with `'` so a spreadsheet shows it instead of running it.
fn cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

/// One row per finding: `check,severity,url,related,evidence,rule`
/// (`related`: the other URLs, separated by spaces).
pub fn to_csv(report: &Report) -> Result<String, InspectError> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(["check", "severity", "url", "related", "evidence", "rule"])?;
    for f in &report.findings {
        let severity = match f.severity {
            Severity::Veto => "veto",
            Severity::Deduct => "deduct",
            Severity::Notice => "notice",
        };
        let url = f.urls.first().map(String::as_str).unwrap_or("");
        let related = f.urls.get(1..).unwrap_or(&[]).join(" ");
        out.write_record([
            f.check.name(),
            severity,
            &cell(url),
            &cell(&related),
            &cell(&f.evidence),
            &f.rule,
        ])?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| InspectError::Io(std::io::Error::other(e.to_string())))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
