//! The citizen's search page: server-rendered HTML, no JavaScript, small
//! inline CSS, usable on a phone and with a keyboard.
//!
//! Everything from the index is untrusted. `title_html` and `snippet` come
//! escaped from the index crate (with `<em>` marks); every other value goes
//! through [`esc`] (which also escapes quotes, so it is safe in attributes),
//! URLs are only linked when they are `http(s)`, and the
//! Content-Security-Policy header forbids script altogether.

use std::fmt::Write;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use gongkai_index::analysis::normalize;
use gongkai_index::category::{CATEGORIES, KIND_NEWS};
use gongkai_index::doc_number::doc_number_key;
use gongkai_index::snippet::escape_html as esc;
use gongkai_index::{SearchRequest, SearchResponse, SnippetSource, Sort};

use super::AppState;
use super::api::{Checked, SearchParams, run_search};
use super::error::ApiError;

const CSS: &str = "\
*{box-sizing:border-box}\
body{margin:0;font:16px/1.6 system-ui,-apple-system,\"PingFang SC\",\"Microsoft YaHei\",\"Noto Sans CJK SC\",sans-serif;color:#1a1a1a;background:#fff}\
a{color:#0b4fa6}a:visited{color:#5a2d91}\
a:focus,input:focus,button:focus,select:focus{outline:3px solid #f5a700;outline-offset:2px}\
header{background:#a61b1b;color:#fff;padding:.8rem 1rem}header a,header a:visited{color:#fff;text-decoration:none}\
h1{font-size:1.25rem;margin:0 0 .5rem}\
form.s{display:flex;flex-wrap:wrap;gap:.5rem;align-items:flex-end}\
form.s .q{flex:1 1 16rem;display:flex;flex-direction:column}\
label{font-size:.85rem}\
input,button,select{font:inherit;padding:.45rem .6rem;border:1px solid #555;border-radius:4px;background:#fff;color:#1a1a1a}\
button{background:#1a1a1a;color:#fff;border-color:#1a1a1a;cursor:pointer}\
.dates{display:flex;gap:.5rem;flex-wrap:wrap}.dates label{color:#fff;display:flex;flex-direction:column}\
main{display:flex;flex-wrap:wrap;gap:1.5rem;padding:1rem;max-width:72rem;margin:0 auto}\
#results{flex:1 1 34rem;min-width:0}aside{flex:0 1 16rem}\
.stat{color:#444;font-size:.9rem}\
ol.hits{list-style:none;padding:0;margin:0}\
ol.hits li{margin:0 0 1.2rem}\
.t{font-size:1.1rem;margin:0}\
.m{color:#3d3d3d;font-size:.85rem;margin:.1rem 0}\
.sn{margin:.2rem 0;overflow-wrap:anywhere}\
.att{font-size:.8rem;border:1px solid #888;border-radius:3px;padding:0 .25rem;margin-right:.3rem;color:#3d3d3d}\
em{font-style:normal;color:#b00000;font-weight:600}\
aside h2{font-size:1rem;margin:1rem 0 .3rem}\
aside ul{list-style:none;padding:0;margin:0}aside li{margin:.15rem 0}\
.on{font-weight:700}.n{color:#555}\
nav.pg{display:flex;flex-wrap:wrap;gap:.4rem;margin:1rem 0}\
nav.pg a,nav.pg span{padding:.3rem .7rem;border:1px solid #bbb;border-radius:4px;text-decoration:none}\
nav.pg span{background:#1a1a1a;color:#fff}\
.sort a,.sort span{margin-right:.6rem}.sort span{font-weight:700}\
.note{background:#fff6d6;border-left:4px solid #c89500;padding:.5rem .8rem}\
.err{background:#fde8e8;border-left:4px solid #a61b1b;padding:.5rem .8rem}\
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;color:#000;padding:.3rem}\
footer{color:#555;font-size:.8rem;text-align:center;padding:1rem}";

/// Percent-encodes a query-string value.
fn enc(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 3);
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Whether a URL may be linked (no `javascript:`, `data:` ...).
fn linkable(url: &str) -> bool {
    let lower = url.trim_start().to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// The page's parameters, for building links that change one of them.
#[derive(Clone, Default)]
struct Link {
    q: String,
    category: String,
    from: String,
    to: String,
    publisher: String,
    sort: String,
    page: usize,
    size: usize,
}

impl Link {
    fn from_params(p: &SearchParams) -> Self {
        let s = |v: &Option<String>| v.as_deref().map(str::trim).unwrap_or("").to_string();
        Link {
            q: p.query().to_string(),
            category: s(&p.category),
            from: s(&p.from),
            to: s(&p.to),
            publisher: s(&p.publisher),
            sort: s(&p.sort),
            page: 1,
            size: 0,
        }
    }

    /// `/?...`, HTML-escaped for an attribute.
    fn href(&self) -> String {
        let mut parts = Vec::new();
        for (k, v) in [
            ("q", &self.q),
            ("category", &self.category),
            ("from", &self.from),
            ("to", &self.to),
            ("publisher", &self.publisher),
            ("sort", &self.sort),
        ] {
            if !v.is_empty() {
                parts.push(format!("{k}={}", enc(v)));
            }
        }
        if self.page > 1 {
            parts.push(format!("page={}", self.page));
        }
        if self.size > 0 && self.size != super::DEFAULT_PAGE_SIZE {
            parts.push(format!("size={}", self.size));
        }
        esc(&format!("/?{}", parts.join("&")))
    }

    fn with(&self, f: impl FnOnce(&mut Link)) -> String {
        let mut next = self.clone();
        next.page = 1;
        f(&mut next);
        next.href()
    }
}

/// `GET /`.
pub async fn search_page(
    State(state): State<AppState>,
    params: Result<Query<SearchParams>, QueryRejection>,
) -> Response {
    let params = match params {
        Ok(Query(p)) => p,
        Err(e) => return error_page(&state, &SearchParams::default(), ApiError::from(e)),
    };
    let checked = match params.check() {
        Ok(c) => c,
        Err(e) => return error_page(&state, &params, e),
    };
    let query = params.query().to_string();
    let request = checked.request.clone();
    let response = match run_search(&state, request).await {
        Ok(r) => r,
        Err(e) => return error_page(&state, &params, e),
    };
    // A 文号 typed on the first page jumps straight to its document.
    let jump = !matches!(params.jump.as_deref(), Some("0") | Some("false"));
    if jump
        && checked.page == 1
        && let Some(key) = doc_number_key(&query)
        && let Some(top) = response.hits.first()
        && doc_number_key(&top.doc_number).as_deref() == Some(key.as_str())
    {
        let target = if linkable(&top.url) {
            top.url.clone()
        } else {
            format!("/api/doc/{}", enc(&top.id))
        };
        if let Ok(value) = axum::http::HeaderValue::from_str(&target) {
            return (StatusCode::FOUND, [(header::LOCATION, value)]).into_response();
        }
    }
    let mut suggestions = Vec::new();
    if response.total == 0 && !query.is_empty() {
        let q = query.clone();
        if let Ok(s) = state
            .blocking(move |loaded, _| super::suggest::suggest(&loaded, &q, 6))
            .await
        {
            suggestions = s.into_iter().map(|s| s.text).collect();
        }
    }
    let html = render(&state, &params, &checked, &response, &suggestions);
    html_response(StatusCode::OK, html)
}

fn html_response(status: StatusCode, html: String) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        html,
    )
        .into_response()
}

fn error_page(state: &AppState, params: &SearchParams, err: ApiError) -> Response {
    let mut out = String::new();
    head(&mut out, state, params.query());
    search_form(&mut out, params);
    let _ = write!(
        out,
        "</header><main><section id=\"results\"><p class=\"err\" role=\"alert\">无法完成搜索：{}</p>\
         <p><a href=\"/\">返回首页</a></p></section></main>",
        esc(&err.message)
    );
    foot(&mut out);
    let mut response = html_response(err.status, out);
    if let Some(seconds) = err.retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, axum::http::HeaderValue::from(seconds));
    }
    response
}

fn head(out: &mut String, state: &AppState, query: &str) {
    let site = esc(&state.config.site_title);
    let title = if query.is_empty() {
        site.clone()
    } else {
        format!("{} - {site}", esc(query))
    };
    let _ = write!(
        out,
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{title}</title><style>{CSS}</style></head><body>\
         <a class=\"skip\" href=\"#results\">跳到搜索结果</a>\
         <header><h1><a href=\"/\">{site}</a></h1>"
    );
}

fn search_form(out: &mut String, params: &SearchParams) {
    let v = |o: &Option<String>| esc(o.as_deref().unwrap_or("").trim());
    let _ = write!(
        out,
        "<form class=\"s\" action=\"/\" method=\"get\" role=\"search\">\
         <div class=\"q\"><label for=\"q\" style=\"color:#fff\">搜索政府信息（关键词、文号或索引号）</label>\
         <input id=\"q\" type=\"search\" name=\"q\" value=\"{}\" maxlength=\"200\" autocomplete=\"off\" placeholder=\"例如：预算 或 府办〔2023〕12号\"></div>\
         <div class=\"dates\"><label>起始日期<input type=\"date\" name=\"from\" value=\"{}\"></label>\
         <label>截止日期<input type=\"date\" name=\"to\" value=\"{}\"></label></div>",
        esc(params.query()),
        v(&params.from),
        v(&params.to)
    );
    for (name, value) in [
        ("category", &params.category),
        ("publisher", &params.publisher),
        ("sort", &params.sort),
    ] {
        if let Some(value) = value.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            let _ = write!(
                out,
                "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
                esc(value)
            );
        }
    }
    out.push_str("<button type=\"submit\">搜索</button></form>");
}

fn foot(out: &mut String) {
    out.push_str(
        "<footer>本站检索已公开的政府信息；结果以原发布机关网站为准。\
         <a href=\"/api/categories\">API</a></footer></body></html>",
    );
}

fn render(
    state: &AppState,
    params: &SearchParams,
    checked: &Checked,
    response: &SearchResponse,
    suggestions: &[String],
) -> String {
    let link = Link::from_params(params);
    let query = params.query();
    let request: &SearchRequest = &checked.request;
    let mut out = String::with_capacity(16 * 1024);
    head(&mut out, state, query);
    search_form(&mut out, params);
    out.push_str("</header><main><section id=\"results\" aria-live=\"polite\">");

    // Active filters, each removable.
    let mut active = Vec::new();
    if !link.category.is_empty() {
        active.push(format!(
            "分类：{} <a href=\"{}\" aria-label=\"取消分类筛选\">×</a>",
            esc(&link.category),
            link.with(|l| l.category.clear())
        ));
    }
    if !link.publisher.is_empty() {
        active.push(format!(
            "发布机构：{} <a href=\"{}\" aria-label=\"取消发布机构筛选\">×</a>",
            esc(&link.publisher),
            link.with(|l| l.publisher.clear())
        ));
    }
    if !link.from.is_empty() || !link.to.is_empty() {
        active.push(format!(
            "日期：{} 至 {} <a href=\"{}\" aria-label=\"取消日期筛选\">×</a>",
            esc(if link.from.is_empty() {
                "不限"
            } else {
                &link.from
            }),
            esc(if link.to.is_empty() {
                "不限"
            } else {
                &link.to
            }),
            link.with(|l| {
                l.from.clear();
                l.to.clear();
            })
        ));
    }
    if !active.is_empty() {
        let _ = write!(out, "<p class=\"stat\">筛选条件：{}</p>", active.join("；"));
    }

    let _ = write!(
        out,
        "<p class=\"stat\" id=\"stat\">找到 <strong id=\"total\">{}</strong> 条结果，用时 {:.1} 毫秒</p>",
        response.total, response.took_ms
    );
    if response.total > 0 {
        out.push_str("<p class=\"sort\">排序：");
        for (sort, name) in [(Sort::Relevance, "相关度"), (Sort::Date, "发布日期")] {
            if request.sort == sort {
                let _ = write!(out, "<span aria-current=\"true\">{name}</span>");
            } else {
                let value = if sort == Sort::Date { "date" } else { "" };
                let _ = write!(
                    out,
                    "<a href=\"{}\">{name}</a>",
                    link.with(|l| l.sort = value.to_string())
                );
            }
        }
        out.push_str("</p>");
    }
    if response.relaxed {
        out.push_str(
            "<p class=\"note\">没有同时包含全部词语的文件，以下是包含部分词语的结果。</p>",
        );
    }
    if response.total == 0 {
        zero_results(&mut out, &link, query, suggestions);
    } else {
        out.push_str("<ol class=\"hits\">");
        for hit in &response.hits {
            let href = if linkable(&hit.url) {
                esc(hit.url.trim())
            } else {
                esc(&format!("/api/doc/{}", enc(&hit.id)))
            };
            let _ = write!(
                out,
                "<li><h3 class=\"t\"><a href=\"{href}\">{}</a></h3><p class=\"m\">",
                hit.title_html
            );
            let mut meta = Vec::new();
            if let Some(p) = &hit.published {
                meta.push(format!("<time datetime=\"{0}\">{0}</time>", esc(p)));
            }
            if let Some(c) = hit.category.as_deref().or(hit.kind.as_deref()) {
                meta.push(esc(c));
            }
            if !hit.publisher.is_empty() {
                meta.push(esc(&hit.publisher));
            }
            if !hit.doc_number.is_empty() {
                meta.push(format!("文号：{}", esc(&hit.doc_number)));
            }
            if !hit.index_number.is_empty() {
                meta.push(format!("索引号：{}", esc(&hit.index_number)));
            }
            out.push_str(&meta.join(" · "));
            out.push_str("</p>");
            if !hit.snippet.is_empty() {
                // Matched only in an attached file: say so, or the extract
                // reads as if it came from the page.
                let label = match hit.snippet_source {
                    SnippetSource::Attachment => "<span class=\"att\">附件</span>",
                    SnippetSource::Body => "",
                };
                let _ = write!(out, "<p class=\"sn\">{label}{}</p>", hit.snippet);
            }
            out.push_str("</li>");
        }
        out.push_str("</ol>");
        pagination(&mut out, &link, checked, response.total);
    }
    out.push_str("</section>");
    facets(&mut out, &link, response);
    out.push_str("</main>");
    foot(&mut out);
    out
}

fn zero_results(out: &mut String, link: &Link, query: &str, suggestions: &[String]) {
    let _ = write!(
        out,
        "<div class=\"note\"><p>没有找到与“{}”相关的文件。</p><ul>",
        esc(query)
    );
    let simplified = normalize(query);
    if !query.is_empty() && simplified != query.to_lowercase() && simplified != query {
        let _ = write!(
            out,
            "<li>简体写法：<a href=\"{}\">{}</a></li>",
            link.with(|l| l.q = simplified.clone()),
            esc(&simplified)
        );
    }
    if !link.category.is_empty()
        || !link.publisher.is_empty()
        || !link.from.is_empty()
        || !link.to.is_empty()
    {
        let _ = write!(
            out,
            "<li><a href=\"{}\">取消全部筛选条件再搜索</a></li>",
            link.with(|l| {
                l.category.clear();
                l.publisher.clear();
                l.from.clear();
                l.to.clear();
            })
        );
    }
    if !suggestions.is_empty() {
        out.push_str("<li>您是不是要找：");
        let items: Vec<String> = suggestions
            .iter()
            .map(|s| {
                format!(
                    "<a href=\"{}\">{}</a>",
                    link.with(|l| l.q = s.clone()),
                    esc(s)
                )
            })
            .collect();
        out.push_str(&items.join("、"));
        out.push_str("</li>");
    }
    out.push_str(
        "<li>请检查错别字，或换用更短、更常用的词语。</li>\
         <li>查找文件可直接输入文号，如“府办〔2023〕12号”。</li></ul></div>",
    );
}

fn pagination(out: &mut String, link: &Link, checked: &Checked, total: u64) {
    let size = checked.size;
    let reachable = (total as usize).min(super::MAX_DEPTH);
    let pages = reachable.div_ceil(size).max(1);
    if pages <= 1 {
        return;
    }
    let current = checked.page;
    out.push_str("<nav class=\"pg\" aria-label=\"分页\">");
    let page_link = |n: usize| {
        let mut l = link.clone();
        l.page = n;
        l.size = size;
        l.href()
    };
    if current > 1 {
        let _ = write!(
            out,
            "<a href=\"{}\" rel=\"prev\">上一页</a>",
            page_link(current - 1)
        );
    }
    let start = current.saturating_sub(4).max(1);
    let end = (start + 8).min(pages);
    for n in start..=end {
        if n == current {
            let _ = write!(out, "<span aria-current=\"page\">{n}</span>");
        } else {
            let _ = write!(out, "<a href=\"{}\">{n}</a>", page_link(n));
        }
    }
    if current < pages {
        let _ = write!(
            out,
            "<a href=\"{}\" rel=\"next\">下一页</a>",
            page_link(current + 1)
        );
    }
    out.push_str("</nav>");
}

fn facets(out: &mut String, link: &Link, response: &SearchResponse) {
    out.push_str("<aside aria-label=\"筛选\"><h2>信息分类</h2><ul class=\"facet-category\">");
    let all_count: u64 = response.facets.category.0.iter().map(|(_, n)| *n).sum();
    if link.category.is_empty() {
        let _ = write!(
            out,
            "<li class=\"on\">全部 <span class=\"n\">({all_count})</span></li>"
        );
    } else {
        let _ = write!(
            out,
            "<li><a href=\"{}\">全部</a> <span class=\"n\">({all_count})</span></li>",
            link.with(|l| l.category.clear())
        );
    }
    for name in CATEGORIES.iter().copied().chain(std::iter::once(KIND_NEWS)) {
        let n = response.facets.category.get(name);
        if link.category == name {
            let _ = write!(
                out,
                "<li class=\"on\" aria-current=\"true\">{} <span class=\"n\">({n})</span></li>",
                esc(name)
            );
        } else if n > 0 {
            let _ = write!(
                out,
                "<li><a href=\"{}\">{}</a> <span class=\"n\">({n})</span></li>",
                link.with(|l| l.category = name.to_string()),
                esc(name)
            );
        } else {
            let _ = write!(out, "<li class=\"n\">{} (0)</li>", esc(name));
        }
    }
    out.push_str("</ul>");
    if !response.facets.year.0.is_empty() {
        out.push_str("<h2>发布年份</h2><ul class=\"facet-year\">");
        for (year, n) in &response.facets.year.0 {
            let from = format!("{year}-01-01");
            let to = format!("{year}-12-31");
            let on = link.from == from && link.to == to;
            if on {
                let _ = write!(
                    out,
                    "<li class=\"on\">{} <span class=\"n\">({n})</span></li>",
                    esc(year)
                );
            } else {
                let _ = write!(
                    out,
                    "<li><a href=\"{}\">{}</a> <span class=\"n\">({n})</span></li>",
                    link.with(|l| {
                        l.from = from.clone();
                        l.to = to.clone();
                    }),
                    esc(year)
                );
            }
        }
        out.push_str("</ul>");
    }
    if !response.facets.publisher.0.is_empty() {
        out.push_str("<h2>发布机构</h2><ul class=\"facet-publisher\">");
        for (publisher, n) in &response.facets.publisher.0 {
            if &link.publisher == publisher {
                let _ = write!(
                    out,
                    "<li class=\"on\">{} <span class=\"n\">({n})</span></li>",
                    esc(publisher)
                );
            } else {
                let _ = write!(
                    out,
                    "<li><a href=\"{}\">{}</a> <span class=\"n\">({n})</span></li>",
                    link.with(|l| l.publisher = publisher.clone()),
                    esc(publisher)
                );
            }
        }
        out.push_str("</ul>");
    }
    out.push_str("</aside>");
}
