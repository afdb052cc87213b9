//! Dates as portals print them, to `YYYY-MM-DD`.
//!
//! Seen on government pages: `2025-01-01`, `2025/1/1`, `2025年1月1日`,
//! `2025.01.01`, any of them with a time after it, `20250101` in URLs
//! (`t20250101_123.html`, `/202501/01/`), and on Taiwan sites the 民国 year:
//! `114年1月1日`, `114-01-01`, `中華民國114年1月1日` (year + 1911). A bare
//! 民国 date is only believed where the caller says the page is a Taiwan one
//! or the text names 民国, since `14-01-01` could be anything.

use std::sync::LazyLock;

use regex::Regex;

static RE_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"((?:19|20)\d{2})\s*[-/年.]\s*(\d{1,2})\s*[-/月.]\s*(\d{1,2})(?:[^\d]|$)")
        .expect("date regex")
});

static RE_ROC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(民國|民国|中華民國|中华民国)?\s*(\d{2,3})\s*([-/年.])\s*(\d{1,2})\s*[-/月.]\s*(\d{1,2})(?:[^\d]|$)")
        .expect("roc date regex")
});

static RE_URL_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:^|[^\d])((?:19|20)\d{2})[-/_]?(0[1-9]|1[0-2])[-/_]?(0[1-9]|[12]\d|3[01])(?:[^\d]|$)",
    )
    .expect("url date regex")
});

fn valid(y: u32, m: u32, d: u32) -> Option<String> {
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400) => 29,
        2 => 28,
        _ => return None,
    };
    ((1900..=2100).contains(&y) && (1..=days).contains(&d)).then(|| format!("{y:04}-{m:02}-{d:02}"))
}

/// Parses the first Gregorian date in `s` (`2020-01-05`, `2020年1月5日`,
/// `2020/1/5 10:20`, `2020.01.05`) into `YYYY-MM-DD`; `None` for anything
/// else or an impossible date.
pub fn parse_date(s: &str) -> Option<String> {
    for c in RE_DATE.captures_iter(s).take(8) {
        let y: u32 = c.get(1)?.as_str().parse().ok()?;
        let m: u32 = c.get(2)?.as_str().parse().ok()?;
        let d: u32 = c.get(3)?.as_str().parse().ok()?;
        if let Some(date) = valid(y, m, d) {
            return Some(date);
        }
    }
    None
}

/// Like [`parse_date`], and also a 民国 date (`113年5月2日`, `113-05-02`)
/// when `roc` is true or the text itself says 民国/民國.
pub fn parse_date_roc(s: &str, roc: bool) -> Option<String> {
    if let Some(d) = parse_date(s) {
        return Some(d);
    }
    for c in RE_ROC.captures_iter(s).take(8) {
        let named = c.get(1).is_some();
        if !(roc || named) {
            continue;
        }
        // A two-digit Gregorian year ("20-01-05") is not a 民国 year unless named.
        let y: u32 = c.get(2)?.as_str().parse().ok()?;
        if !(named || (60..=200).contains(&y)) {
            continue;
        }
        let m: u32 = c.get(4)?.as_str().parse().ok()?;
        let d: u32 = c.get(5)?.as_str().parse().ok()?;
        if let Some(date) = valid(y + 1911, m, d) {
            return Some(date);
        }
    }
    None
}

/// A date written into a URL path (`/t20200105_123.html`, `/2020-01/05/`,
/// `/art/2020/1/5/`), the weakest evidence of when a page was published.
pub fn date_in_url(path: &str) -> Option<String> {
    if let Some(c) = RE_URL_DATE.captures(path) {
        let y: u32 = c.get(1)?.as_str().parse().ok()?;
        let m: u32 = c.get(2)?.as_str().parse().ok()?;
        let d: u32 = c.get(3)?.as_str().parse().ok()?;
        if let Some(date) = valid(y, m, d) {
            return Some(date);
        }
    }
    // Hanweb: /art/2020/1/5/art_1_2.html
    let parts: Vec<&str> = path.split('/').collect();
    parts.windows(3).find_map(|w| {
        let y: u32 = w[0].parse().ok().filter(|y| (1990..=2100).contains(y))?;
        let m: u32 = w[1].parse().ok()?;
        let d: u32 = w[2].parse().ok()?;
        (w[1].len() <= 2 && w[2].len() <= 2).then_some(())?;
        valid(y, m, d)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gregorian_forms() {
        for (s, want) in [
            ("2020-01-05", "2020-01-05"),
            ("2020年01月05日", "2020-01-05"),
            ("2020年1月5日", "2020-01-05"),
            ("2020-01-05 10:20", "2020-01-05"),
            ("2020/1/5", "2020-01-05"),
            ("2020.01.05", "2020-01-05"),
            ("发布时间：2025年1月1日 09:30", "2025-01-01"),
        ] {
            assert_eq!(parse_date(s).as_deref(), Some(want), "{s}");
        }
        assert_eq!(parse_date("2020-13-05"), None);
        assert_eq!(parse_date("2021-02-29"), None);
        assert_eq!(parse_date("无"), None);
        // A version number or a phone number is not a date.
        assert_eq!(parse_date("2020.1.123"), None);
    }

    #[test]
    fn roc_years() {
        assert_eq!(
            parse_date_roc("113年5月2日", true).as_deref(),
            Some("2024-05-02")
        );
        assert_eq!(
            parse_date_roc("發布日期：114-01-01", true).as_deref(),
            Some("2025-01-01")
        );
        assert_eq!(
            parse_date_roc("中華民國113年12月31日", false).as_deref(),
            Some("2024-12-31")
        );
        // Not on a Taiwan page, and not named: not a date.
        assert_eq!(parse_date_roc("113-05-02", false), None);
        // A Gregorian date wins.
        assert_eq!(
            parse_date_roc("2024-05-02", true).as_deref(),
            Some("2024-05-02")
        );
    }

    #[test]
    fn url_dates() {
        assert_eq!(
            date_in_url("/zwgk/t20200105_123.html").as_deref(),
            Some("2020-01-05")
        );
        assert_eq!(
            date_in_url("/art/2020/1/5/art_1_2.html").as_deref(),
            Some("2020-01-05")
        );
        assert_eq!(date_in_url("/info/1234/5678.htm"), None);
    }
}
