//! Matching the old site's documents to the new site's by identity,
//! whatever their URLs, into the rows of the [`Report`].
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
//! Pure logic over two sets of [`Document`]s and the redirect observations
//! ([`crate::probe_all`]); the binary does the crawling.

use std::collections::{HashMap, HashSet};

use gongkai_document::Document;
use gongkai_document::keys::{doc_number_key, index_number_key, stored_index_number_key};
use gongkai_document::normalize::normalize;

use crate::{
    Added, Lost, MatchedBy, Modified, Moved, OldUrlStatus, Probe, RedirectCheck, Report, url_key,
};

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
        let pair = Moved {
            old_url: doc.url.clone(),
            new_url: n.url.clone(),
            old_id: doc.id.clone(),
            new_id: n.id.clone(),
            title: n.title.clone(),
            matched_by: by,
        };
        if ok.body == nk.body && !title_changed {
            report.moved.push(pair);
        } else {
            let (similarity, chars_added, chars_removed) = change_amount(&ok.body, &nk.body);
            report.modified.push(Modified {
                moved: pair,
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
                status: probe.map_or(OldUrlStatus::Unchecked, Probe::kind),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nginx_map;

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

        let moved: Vec<_> = report
            .moved
            .iter()
            .map(|m| (m.old_id.as_str(), m.matched_by))
            .collect();
        let modified: Vec<_> = report
            .modified
            .iter()
            .map(|m| (m.moved.old_id.as_str(), m.moved.matched_by))
            .collect();
        assert_eq!(
            (moved, modified),
            (
                vec![
                    ("idx:1", MatchedBy::IndexNumber),
                    ("h:c", MatchedBy::Content)
                ],
                vec![
                    ("wh:1", MatchedBy::DocNumber),
                    ("h:d", MatchedBy::Title),
                    ("h:f", MatchedBy::Redirect)
                ]
            )
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

        let json: serde_json::Value = serde_json::to_value(&report).expect("json");
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
    fn change_amount_and_normalized_text() {
        assert_eq!(change_amount("abc", "abc"), (1.0, 0, 0));
        assert_eq!(change_amount("", ""), (1.0, 0, 0));
        let (s, added, removed) = change_amount("abcdef", "abXdef");
        assert_eq!((added, removed), (1, 1));
        assert!((s - 5.0 / 6.0).abs() < 1e-9);
        assert_eq!(change_amount("aaa", "aaaa"), (0.75, 1, 0));
        assert_eq!(normalized_text("國務院 通知，２０２０"), "国务院通知2020");
    }

    #[test]
    fn empty_inputs_are_fine() {
        let report = compare(&[], &[], &HashMap::new());
        assert_eq!(report, Report::default());
        assert!(nginx_map(&report).contains("default"));
    }
}
