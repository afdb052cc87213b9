//! The analyzer as tantivy tokenizers. Indexing goes through them (in
//! tantivy's own indexing threads), and so can anything else in tantivy
//! that tokenizes a field, so every path runs the same chain.
//!
//! Two things keep this fast. The tokenizers share one [`Analyzer`] through an
//! `Arc` (tantivy clones tokenizers per segment writer and query; cloning
//! jieba's dictionary would cost ≈ 20 ms each time). And the precise and
//! search fields of the same text share one jieba pass: whichever of the two
//! tokenizes a text first leaves the other stream in a per-thread slot, which
//! the second takes if it is asked for the same text next, as tantivy does
//! when it indexes a document's fields in order. The normalised text is made
//! once per text for all three fields and shared by their token streams.
//!
//! The search field's tokenizer yields only the sub-words (see
//! [`Analyzer::words`]); queries look for a word in both fields.
//!
//! Token streams hold the normalised text and spans into it and fill one
//! reusable [`Token`] as they advance: no allocation per term.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use tantivy::tokenizer::{Token, TokenStream, Tokenizer, TokenizerManager};

use super::{Analyzer, Span, TermStream, normalize, push_chars};

/// Registered name of the precise stream's tokenizer.
pub const PRECISE_TOKENIZER: &str = "gongkai_precise";
/// Registered name of the search stream's tokenizer.
pub const SEARCH_TOKENIZER: &str = "gongkai_search";
/// Registered name of the chars stream's tokenizer.
pub const CHARS_TOKENIZER: &str = "gongkai_chars";
/// Registered name of the character-pair fields' tokenizer: each two CJK
/// characters at consecutive positions of the chars stream, as one term at
/// the first one's position (see `char_phrase`).
pub const PAIRS_TOKENIZER: &str = "gongkai_pairs";

/// One stream of the shared analyzer as a tantivy [`Tokenizer`].
#[derive(Clone)]
pub struct StreamTokenizer {
    analyzer: Arc<Analyzer>,
    kind: TermStream,
}

/// What this thread last did for one text: tantivy indexes a document's
/// title (then body) through the precise, search and chars fields in turn,
/// so the three tokenizers see the same text one after the other.
struct LastText {
    /// The original text.
    source: String,
    /// Its normalised form, shared by the three streams' token streams.
    normalized: Rc<str>,
    /// The jieba stream not yet handed out (precise or search).
    pending: Option<(TermStream, Vec<Span>)>,
}

thread_local! {
    static LAST_TEXT: RefCell<Option<LastText>> = const { RefCell::new(None) };
}

/// Spans of one text, replayed to tantivy through one reusable token.
pub struct SpanTokenStream {
    text: Rc<str>,
    spans: Vec<Span>,
    next: usize,
    token: Token,
}

impl SpanTokenStream {
    fn new(text: Rc<str>, spans: Vec<Span>) -> Self {
        SpanTokenStream {
            text,
            spans,
            next: 0,
            token: Token::default(),
        }
    }
}

impl Tokenizer for StreamTokenizer {
    type TokenStream<'a> = SpanTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> SpanTokenStream {
        with_last_text(text, |last| {
            let normalized = Rc::clone(&last.normalized);
            let kind = self.kind;
            if kind == TermStream::Chars {
                let mut spans = Vec::new();
                push_chars(&normalized, &mut spans);
                return SpanTokenStream::new(normalized, spans);
            }
            if let Some((_, spans)) = last.pending.take_if(|(pending, _)| *pending == kind) {
                return SpanTokenStream::new(normalized, spans);
            }
            let (mut precise, mut sub_words) = (Vec::new(), Vec::new());
            self.analyzer
                .words(&normalized, &mut precise, &mut sub_words);
            let (mine, other, other_kind) = match kind {
                TermStream::Precise => (precise, sub_words, TermStream::Search),
                _ => (sub_words, precise, TermStream::Precise),
            };
            last.pending = Some((other_kind, other));
            SpanTokenStream::new(normalized, mine)
        })
    }
}

/// Runs `f` on the per-thread slot of `text`, made anew unless it holds
/// that very text: each text is normalised once, whichever field asks first.
fn with_last_text<R>(text: &str, f: impl FnOnce(&mut LastText) -> R) -> R {
    LAST_TEXT.with(|slot| {
        let mut slot = slot.borrow_mut();
        if slot.as_ref().is_some_and(|last| last.source != text) {
            *slot = None;
        }
        f(slot.get_or_insert_with(|| LastText {
            source: text.to_string(),
            normalized: normalize(text).into(),
            pending: None,
        }))
    })
}

/// The character-pair fields' tokenizer ([`PAIRS_TOKENIZER`]).
#[derive(Clone, Default)]
pub struct PairsTokenizer;

/// Pairs of adjacent CJK characters of one text.
pub struct PairTokenStream {
    text: Rc<str>,
    chars: Vec<Span>,
    next: usize,
    token: Token,
}

impl Tokenizer for PairsTokenizer {
    type TokenStream<'a> = PairTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> PairTokenStream {
        let normalized = with_last_text(text, |last| Rc::clone(&last.normalized));
        let mut chars = Vec::new();
        push_chars(&normalized, &mut chars);
        PairTokenStream {
            text: normalized,
            chars,
            next: 0,
            token: Token::default(),
        }
    }
}

impl TokenStream for PairTokenStream {
    fn advance(&mut self) -> bool {
        let cjk = |text: &str| text.chars().next().is_some_and(super::is_cjk);
        while let [a, b, ..] = self.chars[self.next..] {
            self.next += 1;
            // Consecutive positions, whatever lies between in the text (a
            // dropped over-long run takes no position): exactly when a
            // phrase of the two characters matches.
            if b.position != a.position + 1 {
                continue;
            }
            let first = self
                .text
                .get(a.start as usize..a.end as usize)
                .unwrap_or("");
            let second = self
                .text
                .get(b.start as usize..b.end as usize)
                .unwrap_or("");
            if !cjk(first) || !cjk(second) {
                continue;
            }
            self.token.text.clear();
            self.token.text.push_str(first);
            self.token.text.push_str(second);
            self.token.offset_from = a.start as usize;
            self.token.offset_to = b.end as usize;
            self.token.position = a.position as usize;
            self.token.position_length = 1;
            return true;
        }
        false
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

impl TokenStream for SpanTokenStream {
    fn advance(&mut self) -> bool {
        let Some(span) = self.spans.get(self.next) else {
            return false;
        };
        self.next += 1;
        let (start, end) = (span.start as usize, span.end as usize);
        self.token.text.clear();
        self.token
            .text
            .push_str(self.text.get(start..end).unwrap_or(""));
        self.token.offset_from = start;
        self.token.offset_to = end;
        self.token.position = span.position as usize;
        self.token.position_length = 1;
        true
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

/// Registers the three stream tokenizers under their names.
pub fn register_tokenizers(manager: &TokenizerManager, analyzer: &Arc<Analyzer>) {
    for (name, kind) in [
        (PRECISE_TOKENIZER, TermStream::Precise),
        (SEARCH_TOKENIZER, TermStream::Search),
        (CHARS_TOKENIZER, TermStream::Chars),
    ] {
        manager.register(
            name,
            StreamTokenizer {
                analyzer: Arc::clone(analyzer),
                kind,
            },
        );
    }
    manager.register(PAIRS_TOKENIZER, PairsTokenizer);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(tokenizer: &mut StreamTokenizer, text: &str) -> Vec<(String, usize)> {
        let mut stream = tokenizer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            out.push((stream.token().text.clone(), stream.token().position));
        }
        out
    }

    #[test]
    fn tokenizers_give_the_analyzer_terms_whatever_the_order() {
        let analyzer = Arc::new(Analyzer::new());
        let mut precise = StreamTokenizer {
            analyzer: Arc::clone(&analyzer),
            kind: TermStream::Precise,
        };
        let mut search = StreamTokenizer {
            analyzer: Arc::clone(&analyzer),
            kind: TermStream::Search,
        };
        let mut chars = StreamTokenizer {
            analyzer: Arc::clone(&analyzer),
            kind: TermStream::Chars,
        };
        let texts = ["中国农业发展银行", "臺南市財政預算", "中国农业发展银行"];
        for (i, text) in texts.iter().enumerate() {
            // Alternate which field asks first, and ask twice, to exercise the slot.
            let (a, b) = if i % 2 == 0 {
                (&mut precise, &mut search)
            } else {
                (&mut search, &mut precise)
            };
            let first = collect(a, text);
            let chars_terms = collect(&mut chars, text);
            let second = collect(b, text);
            let again = collect(b, text);
            assert_eq!(
                chars_terms.into_iter().map(|t| t.0).collect::<Vec<_>>(),
                analyzer.terms(TermStream::Chars, text),
                "{text}"
            );
            assert_eq!(second, again, "{text}");
            let expected = |kind| {
                // The search field holds the search stream minus the words themselves.
                let analysis = analyzer.analyze(text);
                let spans: Vec<Span> = match kind {
                    TermStream::Search => analysis
                        .search
                        .iter()
                        .filter(|s| !analysis.precise.contains(s))
                        .copied()
                        .collect(),
                    _ => analysis.precise.clone(),
                };
                spans
                    .iter()
                    .map(|s| analysis.text[s.start as usize..s.end as usize].to_string())
                    .collect::<Vec<_>>()
            };
            assert_eq!(
                first.iter().map(|t| t.0.clone()).collect::<Vec<_>>(),
                expected(a.kind)
            );
            assert_eq!(
                second.iter().map(|t| t.0.clone()).collect::<Vec<_>>(),
                expected(b.kind)
            );
        }
    }
}
