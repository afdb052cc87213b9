//! robots.txt: what we may fetch, how slowly, and where the sitemaps are.
//!
//! Parsing is texting_robots (tested against Google's robots.txt suite).
//! Fetch outcomes follow Google's documented rules: a 4xx means "no rules"
//! (allow all), a 5xx or network failure means "assume everything is
//! disallowed" for this run, because a server in trouble is exactly the one a
//! crawler must not hammer.

use texting_robots::Robot;

/// The most bytes of a robots.txt read and parsed (Google's limit); the
/// rest of a larger file is ignored, as if it were not there.
pub const MAX_ROBOTS_BYTES: usize = 500 * 1024;
/// The most `Allow`/`Disallow` lines parsed; the file is cut before the next.
/// texting_robots compiles each rule to a regex: 500 KiB of wildcard rules
/// (20,000 of them) cost 355 MB and 10 s; cut at 2,000, 52 MB and 1 s; and
/// no government portal was seen with more than a few dozen.
pub const MAX_ROBOTS_RULES: usize = 2_000;

/// The robots rules of one host.
pub struct Robots {
    robot: Option<Robot>,
    deny_all: bool,
}

impl std::fmt::Debug for Robots {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Robots")
            .field("parsed", &self.robot.is_some())
            .field("deny_all", &self.deny_all)
            .finish()
    }
}

impl Robots {
    /// Rules from a fetched robots.txt body.
    pub fn parse(agent: &str, body: &[u8]) -> Self {
        // A robots.txt over 500 KiB is truncated, as Google does, at the
        // last whole line: half a rule (`Allow: /` of `Allow: /x/`) could
        // mean more than the whole one.
        let body = if body.len() >= MAX_ROBOTS_BYTES {
            let head = &body[..MAX_ROBOTS_BYTES];
            head.iter()
                .rposition(|&b| b == b'\n')
                .map_or(head, |nl| &head[..=nl])
        } else {
            body
        };
        let mut rules = 0;
        let mut end = body.len();
        let mut at = 0;
        for line in body.split_inclusive(|&b| b == b'\n') {
            let word = line.trim_ascii_start();
            if word.len() >= 5
                && (word[..5].eq_ignore_ascii_case(b"allow")
                    || word.len() >= 8 && word[..8].eq_ignore_ascii_case(b"disallow"))
            {
                rules += 1;
                if rules > MAX_ROBOTS_RULES {
                    end = at;
                    break;
                }
            }
            at += line.len();
        }
        let body = &body[..end];
        Robots {
            robot: Robot::new(agent, body).ok(),
            deny_all: false,
        }
    }

    /// No robots.txt (404 and other 4xx): everything allowed.
    pub fn allow_all() -> Self {
        Robots {
            robot: None,
            deny_all: false,
        }
    }

    /// robots.txt unreachable (5xx, network): nothing allowed this run.
    pub fn deny_all() -> Self {
        Robots {
            robot: None,
            deny_all: true,
        }
    }

    pub fn allowed(&self, url: &str) -> bool {
        if self.deny_all {
            return false;
        }
        // texting_robots always allows /robots.txt itself.
        self.robot.as_ref().is_none_or(|r| r.allowed(url))
    }

    /// `Crawl-delay` in milliseconds, capped at one minute.
    pub fn crawl_delay_ms(&self) -> Option<u64> {
        let d = self.robot.as_ref()?.delay?;
        (d.is_finite() && d > 0.0).then(|| (d.min(60.0) * 1000.0) as u64)
    }

    /// `Sitemap:` lines.
    pub fn sitemaps(&self) -> Vec<String> {
        self.robot
            .as_ref()
            .map(|r| r.sitemaps.clone())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_delay_and_sitemaps() {
        let txt =
            b"User-agent: *\nDisallow: /admin/\nCrawl-delay: 2\nSitemap: http://h/sitemap.xml\n";
        let r = Robots::parse("gongkai", txt);
        assert!(!r.allowed("http://h/admin/index.htm"));
        assert!(r.allowed("http://h/info/1.htm"));
        assert_eq!(r.crawl_delay_ms(), Some(2000));
        assert_eq!(r.sitemaps(), vec!["http://h/sitemap.xml".to_string()]);
        assert!(!Robots::deny_all().allowed("http://h/"));
        assert!(Robots::allow_all().allowed("http://h/admin/"));
    }

    /// Only the first 500 KiB count, cut at a whole line: a rule past the
    /// cap is not seen, and the line the cap falls in is dropped rather than
    /// read as a shorter (wider) rule.
    #[test]
    fn only_the_first_500_kib_count() {
        let mut txt = String::from("User-agent: *\nDisallow: /private/\n");
        while txt.len() < MAX_ROBOTS_BYTES - 20 {
            txt.push_str("# padding\n");
        }
        // Straddles the cap: 11 to 19 of its bytes fit, `Disallow: /` at least.
        txt.push_str("Disallow: /archive/\n");
        txt.push_str("Disallow: /late/\n");
        let r = Robots::parse("gongkai", txt.as_bytes());
        assert!(!r.allowed("http://h/private/1.htm"));
        assert!(r.allowed("http://h/late/1.htm"));
        assert!(r.allowed("http://h/info/1.htm"));
    }

    /// 500 KiB of wildcard rules (the most a robots.txt gets to be): the
    /// first 2,000 rules are parsed and obeyed, the rest ignored (their
    /// memory is measured in docs/operations.md).
    #[test]
    fn wildcard_rules_past_the_rule_cap_are_ignored() {
        let mut txt = String::from("User-agent: *\n");
        let mut i = 0;
        while txt.len() < MAX_ROBOTS_BYTES {
            txt.push_str(&format!("Disallow: /*a*b*c*-{i}-*.htm$\n"));
            i += 1;
        }
        let r = Robots::parse("gongkai", txt.as_bytes());
        assert!(!r.allowed("http://h/xaybzc-7-z.htm"));
        assert!(!r.allowed(&format!("http://h/xaybzc-{}-z.htm", MAX_ROBOTS_RULES - 1)));
        assert!(r.allowed(&format!("http://h/xaybzc-{}-z.htm", i - 1)));
        assert!(r.allowed("http://h/info/1.htm"));
    }
}
