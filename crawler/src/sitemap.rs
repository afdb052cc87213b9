//! Sitemaps (`<urlset>` and `<sitemapindex>`), parsed with quick-xml.
//!
//! Portals whose list pages paginate only in JavaScript are reachable only
//! through their sitemaps, so these matter. A sitemap is untrusted input:
//! the number of entries taken from one file is capped.

use quick_xml::Reader;
use quick_xml::events::Event;

/// Entries read from one sitemap file.
#[derive(Debug, Default, PartialEq)]
pub struct Sitemap {
    /// Page URLs (`<url><loc>`).
    pub urls: Vec<String>,
    /// Child sitemaps (`<sitemapindex><sitemap><loc>`).
    pub sitemaps: Vec<String>,
}

/// Most entries taken from one file (the protocol's own limit).
pub const MAX_ENTRIES: usize = 50_000;

/// Parses a sitemap or sitemap index; malformed XML yields what was read so far.
pub fn parse(xml: &[u8]) -> Sitemap {
    let mut reader = Reader::from_reader(xml);
    reader.config_mut().trim_text(true);
    let mut out = Sitemap::default();
    let mut buf = Vec::new();
    let mut in_loc = false;
    let mut in_sitemap = false;
    // The text of the open <loc>: quick-xml (0.38+) reports an entity such
    // as `&amp;` as its own event between two pieces of text.
    let mut loc = String::new();
    let mut events = 0usize;
    loop {
        events += 1;
        if events > 20 * MAX_ENTRIES || out.urls.len() + out.sitemaps.len() >= MAX_ENTRIES {
            break;
        }
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => match e.local_name().into_inner() {
                "loc" => {
                    in_loc = true;
                    loc.clear();
                }
                "sitemap" => in_sitemap = true,
                _ => {}
            },
            Ok(Event::End(e)) => match e.local_name().into_inner() {
                "loc" if in_loc => {
                    in_loc = false;
                    push(&mut out, in_sitemap, &loc);
                }
                "sitemap" => in_sitemap = false,
                _ => {}
            },
            Ok(Event::Text(t)) if in_loc => {
                let raw: String = t.to_string();
                match quick_xml::escape::unescape(&raw) {
                    Ok(text) => loc.push_str(&text),
                    Err(_) => loc.push_str(&raw),
                }
            }
            Ok(Event::CData(t)) if in_loc => loc.push_str(&t),
            Ok(Event::GeneralRef(r)) if in_loc => crate::xml::push_reference(&mut loc, &r),
            Ok(Event::Eof) | Err(_) => {
                // Malformed XML: keep what was read, a <loc> cut short included.
                if in_loc {
                    push(&mut out, in_sitemap, &loc);
                }
                break;
            }
            _ => {}
        }
        buf.clear();
    }
    out
}

fn push(out: &mut Sitemap, in_sitemap: bool, loc: &str) {
    let list = if in_sitemap {
        &mut out.sitemaps
    } else {
        &mut out.urls
    };
    list.push(loc.trim().to_string());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urlset_and_index() {
        let s = parse(
            br#"<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
            <url><loc>http://h/a.html</loc><lastmod>2020-01-01</lastmod></url>
            <url><loc> http://h/b.html </loc></url></urlset>"#,
        );
        assert_eq!(s.urls, vec!["http://h/a.html", "http://h/b.html"]);
        let s = parse(
            br#"<sitemapindex><sitemap><loc>http://h/s1.xml</loc></sitemap><sitemap><loc>http://h/s2.xml</loc></sitemap></sitemapindex>"#,
        );
        assert_eq!(s.sitemaps, vec!["http://h/s1.xml", "http://h/s2.xml"]);
        assert!(s.urls.is_empty());
        assert_eq!(parse(b"<not xml").urls.len(), 0);
    }

    #[test]
    fn entities_in_locations_are_resolved() {
        let s = parse(
            br#"<urlset><url><loc>http://h/list.jsp?a=1&amp;b=2&lt;&unknown;&#38;c=&#x4E00;</loc></url></urlset>"#,
        );
        assert_eq!(s.urls, vec!["http://h/list.jsp?a=1&b=2<&c=一"]);
    }
}
