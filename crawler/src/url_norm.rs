//! URL normalisation: one key per page, so a page is fetched once.
//!
//! Portals link the same page in many spellings: with a `#fragment`, with an
//! explicit `:80`, as `dir/index.html` and as `dir/`, with tracking query
//! strings (`?from=index`, `utm_source=`), with session ids in the path
//! (`;jsessionid=`) or the query. [`normalize`] maps all of them to one key;
//! [`fetch_url`] gives the URL actually requested (the same minus the noise,
//! but keeping `index.htm` because not every server maps `dir/` to it).

use url::Url;

/// Query parameters that never change the content of a government page:
/// click tracking and session identifiers (a session id in the URL is the
/// classic crawler trap: every visit mints new URLs for the same pages).
const NOISE_PARAMS: &[&str] = &[
    "from",
    "spm",
    "share",
    "isappinstalled",
    "timestamp",
    "_",
    "sid",
    "sessionid",
    "session_id",
    "jsessionid",
    "phpsessid",
    "aspsessionid",
    "cfid",
    "cftoken",
    "wxfrom",
    "clicktime",
    "enterid",
    "scene",
    "vd_source",
];

fn is_noise(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.starts_with("utm_") || NOISE_PARAMS.contains(&lower.as_str())
}

/// Index file names a server returns for a directory URL.
const INDEX_NAMES: &[&str] = &[
    "index.html",
    "index.htm",
    "index.shtml",
    "index.jsp",
    "index.php",
    "default.htm",
    "default.html",
    "default.aspx",
];

/// Parses `href` relative to `base` and keeps only crawlable http(s) links.
pub fn resolve(base: &Url, href: &str) -> Option<Url> {
    let href = href.trim();
    if href.is_empty() || href.len() > 2048 {
        return None;
    }
    let lower = href.get(..11).unwrap_or(href).to_ascii_lowercase();
    if lower.starts_with("javascript")
        || lower.starts_with("mailto:")
        || lower.starts_with("tel:")
        || lower.starts_with("data:")
        || href.starts_with('#')
    {
        return None;
    }
    let url = base.join(href).ok()?;
    matches!(url.scheme(), "http" | "https").then_some(url)
}

/// Removes the fragment, session path parameters and noise query parameters;
/// the remaining parameters are sorted so their order does not matter.
pub fn fetch_url(url: &Url) -> Url {
    let mut u = url.clone();
    u.set_fragment(None);
    // `;jsessionid=...` path parameters (Java portals).
    let path = u.path().to_string();
    if let Some(pos) = path.to_ascii_lowercase().find(";jsessionid=") {
        u.set_path(&path[..pos]);
    }
    if u.query().is_some() {
        let mut pairs: Vec<(String, String)> = u
            .query_pairs()
            .filter(|(k, _)| !is_noise(k))
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if pairs.is_empty() {
            u.set_query(None);
        } else {
            pairs.sort();
            u.query_pairs_mut().clear().extend_pairs(pairs);
        }
    }
    u
}

/// The dedup key of a URL: [`fetch_url`] plus a lower-case host, no default
/// port (the `url` crate already drops it), `dir/index.html` folded to `dir/`
/// and an empty path as `/`.
pub fn normalize(url: &Url) -> String {
    let mut u = fetch_url(url);
    let path = u.path().to_string();
    if let Some((dir, last)) = path.rsplit_once('/')
        && INDEX_NAMES.contains(&last.to_ascii_lowercase().as_str())
    {
        u.set_path(&format!("{dir}/"));
    }
    u.to_string()
}

/// The host a politeness slot and the seed-host rule apply to (`host:port`).
pub fn host_key(url: &Url) -> String {
    match (url.host_str(), url.port_or_known_default()) {
        (Some(h), Some(p)) => format!("{}:{p}", h.to_ascii_lowercase()),
        (Some(h), None) => h.to_ascii_lowercase(),
        _ => String::new(),
    }
}

/// A shape of URL with every run of digits replaced by `#`, used to cap how
/// many pages one pattern may contribute (`/calendar/2020-01.html` and
/// `/calendar/2087-11.html` share `/calendar/#-#.html`).
pub fn pattern(url: &Url) -> String {
    let mut out = String::with_capacity(url.path().len() + 16);
    out.push_str(url.host_str().unwrap_or(""));
    let mut in_digits = false;
    for c in url.path().chars().chain(url.query().unwrap_or("").chars()) {
        if c.is_ascii_digit() {
            if !in_digits {
                out.push('#');
            }
            in_digits = true;
        } else {
            in_digits = false;
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> String {
        normalize(&Url::parse(s).unwrap())
    }

    #[test]
    fn folds_spellings_of_one_page() {
        let want = "http://a.gov.cn/xxgk/";
        assert_eq!(n("http://A.gov.cn:80/xxgk/index.html#top"), want);
        assert_eq!(n("http://a.gov.cn/xxgk/index.htm"), want);
        assert_eq!(n("http://a.gov.cn/xxgk/"), want);
        assert_eq!(n("http://a.gov.cn"), "http://a.gov.cn/");
        assert_eq!(
            n("http://a.gov.cn/info/1/2.htm?from=index&utm_source=x"),
            "http://a.gov.cn/info/1/2.htm"
        );
        assert_eq!(
            n("http://a.gov.cn/info/2.htm;jsessionid=ABC123"),
            "http://a.gov.cn/info/2.htm"
        );
        assert_eq!(
            n("http://a.gov.cn/list?page=2&col=5"),
            n("http://a.gov.cn/list?col=5&page=2&PHPSESSID=9")
        );
        assert_ne!(
            n("http://a.gov.cn/list?page=2"),
            n("http://a.gov.cn/list?page=3")
        );
    }

    #[test]
    fn fetch_url_keeps_index_file() {
        let u = Url::parse("http://a.gov.cn/x/index.htm?from=index#p").unwrap();
        assert_eq!(fetch_url(&u).as_str(), "http://a.gov.cn/x/index.htm");
    }

    #[test]
    fn resolve_skips_non_http() {
        let base = Url::parse("http://a.gov.cn/x/y.htm").unwrap();
        assert!(resolve(&base, "javascript:window.print()").is_none());
        assert!(resolve(&base, "mailto:a@b").is_none());
        assert!(resolve(&base, "#top").is_none());
        assert_eq!(
            resolve(&base, "../z.htm").unwrap().as_str(),
            "http://a.gov.cn/z.htm"
        );
    }

    #[test]
    fn patterns_fold_digits() {
        let a = Url::parse("http://h/calendar/2020-01.html").unwrap();
        let b = Url::parse("http://h/calendar/1999-12.html").unwrap();
        assert_eq!(pattern(&a), pattern(&b));
        assert_eq!(host_key(&a), "h:80");
    }
}
