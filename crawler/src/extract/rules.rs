//! Per-site overrides (`DATA/sites.toml`) for the rare site whose markup
//! defeats the generic evidence: CSS selectors for the headline, date,
//! body, publisher and numbers, extra label names, and URL patterns that
//! say which pages are articles and which are lists.
//!
//! ```toml
//! [sites."www.example.gov.cn"]
//! title = "h2.tit"
//! date = ".sub .time"
//! body = "div.zw"
//! publisher = ".sub .src"
//! labels = { "稿件来源" = "source", "发稿单位" = "publisher" }
//! article_urls = ['/content/\d{4}/\d{2}/\d+\.shtml$']
//! list_urls = ['/col/\w+/list\.html']
//! ```
//!
//! Errors name the file and line. Owns parsing and applying the overrides;
//! never reads pages itself.

use std::collections::HashMap;
use std::path::Path;

use regex::Regex;
use scraper::{Html, Selector};
use serde::Deserialize;
use toml::Spanned;
use url::Url;

use super::fields::{self, Field};
use super::text::{Line, SEP, element_text, is_space, one_line};
use super::{Extracted, PageKind, dates};

/// A `sites.toml` that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    #[error("{path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}:{line}: {message}")]
    Invalid {
        path: String,
        line: usize,
        message: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    sites: HashMap<String, RawRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    title: Option<Spanned<String>>,
    date: Option<Spanned<String>>,
    body: Option<Spanned<String>>,
    publisher: Option<Spanned<String>>,
    doc_number: Option<Spanned<String>>,
    index_number: Option<Spanned<String>>,
    #[serde(default)]
    labels: HashMap<String, Spanned<String>>,
    #[serde(default)]
    article_urls: Vec<Spanned<String>>,
    #[serde(default)]
    list_urls: Vec<Spanned<String>>,
}

/// One host's overrides, compiled.
#[derive(Debug, Default, Clone)]
pub struct SiteRule {
    pub title: Option<Selector>,
    pub date: Option<Selector>,
    pub body: Option<Selector>,
    pub publisher: Option<Selector>,
    pub doc_number: Option<Selector>,
    pub index_number: Option<Selector>,
    /// Extra label names (white space removed) and the field each fills.
    pub labels: Vec<(String, Field)>,
    pub article_urls: Vec<Regex>,
    pub list_urls: Vec<Regex>,
}

/// All hosts' overrides.
#[derive(Debug, Default, Clone)]
pub struct SiteRules {
    hosts: HashMap<String, SiteRule>,
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

impl SiteRules {
    /// Reads and validates a `sites.toml`.
    pub fn load(path: &Path) -> Result<Self, RulesError> {
        let text = std::fs::read_to_string(path).map_err(|source| RulesError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parses `sites.toml` text; `path` names it in errors.
    pub fn parse(text: &str, path: &str) -> Result<Self, RulesError> {
        let invalid = |offset: usize, message: String| RulesError::Invalid {
            path: path.to_string(),
            line: line_of(text, offset),
            message,
        };
        let file: File = toml::from_str(text).map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start);
            invalid(offset, e.message().to_string())
        })?;
        let mut hosts = HashMap::new();
        for (host, raw) in file.sites {
            let selector = |s: &Option<Spanned<String>>| -> Result<Option<Selector>, RulesError> {
                s.as_ref()
                    .map(|s| {
                        Selector::parse(s.get_ref()).map_err(|e| {
                            invalid(
                                s.span().start,
                                format!("bad CSS selector {:?}: {e}", s.get_ref()),
                            )
                        })
                    })
                    .transpose()
            };
            let regexes = |v: &[Spanned<String>]| -> Result<Vec<Regex>, RulesError> {
                v.iter()
                    .map(|s| {
                        Regex::new(s.get_ref()).map_err(|e| {
                            invalid(
                                s.span().start,
                                format!("bad URL pattern {:?}: {e}", s.get_ref()),
                            )
                        })
                    })
                    .collect()
            };
            let mut labels = Vec::new();
            for (label, field) in &raw.labels {
                let f = match field.get_ref().as_str() {
                    "title" => Field::Title,
                    "published" | "date" => Field::Published,
                    "publisher" => Field::Publisher,
                    "source" => Field::Source,
                    "doc_number" => Field::DocNumber,
                    "index_number" => Field::IndexNumber,
                    "category" => Field::Category,
                    other => {
                        return Err(invalid(
                            field.span().start,
                            format!(
                                "label {label:?}: unknown field {other:?} (title, published, publisher, source, doc_number, index_number, category)"
                            ),
                        ));
                    }
                };
                labels.push((label.chars().filter(|c| !is_space(*c)).collect(), f));
            }
            let rule = SiteRule {
                title: selector(&raw.title)?,
                date: selector(&raw.date)?,
                body: selector(&raw.body)?,
                publisher: selector(&raw.publisher)?,
                doc_number: selector(&raw.doc_number)?,
                index_number: selector(&raw.index_number)?,
                labels,
                article_urls: regexes(&raw.article_urls)?,
                list_urls: regexes(&raw.list_urls)?,
            };
            hosts.insert(host.to_ascii_lowercase(), rule);
        }
        Ok(SiteRules { hosts })
    }

    /// The overrides for the host of `url`, if any.
    pub fn for_url(&self, url: &Url) -> Option<&SiteRule> {
        let host = url.host_str()?.to_ascii_lowercase();
        self.hosts.get(&host)
    }

    pub fn is_empty(&self) -> bool {
        self.hosts.is_empty()
    }
}

impl SiteRule {
    /// The page kind its URL patterns give, if one matches.
    pub fn kind_of(&self, url: &Url) -> Option<PageKind> {
        let s = url.as_str();
        if self.article_urls.iter().any(|r| r.is_match(s)) {
            Some(PageKind::Article)
        } else if self.list_urls.iter().any(|r| r.is_match(s)) {
            Some(PageKind::List)
        } else {
            None
        }
    }

    /// Overrides the generic fields with what the selectors and labels find
    /// (the body selector is applied where the body block is chosen).
    pub(super) fn apply(&self, doc: &Html, url: &Url, lines: &[Line], ex: &mut Extracted) {
        let roc = url.host_str().is_some_and(|h| h.ends_with(".tw"));
        let text = |s: &Option<Selector>| -> Option<String> {
            let el = doc.select(s.as_ref()?).next()?;
            Some(one_line(&element_text(el))).filter(|t| !t.is_empty())
        };
        let mut set = |field: Field, value: String, from: &str| {
            let key = match field {
                Field::Title => {
                    ex.document.title = value;
                    "title"
                }
                Field::Published | Field::Written | Field::Updated => {
                    match dates::parse_date_roc(&value, roc) {
                        Some(d) => ex.document.published = Some(d),
                        None => return,
                    }
                    "published"
                }
                Field::Publisher | Field::Source => {
                    let v = strip_label(&value);
                    match fields::organisation(&v) {
                        Some(v) => ex.document.publisher = v,
                        None => return,
                    }
                    "publisher"
                }
                Field::DocNumber => {
                    ex.document.doc_number =
                        fields::doc_number_value(&strip_label(&value)).unwrap_or_default();
                    "doc_number"
                }
                Field::IndexNumber => {
                    ex.document.index_number =
                        fields::index_number_value(&strip_label(&value)).unwrap_or_default();
                    "index_number"
                }
                Field::Category => {
                    ex.document.category_hint = fields::meaningful(&value).unwrap_or_default();
                    "category"
                }
                Field::Other => return,
            };
            ex.evidence.sources.insert(key, from.to_string());
        };
        for (label, field) in &self.labels {
            let found = lines.iter().find_map(|l| {
                let t = l.text.replace(SEP, " ");
                let compact: String = t.chars().filter(|c| !is_space(*c)).collect();
                let rest = compact.strip_prefix(label.as_str())?;
                let rest = rest.trim_start_matches([':', '：']);
                let value: String = rest.chars().take(120).collect();
                (!value.is_empty()).then_some(value)
            });
            if let Some(v) = found {
                set(*field, v, &format!("sites.toml label {label}"));
            }
        }
        let by_selector = [
            (&self.title, Field::Title),
            (&self.date, Field::Published),
            (&self.publisher, Field::Publisher),
            (&self.doc_number, Field::DocNumber),
            (&self.index_number, Field::IndexNumber),
        ];
        for (sel, field) in by_selector {
            if let Some(v) = text(sel) {
                set(field, v, "sites.toml selector");
            }
        }
    }
}

/// "信息来源：某局" → "某局": a selector may catch the label with the value.
fn strip_label(v: &str) -> String {
    match v.split_once(['：', ':']) {
        Some((l, rest)) if l.chars().count() <= 6 => rest.trim().to_string(),
        _ => v.trim().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_line() {
        let bad = "[sites.\"a.gov.cn\"]\ntitle = \"h2.tit\"\nbody = \"div[\"\n";
        let e = SiteRules::parse(bad, "sites.toml").unwrap_err().to_string();
        assert!(e.starts_with("sites.toml:3: bad CSS selector"), "{e}");
        let bad = "[sites.\"a.gov.cn\"]\n\narticle_urls = ['(']\n";
        let e = SiteRules::parse(bad, "sites.toml").unwrap_err().to_string();
        assert!(e.starts_with("sites.toml:3: bad URL pattern"), "{e}");
        let bad = "[sites.\"a.gov.cn\"]\ntitel = \"h2\"\n";
        let e = SiteRules::parse(bad, "sites.toml").unwrap_err().to_string();
        assert!(e.starts_with("sites.toml:2:"), "{e}");
        let bad = "[sites.\"a.gov.cn\"]\nlabels = { \"稿件来源\" = \"sauce\" }\n";
        let e = SiteRules::parse(bad, "sites.toml").unwrap_err().to_string();
        assert!(
            e.starts_with("sites.toml:2:") && e.contains("unknown field"),
            "{e}"
        );
    }

    #[test]
    fn overrides_apply() {
        let rules = SiteRules::parse(
            "[sites.\"a.gov.cn\"]\ntitle = \"div.t\"\nbody = \"div.b\"\nlabels = { \"稿件来源\" = \"publisher\" }\narticle_urls = ['/n/\\d+\\.html$']\n",
            "sites.toml",
        )
        .expect("valid");
        let url = Url::parse("http://a.gov.cn/n/12.html").unwrap();
        let rule = rules.for_url(&url).expect("a rule");
        let html = "<html><head><title>x</title></head><body><div class='t'>某县关于做好防汛工作的通知</div><p>稿件来源：某县应急管理局</p><div class='b'>正文第一段。</div></body></html>";
        let ex = super::super::extract_with(html, &url, Some(rule));
        assert_eq!(ex.kind(), PageKind::Article);
        assert_eq!(ex.document.title, "某县关于做好防汛工作的通知");
        assert_eq!(ex.document.publisher, "某县应急管理局");
        assert_eq!(ex.document.body, "正文第一段。");
    }
}
