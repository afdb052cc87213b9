//! The citizen's search page: server-rendered HTML from a [`maud`] template,
//! no JavaScript, small inline CSS, usable on a phone and with a keyboard.
//!
//! Everything from the index is untrusted and maud escapes every value by
//! default (quotes too, so values are safe in attributes); the only markup
//! not written by the template is the CSS and the doctype. Matches in titles
//! and snippets are marked with `<em>` from the index's highlight ranges.
//! URLs are only linked when they are `http(s)`, links are built with
//! `serde_urlencoded`, and the Content-Security-Policy header forbids script
//! altogether. Owns the page's HTML only; searching is [`super::api`]'s.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use gongkai_index::analysis::normalize;
use gongkai_index::category::{CATEGORIES, KIND_NEWS};
use gongkai_index::doc_number::doc_number_key;
use gongkai_index::{SearchResponse, Snippet, SnippetSource, Sort};
use maud::{Markup, PreEscaped, html};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;

use super::api::{Checked, SearchParams, run_search};
use super::error::ApiError;
use super::{AppState, DEFAULT_PAGE_SIZE, MAX_DEPTH};

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

/// What a path segment keeps unencoded (RFC 3986's unreserved characters).
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// `/api/doc/{id}`, the id percent-encoded.
fn doc_path(id: &str) -> String {
    format!("/api/doc/{}", utf8_percent_encode(id, PATH_SEGMENT))
}

/// Whether a URL may be linked (no `javascript:`, `data:` ...).
fn linkable(url: &str) -> bool {
    let lower = url.trim_start().to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// The page's parameters, for building links that change one of them;
/// serialised (empty ones left out) as the link's query string.
#[derive(Clone, Default, Serialize)]
struct Link {
    #[serde(skip_serializing_if = "String::is_empty")]
    q: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    category: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    from: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    to: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    publisher: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    sort: String,
    #[serde(skip_serializing_if = "first_page")]
    page: usize,
    #[serde(skip_serializing_if = "default_size")]
    size: usize,
}

fn first_page(page: &usize) -> bool {
    *page <= 1
}

fn default_size(size: &usize) -> bool {
    *size == 0 || *size == DEFAULT_PAGE_SIZE
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

    /// `/?...` (the template escapes it for the attribute).
    fn href(&self) -> String {
        // Strings and numbers only: serialising cannot fail.
        format!(
            "/?{}",
            serde_urlencoded::to_string(self).unwrap_or_default()
        )
    }

    /// The link with `f` applied, on its first page.
    fn with(&self, f: impl FnOnce(&mut Link)) -> String {
        let mut next = self.clone();
        next.page = 1;
        f(&mut next);
        next.href()
    }

    fn filtered(&self) -> bool {
        !self.category.is_empty()
            || !self.publisher.is_empty()
            || !self.from.is_empty()
            || !self.to.is_empty()
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
    let response = match run_search(&state, checked.request.clone()).await {
        Ok(r) => r,
        Err(e) => return error_page(&state, &params, e),
    };
    // A 文号 typed on the first page jumps straight to its document.
    let jump = !matches!(params.jump.as_deref(), Some("0") | Some("false"));
    if jump
        && checked.page == 1
        && let Some(key) = doc_number_key(&query)
        && let Some(top) = response.hits.first()
        && doc_number_key(&top.document.doc_number).as_deref() == Some(key.as_str())
    {
        let target = if linkable(&top.document.url) {
            top.document.url.clone()
        } else {
            doc_path(&top.document.id)
        };
        if let Ok(value) = axum::http::HeaderValue::from_str(&target) {
            return (StatusCode::FOUND, [(header::LOCATION, value)]).into_response();
        }
    }
    let mut suggestions = Vec::new();
    if response.total == 0 && !query.is_empty() {
        let q = query.clone();
        if let Ok(s) = state
            .blocking(move |loaded, _| Ok(loaded.searcher.suggest(&q, 6)?))
            .await
        {
            suggestions = s.into_iter().map(|s| s.text).collect();
        }
    }
    let main = results(&params, &checked, &response, &suggestions);
    html_response(StatusCode::OK, page(&state, &params, main))
}

fn html_response(status: StatusCode, html: Markup) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        html.into_string(),
    )
        .into_response()
}

fn error_page(state: &AppState, params: &SearchParams, err: ApiError) -> Response {
    let main = html! {
        main {
            section id="results" {
                p class="err" role="alert" { "无法完成搜索：" (err.message) }
                p { a href="/" { "返回首页" } }
            }
        }
    };
    let mut response = html_response(err.status, page(state, params, main));
    if let Some(seconds) = err.retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, axum::http::HeaderValue::from(seconds));
    }
    response
}

/// The whole page around its `<main>`: head, header with the search form, footer.
fn page(state: &AppState, params: &SearchParams, main: Markup) -> Markup {
    let site = &state.config.site_title;
    let query = params.query();
    let value = |o: &Option<String>| o.as_deref().unwrap_or("").trim().to_string();
    let hidden = [
        ("category", &params.category),
        ("publisher", &params.publisher),
        ("sort", &params.sort),
    ]
    .map(|(name, v)| (name, value(v)));
    html! {
        (PreEscaped("<!doctype html>"))
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width,initial-scale=1";
                title {
                    @if !query.is_empty() { (query) " - " }
                    (site)
                }
                style { (PreEscaped(CSS)) }
            }
            body {
                a class="skip" href="#results" { "跳到搜索结果" }
                header {
                    h1 { a href="/" { (site) } }
                    form class="s" action="/" method="get" role="search" {
                        div class="q" {
                            label for="q" style="color:#fff" { "搜索政府信息（关键词、文号或索引号）" }
                            input id="q" type="search" name="q" value=(query) maxlength="200"
                                autocomplete="off" placeholder="例如：预算 或 府办〔2023〕12号";
                        }
                        div class="dates" {
                            label { "起始日期" input type="date" name="from" value=(value(&params.from)); }
                            label { "截止日期" input type="date" name="to" value=(value(&params.to)); }
                        }
                        @for (name, v) in &hidden {
                            @if !v.is_empty() {
                                input type="hidden" name=(name) value=(v);
                            }
                        }
                        button type="submit" { "搜索" }
                    }
                }
                (main)
                footer {
                    "本站检索已公开的政府信息；结果以原发布机关网站为准。"
                    a href="/api/categories" { "API" }
                    " · "
                    a href="/stats" { "年度统计" }
                }
            }
        }
    }
}

/// A title or snippet with its matches in `<em>`.
fn marked(snippet: &Snippet) -> Markup {
    html! {
        @for (piece, matched) in snippet.pieces() {
            @if matched { em { (piece) } } @else { (piece) }
        }
    }
}

/// The `<main>` of a results page.
fn results(
    params: &SearchParams,
    checked: &Checked,
    response: &SearchResponse,
    suggestions: &[String],
) -> Markup {
    let link = Link::from_params(params);
    let query = params.query();
    html! {
        main {
            section id="results" aria-live="polite" {
                (active_filters(&link))
                p class="stat" id="stat" {
                    "找到 " strong id="total" { (response.total) }
                    " 条结果，用时 " (format!("{:.1}", response.took_ms)) " 毫秒"
                }
                @if response.total > 0 {
                    p class="sort" {
                        "排序："
                        @for (sort, name, value) in [(Sort::Relevance, "相关度", ""), (Sort::Date, "发布日期", "date")] {
                            @if checked.request.sort == sort {
                                span aria-current="true" { (name) }
                            } @else {
                                a href=(link.with(|l| l.sort = value.to_string())) { (name) }
                            }
                        }
                    }
                }
                @if response.relaxed && !response.unmatched.is_empty() {
                    p class="note" {
                        "没有完全符合的文件，以下结果不含："
                        @for (i, part) in response.unmatched.iter().enumerate() {
                            @if i > 0 { "、" }
                            s { (part) }
                        }
                    }
                } @else if response.relaxed {
                    p class="note" { "没有同时包含全部词语的文件，以下是包含部分词语的结果。" }
                }
                @if response.total == 0 {
                    (zero_results(&link, query, suggestions))
                } @else {
                    ol class="hits" {
                        @for hit in &response.hits {
                            (hit_item(hit))
                        }
                    }
                    (pagination(&link, checked, response.total))
                }
            }
            (facets(&link, response))
        }
    }
}

/// Active filters, each removable.
fn active_filters(link: &Link) -> Markup {
    let or_any = |v: &str| if v.is_empty() { "不限" } else { v }.to_string();
    let mut active: Vec<(String, String, String, &str)> = Vec::new();
    if !link.category.is_empty() {
        active.push((
            "分类：".into(),
            link.category.clone(),
            link.with(|l| l.category.clear()),
            "取消分类筛选",
        ));
    }
    if !link.publisher.is_empty() {
        active.push((
            "发布机构：".into(),
            link.publisher.clone(),
            link.with(|l| l.publisher.clear()),
            "取消发布机构筛选",
        ));
    }
    if !link.from.is_empty() || !link.to.is_empty() {
        active.push((
            "日期：".into(),
            format!("{} 至 {}", or_any(&link.from), or_any(&link.to)),
            link.with(|l| {
                l.from.clear();
                l.to.clear();
            }),
            "取消日期筛选",
        ));
    }
    html! {
        @if !active.is_empty() {
            p class="stat" {
                "筛选条件："
                @for (i, (label, value, href, aria)) in active.iter().enumerate() {
                    @if i > 0 { "；" }
                    (label) (value) " " a href=(href) aria-label=(aria) { "×" }
                }
            }
        }
    }
}

/// One result: linked title, date · category · publisher · numbers, snippet.
fn hit_item(hit: &gongkai_index::Hit) -> Markup {
    let doc = &hit.document;
    let href = if linkable(&doc.url) {
        doc.url.trim().to_string()
    } else {
        doc_path(&doc.id)
    };
    let mut meta: Vec<Markup> = Vec::new();
    if let Some(p) = &doc.published {
        meta.push(html! { time datetime=(p) { (p) } });
    }
    if let Some(c) = doc.category.as_deref().or(doc.kind.as_deref()) {
        meta.push(html! { (c) });
    }
    if !doc.publisher.is_empty() {
        meta.push(html! { (doc.publisher) });
    }
    if !doc.doc_number.is_empty() {
        meta.push(html! { "文号：" (doc.doc_number) });
    }
    if !doc.index_number.is_empty() {
        meta.push(html! { "索引号：" (doc.index_number) });
    }
    html! {
        li {
            h3 class="t" { a href=(href) { (marked(&hit.title)) } }
            p class="m" {
                @for (i, part) in meta.iter().enumerate() {
                    @if i > 0 { " · " }
                    (part)
                }
            }
            @if !hit.snippet.is_empty() {
                p class="sn" {
                    // Matched only in an attached file: say so, or the
                    // extract reads as if it came from the page.
                    @if hit.snippet_source == SnippetSource::Attachment {
                        span class="att" { "附件" }
                    }
                    (marked(&hit.snippet))
                }
            }
        }
    }
}

fn zero_results(link: &Link, query: &str, suggestions: &[String]) -> Markup {
    let simplified = normalize(query);
    let offer_simplified =
        !query.is_empty() && simplified != query.to_lowercase() && simplified != query;
    html! {
        div class="note" {
            p { "没有找到与“" (query) "”相关的文件。" }
            ul {
                @if offer_simplified {
                    li { "简体写法：" a href=(link.with(|l| l.q = simplified.clone())) { (simplified) } }
                }
                @if link.filtered() {
                    li {
                        a href=(link.with(|l| {
                            l.category.clear();
                            l.publisher.clear();
                            l.from.clear();
                            l.to.clear();
                        })) { "取消全部筛选条件再搜索" }
                    }
                }
                @if !suggestions.is_empty() {
                    li {
                        "您是不是要找："
                        @for (i, s) in suggestions.iter().enumerate() {
                            @if i > 0 { "、" }
                            a href=(link.with(|l| l.q = s.clone())) { (s) }
                        }
                    }
                }
                li { "请检查错别字，或换用更短、更常用的词语。" }
                li { "查找文件可直接输入文号，如“府办〔2023〕12号”。" }
            }
        }
    }
}

fn pagination(link: &Link, checked: &Checked, total: u64) -> Markup {
    let size = checked.size;
    let reachable = usize::try_from(total).unwrap_or(usize::MAX).min(MAX_DEPTH);
    let pages = reachable.div_ceil(size).max(1);
    let current = checked.page;
    let page_link = |n: usize| {
        let mut l = link.clone();
        l.page = n;
        l.size = size;
        l.href()
    };
    let start = current.saturating_sub(4).max(1);
    let end = (start + 8).min(pages);
    html! {
        @if pages > 1 {
            nav class="pg" aria-label="分页" {
                @if current > 1 {
                    a href=(page_link(current - 1)) rel="prev" { "上一页" }
                }
                @for n in start..=end {
                    @if n == current {
                        span aria-current="page" { (n) }
                    } @else {
                        a href=(page_link(n)) { (n) }
                    }
                }
                @if current < pages {
                    a href=(page_link(current + 1)) rel="next" { "下一页" }
                }
            }
        }
    }
}

fn facets(link: &Link, response: &SearchResponse) -> Markup {
    // 全部: every match before the category filter, categorised or not.
    let all_count = response.facets.category_total;
    // Nothing among the matches is categorised (nor news): the facet would
    // only offer empty categories, so it is left out (unless a category
    // filter is on, which it must show and let go of).
    let categorised = CATEGORIES
        .iter()
        .copied()
        .chain(std::iter::once(KIND_NEWS))
        .any(|name| response.facets.category.get(name) > 0);
    let year_range = |year: &str| (format!("{year}-01-01"), format!("{year}-12-31"));
    html! {
        aside aria-label="筛选" {
            @if categorised || !link.category.is_empty() {
                h2 { "信息分类" }
                ul class="facet-category" {
                    @if link.category.is_empty() {
                        li class="on" { "全部 " span class="n" { "(" (all_count) ")" } }
                    } @else {
                        li {
                            a href=(link.with(|l| l.category.clear())) { "全部" }
                            " " span class="n" { "(" (all_count) ")" }
                        }
                    }
                    @for name in CATEGORIES.iter().copied().chain(std::iter::once(KIND_NEWS)) {
                        @let n = response.facets.category.get(name);
                        @if link.category == name {
                            li class="on" aria-current="true" { (name) " " span class="n" { "(" (n) ")" } }
                        } @else if n > 0 {
                            li {
                                a href=(link.with(|l| l.category = name.to_string())) { (name) }
                                " " span class="n" { "(" (n) ")" }
                            }
                        } @else {
                            li class="n" { (name) " (0)" }
                        }
                    }
                }
            }
            @if !response.facets.year.0.is_empty() {
                h2 { "发布年份" }
                ul class="facet-year" {
                    @for (year, n) in &response.facets.year.0 {
                        @let (from, to) = year_range(year);
                        @if link.from == from && link.to == to {
                            li class="on" { (year) " " span class="n" { "(" (n) ")" } }
                        } @else {
                            li {
                                a href=(link.with(|l| {
                                    l.from = from.clone();
                                    l.to = to.clone();
                                })) { (year) }
                                " " span class="n" { "(" (n) ")" }
                            }
                        }
                    }
                }
            }
            @if !response.facets.publisher.0.is_empty() {
                h2 { "发布机构" }
                ul class="facet-publisher" {
                    @for (publisher, n) in &response.facets.publisher.0 {
                        @if &link.publisher == publisher {
                            li class="on" { (publisher) " " span class="n" { "(" (n) ")" } }
                        } @else {
                            li {
                                a href=(link.with(|l| l.publisher = publisher.clone())) { (publisher) }
                                " " span class="n" { "(" (n) ")" }
                            }
                        }
                    }
                }
            }
        }
    }
}
