//! A phrase of CJK characters, matched through the character-pair fields
//! and scored exactly as a phrase of the characters themselves.
//!
//! A fragment such as `台南市政府民` is a phrase over the character stream,
//! and its characters (台, 南, 市 …) are in almost every document of a
//! city's portal: tantivy must read every position of each of them in every
//! candidate document. The pair fields hold each two characters that sit
//! side by side in the character stream (`台南` at the position of `台`), so
//! the same phrase is a chain of half as many, much shorter position lists:
//! `台南`@0, `市政`@2, `府民`@4. A pair at position p exists exactly when
//! its first character is at p and its second at p + 1, so the chain
//! matches the same documents the same number of times.
//!
//! The score is the character phrase's own: BM25 weighted by the
//! characters' statistics (as `PhraseQuery` over the character field would)
//! and the character field's length norms, over the phrase count the chain
//! gives. Results, order and scores are those of the character phrase; only
//! the work is less. This module never decides *when* to use pairs (the
//! query builder does) and never tokenizes.

use std::fmt;

use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::{Postings, SegmentPostings};
use tantivy::query::{Bm25Weight, EmptyScorer, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED, TantivyError, Term};

/// A phrase of two or more single CJK characters at consecutive positions.
#[derive(Clone)]
pub struct CharPhraseQuery {
    /// The characters, as terms of the character field, in order.
    chars: Vec<Term>,
    /// The covering chain: pair terms of the pair field and their offsets.
    pairs: Vec<(usize, Term)>,
}

impl fmt::Debug for CharPhraseQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CharPhraseQuery")
            .field("chars", &self.chars)
            .finish_non_exhaustive()
    }
}

impl CharPhraseQuery {
    /// The phrase of `chars` (terms of the character field, one character
    /// each, at consecutive positions) through the pair field `pairs`.
    /// `None` for fewer than two characters.
    pub fn new(chars: &[(&str, Term)], pairs: Field) -> Option<Self> {
        let n = chars.len();
        if n < 2 {
            return None;
        }
        // Pairs at 0, 2, 4 …, and one more ending at the last character
        // when the count is odd: every character is covered, and each pair
        // fixes its two characters' relative positions.
        let mut starts: Vec<usize> = (0..n - 1).step_by(2).collect();
        if n % 2 == 1 {
            starts.push(n - 2);
        }
        let pairs = starts
            .into_iter()
            .map(|s| {
                let text = format!("{}{}", chars[s].0, chars[s + 1].0);
                (s, Term::from_field_text(pairs, &text))
            })
            .collect();
        Some(CharPhraseQuery {
            chars: chars.iter().map(|(_, t)| t.clone()).collect(),
            pairs,
        })
    }
}

impl Query for CharPhraseQuery {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        // What `PhraseQuery` over the characters would weigh them by.
        let similarity = match enable_scoring {
            EnableScoring::Enabled {
                statistics_provider,
                ..
            } => Some(Bm25Weight::for_terms(statistics_provider, &self.chars)?),
            EnableScoring::Disabled { .. } => None,
        };
        Ok(Box::new(CharPhraseWeight {
            chars_field: self.chars[0].field(),
            pairs: self.pairs.clone(),
            similarity,
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        for term in &self.chars {
            visitor(term, true);
        }
    }
}

struct CharPhraseWeight {
    chars_field: Field,
    pairs: Vec<(usize, Term)>,
    similarity: Option<Bm25Weight>,
}

impl CharPhraseWeight {
    fn fieldnorms(&self, reader: &SegmentReader) -> tantivy::Result<FieldNormReader> {
        if self.similarity.is_some()
            && let Some(norms) = reader.fieldnorms_readers().get_field(self.chars_field)?
        {
            return Ok(norms);
        }
        Ok(FieldNormReader::constant(reader.max_doc(), 1))
    }
}

impl Weight for CharPhraseWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let inverted = match self.pairs.first() {
            Some((_, term)) => reader.inverted_index(term.field())?,
            None => return Ok(Box::new(EmptyScorer)),
        };
        let mut postings: Vec<(usize, SegmentPostings)> = Vec::with_capacity(self.pairs.len());
        for (offset, term) in &self.pairs {
            match inverted.read_postings(term, IndexRecordOption::WithFreqsAndPositions)? {
                Some(p) => postings.push((*offset, p)),
                // A pair no document has: the phrase matches nowhere.
                None => return Ok(Box::new(EmptyScorer)),
            }
        }
        let fieldnorms = self.fieldnorms(reader)?;
        let similarity = self.similarity.as_ref().map(|w| w.boost_by(boost));
        Ok(Box::new(ChainScorer::new(postings, fieldnorms, similarity)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.seek(doc) != doc {
            return Err(TantivyError::InvalidArgument(format!(
                "document {doc} does not match the character phrase"
            )));
        }
        Ok(Explanation::new("character phrase (pairs)", scorer.score()))
    }
}

/// The documents where every pair of the chain sits at its offset from a
/// common start, with how many such starts each has (the phrase count).
struct ChainScorer {
    /// Each pair's postings and what to add to its positions so that the
    /// positions of one phrase occurrence all become equal; rarest first.
    postings: Vec<(u32, SegmentPostings)>,
    fieldnorms: FieldNormReader,
    similarity: Option<Bm25Weight>,
    doc: DocId,
    count: u32,
    starts: Vec<u32>,
    other: Vec<u32>,
}

impl ChainScorer {
    fn new(
        postings: Vec<(usize, SegmentPostings)>,
        fieldnorms: FieldNormReader,
        similarity: Option<Bm25Weight>,
    ) -> Self {
        let last = postings.iter().map(|(o, _)| *o).max().unwrap_or(0);
        let mut postings: Vec<(u32, SegmentPostings)> = postings
            .into_iter()
            .map(|(offset, p)| ((last - offset) as u32, p))
            .collect();
        postings.sort_by_key(|(_, p)| p.size_hint());
        let first = postings.first().map_or(TERMINATED, |(_, p)| p.doc());
        let mut scorer = ChainScorer {
            postings,
            fieldnorms,
            similarity,
            doc: first,
            count: 0,
            starts: Vec::new(),
            other: Vec::new(),
        };
        scorer.doc = scorer.settle(first);
        scorer
    }

    /// The first document from `candidate` on where the chain occurs.
    fn settle(&mut self, mut candidate: DocId) -> DocId {
        loop {
            // Leapfrog: every postings list on one document.
            'align: loop {
                if candidate == TERMINATED {
                    return TERMINATED;
                }
                for (_, p) in &mut self.postings {
                    let doc = if p.doc() >= candidate {
                        p.doc()
                    } else {
                        p.seek(candidate)
                    };
                    if doc > candidate {
                        candidate = doc;
                        continue 'align;
                    }
                }
                break;
            }
            self.count = self.occurrences();
            if self.count > 0 {
                return candidate;
            }
            candidate += 1;
        }
    }

    /// Starts shared by every pair's shifted positions in the current document.
    fn occurrences(&mut self) -> u32 {
        let Some(((shift, first), rest)) = self.postings.split_first_mut() else {
            return 0;
        };
        first.positions_with_offset(*shift, &mut self.starts);
        for (shift, p) in rest {
            if self.starts.is_empty() {
                break;
            }
            p.positions_with_offset(*shift, &mut self.other);
            let other = &self.other;
            let mut j = 0;
            self.starts.retain(|&start| {
                while j < other.len() && other[j] < start {
                    j += 1;
                }
                j < other.len() && other[j] == start
            });
        }
        self.starts.len() as u32
    }
}

impl DocSet for ChainScorer {
    fn advance(&mut self) -> DocId {
        if self.doc != TERMINATED {
            self.doc = self.settle(self.doc + 1);
        }
        self.doc
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if target > self.doc {
            self.doc = self.settle(target);
        }
        self.doc
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.postings.first().map_or(0, |(_, p)| p.size_hint())
    }
}

impl Scorer for ChainScorer {
    fn score(&mut self) -> Score {
        match &self.similarity {
            Some(w) => w.score(self.fieldnorms.fieldnorm_id(self.doc), self.count),
            None => 1.0,
        }
    }
}
