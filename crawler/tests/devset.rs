//! The extractor against the development set of real saved government
//! pages (tests/devset: original bytes, hand-checked truth, provenance):
//! articles found, non-articles never indexed, and per-field accuracy for
//! title, date, publisher, 文号, 索引号 and the body's first and last words,
//! with no site rules. Run with `--nocapture` for the per-field and
//! per-CMS table that docs/benchmarks.md quotes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use gongkai_crawler::extract::{self, PageKind};
use gongkai_crawler::url::Url;

#[path = "support/devset_truth.rs"]
mod devset_truth;
use devset_truth::Truth;

fn devset() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/devset/pages")
}

/// White space and box-drawing characters (tables drawn in text) removed.
fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && !('\u{2500}'..='\u{257F}').contains(c))
        .collect()
}

#[derive(Default)]
struct Tally {
    right: usize,
    total: usize,
}

impl Tally {
    fn add(&mut self, ok: bool) {
        self.total += 1;
        self.right += ok as usize;
    }
    fn share(&self) -> f64 {
        if self.total == 0 {
            1.0
        } else {
            self.right as f64 / self.total as f64
        }
    }
}

#[test]
fn development_set_fields() {
    let mut fields: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut per_cms: BTreeMap<String, Tally> = BTreeMap::new();
    let mut articles = Tally::default();
    let mut non_articles_indexed = Tally::default();
    let mut misses = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(devset())
        .expect("tests/devset/pages")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    entries.sort();
    assert!(!entries.is_empty(), "no truth files in tests/devset/pages");
    for path in &entries {
        let truth: Truth = serde_json::from_str(&std::fs::read_to_string(path).expect("truth"))
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let html_path = path.with_extension("html");
        let bytes = std::fs::read(&html_path).expect("page bytes");
        // The saved bytes carry no HTTP header: give the charset as the
        // server's header would have.
        let ct = format!("text/html; charset={}", truth.charset);
        let text = gongkai_crawler::charset::decode(&bytes, Some(&ct)).text;
        let url = Url::parse(&truth.url).expect("truth url");
        let ex = extract::extract(&text, &url);
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        if truth.kind != "article" {
            non_articles_indexed.add(ex.kind() == PageKind::Article);
            if ex.kind() == PageKind::Article {
                misses.push(format!("{name}: a {} read as an article", truth.kind));
            }
            continue;
        }
        let found = ex.kind() == PageKind::Article;
        articles.add(found);
        if !found {
            misses.push(format!(
                "{name}: not read as an article ({:?}: {})",
                ex.kind(),
                ex.evidence.reasons.join("; ")
            ));
        }
        let body = squash(&ex.document.body);
        let checks: [(&str, bool); 8] = [
            (
                "title",
                truth.title.as_deref().map(squash) == Some(squash(&ex.document.title)),
            ),
            ("published", truth.published == ex.document.published),
            (
                "publisher",
                truth.publisher.as_deref().unwrap_or_default() == ex.document.publisher,
            ),
            (
                "doc_number",
                truth.doc_number.as_deref().map(squash).unwrap_or_default()
                    == squash(&ex.document.doc_number),
            ),
            (
                "index_number",
                truth
                    .index_number
                    .as_deref()
                    .map(squash)
                    .unwrap_or_default()
                    == squash(&ex.document.index_number),
            ),
            (
                "body_start",
                truth.body_start.as_deref().is_none_or(|s| {
                    std::iter::once(s)
                        .chain(truth.body_start_any.iter().map(String::as_str))
                        .any(|a| body.starts_with(&squash(a)))
                }),
            ),
            (
                "body_end",
                truth.body_end.as_deref().is_none_or(|s| {
                    std::iter::once(s)
                        .chain(truth.body_end_any.iter().map(String::as_str))
                        .any(|a| body.ends_with(&squash(a)))
                }),
            ),
            (
                "body_whole",
                truth
                    .body_contains
                    .iter()
                    .all(|s| body.contains(&squash(s)))
                    && !truth
                        .body_excludes
                        .iter()
                        .any(|s| body.contains(&squash(s))),
            ),
        ];
        let mut all = true;
        for (field, ok) in checks {
            fields.entry(field).or_default().add(ok);
            all &= ok;
            if !ok {
                let got = match field {
                    "title" => ex.document.title.clone(),
                    "published" => format!("{:?}", ex.document.published),
                    "publisher" => ex.document.publisher.clone(),
                    "doc_number" => ex.document.doc_number.clone(),
                    "index_number" => ex.document.index_number.clone(),
                    "body_start" => ex.document.body.chars().take(40).collect(),
                    _ => {
                        let n = ex.document.body.chars().count();
                        ex.document
                            .body
                            .chars()
                            .skip(n.saturating_sub(40))
                            .collect()
                    }
                };
                misses.push(format!("{name}: {field} wrong, got {got:?}"));
            }
        }
        per_cms
            .entry(truth.cms.clone())
            .or_default()
            .add(all && found);
    }
    println!("development set: {} pages", entries.len());
    println!(
        "articles found {}/{}; non-articles indexed {}/{}",
        articles.right, articles.total, non_articles_indexed.right, non_articles_indexed.total
    );
    for (field, t) in &fields {
        println!(
            "  {field:<13} {}/{} ({:.1}%)",
            t.right,
            t.total,
            100.0 * t.share()
        );
    }
    for (cms, t) in &per_cms {
        println!(
            "  cms {cms:<10} {}/{} articles with every field right",
            t.right, t.total
        );
    }
    for m in &misses {
        println!("  miss: {m}");
    }
    assert!(articles.share() >= 0.99, "articles found: {misses:#?}");
    assert!(
        non_articles_indexed.right as f64 <= 0.01 * non_articles_indexed.total as f64,
        "non-articles indexed: {misses:#?}"
    );
    for (field, t) in &fields {
        assert!(
            t.share() >= 0.97,
            "{field}: {}/{} — {misses:#?}",
            t.right,
            t.total
        );
    }
}
