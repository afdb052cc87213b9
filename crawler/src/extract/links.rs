//! Links, pagination and list records a page names: `<a>`/`<area>` links,
//! pagination by text (下一页, 尾页, page numbers) or by URL shape
//! (`?pageNum=2`, `?page=2`, `index_2.html`), JavaScript pagination
//! (`createPageHTML(n, …)`), Hanweb list records delivered in a
//! `<script type="text/xml">` data store and its `dataproxy.jsp` endpoint,
//! and links inside XML or JSON list data. Every loop is bounded.
//!
//! Owns link discovery only; never decides whether a page is a document.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;
use scraper::{Html, Selector};
use url::Url;

use super::text::one_line;
use crate::url_norm::resolve;

/// A link found on a page.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Link {
    #[serde(serialize_with = "ser_url")]
    pub url: Url,
    pub text: String,
    /// "下一页", "尾页", page numbers, a page-number URL or a generated
    /// JS-pagination URL: followed without adding depth.
    pub pagination: bool,
}

fn ser_url<S: serde::Serializer>(u: &Url, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(u.as_str())
}

fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap_or_else(|_| Selector::parse("never-matches-anything").expect("valid"))
}

static S_LINKS: LazyLock<Selector> = LazyLock::new(|| sel("a[href], area[href]"));
static S_SCRIPT: LazyLock<Selector> = LazyLock::new(|| sel("script"));

/// At most this many links are read from one page.
const MAX_LINKS: usize = 5000;
/// At most this many pages are generated from one pagination spec.
const MAX_PAGES: usize = 2000;

const PAGINATION_TEXT: &[&str] = &[
    "下一页",
    "上一页",
    "尾页",
    "末页",
    "首页",
    "下页",
    "上页",
    "下一頁",
    "上一頁",
    "末頁",
    "最後一頁",
    "最末頁",
    "第一頁",
    ">",
    ">>",
    "»",
    "<",
    "<<",
    "«",
    "next",
    "Next",
    "prev",
];

/// Query parameters that number the pages of a list.
const PAGE_PARAMS: &[&str] = &[
    "page",
    "pagenum",
    "pageno",
    "pageindex",
    "curpage",
    "currentpage",
    "pn",
    "p",
    "startrecord",
    "start",
    "offset",
];

const ATTACHMENT_EXT: &[&str] = &[
    "pdf", "doc", "docx", "xls", "xlsx", "wps", "et", "ofd", "ppt", "pptx", "zip", "rar", "txt",
];

/// Whether a link's text is a file name with an attachment's extension
/// ("…的通知（银发〔2013〕289号）.pdf").
pub(crate) fn names_attachment(text: &str) -> bool {
    text.rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.is_empty() && ATTACHMENT_EXT.contains(&ext.to_ascii_lowercase().as_str())
    })
}

/// The attachment extension of a URL: of its path, or of a file name in
/// its query (`downfile.jsp?filename=….docx`, as Hanweb and others serve them).
pub fn attachment_ext(url: &Url) -> Option<String> {
    let of = |name: &str| -> Option<String> {
        let (_, ext) = name.rsplit_once('.')?;
        let ext = ext.to_ascii_lowercase();
        ATTACHMENT_EXT.contains(&ext.as_str()).then_some(ext)
    };
    let last = url.path().rsplit('/').next().unwrap_or("");
    of(last).or_else(|| {
        url.query_pairs()
            .take(20)
            .filter(|(k, _)| {
                let k = k.to_ascii_lowercase();
                k.contains("file") || k.contains("name") || k == "path"
            })
            .find_map(|(_, v)| of(&v))
    })
}

static RE_INDEX_N: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"/(?:index|list|default|more)[_-]\d{1,5}\.s?html?$").expect("index_n regex")
});

/// Whether `u` is another page of the list at `base` by its URL alone:
/// the same path with a page-number parameter, or `index_N.html` beside it.
pub fn is_page_url(base: &Url, u: &Url) -> bool {
    if u.host_str() != base.host_str() {
        return false;
    }
    let numbered = u.query_pairs().any(|(k, v)| {
        PAGE_PARAMS.contains(&k.to_ascii_lowercase().as_str())
            && !v.is_empty()
            && v.len() <= 6
            && v.chars().all(|c| c.is_ascii_digit())
    });
    if numbered && u.path() == base.path() {
        return true;
    }
    let dir = |p: &str| {
        p.rsplit_once('/')
            .map_or(String::new(), |(d, _)| d.to_string())
    };
    RE_INDEX_N.is_match(u.path()) && dir(u.path()) == dir(base.path())
}

static RE_JS_PAGES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"createPageHTML\(\s*(\d{1,5})\s*,\s*\d{1,5}\s*,\s*["']([\w\-]{1,40})["']\s*,\s*["'](\w{1,8})["']"#)
        .expect("js pages regex")
});
static RE_COUNT_PAGE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"countPage\s*=\s*(\d{1,5})").expect("countPage regex"));
static RE_HREF: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"href\s*=\s*["']([^"'<>\s]{1,2048})["']"#).expect("href regex"));
static RE_TOTAL_RECORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"<totalrecord>\s*(\d{1,7})\s*</totalrecord>").expect("totalrecord regex")
});
static RE_PERPAGE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"perpage\s*[:=]\s*['\x22]?(\d{1,4})").expect("perpage regex"));
static RE_PROXY_PARAM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"\b(columnid|unitid|webid|col|appid|path|sourceContentType|webname|permissiontype)\s*[:=]\s*['"]?([\w/.\-\u4e00-\u9fff]{1,80})"#)
        .expect("proxy param regex")
});
static RE_JSON_URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#""(?:url|link|href|docpuburl|DOCPUBURL|chnlurl|pageUrl|docUrl)"\s*:\s*"([^"]{1,2048})""#,
    )
    .expect("json url regex")
});

/// Reads the links of a parsed page into `links` and `attachments`.
pub fn page_links(
    doc: &Html,
    base: &Url,
    links: &mut Vec<Link>,
    attachments: &mut Vec<(Url, String)>,
) {
    let mut seen = HashSet::new();
    for a in doc.select(&S_LINKS).take(MAX_LINKS) {
        let Some(href) = a.value().attr("href") else {
            continue;
        };
        let Some(u) = resolve(base, href) else {
            continue;
        };
        let text = one_line(&a.text().collect::<String>());
        if attachment_ext(&u).is_some() {
            let title = if text.is_empty() {
                a.value().attr("title").unwrap_or("").to_string()
            } else {
                text.clone()
            };
            if seen.insert(u.to_string()) {
                attachments.push((u, title));
            }
            continue;
        }
        let pagination = PAGINATION_TEXT.contains(&text.as_str())
            || is_page_number_text(&text)
            || is_page_url(base, &u);
        links.push(Link {
            url: u,
            text,
            pagination,
        });
    }
    let scripts: Vec<String> = doc
        .select(&S_SCRIPT)
        .take(200)
        .map(|s| s.text().collect::<String>())
        .collect();
    let scripts = scripts.join("\n");
    js_pagination(&scripts, base, links);
    hanweb_records(&scripts, base, links);
}

/// "2", "第3页", "[4]": a page number as link text.
fn is_page_number_text(text: &str) -> bool {
    let t = text.trim_matches(|c: char| matches!(c, '[' | ']' | '第' | '页' | '頁' | ' '));
    !t.is_empty() && t.len() <= 4 && t.chars().all(|c| c.is_ascii_digit())
}

/// TRS `createPageHTML(count, current, "index", "html")` and `countPage = n`.
fn js_pagination(scripts: &str, base: &Url, links: &mut Vec<Link>) {
    let spec = RE_JS_PAGES
        .captures(scripts)
        .and_then(|c| {
            Some((
                c.get(1)?.as_str().parse::<usize>().ok()?,
                c.get(2)?.as_str().to_string(),
                c.get(3)?.as_str().to_string(),
            ))
        })
        .or_else(|| {
            RE_COUNT_PAGE
                .captures(scripts)
                .and_then(|c| c.get(1)?.as_str().parse::<usize>().ok())
                .map(|n| (n, "index".to_string(), "html".to_string()))
        });
    if let Some((count, prefix, ext)) = spec {
        for k in 0..count.min(MAX_PAGES) {
            let name = if k == 0 {
                format!("{prefix}.{ext}")
            } else {
                format!("{prefix}_{k}.{ext}")
            };
            if let Ok(u) = base.join(&name) {
                links.push(Link {
                    url: u,
                    text: String::new(),
                    pagination: true,
                });
            }
        }
    }
}

/// Hanweb (大汉) lists: the first records sit in a `<script type="text/xml">`
/// data store as CDATA HTML, the rest come from `dataproxy.jsp` with
/// `startrecord`/`endrecord`/`perpage` and the column's ids.
fn hanweb_records(scripts: &str, base: &Url, links: &mut Vec<Link>) {
    if !scripts.contains("<record") && !scripts.contains("dataproxy.jsp") {
        return;
    }
    for c in RE_HREF.captures_iter(scripts).take(MAX_LINKS) {
        if let Some(u) = resolve(base, &c[1])
            && attachment_ext(&u).is_none()
        {
            links.push(Link {
                url: u,
                text: String::new(),
                pagination: false,
            });
        }
    }
    let Some(total) = RE_TOTAL_RECORD
        .captures(scripts)
        .and_then(|c| c[1].parse::<usize>().ok())
    else {
        return;
    };
    let per = RE_PERPAGE
        .captures(scripts)
        .and_then(|c| c[1].parse::<usize>().ok())
        .filter(|p| (1..=500).contains(p))
        .unwrap_or(15);
    let Ok(mut proxy) = base.join("/module/web/jpage/dataproxy.jsp") else {
        return;
    };
    let mut params: Vec<(String, String)> = Vec::new();
    for c in RE_PROXY_PARAM.captures_iter(scripts).take(40) {
        if !params.iter().any(|(k, _)| k == &c[1]) {
            params.push((c[1].to_string(), c[2].to_string()));
        }
    }
    if !params.iter().any(|(k, _)| k == "columnid") {
        return;
    }
    // Pages after the first; the data store holds the first `per` records
    // (often three pages' worth, which the links above already hold).
    let mut start = per + 1;
    let mut pages = 0;
    while start <= total && pages < MAX_PAGES {
        let end = (start + per - 1).min(total);
        proxy.set_query(None);
        {
            let mut q = proxy.query_pairs_mut();
            q.append_pair("startrecord", &start.to_string());
            q.append_pair("endrecord", &end.to_string());
            q.append_pair("perpage", &per.to_string());
            for (k, v) in &params {
                q.append_pair(k, v);
            }
        }
        links.push(Link {
            url: proxy.clone(),
            text: String::new(),
            pagination: true,
        });
        start = end + 1;
        pages += 1;
    }
}

/// Links inside list data that is not an HTML page: Hanweb `dataproxy.jsp`
/// XML (records as CDATA HTML), TRS and other JSON feeds (`"url": "…"`).
pub fn data_links(body: &str, base: &Url) -> Vec<Link> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let found = RE_HREF
        .captures_iter(body)
        .chain(RE_JSON_URL.captures_iter(body))
        .take(MAX_LINKS);
    for c in found {
        let raw = c[1].replace("\\/", "/");
        if let Some(u) = resolve(base, &raw)
            && attachment_ext(&u).is_none()
            && seen.insert(u.to_string())
        {
            out.push(Link {
                url: u,
                text: String::new(),
                pagination: false,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attachments_by_path_or_query() {
        for (u, want) in [
            ("http://h/a/b.PDF", Some("pdf")),
            (
                "http://h/module/download/downfile.jsp?classid=0&filename=84e9.docx",
                Some("docx"),
            ),
            ("http://h/a/b.html", None),
            ("http://h/list.jsp?page=2", None),
        ] {
            assert_eq!(
                attachment_ext(&Url::parse(u).unwrap()).as_deref(),
                want,
                "{u}"
            );
        }
    }

    #[test]
    fn page_urls() {
        let base = Url::parse("http://h/col/list.html?pageNum=1").unwrap();
        for u in [
            "http://h/col/list.html?pageNum=2",
            "http://h/col/list.html?page=3",
            "http://h/col/index_4.html",
        ] {
            assert!(is_page_url(&base, &Url::parse(u).unwrap()), "{u}");
        }
        assert!(!is_page_url(
            &base,
            &Url::parse("http://h/col/art.html?id=2").unwrap()
        ));
    }

    #[test]
    fn hanweb_data_store_and_proxy() {
        let html = r#"<html><body><div id="c"><script type="text/xml"><datastore><nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid=1&path=/&columnid=2&unitid=3&webname=x&permissiontype=0"></a>]]></nextgroup><recordset><record><![CDATA[<li><a href="/art/2020/1/5/art_2_100.html">标题一</a><span>2020-01-05</span></li>]]></record><record><![CDATA[<li><a href="/art/2020/1/4/art_2_99.html">标题二</a></li>]]></record></recordset><totalrecord>40</totalrecord></datastore></script><script>var perpage = 15; var columnid = '2'; var unitid='3'; var webid="1";</script></div></body></html>"#;
        let doc = Html::parse_document(html);
        let base = Url::parse("http://h/col/col2/index.html").unwrap();
        let (mut links, mut atts) = (Vec::new(), Vec::new());
        page_links(&doc, &base, &mut links, &mut atts);
        let urls: Vec<String> = links.iter().map(|l| l.url.to_string()).collect();
        assert!(urls.contains(&"http://h/art/2020/1/5/art_2_100.html".to_string()));
        let proxies: Vec<&String> = urls.iter().filter(|u| u.contains("startrecord")).collect();
        assert_eq!(proxies.len(), 2, "{urls:?}");
        assert!(proxies[0].contains("startrecord=16&endrecord=30&perpage=15"));
        assert!(proxies[0].contains("columnid=2"));
    }

    #[test]
    fn json_and_xml_data() {
        let base = Url::parse("http://h/api/list.json").unwrap();
        let links = data_links(
            r#"{"data":[{"title":"a","url":"\/xxgk\/t20200105_1.html"},{"docpuburl":"http://h/x/t2.html"}]}"#,
            &base,
        );
        let urls: Vec<String> = links.iter().map(|l| l.url.to_string()).collect();
        assert_eq!(
            urls,
            ["http://h/xxgk/t20200105_1.html", "http://h/x/t2.html"]
        );
    }
}
