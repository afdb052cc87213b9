//! Completions as the user types: words of titles that start with the last
//! word typed (from the title term dictionary, most frequent first), then
//! titles of the best matches. Input in 简体 or 繁體 (normalised first).

use gongkai_index::analysis::normalize;
use gongkai_index::{SearchRequest, Searcher};
use serde::Serialize;

use super::Loaded;
use super::error::ApiError;

/// Terms looked at per segment before giving up (bounds the work).
const MAX_SCAN: usize = 5_000;

/// One suggestion.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Suggestion {
    /// Text to put in the search box.
    pub text: String,
    /// `term` (a completed word) or `title` (a document title).
    pub kind: &'static str,
    /// Document id (titles only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Documents whose title has the word (terms only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
}

/// Up to `size` suggestions for `q`.
pub fn suggest(loaded: &Loaded, q: &str, size: usize) -> Result<Vec<Suggestion>, ApiError> {
    let norm = normalize(q.trim());
    if norm.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    // Complete the last word typed; the words before it stay as they are.
    let (head, last) = match norm.rfind(char::is_whitespace) {
        Some(i) => (&norm[..=i], norm[i..].trim()),
        None => ("", norm.as_str()),
    };
    if !last.is_empty() {
        let terms = complete_term(loaded, last, size.div_ceil(2))?;
        for (term, count) in terms {
            if term != last {
                out.push(Suggestion {
                    text: format!("{head}{term}"),
                    kind: "term",
                    id: None,
                    count: Some(count),
                });
            }
        }
    }
    for (id, title) in titles(&loaded.searcher, &norm, size)? {
        if out.len() >= size {
            break;
        }
        out.push(Suggestion {
            text: title,
            kind: "title",
            id: Some(id),
            count: None,
        });
    }
    out.truncate(size);
    Ok(out)
}

/// Title words starting with `prefix`, most documents first.
fn complete_term(
    loaded: &Loaded,
    prefix: &str,
    size: usize,
) -> Result<Vec<(String, u64)>, ApiError> {
    let field = loaded.searcher.handle().fields.title[0];
    let searcher = loaded.terms.searcher();
    let mut counts: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
    for segment in searcher.segment_readers() {
        let inverted = segment
            .inverted_index(field)
            .map_err(|e| ApiError::internal(e.to_string()))?;
        let mut stream = inverted
            .terms()
            .range()
            .ge(prefix.as_bytes())
            .into_stream()
            .map_err(|e| ApiError::internal(e.to_string()))?;
        let mut scanned = 0;
        while stream.advance() {
            let key = stream.key();
            if !key.starts_with(prefix.as_bytes()) || scanned >= MAX_SCAN {
                break;
            }
            scanned += 1;
            if let Ok(term) = std::str::from_utf8(key) {
                *counts.entry(term.to_string()).or_insert(0) += u64::from(stream.value().doc_freq);
            }
        }
    }
    let mut list: Vec<(String, u64)> = counts.into_iter().collect();
    list.sort_by(|a, b| {
        b.1.cmp(&a.1)
            .then_with(|| a.0.len().cmp(&b.0.len()))
            .then_with(|| a.0.cmp(&b.0))
    });
    list.truncate(size);
    Ok(list)
}

/// Titles of the best matches of `query` in titles.
fn titles(
    searcher: &Searcher,
    query: &str,
    size: usize,
) -> Result<Vec<(String, String)>, ApiError> {
    // Words only: quotes and operators the user is still typing are dropped.
    let words = query
        .split_whitespace()
        .map(|w| {
            w.chars()
                .filter(|c| c.is_alphanumeric())
                .collect::<String>()
        })
        .filter(|w| !w.is_empty() && w != "or");
    let rewritten = title_query(words);
    if rewritten.is_empty() {
        return Ok(Vec::new());
    }
    let request = SearchRequest {
        query: rewritten,
        limit: size,
        // Suggestions show titles only.
        without_facets: true,
        ..Default::default()
    };
    let response = searcher.search(&request)?;
    Ok(response.hits.into_iter().map(|h| (h.id, h.title)).collect())
}

/// Words the title query keeps at most (the parser keeps no more clauses).
const MAX_TITLE_WORDS: usize = 32;

/// `title:w1 title:w2 …`, cut to the query length limit: the `title:`
/// prefixes are ours, so a query the user was allowed to type must never
/// become one the parser refuses.
fn title_query(words: impl Iterator<Item = String>) -> String {
    let limit = gongkai_index::query::MAX_QUERY_BYTES;
    let mut out = String::new();
    for word in words.take(MAX_TITLE_WORDS) {
        let sep = usize::from(!out.is_empty());
        let room = limit.saturating_sub(out.len() + sep + "title:".len());
        if room == 0 {
            break;
        }
        let mut end = word.len().min(room);
        while !word.is_char_boundary(end) {
            end -= 1;
        }
        if end == 0 {
            break;
        }
        if sep == 1 {
            out.push(' ');
        }
        out.push_str("title:");
        out.push_str(&word[..end]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_title_query_stays_within_the_parser_limit() {
        let limit = gongkai_index::query::MAX_QUERY_BYTES;
        let inputs = [
            vec!["a".to_string(); 600],
            vec!["预".repeat(341)],
            vec!["x".repeat(limit)],
            (0..500).map(|i| format!("{i}")).collect(),
        ];
        for words in inputs {
            let q = title_query(words.into_iter());
            assert!(q.len() <= limit, "{} bytes", q.len());
            assert!(q.starts_with("title:"), "{q}");
            assert!(gongkai_index::query::parse(&q).is_ok());
        }
        assert_eq!(
            title_query(["预算".to_string(), "公开".to_string()].into_iter()),
            "title:预算 title:公开"
        );
        assert_eq!(title_query(std::iter::empty()), "");
    }
}
