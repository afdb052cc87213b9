//! Highlighting without re-segmenting: snippets and highlighted titles.
//!
//! tantivy's `SnippetGenerator` re-tokenizes every stored body with the
//! field's analyzer (jieba: ≈ 0.35 ms per hit) and assumes token offsets only
//! grow, which jieba's search mode breaks (the known snippet panic). Here the
//! stored text is only *normalised* (a table lookup per character, which
//! keeps an offset map to the original) and the query's words are found in it
//! with one Aho-Corasick pass. Highlights therefore land on the original 繁體
//! or 简体 characters whatever script the query used, and every offset is a
//! character boundary of the original text.

use aho_corasick::{AhoCorasick, MatchKind};

use crate::analysis::{Analyzer, Normalized, TermStream, normalize};

/// Most matches considered when choosing a snippet window.
const MAX_MATCHES: usize = 2000;

/// Finds a query's words in text and marks them with `<em>`.
#[derive(Debug, Clone)]
pub struct Highlighter {
    matcher: Option<AhoCorasick>,
}

impl Highlighter {
    /// A highlighter for the positive pieces of a query.
    pub fn new(analyzer: &Analyzer, pieces: &[String]) -> Self {
        let mut patterns: Vec<String> = Vec::new();
        for piece in pieces {
            let normalized = normalize(piece);
            // The piece as typed, punctuation included, so that a code or a
            // 文号 (`YLXM-2021-0042`, `国发〔2016〕55号`) is marked as one.
            let typed = normalized.trim();
            if typed.chars().count() > 1 {
                patterns.push(typed.to_string());
            }
            let whole: String = normalized.chars().filter(|c| c.is_alphanumeric()).collect();
            if !whole.is_empty() {
                patterns.push(whole);
            }
            let words = analyzer.terms(TermStream::Precise, &normalized);
            let several = words.len() > 1;
            // Single characters of a longer query would light up everywhere.
            patterns.extend(
                words
                    .into_iter()
                    .filter(|w| !several || w.chars().count() > 1),
            );
        }
        patterns.retain(|p| !p.is_empty());
        patterns.sort();
        patterns.dedup();
        let matcher = if patterns.is_empty() {
            None
        } else {
            AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .build(&patterns)
                .ok()
        };
        Highlighter { matcher }
    }

    /// Matches in `text` as (start, end, pattern) byte ranges of the original text.
    fn matches(&self, text: &str) -> Vec<(usize, usize, usize)> {
        let Some(matcher) = &self.matcher else {
            return Vec::new();
        };
        let normalized = Normalized::new(text);
        matcher
            .find_iter(&normalized.text)
            .take(MAX_MATCHES)
            .filter_map(|m| {
                let start = normalized.original_offset(m.start());
                let end = normalized.original_offset(m.end());
                (start < end).then_some((start, end, m.pattern().as_usize()))
            })
            .collect()
    }

    /// The whole text, escaped, with every match marked.
    pub fn highlight(&self, text: &str) -> String {
        let matches = self.matches(text);
        render(text, 0, text.len(), &matches)
    }

    /// A window of about `max_chars` characters around the densest cluster
    /// of matches, escaped, matches marked, `…` where the text was cut.
    pub fn snippet(&self, text: &str, max_chars: usize) -> String {
        let text = text.trim();
        window(text, self.matches(text), max_chars)
    }

    /// Like [`Highlighter::snippet`], but only if the query matches `text`.
    pub fn snippet_if_found(&self, text: &str, max_chars: usize) -> Option<String> {
        let text = text.trim();
        let matches = self.matches(text);
        (!matches.is_empty()).then(|| window(text, matches, max_chars))
    }
}

/// The start of `text`, escaped, as a snippet with nothing marked.
pub fn lead(text: &str, max_chars: usize) -> String {
    window(text.trim(), Vec::new(), max_chars)
}

/// The snippet of `text` around the densest cluster of `matches`.
fn window(text: &str, matches: Vec<(usize, usize, usize)>, max_chars: usize) -> String {
    let max_chars = max_chars.max(10);
    // Character index of every char boundary is needed only at match starts.
    let mut best = (0usize, 0usize); // (score, start byte)
    if !matches.is_empty() {
        let lead = max_chars / 6;
        let char_starts: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        let char_at = |byte: usize| char_starts.partition_point(|&b| b < byte);
        let mut best_score = 0usize;
        let mut best_start = 0usize;
        for (i, &(start, _, _)) in matches.iter().enumerate() {
            let first_char = char_at(start).saturating_sub(lead);
            let window_start = char_starts.get(first_char).copied().unwrap_or(0);
            let last_char = (first_char + max_chars).min(char_starts.len());
            let window_end = char_starts.get(last_char).copied().unwrap_or(text.len());
            let mut seen: Vec<usize> = Vec::new();
            let mut count = 0;
            for &(s, e, p) in &matches[i..] {
                if e > window_end || s < window_start {
                    break;
                }
                count += 1;
                if !seen.contains(&p) {
                    seen.push(p);
                }
            }
            let score = seen.len() * 1000 + count;
            if score > best_score {
                best_score = score;
                best_start = window_start;
            }
        }
        best = (best_score, best_start);
    }
    let start = best.1;
    let end = text[start..]
        .char_indices()
        .nth(max_chars)
        .map_or(text.len(), |(i, _)| start + i);
    let inside: Vec<_> = matches
        .into_iter()
        .filter(|&(s, e, _)| s >= start && e <= end)
        .collect();
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    out.push_str(&render(text, start, end, &inside));
    if end < text.len() {
        out.push('…');
    }
    out
}

/// Escapes `text[start..end]`, wrapping the given matches in `<em>`.
fn render(text: &str, start: usize, end: usize, matches: &[(usize, usize, usize)]) -> String {
    let mut out = String::with_capacity(end - start + matches.len() * 9);
    let mut pos = start;
    for &(s, e, _) in matches {
        if s < pos || e > end {
            continue;
        }
        escape_into(&text[pos..s], &mut out);
        out.push_str("<em>");
        escape_into(&text[s..e], &mut out);
        out.push_str("</em>");
        pos = e;
    }
    escape_into(&text[pos..end], &mut out);
    out
}

/// HTML-escapes `text` into `out`.
pub fn escape_into(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
}

/// HTML-escapes `text`.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(text, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::tests_support::analyzer;

    #[test]
    fn marks_matches_and_escapes_the_rest() {
        let h = Highlighter::new(analyzer(), &["预算".to_string()]);
        let out = h.highlight("<script>alert(1)</script>县财政预算");
        assert_eq!(
            out,
            "&lt;script&gt;alert(1)&lt;/script&gt;县财政<em>预算</em>"
        );
    }

    #[test]
    fn simplified_query_highlights_traditional_text() {
        let h = Highlighter::new(analyzer(), &["财政预算".to_string()]);
        let out = h.highlight("臺南市財政預算公開");
        assert!(out.contains("<em>財政預算</em>"), "{out}");
    }

    #[test]
    fn full_width_text_highlights_on_char_boundaries() {
        let h = Highlighter::new(analyzer(), &["abc".to_string()]);
        let out = h.highlight("前ＡＢＣ後");
        assert_eq!(out, "前<em>ＡＢＣ</em>後");
    }

    #[test]
    fn snippet_centres_on_the_densest_matches_and_never_splits_chars() {
        let text = format!(
            "{}县政府召开常务会议研究财政预算{}",
            "无关内容。".repeat(200),
            "其他。".repeat(200)
        );
        let h = Highlighter::new(
            analyzer(),
            &["常务会议".to_string(), "财政预算".to_string()],
        );
        let s = h.snippet(&text, 60);
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(
            s.contains("<em>常务会议</em>") && s.contains("<em>财政预算</em>"),
            "{s}"
        );
        assert!(s.chars().filter(|c| !c.is_ascii()).count() <= 62);
    }

    #[test]
    fn snippet_without_match_is_the_start() {
        let h = Highlighter::new(analyzer(), &["不存在的词".to_string()]);
        assert_eq!(h.snippet("短文本", 50), "短文本");
        let empty = Highlighter::new(analyzer(), &[]);
        assert_eq!(empty.snippet("a<b", 50), "a&lt;b");
    }

    #[test]
    fn odd_text_never_panics() {
        let h = Highlighter::new(
            analyzer(),
            &["a".to_string(), "㈱".to_string(), "財".to_string()],
        );
        for text in ["", "㈱㈱a", "ａ\u{301}財", "🙂a🙂", "ﬁ財ﬁ"] {
            let _ = h.snippet(text, 5);
            let _ = h.highlight(text);
        }
    }
}
