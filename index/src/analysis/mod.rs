//! Chinese analysis: the one analyzer chain that documents and queries both
//! go through, so that whatever is indexed is what a query looks for.
//!
//! Text is normalised ([`normalize`]: NFKC, lower case, 繁→简) and segmented
//! once with jieba (precise mode, no HMM). Three term streams are derived
//! from that single pass:
//!
//! - **precise**: the words, with ordinal positions, for phrase queries
//!   (`技术学校` must not match 技术 … 学校 far apart);
//! - **search**: jieba's search mode — each word's dictionary sub-words (2 and
//!   3 characters) at the word's own position, then the word — for recall
//!   (`农业` finds 中国农业发展银行). The search *field* stores only the
//!   sub-words: the words are in the precise field already;
//! - **chars**: every CJK character with its ordinal position, and whole
//!   alphanumeric runs, for substrings the dictionary cuts differently or
//!   does not know: a phrase of characters is an exact substring match of any
//!   length (a bigram phrase is the special case of two). Characters, not
//!   overlapping bigrams, because tantivy's indexing cost per term grows with
//!   the vocabulary: ≈ 5,000 distinct characters stay in cache where ≈ 500,000
//!   bigrams do not, and with the same terms precomputed the
//!   character stream indexed ≈ 2.4× faster than the bigram stream (see
//!   docs/benchmarks.md).
//!
//! Punctuation and whitespace never become terms. Deriving the sub-words from
//! the precise words (instead of running jieba's `cut_for_search` as well)
//! halves the segmentation cost of indexing. Terms are spans of the
//! normalised text, not strings; offsets are not indexed at all, because
//! highlighting works on the stored text (see `snippet`).

/// Text normalisation, shared with document keys: see `gongkai_document::normalize`.
pub use gongkai_document::normalize;
mod tokenizer;

use std::io::BufRead;
use std::path::Path;

use jieba_rs::Jieba;
pub use normalize::{Normalized, normalize};
pub use tokenizer::{
    CHARS_TOKENIZER, PAIRS_TOKENIZER, PRECISE_TOKENIZER, SEARCH_TOKENIZER, register_tokenizers,
};

use crate::Error;

/// The government vocabulary shipped with gongkai (see `data/gov-dict.txt`).
const GOV_DICTIONARY: &str = include_str!("../../data/gov-dict.txt");

/// Longest term kept, in bytes: longer runs are noise (encoded blobs, URLs).
const MAX_TERM_BYTES: usize = 64;

/// Which term stream of the analyzer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TermStream {
    /// Dictionary words with ordinal positions.
    Precise,
    /// Dictionary sub-words at their word's position, then the word.
    Search,
    /// CJK characters one by one and whole alphanumeric runs, with positions.
    Chars,
}

impl TermStream {
    /// All streams, in the order the index fields use them.
    pub const ALL: [TermStream; 3] = [TermStream::Precise, TermStream::Search, TermStream::Chars];

    /// Parses `precise`, `search` or `chars`.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "precise" => Some(TermStream::Precise),
            "search" => Some(TermStream::Search),
            // The fallback was once overlapping bigrams; the old name still
            // names it, so scripts written against it keep working.
            "chars" | "bigram" => Some(TermStream::Chars),
            _ => None,
        }
    }
}

/// A term of one stream: a byte range of the normalised text and its position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// Byte offset in the normalised text where the term starts.
    pub start: u32,
    /// Byte offset where it ends.
    pub end: u32,
    /// Ordinal position (sub-words share their word's).
    pub position: u32,
}

/// The three term streams of one text, as spans of its normalised form:
/// no allocation per term, the term text is a slice of `text`.
#[derive(Debug, Default, Clone)]
pub struct Analysis {
    /// The normalised text the spans point into.
    pub text: String,
    /// Dictionary words.
    pub precise: Vec<Span>,
    /// Words and sub-words.
    pub search: Vec<Span>,
    /// CJK characters and alphanumeric runs.
    pub chars: Vec<Span>,
}

impl Analysis {
    /// The spans of one stream.
    pub fn stream(&self, kind: TermStream) -> &[Span] {
        match kind {
            TermStream::Precise => &self.precise,
            TermStream::Search => &self.search,
            TermStream::Chars => &self.chars,
        }
    }

    /// The terms of one stream, in order.
    pub fn terms(&self, kind: TermStream) -> impl Iterator<Item = &str> {
        self.stream(kind)
            .iter()
            .map(|s| &self.text[s.start as usize..s.end as usize])
    }
}

/// The Chinese analyzer. Building one loads jieba's dictionary (≈ 0.2 s,
/// 35 MB): build it once and share it behind an `Arc`.
pub struct Analyzer {
    jieba: Jieba,
}

impl std::fmt::Debug for Analyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Analyzer").finish_non_exhaustive()
    }
}

impl Default for Analyzer {
    fn default() -> Self {
        Self::new()
    }
}

impl Analyzer {
    /// jieba's default dictionary plus the shipped government vocabulary.
    pub fn new() -> Self {
        normalize::warm_up();
        let mut analyzer = Analyzer {
            jieba: Jieba::new(),
        };
        analyzer.add_dictionary_text(GOV_DICTIONARY);
        analyzer
    }

    /// Like [`Analyzer::new`], plus a staff-maintained dictionary file if it exists.
    pub fn with_user_dictionary(path: &Path) -> Result<Self, Error> {
        let mut analyzer = Self::new();
        if path.exists() {
            let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
            let mut text = String::new();
            for line in std::io::BufReader::new(file).lines() {
                text.push_str(&line.map_err(|e| Error::io(path, e))?);
                text.push('\n');
            }
            analyzer.add_dictionary_text(&text);
        }
        Ok(analyzer)
    }

    /// Adds words in jieba's dictionary format (`word [freq] [tag]`, `#` comments).
    pub fn add_dictionary_text(&mut self, text: &str) {
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut parts = line.split_whitespace();
            let Some(word) = parts.next() else { continue };
            let freq = parts.next().and_then(|f| f.parse::<usize>().ok());
            let word = normalize(word);
            self.jieba.add_word(&word, freq, None);
        }
    }

    /// Whether `word` (already normalised) is in the dictionary.
    pub fn has_word(&self, word: &str) -> bool {
        self.jieba.has_word(word)
    }

    /// Normalises and analyses `text` into all three streams.
    pub fn analyze(&self, text: &str) -> Analysis {
        let mut analysis = Analysis {
            text: normalize(text),
            ..Default::default()
        };
        let mut sub_words = Vec::new();
        self.words(&analysis.text, &mut analysis.precise, &mut sub_words);
        analysis.search = search_stream(&analysis.precise, &sub_words);
        push_chars(&analysis.text, &mut analysis.chars);
        analysis
    }

    /// The precise words and, separately, their sub-words (one jieba pass)
    /// of normalised text. The search *field* indexes only the sub-words:
    /// the words themselves are already in the precise field, and a query
    /// looks in both, so storing them twice would only cost indexing time.
    pub(crate) fn words(
        &self,
        normalized: &str,
        precise: &mut Vec<Span>,
        sub_words: &mut Vec<Span>,
    ) {
        let mut position = 0u32;
        for word in self.jieba.cut(normalized, false) {
            let text = word.word;
            if !is_term(text) {
                continue;
            }
            self.push_sub_words(text, word.byte_start, position, sub_words);
            precise.push(make_span(word.byte_start, word.byte_end, position));
            position += 1;
        }
    }

    /// The segmentation behind the precise stream, punctuation included
    /// (for measuring word-segmentation quality against a gold standard).
    /// Segments are slices of the original `text` (normalisation may
    /// expand a character, e.g. `…` to `...`).
    pub fn segment(&self, text: &str) -> Vec<String> {
        let normalized = Normalized::new(text);
        let mut out: Vec<String> = Vec::new();
        let mut last_end = 0;
        for token in self.jieba.cut(&normalized.text, false) {
            let start = normalized.original_offset(token.byte_start).max(last_end);
            let end = normalized.original_offset(token.byte_end);
            if start < end {
                out.push(text[start..end].to_string());
                last_end = end;
            }
        }
        out
    }

    /// Terms of one stream for `text`, as strings (for `gongkai analyze` and
    /// queries). The search stream is jieba's search mode: each word's
    /// sub-words, then the word.
    pub fn terms(&self, kind: TermStream, text: &str) -> Vec<String> {
        self.positioned_terms(kind, text)
            .into_iter()
            .map(|(term, _)| term)
            .collect()
    }

    /// Like [`Analyzer::terms`], with each term's position (phrase queries
    /// keep the gaps the character stream leaves at punctuation).
    pub fn positioned_terms(&self, kind: TermStream, text: &str) -> Vec<(String, u32)> {
        let mut analysis = Analysis {
            text: normalize(text),
            ..Default::default()
        };
        match kind {
            TermStream::Chars => push_chars(&analysis.text, &mut analysis.chars),
            _ => {
                let mut sub_words = Vec::new();
                self.words(&analysis.text, &mut analysis.precise, &mut sub_words);
                analysis.search = search_stream(&analysis.precise, &sub_words);
            }
        }
        analysis
            .terms(kind)
            .zip(analysis.stream(kind))
            .map(|(term, span)| (term.to_string(), span.position))
            .collect()
    }

    /// Dictionary sub-words of a long word, and the parts of an alphanumeric
    /// compound (`wes-5.4` → `wes`), at the word's position.
    fn push_sub_words(&self, word: &str, byte_start: usize, position: u32, out: &mut Vec<Span>) {
        // Sub-words of CJK words longer than two characters; words longer
        // than MAX_SUB_WORD_CHARS are names or noise, and are not split.
        const MAX_SUB_WORD_CHARS: usize = 32;
        let mut boundaries = [0usize; MAX_SUB_WORD_CHARS + 1];
        let mut chars = 0;
        let mut all_cjk = true;
        for (i, c) in word.char_indices() {
            if chars == MAX_SUB_WORD_CHARS || !is_cjk(c) {
                all_cjk = false;
                break;
            }
            boundaries[chars] = i;
            chars += 1;
        }
        boundaries[chars] = word.len();
        if all_cjk && chars > 2 {
            for len in [2usize, 3] {
                if chars <= len {
                    continue;
                }
                for i in 0..=chars - len {
                    let gram = &word[boundaries[i]..boundaries[i + len]];
                    if self.jieba.has_word(gram) {
                        out.push(make_span(
                            byte_start + boundaries[i],
                            byte_start + boundaries[i] + gram.len(),
                            position,
                        ));
                    }
                }
            }
        } else if word.is_ascii() && word.bytes().any(|b| !b.is_ascii_alphanumeric()) {
            let mut offset = 0;
            for part in word.split(|c: char| !c.is_ascii_alphanumeric()) {
                if part.len() >= 2 && part.len() < word.len() {
                    out.push(make_span(
                        byte_start + offset,
                        byte_start + offset + part.len(),
                        position,
                    ));
                }
                offset += part.len() + 1;
            }
        }
    }
}

/// Search mode: every word preceded by its sub-words (both in position order).
fn search_stream(precise: &[Span], sub_words: &[Span]) -> Vec<Span> {
    let mut out = Vec::with_capacity(precise.len() + sub_words.len());
    let mut subs = sub_words.iter().peekable();
    for word in precise {
        while let Some(sub) = subs.next_if(|s| s.position <= word.position) {
            out.push(*sub);
        }
        out.push(*word);
    }
    out.extend(subs);
    out
}

fn make_span(start: usize, end: usize, position: u32) -> Span {
    Span {
        start: start as u32,
        end: end as u32,
        position,
    }
}

/// A CJK ideograph (unified, extensions, compatibility).
#[inline]
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F | 0x3007)
}

/// Whether a segment is a term: it holds a letter, digit or ideograph and is
/// not absurdly long.
fn is_term(word: &str) -> bool {
    // is_cjk first: char::is_alphanumeric takes a slow table lookup for ideographs.
    word.len() <= MAX_TERM_BYTES && word.chars().any(|c| is_cjk(c) || c.is_alphanumeric())
}

/// Every CJK character on its own and whole alphanumeric runs, with ordinal
/// positions: a phrase of them is an exact substring match of any length.
/// Punctuation and white space leave a gap of one position, so that a
/// phrase never matches across them (`政预` is not in `财政，预算`), as
/// bigrams of CJK runs never did.
fn push_chars(normalized: &str, out: &mut Vec<Span>) {
    let mut position = 0u32;
    let mut run_start: Option<usize> = None;
    // Whether a separator came after the last term (the next one skips a position).
    let mut gap = false;
    let mut push = |start: usize, end: usize, out: &mut Vec<Span>, gap: &mut bool| {
        if end - start > MAX_TERM_BYTES {
            return;
        }
        if std::mem::take(gap) && !out.is_empty() {
            position += 1;
        }
        out.push(make_span(start, end, position));
        position += 1;
    };
    for (i, c) in normalized.char_indices() {
        let cjk = is_cjk(c);
        if !cjk && c.is_alphanumeric() {
            run_start.get_or_insert(i);
            continue;
        }
        if let Some(start) = run_start.take() {
            push(start, i, out, &mut gap);
        }
        if cjk {
            push(i, i + c.len_utf8(), out, &mut gap);
        } else {
            gap = true;
        }
    }
    if let Some(start) = run_start {
        push(start, normalized.len(), out, &mut gap);
    }
}

/// One analyzer shared by the unit tests (building one takes ≈ 0.3 s).
#[cfg(test)]
pub(crate) mod tests_support {
    use std::sync::OnceLock;

    use super::Analyzer;

    pub(crate) fn analyzer() -> &'static Analyzer {
        static A: OnceLock<Analyzer> = OnceLock::new();
        A.get_or_init(Analyzer::new)
    }
}

#[cfg(test)]
mod tests {
    use super::tests_support::analyzer;
    use super::*;

    #[test]
    fn precise_terms_skip_punctuation_and_space() {
        let terms = analyzer().terms(TermStream::Precise, "关于 2020年，财政预决算的通知！");
        assert!(
            terms.iter().all(|t| t.chars().any(char::is_alphanumeric)),
            "{terms:?}"
        );
        assert!(terms.contains(&"财政预决算".to_string()), "{terms:?}");
    }

    #[test]
    fn traditional_and_simplified_give_identical_terms() {
        for kind in TermStream::ALL {
            assert_eq!(
                analyzer().terms(kind, "臺南市政府財政預決算公開"),
                analyzer().terms(kind, "台南市政府财政预决算公开"),
            );
        }
    }

    #[test]
    fn government_dictionary_keeps_terms_whole() {
        for word in [
            "放管服",
            "一网通办",
            "最多跑一次",
            "三公经费",
            "依申请公开",
            "互联网+政务服务",
        ] {
            let terms = analyzer().terms(TermStream::Precise, &format!("全面推进{word}，取得实效"));
            assert!(terms.contains(&word.to_string()), "{word}: {terms:?}");
        }
    }

    #[test]
    fn search_stream_adds_sub_words_at_the_same_position() {
        let a = analyzer().analyze("中国农业发展银行");
        let text = |s: &Span| &a.text[s.start as usize..s.end as usize];
        let whole = a
            .precise
            .iter()
            .find(|s| text(s) == "农业发展银行")
            .expect("whole word");
        let sub = a
            .search
            .iter()
            .find(|s| text(s) == "农业")
            .expect("sub-word");
        assert_eq!(whole.position, sub.position);
        assert!(a.precise.iter().all(|s| text(s) != "农业"));
    }

    #[test]
    fn chars_split_cjk_and_keep_alnum_runs() {
        let terms = analyzer().terms(TermStream::Chars, "2020年财政，县abc1");
        assert_eq!(terms, vec!["2020", "年", "财", "政", "县", "abc1"]);
    }

    #[test]
    fn positions_are_ordinal() {
        let a = analyzer().analyze("技术学校，招生。2020年");
        let positions: Vec<u32> = a.precise.iter().map(|s| s.position).collect();
        assert_eq!(positions, (0..positions.len() as u32).collect::<Vec<_>>());
        // Characters: ordinal, with a gap of one at each punctuation run.
        let positions: Vec<u32> = a.chars.iter().map(|s| s.position).collect();
        assert_eq!(positions, vec![0, 1, 2, 3, 5, 6, 8, 9]);
    }

    #[test]
    fn odd_input_does_not_panic() {
        let an = analyzer();
        for text in [
            "",
            " ",
            "\u{0}",
            "🙂🙂",
            "a\u{301}",
            &"长".repeat(10_000),
            &"x".repeat(500),
        ] {
            for kind in TermStream::ALL {
                let _ = an.terms(kind, text);
            }
        }
        assert!(an.terms(TermStream::Chars, &"x".repeat(500)).is_empty());
    }
}
