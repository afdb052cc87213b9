//! What a site migration did to each document: matching the old site's
//! documents to the new site's by identity, whatever their URLs, and the
//! migration report.
//!
//! Identity evidence, strongest first, each pass over all documents still
//! unmatched: the 索引号 key, the 文号 key (when unique), an observed
//! redirect (old URL → 301 → a new document's URL), the normalised content
//! (NFKC, 繁→简, letters and digits only), and finally the normalised title
//! with the same publication date (when unique: an edited page keeps its
//! title). A matched pair is *moved* when its normalised text is the same
//! and *modified* otherwise (with how much changed); unmatched old
//! documents are *lost*, unmatched new ones *added*.
//!
//! Pure logic over two sets of [`Document`]s and the redirect observations;
//! the binary does the crawling and the probing.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::Document;
use crate::analysis::normalize;
use crate::doc_number::{doc_number_key, index_number_key, stored_index_number_key};

/// What an old URL answered on the new site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Probe {
    /// 301/302/307/308 to `location` (absolute URL).
    Redirect {
        /// HTTP status.
        status: u16,
        /// Where it points, resolved to an absolute URL.
        location: String,
    },
    /// Still answers with a page (2xx).
    Alive {
        /// HTTP status.
        status: u16,
    },
    /// 4xx/5xx, or no answer at all.
    Dead {
        /// HTTP status, when there was an answer.
        status: Option<u16>,
        /// What happened, in words.
        reason: String,
    },
}

impl Probe {
    /// `redirect`, `alive` or `dead`.
    pub fn kind(&self) -> &'static str {
        match self {
            Probe::Redirect { .. } => "redirect",
            Probe::Alive { .. } => "alive",
            Probe::Dead { .. } => "dead",
        }
    }

    /// The HTTP status, if any.
    pub fn status(&self) -> Option<u16> {
        match self {
            Probe::Redirect { status, .. } | Probe::Alive { status } => Some(*status),
            Probe::Dead { status, .. } => *status,
        }
    }
}

/// The evidence that paired two documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchedBy {
    /// Same 索引号.
    IndexNumber,
    /// Same 文号.
    DocNumber,
    /// The old URL redirects to the new document.
    Redirect,
    /// Same normalised content.
    Content,
    /// Same normalised title and date.
    Title,
}

impl MatchedBy {
    /// The name report.json gives it (`index_number`, `doc_number`, …),
    /// for the CSV files to use the same words.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchedBy::IndexNumber => "index_number",
            MatchedBy::DocNumber => "doc_number",
            MatchedBy::Redirect => "redirect",
            MatchedBy::Content => "content",
            MatchedBy::Title => "title",
        }
    }
}

/// A document at a new URL with the same content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Moved {
    /// URL on the old site.
    pub old_url: String,
    /// URL on the new site.
    pub new_url: String,
    /// Id in the old generation.
    pub old_id: String,
    /// Id in the new generation.
    pub new_id: String,
    /// Title on the new site.
    pub title: String,
    /// What paired them.
    pub matched_by: MatchedBy,
}

/// A document whose text changed in the move.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Modified {
    /// URL on the old site.
    pub old_url: String,
    /// URL on the new site.
    pub new_url: String,
    /// Id in the old generation.
    pub old_id: String,
    /// Id in the new generation.
    pub new_id: String,
    /// Title on the new site.
    pub title: String,
    /// What paired them.
    pub matched_by: MatchedBy,
    /// Share of the text left as it was, 0..1.
    pub similarity: f64,
    /// Characters (letters and digits, normalised) added.
    pub chars_added: usize,
    /// Characters removed.
    pub chars_removed: usize,
    /// Whether the title changed.
    pub title_changed: bool,
}

/// An old document the new site does not have.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lost {
    /// URL on the old site.
    pub old_url: String,
    /// Id in the old generation.
    pub old_id: String,
    /// Its title.
    pub title: String,
    /// Published date.
    pub published: Option<String>,
}

/// A document only the new site has.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Added {
    /// URL on the new site.
    pub new_url: String,
    /// Id in the new generation.
    pub new_id: String,
    /// Its title.
    pub title: String,
    /// Published date.
    pub published: Option<String>,
}

/// What one old URL does now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RedirectCheck {
    /// The old URL (a document's URL or one of its aliases).
    pub old_url: String,
    /// `redirect`, `alive`, `dead` or `unchecked`.
    pub status: String,
    /// HTTP status.
    pub http_status: Option<u16>,
    /// Redirect target.
    pub location: Option<String>,
    /// Where the document is on the new site (none when lost).
    pub new_url: Option<String>,
    /// Whether the redirect lands on the document's new URL (or an alias of it).
    pub correct: bool,
}

/// The migration report; serialises as the `report.json` shape.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Same content, new URL.
    pub moved: Vec<Moved>,
    /// Changed content.
    pub modified: Vec<Modified>,
    /// On the old site only.
    pub lost: Vec<Lost>,
    /// On the new site only.
    pub added: Vec<Added>,
    /// What each old URL does now (not part of `report.json`).
    #[serde(skip)]
    pub redirects: Vec<RedirectCheck>,
    /// For each matched new document's index in the input: the old URLs
    /// (and aliases) it now answers for (not part of `report.json`).
    #[serde(skip)]
    pub aliases: HashMap<usize, Vec<String>>,
}

/// Counts for the printed summary.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Old documents.
    pub old_documents: usize,
    /// New documents.
    pub new_documents: usize,
    /// Moved.
    pub moved: usize,
    /// Modified.
    pub modified: usize,
    /// Lost.
    pub lost: usize,
    /// Added.
    pub added: usize,
    /// Old URLs redirecting to the right new URL.
    pub redirects_correct: usize,
    /// Old URLs redirecting elsewhere.
    pub redirects_wrong: usize,
    /// Old URLs that are dead.
    pub dead: usize,
    /// Old URLs still answering.
    pub alive: usize,
    /// Old URLs not checked.
    pub unchecked: usize,
}

impl Report {
    /// Counts.
    pub fn summary(&self, old_documents: usize, new_documents: usize) -> Summary {
        let mut s = Summary {
            old_documents,
            new_documents,
            moved: self.moved.len(),
            modified: self.modified.len(),
            lost: self.lost.len(),
            added: self.added.len(),
            ..Default::default()
        };
        for r in &self.redirects {
            match r.status.as_str() {
                "redirect" if r.correct => s.redirects_correct += 1,
                "redirect" => s.redirects_wrong += 1,
                "dead" => s.dead += 1,
                "alive" => s.alive += 1,
                _ => s.unchecked += 1,
            }
        }
        s
    }

    /// `report.json`.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|_| "{}".into())
    }
}

/// Letters and digits of the normalised text (NFKC, lower case, 繁→简).
pub fn normalized_text(text: &str) -> String {
    normalize(text)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect()
}

fn hash(text: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(text.as_bytes())
}

/// What is compared of one document, computed once.
struct Keys {
    index_number: Option<String>,
    doc_number: Option<String>,
    body: String,
    title: String,
    content: Option<u64>,
    title_date: Option<(String, String)>,
    urls: Vec<String>,
}

fn keys(doc: &Document) -> Keys {
    let body = normalized_text(&doc.body);
    let title = normalized_text(&doc.title);
    let content = if body.chars().count() >= 20 {
        Some(hash(&body))
    } else if !body.is_empty() || !title.is_empty() {
        Some(hash(&format!("{title}\u{1}{body}")))
    } else {
        None
    };
    let index_number = index_number_key(&doc.index_number)
        .or_else(|| stored_index_number_key(&doc.index_number).filter(|k| k.chars().count() >= 6));
    let mut urls = vec![url_key(&doc.url)];
    urls.extend(doc.aliases.iter().map(|a| url_key(a)));
    Keys {
        index_number,
        doc_number: doc_number_key(&doc.doc_number),
        title_date: (!title.is_empty())
            .then(|| (title.clone(), doc.published.clone().unwrap_or_default())),
        body,
        title,
        content,
        urls,
    }
}

/// URL compared without scheme, `www.`, fragment and trailing slash.
pub fn url_key(url: &str) -> String {
    let url = url.trim();
    let url = url.split('#').next().unwrap_or(url);
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.strip_prefix("www.").unwrap_or(rest);
    rest.trim_end_matches('/').to_string()
}

/// The path (and query) of a URL: `http://a/b?c` → `/b?c`.
pub fn url_path(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    match rest.find('/') {
        Some(i) => rest[i..].split('#').next().unwrap_or("/").to_string(),
        None => "/".into(),
    }
}

/// How much of `old` is left in `new`: (similarity, added, removed), from
/// the common prefix and suffix.
pub fn change_amount(old: &str, new: &str) -> (f64, usize, usize) {
    let a: Vec<char> = old.chars().collect();
    let b: Vec<char> = new.chars().collect();
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let max_suffix = a.len().min(b.len()) - prefix;
    let suffix = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take(max_suffix)
        .take_while(|(x, y)| x == y)
        .count();
    let kept = prefix + suffix;
    let longest = a.len().max(b.len());
    let similarity = if longest == 0 {
        1.0
    } else {
        kept as f64 / longest as f64
    };
    (similarity, b.len() - kept, a.len() - kept)
}

/// Matches the old site's documents to the new site's and builds the report.
///
/// `probes` maps old URLs (documents' URLs and aliases, as stored) to what
/// they answer now; URLs without an observation are reported `unchecked`.
pub fn compare(old: &[Document], new: &[Document], probes: &HashMap<String, Probe>) -> Report {
    let old_keys: Vec<Keys> = old.iter().map(keys).collect();
    let new_keys: Vec<Keys> = new.iter().map(keys).collect();
    let mut pair_of_old: Vec<Option<(usize, MatchedBy)>> = vec![None; old.len()];
    let mut new_taken = vec![false; new.len()];

    // Pass 1: 索引号 (greedy: the key is an identifier).
    let mut by_index: HashMap<&str, Vec<usize>> = HashMap::new();
    for (j, k) in new_keys.iter().enumerate() {
        if let Some(key) = &k.index_number {
            by_index.entry(key.as_str()).or_default().push(j);
        }
    }
    for (i, k) in old_keys.iter().enumerate() {
        let Some(key) = &k.index_number else { continue };
        let Some(candidates) = by_index.get(key.as_str()) else {
            continue;
        };
        if let Some(&j) = candidates.iter().find(|&&j| !new_taken[j]) {
            pair_of_old[i] = Some((j, MatchedBy::IndexNumber));
            new_taken[j] = true;
        }
    }

    // Passes 2, 4, 5: a key unique among the unmatched on both sides.
    let unique_pass = |pair_of_old: &mut Vec<Option<(usize, MatchedBy)>>,
                       new_taken: &mut Vec<bool>,
                       key_of: &dyn Fn(&Keys) -> Option<String>,
                       by: MatchedBy| {
        let mut new_by: HashMap<String, Vec<usize>> = HashMap::new();
        for (j, k) in new_keys.iter().enumerate() {
            if !new_taken[j]
                && let Some(key) = key_of(k)
            {
                new_by.entry(key).or_default().push(j);
            }
        }
        let mut old_by: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, k) in old_keys.iter().enumerate() {
            if pair_of_old[i].is_none()
                && let Some(key) = key_of(k)
            {
                old_by.entry(key).or_default().push(i);
            }
        }
        for (key, olds) in old_by {
            if let (Some(news), [i]) = (new_by.get(&key), olds.as_slice())
                && let [j] = news.as_slice()
            {
                pair_of_old[*i] = Some((*j, by));
                new_taken[*j] = true;
            }
        }
    };

    unique_pass(
        &mut pair_of_old,
        &mut new_taken,
        &|k: &Keys| k.doc_number.clone(),
        MatchedBy::DocNumber,
    );

    // Pass 3: observed redirects.
    let mut new_by_url: HashMap<&str, usize> = HashMap::new();
    for (j, k) in new_keys.iter().enumerate() {
        for u in &k.urls {
            new_by_url.entry(u.as_str()).or_insert(j);
        }
    }
    for (i, doc) in old.iter().enumerate() {
        if pair_of_old[i].is_some() {
            continue;
        }
        let target =
            std::iter::once(&doc.url)
                .chain(&doc.aliases)
                .find_map(|u| match probes.get(u) {
                    Some(Probe::Redirect { location, .. }) => {
                        new_by_url.get(url_key(location).as_str()).copied()
                    }
                    _ => None,
                });
        if let Some(j) = target
            && !new_taken[j]
        {
            pair_of_old[i] = Some((j, MatchedBy::Redirect));
            new_taken[j] = true;
        }
    }

    unique_pass(
        &mut pair_of_old,
        &mut new_taken,
        &|k: &Keys| k.content.map(|h| format!("{h:016x}")),
        MatchedBy::Content,
    );
    unique_pass(
        &mut pair_of_old,
        &mut new_taken,
        &|k: &Keys| k.title_date.as_ref().map(|(t, d)| format!("{t}\u{1}{d}")),
        MatchedBy::Title,
    );

    let mut report = Report::default();
    for (i, doc) in old.iter().enumerate() {
        let Some((j, by)) = pair_of_old[i] else {
            report.lost.push(Lost {
                old_url: doc.url.clone(),
                old_id: doc.id.clone(),
                title: doc.title.clone(),
                published: doc.published.clone(),
            });
            continue;
        };
        let (ok, nk) = (&old_keys[i], &new_keys[j]);
        let n = &new[j];
        let title_changed =
            ok.title != nk.title && !ok.title.contains(&nk.title) && !nk.title.contains(&ok.title);
        if ok.body == nk.body && !title_changed {
            report.moved.push(Moved {
                old_url: doc.url.clone(),
                new_url: n.url.clone(),
                old_id: doc.id.clone(),
                new_id: n.id.clone(),
                title: n.title.clone(),
                matched_by: by,
            });
        } else {
            let (similarity, chars_added, chars_removed) = change_amount(&ok.body, &nk.body);
            report.modified.push(Modified {
                old_url: doc.url.clone(),
                new_url: n.url.clone(),
                old_id: doc.id.clone(),
                new_id: n.id.clone(),
                title: n.title.clone(),
                matched_by: by,
                similarity: (similarity * 1000.0).round() / 1000.0,
                chars_added,
                chars_removed,
                title_changed,
            });
        }
        let known: HashSet<&str> = std::iter::once(n.url.as_str())
            .chain(n.aliases.iter().map(String::as_str))
            .collect();
        let entry = report.aliases.entry(j).or_default();
        for u in std::iter::once(&doc.url).chain(&doc.aliases) {
            if !u.is_empty() && !known.contains(u.as_str()) && !entry.contains(u) {
                entry.push(u.clone());
            }
        }
    }
    for (j, doc) in new.iter().enumerate() {
        if !new_taken[j] {
            report.added.push(Added {
                new_url: doc.url.clone(),
                new_id: doc.id.clone(),
                title: doc.title.clone(),
                published: doc.published.clone(),
            });
        }
    }

    // What every old URL does now.
    for (i, doc) in old.iter().enumerate() {
        let matched = pair_of_old[i].map(|(j, _)| j);
        for u in std::iter::once(&doc.url).chain(&doc.aliases) {
            if u.is_empty() {
                continue;
            }
            let new_url = matched.map(|j| new[j].url.clone());
            let probe = probes.get(u);
            let location = match probe {
                Some(Probe::Redirect { location, .. }) => Some(location.clone()),
                _ => None,
            };
            let correct = match (&location, matched) {
                (Some(loc), Some(j)) => new_keys[j].urls.contains(&url_key(loc)),
                _ => false,
            };
            report.redirects.push(RedirectCheck {
                old_url: u.clone(),
                status: probe.map_or("unchecked", Probe::kind).to_string(),
                http_status: probe.and_then(Probe::status),
                location,
                new_url,
                correct,
            });
        }
    }
    report
}

/// Adds each matched old document's URLs to its new document's aliases,
/// so `/api/doc` by an old URL finds it. `new` must be the slice given to
/// [`compare`].
pub fn apply_aliases(new: &mut [Document], report: &Report) {
    for (&j, urls) in &report.aliases {
        if let Some(doc) = new.get_mut(j) {
            for u in urls {
                if !doc.aliases.contains(u) && *u != doc.url {
                    doc.aliases.push(u.clone());
                }
            }
        }
    }
}

/// Quotes a value for an nginx config when it needs it.
fn nginx_value(text: &str) -> String {
    if text
        .chars()
        .any(|c| c.is_whitespace() || matches!(c, ';' | '"' | '\'' | '{' | '}' | '\\' | '$' | '#'))
    {
        format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        text.to_string()
    }
}

/// An nginx `map` block from each moved or modified document's old path to
/// its new path (pairs whose path did not change are left out):
///
/// ```text
/// map $uri $gongkai_new_uri {
///     default "";
///     /info/1001/20001.htm /xxgk/tjxx/202001/t20200105_300001.html;
/// }
/// ```
pub fn nginx_map(report: &Report) -> String {
    let mut out = String::from(
        "# Generated by `gongkai reindex`: old path -> new path of every moved or modified document.\n\
         # Use with: if ($gongkai_new_uri) { return 301 $gongkai_new_uri; }\n\
         map $uri $gongkai_new_uri {\n    default \"\";\n",
    );
    let mut seen = HashSet::new();
    let pairs = report
        .moved
        .iter()
        .map(|m| (&m.old_url, &m.new_url))
        .chain(report.modified.iter().map(|m| (&m.old_url, &m.new_url)));
    for (old, new) in pairs {
        let (from, to) = (url_path(old), url_path(new));
        // $uri carries no query string: such old URLs cannot be mapped by path.
        if from == to || from.contains('?') || !seen.insert(from.clone()) {
            continue;
        }
        out.push_str(&format!(
            "    {} {};\n",
            nginx_value(&from),
            nginx_value(&to)
        ));
    }
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_and_json_name_the_evidence_alike() {
        for by in [
            MatchedBy::IndexNumber,
            MatchedBy::DocNumber,
            MatchedBy::Redirect,
            MatchedBy::Content,
            MatchedBy::Title,
        ] {
            assert_eq!(
                serde_json::to_value(by).expect("json"),
                serde_json::Value::from(by.as_str())
            );
        }
    }

    fn doc(id: &str, url: &str, title: &str, body: &str) -> Document {
        Document {
            id: id.into(),
            url: url.into(),
            title: title.into(),
            body: body.into(),
            published: Some("2020-01-05".into()),
            ..Default::default()
        }
    }

    const BODY_A: &str = "为进一步做好全县财政预算公开工作，现将有关事项通知如下。";
    const BODY_B: &str = "全县统计数据显示，2019年地区生产总值同比增长百分之六。";
    const BODY_C: &str = "关于开展安全生产大检查的通知，各乡镇务必高度重视。";
    const BODY_D: &str = "县环保局开展大气污染防治专项行动，取得明显成效。";

    #[test]
    fn identity_by_index_number_doc_number_redirect_content_and_title() {
        let mut a = doc(
            "idx:1",
            "http://old.gov.cn/info/1/1.htm",
            "预算公开",
            BODY_A,
        );
        a.index_number = "6107240001/2020-00001".into();
        let mut b = doc("wh:1", "http://old.gov.cn/info/1/2.htm", "统计公报", BODY_B);
        b.doc_number = "样政发[2020]5号".into();
        let c = doc("h:c", "http://old.gov.cn/info/1/3.htm", "安全检查", BODY_C);
        let d = doc("h:d", "http://old.gov.cn/info/1/4.htm", "大气治理", BODY_D);
        let e = doc(
            "h:e",
            "http://old.gov.cn/info/1/5.htm",
            "已删除",
            "这篇文章在新网站上不存在了，迁移时删除。",
        );
        let f = doc(
            "h:f",
            "http://old.gov.cn/info/1/6.htm",
            "跳转文章",
            "老网站上的一篇文章，在新网站改写了全文。",
        );

        let mut a2 = doc("idx:1", "http://new.gov.cn/xxgk/a.html", "预算公开", BODY_A);
        a2.index_number = "６１０７２４０００１/２０２０－０００01".into();
        let mut b2 = doc(
            "wh:2",
            "http://new.gov.cn/xxgk/b.html",
            "统计公报",
            &format!("{BODY_B}（本文已更新）"),
        );
        b2.doc_number = "样政发〔2020〕5号".into();
        let c2 = doc(
            "h:c2",
            "http://new.gov.cn/xxgk/c.html",
            "安全检查",
            &format!("  {BODY_C}\n"),
        );
        let d2 = doc(
            "h:d2",
            "http://new.gov.cn/xxgk/d.html",
            "大气治理",
            &format!("{BODY_D}补充说明。"),
        );
        let f2 = doc(
            "h:f2",
            "http://new.gov.cn/xxgk/f.html",
            "新标题",
            "完全不同的正文内容，只能靠跳转认出来。",
        );
        let g2 = doc(
            "h:g2",
            "http://new.gov.cn/xxgk/g.html",
            "新增文章",
            "只在新网站上发布的文章。",
        );

        let old = vec![a, b, c, d, e, f];
        let mut new = vec![a2, b2, c2, d2, f2, g2];
        let mut probes = HashMap::new();
        probes.insert(
            "http://old.gov.cn/info/1/6.htm".to_string(),
            Probe::Redirect {
                status: 301,
                location: "http://new.gov.cn/xxgk/f.html".into(),
            },
        );
        probes.insert(
            "http://old.gov.cn/info/1/1.htm".to_string(),
            Probe::Redirect {
                status: 301,
                location: "http://new.gov.cn/xxgk/a.html".into(),
            },
        );
        probes.insert(
            "http://old.gov.cn/info/1/5.htm".to_string(),
            Probe::Dead {
                status: Some(404),
                reason: "not found".into(),
            },
        );
        let report = compare(&old, &new, &probes);

        let moved: Vec<(&str, MatchedBy)> = report
            .moved
            .iter()
            .map(|m| (m.old_id.as_str(), m.matched_by))
            .collect();
        assert_eq!(
            moved,
            vec![
                ("idx:1", MatchedBy::IndexNumber),
                ("h:c", MatchedBy::Content)
            ]
        );
        let modified: Vec<(&str, MatchedBy)> = report
            .modified
            .iter()
            .map(|m| (m.old_id.as_str(), m.matched_by))
            .collect();
        assert_eq!(
            modified,
            vec![
                ("wh:1", MatchedBy::DocNumber),
                ("h:d", MatchedBy::Title),
                ("h:f", MatchedBy::Redirect)
            ]
        );
        let b_mod = &report.modified[0];
        assert_eq!(b_mod.chars_removed, 0);
        assert_eq!(
            b_mod.chars_added,
            normalized_text("（本文已更新）").chars().count()
        );
        assert!(b_mod.similarity > 0.8 && b_mod.similarity < 1.0);
        assert!(report.modified[2].title_changed);
        assert_eq!(report.lost.len(), 1);
        assert_eq!(report.lost[0].old_url, "http://old.gov.cn/info/1/5.htm");
        assert_eq!(report.added.len(), 1);
        assert_eq!(report.added[0].new_url, "http://new.gov.cn/xxgk/g.html");

        let summary = report.summary(old.len(), new.len());
        assert_eq!(
            (summary.redirects_correct, summary.dead, summary.unchecked),
            (2, 1, 3)
        );

        apply_aliases(&mut new, &report);
        assert_eq!(
            new[0].aliases,
            vec!["http://old.gov.cn/info/1/1.htm".to_string()]
        );
        assert!(new[5].aliases.is_empty());

        let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
        let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 4);
        assert_eq!(
            json["moved"][0]["old_url"],
            "http://old.gov.cn/info/1/1.htm"
        );
        assert_eq!(json["added"][0]["new_url"], "http://new.gov.cn/xxgk/g.html");
        assert!(json["modified"][0]["similarity"].is_number());

        let map = nginx_map(&report);
        assert!(map.starts_with("# Generated"));
        assert!(map.contains("map $uri $gongkai_new_uri {"));
        assert!(map.contains("    /info/1/1.htm /xxgk/a.html;\n"));
        assert!(map.trim_end().ends_with('}'));
    }

    #[test]
    fn ambiguous_weak_keys_do_not_match() {
        let old = vec![
            doc("1", "http://o/1", "通知", "同样的短文"),
            doc("2", "http://o/2", "通知", "同样的短文"),
        ];
        let new = vec![doc("3", "http://n/1", "通知", "同样的短文")];
        let report = compare(&old, &new, &HashMap::new());
        assert_eq!(report.moved.len() + report.modified.len(), 0);
        assert_eq!(report.lost.len(), 2);
        assert_eq!(report.added.len(), 1);
    }

    #[test]
    fn change_amount_and_urls() {
        assert_eq!(change_amount("abc", "abc"), (1.0, 0, 0));
        assert_eq!(change_amount("", ""), (1.0, 0, 0));
        let (s, added, removed) = change_amount("abcdef", "abXdef");
        assert_eq!((added, removed), (1, 1));
        assert!((s - 5.0 / 6.0).abs() < 1e-9);
        assert_eq!(change_amount("aaa", "aaaa"), (0.75, 1, 0));
        assert_eq!(url_path("http://h:8080/a/b.htm?x=1#f"), "/a/b.htm?x=1");
        assert_eq!(url_path("http://h"), "/");
        assert_eq!(url_key("https://www.h.gov.cn/a/"), "h.gov.cn/a");
        assert_eq!(nginx_value("/a b"), "\"/a b\"");
        assert_eq!(normalized_text("國務院 通知，２０２０"), "国务院通知2020");
    }

    #[test]
    fn empty_inputs_are_fine() {
        let report = compare(&[], &[], &HashMap::new());
        assert_eq!(report, Report::default());
        assert!(nginx_map(&report).contains("default"));
    }
}
