//! Completions as the user types ([`Searcher::suggest`]): words of titles
//! that start with the last word typed (from the title term dictionary, most
//! frequent first), then titles of the best matches. Input in 简体 or 繁體
//! (normalised first). Reads the index only; HTTP and JSON are the caller's.

use std::collections::HashMap;

use serde::Serialize;

use crate::Error;
use crate::analysis::normalize;
use crate::search::{SearchRequest, Searcher};

/// Terms looked at per segment before giving up (bounds the work).
const MAX_SCAN: usize = 5_000;

/// Words the title query keeps at most: as many as the parser keeps clauses.
const MAX_TITLE_WORDS: usize = crate::query::MAX_CLAUSES;

/// One suggestion.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Suggestion {
    /// Text to put in the search box.
    pub text: String,
    /// A completed word or a document title.
    pub kind: SuggestionKind,
    /// Document id (titles only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Documents whose title has the word (terms only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
}

/// What a [`Suggestion`] completes to.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SuggestionKind {
    /// `term`: the last word typed, completed.
    Term,
    /// `title`: the title of a document that matches.
    Title,
}

impl Searcher {
    /// Up to `size` suggestions for what the user has typed so far.
    pub fn suggest(&self, typed: &str, size: usize) -> Result<Vec<Suggestion>, Error> {
        let norm = normalize(typed.trim());
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
            let terms = self
                .complete_term(last, size.div_ceil(2))
                .map_err(|e| self.name_damage(e))?;
            for (term, count) in terms {
                if term != last {
                    out.push(Suggestion {
                        text: format!("{head}{term}"),
                        kind: SuggestionKind::Term,
                        id: None,
                        count: Some(count),
                    });
                }
            }
        }
        for (id, title) in self.titles(&norm, size)? {
            if out.len() >= size {
                break;
            }
            out.push(Suggestion {
                text: title,
                kind: SuggestionKind::Title,
                id: Some(id),
                count: None,
            });
        }
        out.truncate(size);
        Ok(out)
    }

    /// Title words starting with `prefix`, most documents first.
    fn complete_term(&self, prefix: &str, size: usize) -> Result<Vec<(String, u64)>, Error> {
        let field = self.handle().fields.title[0];
        let searcher = self.reader().searcher();
        let mut counts: HashMap<String, u64> = HashMap::new();
        for segment in searcher.segment_readers() {
            let inverted = segment.inverted_index(field)?;
            let mut stream = inverted
                .terms()
                .range()
                .ge(prefix.as_bytes())
                .into_stream()
                .map_err(tantivy::TantivyError::from)?;
            let mut scanned = 0;
            while stream.advance() {
                let key = stream.key();
                if !key.starts_with(prefix.as_bytes()) || scanned >= MAX_SCAN {
                    break;
                }
                scanned += 1;
                if let Ok(term) = std::str::from_utf8(key) {
                    *counts.entry(term.to_string()).or_insert(0) +=
                        u64::from(stream.value().doc_freq);
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

    /// Ids and titles of the best matches of `query` in titles.
    fn titles(&self, query: &str, size: usize) -> Result<Vec<(String, String)>, Error> {
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
        let response = self.search(&request)?;
        Ok(response
            .hits
            .into_iter()
            .map(|h| (h.document.id, h.document.title))
            .collect())
    }
}

/// `title:w1 title:w2 …`, cut to the query length limit: the `title:`
/// prefixes are ours, so a query the user was allowed to type must never
/// become one the parser refuses.
fn title_query(words: impl Iterator<Item = String>) -> String {
    let limit = crate::query::MAX_QUERY_BYTES;
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
        let limit = crate::query::MAX_QUERY_BYTES;
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
            assert!(crate::query::parse(&q).is_ok());
        }
        assert_eq!(
            title_query(["预算".to_string(), "公开".to_string()].into_iter()),
            "title:预算 title:公开"
        );
        assert_eq!(title_query(std::iter::empty()), "");
    }
}
