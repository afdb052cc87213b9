//! The analyzer as tantivy tokenizers, so that anything in tantivy that
//! tokenizes a field (query parsing, snippets, `gongkai analyze`) uses the
//! same chain as indexing. The tokenizers share one [`Analyzer`] through an
//! `Arc`: tantivy clones tokenizers on every query, and cloning jieba's
//! dictionary each time would cost ≈ 20 ms.

use std::sync::Arc;

use tantivy::tokenizer::{Token, TokenStream, Tokenizer, TokenizerManager};

use super::{Analysis, Analyzer, TermStream, normalize, push_bigrams};

/// Registered name of the precise stream's tokenizer.
pub const PRECISE_TOKENIZER: &str = "gongkai_precise";
/// Registered name of the search stream's tokenizer.
pub const SEARCH_TOKENIZER: &str = "gongkai_search";
/// Registered name of the bigram stream's tokenizer.
pub const BIGRAM_TOKENIZER: &str = "gongkai_bigram";

/// One stream of the shared analyzer as a tantivy [`Tokenizer`].
#[derive(Clone)]
pub struct StreamTokenizer {
    analyzer: Arc<Analyzer>,
    kind: TermStream,
}

/// Tokens of one text, replayed to tantivy.
pub struct VecTokenStream {
    tokens: Vec<Token>,
    index: usize,
}

impl Tokenizer for StreamTokenizer {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        let normalized = normalize(text);
        let mut analysis = Analysis::default();
        match self.kind {
            TermStream::Bigram => push_bigrams(&normalized, 0, &mut analysis.bigram),
            _ => self.analyzer.analyze_normalized(&normalized, &mut analysis),
        }
        let tokens = match self.kind {
            TermStream::Precise => analysis.precise,
            TermStream::Search => analysis.search,
            TermStream::Bigram => analysis.bigram,
        };
        VecTokenStream {
            tokens,
            index: usize::MAX,
        }
    }
}

impl TokenStream for VecTokenStream {
    fn advance(&mut self) -> bool {
        self.index = self.index.wrapping_add(1);
        self.index < self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.index.min(self.tokens.len().saturating_sub(1))]
    }

    fn token_mut(&mut self) -> &mut Token {
        let i = self.index.min(self.tokens.len().saturating_sub(1));
        &mut self.tokens[i]
    }
}

/// Registers the three stream tokenizers under their names.
pub fn register_tokenizers(manager: &TokenizerManager, analyzer: &Arc<Analyzer>) {
    for (name, kind) in [
        (PRECISE_TOKENIZER, TermStream::Precise),
        (SEARCH_TOKENIZER, TermStream::Search),
        (BIGRAM_TOKENIZER, TermStream::Bigram),
    ] {
        manager.register(
            name,
            StreamTokenizer {
                analyzer: Arc::clone(analyzer),
                kind,
            },
        );
    }
}
