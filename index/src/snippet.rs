//! Highlighting without re-segmenting: snippets and highlighted titles, as
//! structure.
//!
//! tantivy's `SnippetGenerator` re-tokenizes every stored body with the
//! field's analyzer (jieba: ≈ 0.35 ms per hit) and assumes token offsets only
//! grow, which jieba's search mode breaks (the known snippet panic). Here the
//! stored text is only *normalised* (a table lookup per character, which
//! keeps an offset map to the original) and the query's words are found in it
//! with one Aho-Corasick pass. Highlights therefore land on the original 繁體
//! or 简体 characters whatever script the query used, and every offset is a
//! character boundary of the original text.
//!
//! The answer is a [`Snippet`]: the original text and the byte ranges that
//! matched, like tantivy's `Snippet`. This module never writes markup; each
//! front end (the page, the JSON API, the terminal, batch files) renders a
//! snippet its own way from [`Snippet::pieces`].

use std::ops::Range;

use aho_corasick::{AhoCorasick, MatchKind};

use crate::analysis::{Analyzer, Normalized, TermStream, normalize};

/// Most matches considered when choosing a snippet window.
const MAX_MATCHES: usize = 2000;

/// Marks where text was cut.
const CUT: &str = "…";

/// Text with the query's matches marked: the original text (never escaped)
/// and the byte ranges of it that matched.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snippet {
    /// The text as published; a body extract has `…` where it was cut.
    pub text: String,
    /// Byte ranges of `text` that matched the query: in order, never
    /// overlapping, never empty, on character boundaries.
    pub highlights: Vec<Range<usize>>,
}

impl Snippet {
    /// Text with nothing marked.
    pub fn plain(text: impl Into<String>) -> Self {
        Snippet {
            text: text.into(),
            highlights: Vec::new(),
        }
    }

    /// Whether there is no text.
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// The text in order as (piece, matched) pairs, no piece empty: what a
    /// renderer walks to wrap the matches in its own marks.
    pub fn pieces(&self) -> impl Iterator<Item = (&str, bool)> {
        let mut pieces = Vec::with_capacity(self.highlights.len() * 2 + 1);
        let mut pos = 0;
        for range in &self.highlights {
            let (Some(before), Some(marked)) = (
                self.text.get(pos..range.start),
                self.text.get(range.start..range.end),
            ) else {
                continue;
            };
            pieces.push((before, false));
            pieces.push((marked, true));
            pos = range.end;
        }
        pieces.push((self.text.get(pos..).unwrap_or(""), false));
        pieces.into_iter().filter(|(piece, _)| !piece.is_empty())
    }

    /// The matched pieces, in order.
    pub fn matched(&self) -> impl Iterator<Item = &str> {
        self.pieces()
            .filter_map(|(piece, matched)| matched.then_some(piece))
    }
}

/// Finds a query's words in text.
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

    /// The whole text with every match marked.
    pub fn highlight(&self, text: &str) -> Snippet {
        let matches = self.matches(text);
        Snippet {
            text: text.to_string(),
            highlights: ranges(&matches, 0..text.len(), 0),
        }
    }

    /// A window of about `max_chars` characters around the densest cluster
    /// of matches, matches marked, `…` where the text was cut.
    pub fn snippet(&self, text: &str, max_chars: usize) -> Snippet {
        let text = text.trim();
        window(text, self.matches(text), max_chars)
    }

    /// Like [`Highlighter::snippet`], but only if the query matches `text`.
    pub fn snippet_if_found(&self, text: &str, max_chars: usize) -> Option<Snippet> {
        let text = text.trim();
        let matches = self.matches(text);
        (!matches.is_empty()).then(|| window(text, matches, max_chars))
    }
}

/// The start of `text` as a snippet with nothing marked (`…` where cut).
pub fn lead(text: &str, max_chars: usize) -> Snippet {
    window(text.trim(), Vec::new(), max_chars)
}

/// The snippet of `text` around the densest cluster of `matches`.
fn window(text: &str, matches: Vec<(usize, usize, usize)>, max_chars: usize) -> Snippet {
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
    let mut out = String::with_capacity(end - start + 2 * CUT.len());
    if start > 0 {
        out.push_str(CUT);
    }
    // Ranges shift from `text` to `out`.
    let shift = out.len();
    out.push_str(&text[start..end]);
    if end < text.len() {
        out.push_str(CUT);
    }
    Snippet {
        highlights: ranges(&matches, start..end, shift),
        text: out,
    }
}

/// The matches inside `within` that do not overlap an earlier one (two
/// matches inside one NFKC expansion such as `㈱` can map to one character),
/// moved so that `within.start` lands on `at`.
fn ranges(matches: &[(usize, usize, usize)], within: Range<usize>, at: usize) -> Vec<Range<usize>> {
    let mut out = Vec::with_capacity(matches.len());
    let mut pos = within.start;
    for &(s, e, _) in matches {
        if s < pos || e > within.end {
            continue;
        }
        out.push(s - within.start + at..e - within.start + at);
        pos = e;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::tests_support::analyzer;

    /// The snippet with its matches in 【】, as the terminal shows it when piped.
    fn marked(snippet: &Snippet) -> String {
        snippet
            .pieces()
            .map(|(piece, matched)| {
                if matched {
                    format!("【{piece}】")
                } else {
                    piece.to_string()
                }
            })
            .collect()
    }

    #[test]
    fn marks_matches_and_keeps_the_rest_as_text() {
        let h = Highlighter::new(analyzer(), &["预算".to_string()]);
        let text = "<script>alert(1)</script>县财政预算";
        let out = h.highlight(text);
        assert_eq!(out.text, text, "never escaped or changed");
        assert_eq!(marked(&out), "<script>alert(1)</script>县财政【预算】");
        assert_eq!(out.matched().collect::<Vec<_>>(), vec!["预算"]);
    }

    #[test]
    fn simplified_query_highlights_traditional_text() {
        let h = Highlighter::new(analyzer(), &["财政预算".to_string()]);
        let out = h.highlight("臺南市財政預算公開");
        assert!(marked(&out).contains("【財政預算】"), "{out:?}");
    }

    #[test]
    fn full_width_text_highlights_on_char_boundaries() {
        let h = Highlighter::new(analyzer(), &["abc".to_string()]);
        let out = h.highlight("前ＡＢＣ後");
        assert_eq!(marked(&out), "前【ＡＢＣ】後");
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
        assert!(s.text.starts_with('…') && s.text.ends_with('…'), "{s:?}");
        let m = marked(&s);
        assert!(
            m.contains("【常务会议】") && m.contains("【财政预算】"),
            "{m}"
        );
        assert!(s.text.chars().count() <= 62);
    }

    #[test]
    fn snippet_without_match_is_the_start() {
        let h = Highlighter::new(analyzer(), &["不存在的词".to_string()]);
        assert_eq!(h.snippet("短文本", 50), Snippet::plain("短文本"));
        let empty = Highlighter::new(analyzer(), &[]);
        assert_eq!(empty.snippet(" a<b ", 50), Snippet::plain("a<b"));
        assert_eq!(
            lead("一二三四五六七八九十甲乙", 10).text,
            "一二三四五六七八九十…"
        );
    }

    #[test]
    fn pieces_skip_empty_text_and_bad_ranges() {
        let s = Snippet {
            text: "预算公开".into(),
            highlights: vec![0..6, 6..12, 3..4, 9..30],
        };
        assert_eq!(
            s.pieces().collect::<Vec<_>>(),
            vec![("预算", true), ("公开", true)]
        );
        assert_eq!(Snippet::default().pieces().count(), 0);
    }

    #[test]
    fn odd_text_never_panics() {
        let h = Highlighter::new(
            analyzer(),
            &["a".to_string(), "㈱".to_string(), "財".to_string()],
        );
        for text in ["", "㈱㈱a", "ａ\u{301}財", "🙂a🙂", "ﬁ財ﬁ"] {
            for s in [h.snippet(text, 5), h.highlight(text)] {
                let pieces: String = s.pieces().map(|(p, _)| p).collect();
                assert_eq!(pieces, s.text);
                assert!(s.highlights.windows(2).all(|w| w[0].end <= w[1].start));
            }
        }
    }
}
