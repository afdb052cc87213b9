//! URLs as the migration compares and maps them, read with the `url` crate.
//! Text that is not a URL (no scheme, a bare path) is kept as text.

use url::Url;

/// A URL's host (without `www.`), explicit port, path and query, with no
/// scheme, fragment or trailing slash: `https://www.h.gov.cn/a/` and
/// `http://h.gov.cn/a#top` are both `h.gov.cn/a`.
pub fn url_key(url: &str) -> String {
    let url = url.trim();
    let key = match Url::parse(url) {
        Ok(u) => {
            let host = u.host_str().unwrap_or_default();
            let host = host.strip_prefix("www.").unwrap_or(host);
            let port = u.port().map(|p| format!(":{p}")).unwrap_or_default();
            let query = u.query().map(|q| format!("?{q}")).unwrap_or_default();
            format!("{host}{port}{}{query}", u.path())
        }
        Err(_) => {
            let text = without_fragment(url);
            text.strip_prefix("www.").unwrap_or(text).to_string()
        }
    };
    key.trim_end_matches('/').to_string()
}

/// A URL's path and query, without the fragment: `http://a/b?c#d` → `/b?c`.
/// Text that is not a URL gives what follows its first `/`, or `/`.
pub fn url_path(url: &str) -> String {
    match Url::parse(url.trim()) {
        Ok(u) => match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_string(),
        },
        Err(_) => {
            let text = without_fragment(url.trim());
            text.find('/').map_or("/", |i| &text[i..]).to_string()
        }
    }
}

fn without_fragment(text: &str) -> &str {
    text.split_once('#').map_or(text, |(before, _)| before)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_drop_scheme_www_fragment_and_trailing_slash() {
        for (url, key) in [
            ("https://www.h.gov.cn/a/", "h.gov.cn/a"),
            (" http://h.gov.cn/a#top ", "h.gov.cn/a"),
            ("http://h.gov.cn/", "h.gov.cn"),
            ("http://h:8080/a?x=1#f", "h:8080/a?x=1"),
            ("http://h/info/1001/20001.htm", "h/info/1001/20001.htm"),
            // What the url crate settles: case, a default port, encoding.
            ("HTTP://WWW.H.gov.cn:80/a", "h.gov.cn/a"),
            ("http://h/政策/1.html", "h/%E6%94%BF%E7%AD%96/1.html"),
            // Text that is not a URL is compared as it is.
            ("", ""),
            ("   ", ""),
            ("/a/b/#x", "/a/b"),
            ("www.h.gov.cn/a/", "h.gov.cn/a"),
            ("not a url", "not a url"),
        ] {
            assert_eq!(url_key(url), key, "{url:?}");
        }
    }

    #[test]
    fn paths_keep_the_query_and_drop_the_fragment() {
        for (url, path) in [
            ("http://h:8080/a/b.htm?x=1#f", "/a/b.htm?x=1"),
            ("http://h", "/"),
            ("https://h.gov.cn/", "/"),
            (
                "http://new.gov.cn/xxgk/202001/t20200105_300001.html",
                "/xxgk/202001/t20200105_300001.html",
            ),
            // The url crate's reading: a query on the root, a path encoded.
            ("http://h?x=1", "/?x=1"),
            ("http://h/a b", "/a%20b"),
            // Text that is not a URL: what follows its first `/`.
            ("", "/"),
            ("not a url", "/"),
            ("/a/b?c#d", "/a/b?c"),
            ("h.gov.cn/a", "/a"),
        ] {
            assert_eq!(url_path(url), path, "{url:?}");
        }
    }
}
