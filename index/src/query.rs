//! The portal's query language, parsed by hand so that no input can make it
//! fail: words (AND by default), "phrases", -exclusions, `OR`, and `title:`
//! scoping. Anything it does not understand is searched as text.
//!
//! Each piece of text becomes a disjunction over the analyzer's streams:
//! a phrase on the precise words (boost 3), the word itself in the search
//! stream (sub-word recall, boost 1.5), and a phrase of its characters
//! (substrings the dictionary cuts differently, boost 1), on the title
//! (×2) and the body. A query that is a 文号 or 索引号 also looks up the
//! normalised key, boosted far above text matches, so that document comes first.

use tantivy::Term;
use tantivy::query::{AllQuery, BooleanQuery, BoostQuery, Occur, PhraseQuery, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};

use crate::Error;
use crate::analysis::{Analyzer, TermStream, normalize};
use crate::char_phrase::CharPhraseQuery;
use crate::doc_number::{doc_number_key, index_number_key};
use crate::schema::Fields;

/// Longest query accepted, in bytes.
pub const MAX_QUERY_BYTES: usize = 1024;
/// Most clauses in one query.
pub(crate) const MAX_CLAUSES: usize = 32;
/// Boost of an exact 文号/索引号 key match over any text match.
const KEY_BOOST: f32 = 1000.0;

/// One piece of query text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    /// The text as typed.
    pub text: String,
    /// `title:` scoping.
    pub title_only: bool,
    /// Typed in quotes: searched as written, never relaxed.
    pub quoted: bool,
}

/// A parsed query: groups that must match (each an OR of pieces), pieces that must not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedQuery {
    /// Every group must match; a group matches when one of its pieces does.
    pub must: Vec<Vec<Piece>>,
    /// No piece here may match.
    pub must_not: Vec<Piece>,
    /// The 文号 key when the whole query is a 文号.
    pub doc_number: Option<String>,
    /// The 索引号 key when the whole query is a 索引号.
    pub index_number: Option<String>,
}

impl ParsedQuery {
    /// Whether nothing positive was asked for (the query lists everything).
    pub fn is_match_all(&self) -> bool {
        self.must.is_empty() && self.doc_number.is_none() && self.index_number.is_none()
    }

    /// Every positive piece's text, for highlighting.
    pub fn positive_texts(&self) -> Vec<String> {
        self.must.iter().flatten().map(|p| p.text.clone()).collect()
    }

    /// The query's one piece when it is a single run of three or more CJK
    /// characters and nothing else (the fragment a citizen types or
    /// copies): with no exact match it is relaxed to the parts of it that
    /// do match ([`covering_runs`]), not to a bag of its words.
    pub fn single_run(&self) -> Option<&Piece> {
        match self.must.as_slice() {
            [group] => match group.as_slice() {
                [piece]
                    if !piece.quoted
                        && piece.text.chars().count() >= 3
                        && piece.text.chars().all(crate::analysis::is_cjk) =>
                {
                    Some(piece)
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// Whether relaxing AND to OR could find more (several positive groups or a long piece).
    pub fn can_relax(&self) -> bool {
        self.must.len() > 1
            || self
                .must
                .iter()
                .flatten()
                .any(|p| p.text.chars().count() > 2)
    }
}

#[derive(Debug)]
enum Lexeme {
    Text {
        text: String,
        negated: bool,
        title_only: bool,
        quoted: bool,
    },
    Or,
}

/// Parses `query`. Errors only for queries over [`MAX_QUERY_BYTES`].
pub fn parse(query: &str) -> Result<ParsedQuery, Error> {
    if query.len() > MAX_QUERY_BYTES {
        return Err(Error::InvalidQuery(format!(
            "query is {} bytes long; the limit is {MAX_QUERY_BYTES}",
            query.len()
        )));
    }
    let trimmed = query.trim();
    let mut parsed = ParsedQuery {
        doc_number: doc_number_key(trimmed),
        index_number: index_number_key(trimmed),
        ..Default::default()
    };
    let mut pending_or = false;
    for lexeme in lex(trimmed) {
        match lexeme {
            Lexeme::Or => pending_or = !parsed.must.is_empty(),
            Lexeme::Text {
                text,
                negated,
                title_only,
                quoted,
            } => {
                let piece = Piece {
                    text,
                    title_only,
                    quoted,
                };
                if negated {
                    parsed.must_not.push(piece);
                } else if pending_or {
                    if let Some(last) = parsed.must.last_mut() {
                        last.push(piece);
                    }
                } else {
                    parsed.must.push(vec![piece]);
                }
                pending_or = false;
            }
        }
        if parsed.must.len() + parsed.must_not.len() >= MAX_CLAUSES {
            break;
        }
    }
    Ok(parsed)
}

/// The runs of `text`'s characters that cover most of it, longest first:
/// one level per length, from one character short of the whole down to
/// just over half of it, each level every run of that length in order of
/// its start (character ranges). `南市工务局获` gives `[0..5, 1..6]`, then
/// `[0..4, 1..5, 2..6]`. A relaxed fragment keeps the longest level that
/// matches anything, so a stray character costs only itself.
pub fn covering_runs(text: &str) -> Vec<Vec<std::ops::Range<usize>>> {
    let n = text.chars().count();
    (n / 2 + 1..n)
        .rev()
        .map(|len| (0..=n - len).map(|start| start..start + len).collect())
        .collect()
}

/// Splits a query into text pieces and operators; never fails.
fn lex(query: &str) -> Vec<Lexeme> {
    let mut out = Vec::new();
    let mut chars = query.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() || c == '\u{3000}' {
            chars.next();
            continue;
        }
        let mut negated = false;
        let mut title_only = false;
        if c == '-' || c == '－' {
            chars.next();
            negated = true;
        } else if c == '+' {
            chars.next();
        }
        // A word up to the next space, or a quoted phrase.
        let mut text = String::new();
        let quote = matches!(chars.peek(), Some('"' | '“' | '”' | '「' | '『'));
        if !quote {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() || c == '\u{3000}' {
                    break;
                }
                if matches!(c, '"' | '“' | '「' | '『') && !text.is_empty() && !text.ends_with(':')
                {
                    break;
                }
                text.push(c);
                chars.next();
                if let Some(rest) = text.strip_suffix(':').or_else(|| text.strip_suffix('：'))
                    && matches!(rest, "title" | "标题" | "標題")
                {
                    title_only = true;
                    text.clear();
                }
            }
        }
        let quoted = matches!(chars.peek(), Some('"' | '“' | '”' | '「' | '『'));
        if quoted {
            chars.next();
            for c in chars.by_ref() {
                if matches!(c, '"' | '“' | '”' | '」' | '』') {
                    break;
                }
                text.push(c);
            }
        }
        let text = text.trim().to_string();
        if !negated && !title_only && (text == "OR" || text == "|" || text == "||") {
            out.push(Lexeme::Or);
        } else if text == "AND" || text == "&&" || text.is_empty() {
            continue;
        } else {
            out.push(Lexeme::Text {
                text,
                negated,
                title_only,
                quoted,
            });
        }
    }
    out
}

/// Builds tantivy queries from parsed queries with one analyzer.
pub struct QueryBuilder<'a> {
    fields: &'a Fields,
    analyzer: &'a Analyzer,
}

impl<'a> QueryBuilder<'a> {
    /// A builder over these fields with this analyzer.
    pub fn new(fields: &'a Fields, analyzer: &'a Analyzer) -> Self {
        QueryBuilder { fields, analyzer }
    }

    /// The text query. `relaxed` turns the AND of groups (and the phrase
    /// inside long pieces) into an OR of their words.
    pub fn build(&self, parsed: &ParsedQuery, relaxed: bool) -> Box<dyn Query> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for group in &parsed.must {
            let alternatives: Vec<(Occur, Box<dyn Query>)> = group
                .iter()
                .filter_map(|piece| self.piece(piece, relaxed))
                .map(|q| (Occur::Should, q))
                .collect();
            if alternatives.is_empty() {
                continue;
            }
            let occur = if relaxed { Occur::Should } else { Occur::Must };
            clauses.push((occur, Box::new(BooleanQuery::new(alternatives))));
        }
        let text: Box<dyn Query> = if clauses.is_empty() {
            Box::new(AllQuery)
        } else {
            Box::new(BooleanQuery::new(clauses))
        };
        let mut outer: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let keys = [
            (self.fields.doc_number, parsed.doc_number.as_deref()),
            (self.fields.index_number, parsed.index_number.as_deref()),
        ];
        let has_key = keys.iter().any(|(_, k)| k.is_some());
        for (field, key) in keys {
            if let Some(key) = key {
                let term =
                    TermQuery::new(Term::from_field_text(field, key), IndexRecordOption::Basic);
                outer.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(term), KEY_BOOST)),
                ));
            }
        }
        if has_key {
            outer.push((Occur::Should, text));
        } else {
            outer.push((Occur::Must, text));
        }
        for piece in &parsed.must_not {
            if let Some(q) = self.piece(piece, false) {
                outer.push((Occur::MustNot, q));
            }
        }
        Box::new(BooleanQuery::new(outer))
    }

    /// One piece over the title (and body unless title-only) streams.
    fn piece(&self, piece: &Piece, relaxed: bool) -> Option<Box<dyn Query>> {
        let normalized = normalize(&piece.text);
        let precise = self.analyzer.terms(TermStream::Precise, &normalized);
        let chars = self
            .analyzer
            .positioned_terms(TermStream::Chars, &normalized);
        if precise.is_empty() && chars.is_empty() {
            return None;
        }
        // One dictionary word of two or three characters is found by the
        // word fields wherever the dictionary sees it: as a word, or as a
        // sub-word of a longer one. Its characters anywhere else straddle
        // two words (财政 in 理财|政策) and are not what was asked; looking
        // for them would also cost a phrase over two of the longest
        // character posting lists. Anything else also looks for its
        // characters in a row.
        let dictionary_word = matches!(precise.as_slice(),
            [word] if (2..=3).contains(&word.chars().count()) && self.analyzer.has_word(word));
        let mut should: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let parts: &[(bool, f32)] = if piece.title_only {
            &[(true, 1.0)]
        } else {
            &[(true, 2.0), (false, 1.0)]
        };
        for &(title, weight) in parts {
            let field = |s| self.fields.text_field(title, s);
            if relaxed {
                // Bag of words: each word of two or more characters may match
                // anywhere; single characters would match nearly everything.
                let words: Vec<&String> =
                    precise.iter().filter(|w| w.chars().count() > 1).collect();
                if words.len() > 1 {
                    let clauses = words
                        .iter()
                        .map(|w| {
                            (
                                Occur::Should,
                                word_query(
                                    field(TermStream::Precise),
                                    field(TermStream::Search),
                                    w,
                                ),
                            )
                        })
                        .collect::<Vec<_>>();
                    // Most words must be there, not just any one of them.
                    let required = words.len().div_ceil(2);
                    let bag = BooleanQuery::with_minimum_required_clauses(clauses, required);
                    should.push((Occur::Should, boosted(Box::new(bag), weight)));
                    continue;
                }
            }
            let words = precise.iter().zip(0..).map(|(w, i)| (w.as_str(), i));
            if let Some(q) = sequence(field(TermStream::Precise), words) {
                should.push((Occur::Should, boosted(q, 3.0 * weight)));
            }
            if let [word] = precise.as_slice() {
                should.push((
                    Occur::Should,
                    boosted(term_query(field(TermStream::Search), word), 1.5 * weight),
                ));
            }
            if dictionary_word {
                continue;
            }
            // Characters in a row: the substring, whatever the dictionary did.
            let q = char_phrase(
                &chars,
                field(TermStream::Chars),
                self.fields.pairs_field(title),
            )
            .or_else(|| {
                let characters = chars.iter().map(|(c, i)| (c.as_str(), *i));
                sequence(field(TermStream::Chars), characters)
            });
            if let Some(q) = q {
                should.push((Occur::Should, boosted(q, weight)));
            }
        }
        (!should.is_empty()).then(|| Box::new(BooleanQuery::new(should)) as Box<dyn Query>)
    }
}

/// A word as a whole word (precise field) or as a sub-word (search field).
fn word_query(precise: Field, search: Field, word: &str) -> Box<dyn Query> {
    Box::new(BooleanQuery::new(vec![
        (Occur::Should, term_query(precise, word)),
        (Occur::Should, term_query(search, word)),
    ]))
}

fn term_query(field: Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::WithFreqs,
    ))
}

/// Two or more CJK characters at consecutive positions as a
/// [`CharPhraseQuery`]: the same matches and scores as their phrase in the
/// chars field, read from the pair field. `None` for anything else.
fn char_phrase(chars: &[(String, u32)], field: Field, pairs: Field) -> Option<Box<dyn Query>> {
    let consecutive = chars.windows(2).all(|w| w[1].1 == w[0].1 + 1);
    let single_cjk = |c: &str| {
        let mut it = c.chars();
        it.next().is_some_and(crate::analysis::is_cjk) && it.next().is_none()
    };
    if chars.len() < 2 || !consecutive || !chars.iter().all(|(c, _)| single_cjk(c)) {
        return None;
    }
    let terms: Vec<(&str, Term)> = chars
        .iter()
        .map(|(c, _)| (c.as_str(), Term::from_field_text(field, c)))
        .collect();
    CharPhraseQuery::new(&terms, pairs).map(|q| Box::new(q) as Box<dyn Query>)
}

/// A term for one term, a phrase for several, at their positions (relative
/// to the first).
fn sequence<'t>(
    field: Field,
    terms: impl IntoIterator<Item = (&'t str, u32)>,
) -> Option<Box<dyn Query>> {
    let terms: Vec<(&str, u32)> = terms.into_iter().collect();
    match terms.as_slice() {
        [] => None,
        [(term, _)] => Some(term_query(field, term)),
        [(_, first), ..] => {
            let terms = terms
                .iter()
                .map(|(t, p)| {
                    (
                        p.saturating_sub(*first) as usize,
                        Term::from_field_text(field, t),
                    )
                })
                .collect();
            Some(Box::new(PhraseQuery::new_with_offset(terms)))
        }
    }
}

fn boosted(query: Box<dyn Query>, boost: f32) -> Box<dyn Query> {
    if (boost - 1.0).abs() < f32::EPSILON {
        query
    } else {
        Box::new(BoostQuery::new(query, boost))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(groups: &[Vec<Piece>]) -> Vec<Vec<&str>> {
        groups
            .iter()
            .map(|g| g.iter().map(|p| p.text.as_str()).collect())
            .collect()
    }

    #[test]
    fn words_phrases_exclusions_and_or() {
        let q = parse(r#"财政 "预算 公开" -草案 教育 OR 卫生 title:通知"#).unwrap();
        assert_eq!(
            texts(&q.must),
            vec![
                vec!["财政"],
                vec!["预算 公开"],
                vec!["教育", "卫生"],
                vec!["通知"]
            ]
        );
        assert_eq!(q.must_not.len(), 1);
        assert_eq!(q.must_not[0].text, "草案");
        assert!(q.must[3][0].title_only);
        assert!(!q.must[0][0].title_only);
    }

    #[test]
    fn covering_runs_longest_first_and_most_of_the_text() {
        assert_eq!(
            covering_runs("南市工务局获"),
            vec![vec![0..5, 1..6], vec![0..4, 1..5, 2..6]]
        );
        // Three characters: two of them are most of it.
        assert_eq!(covering_runs("新市区"), vec![vec![0..2, 1..3]]);
        assert!(covering_runs("新市").is_empty());
        assert_eq!(covering_runs("abcd"), vec![vec![0..3, 1..4]]);
    }

    #[test]
    fn single_run_is_one_cjk_piece_of_three_or_more() {
        let run = |q: &str| parse(q).unwrap().single_run().map(|p| p.text.clone());
        assert_eq!(run("南市工务局获").as_deref(), Some("南市工务局获"));
        assert_eq!(run("title:南市工务局").as_deref(), Some("南市工务局"));
        assert_eq!(run("-草案 南市工务局").as_deref(), Some("南市工务局"));
        for q in [
            "新市",
            "南市 工务局",
            "南市工务局 OR 获",
            "2023年预算",
            "\"南市工务局获\"",
        ] {
            assert_eq!(run(q), None, "{q}");
        }
    }

    #[test]
    fn garbage_never_fails() {
        for input in [
            "\"",
            "\"unbalanced",
            "-",
            "OR",
            "OR OR",
            "title:",
            "-\"\"",
            "（）",
            "「公开",
            "a OR",
            "：：",
            "title:\"x",
        ] {
            let q = parse(input);
            assert!(q.is_ok(), "{input}");
        }
        assert_eq!(
            texts(&parse("\"公开 信息").unwrap().must),
            vec![vec!["公开 信息"]]
        );
        assert!(parse("OR").unwrap().is_match_all());
    }

    #[test]
    fn huge_queries_are_refused_clearly() {
        let err = parse(&"长".repeat(5000)).unwrap_err();
        assert!(err.to_string().contains("limit"), "{err}");
    }

    /// Fuzzing the parser and the query builder with arbitrary text: any
    /// mix of quotes, dashes, `OR`, `title:`, 〔〕 and random characters,
    /// short or far over the limit, never panics, and the work it asks for
    /// is bounded by the input: at most [`MAX_CLAUSES`] clauses, pieces that
    /// are pieces of the input, and a number of index terms linear in its
    /// length.
    mod fuzz {
        use super::*;
        use proptest::prelude::*;
        use std::sync::OnceLock;

        /// Tokens of the query language and its near misses.
        fn token() -> impl Strategy<Value = String> {
            prop_oneof![
                4 => prop::sample::select(vec![
                    "\"", "“", "”", "「", "」", "『", "』", "-", "－", "+", "OR", "or", "|",
                    "||", "AND", "&&", "title:", "标题：", "標題:", "title：", ":", "：",
                    "〔", "〕", "[", "]", "（", "）", "号", "国发", "2016", "55",
                    "6107240001/2018-00001", "预算", "公开", "財政", "a", "-\"", "\u{0}",
                ])
                .prop_map(str::to_string),
                3 => prop::sample::select(vec![" ", "  ", "\u{3000}", "\t", "\n"])
                    .prop_map(str::to_string),
                2 => any::<char>().prop_map(|c| c.to_string()),
            ]
        }

        /// Queries near the limit and far over it.
        fn query() -> impl Strategy<Value = String> {
            prop_oneof![
                3 => prop::collection::vec(token(), 0..64).prop_map(|t| t.concat()),
                2 => prop::collection::vec(token(), 200..700).prop_map(|t| t.concat()),
                1 => any::<String>(),
            ]
        }

        fn builder_parts() -> &'static (Fields, Analyzer) {
            static PARTS: OnceLock<(Fields, Analyzer)> = OnceLock::new();
            PARTS.get_or_init(|| (crate::schema::build_schema().1, Analyzer::new()))
        }

        fn count_terms(query: &dyn Query) -> usize {
            let mut n = 0;
            query.query_terms(&mut |_, _| n += 1);
            n
        }

        proptest! {
            #![proptest_config(ProptestConfig {
                cases: 384,
                failure_persistence: None,
                ..ProptestConfig::default()
            })]

            #[test]
            fn any_text_parses_and_builds_within_bounds(q in query()) {
                let parsed = match parse(&q) {
                    Ok(parsed) => parsed,
                    Err(e) => {
                        prop_assert!(q.len() > MAX_QUERY_BYTES, "refused {} bytes: {e}", q.len());
                        prop_assert!(e.to_string().contains("limit"));
                        return Ok(());
                    }
                };
                prop_assert!(q.len() <= MAX_QUERY_BYTES);
                prop_assert!(parsed.must.len() + parsed.must_not.len() <= MAX_CLAUSES);
                let pieces: Vec<&Piece> =
                    parsed.must.iter().flatten().chain(&parsed.must_not).collect();
                prop_assert!(parsed.must.iter().all(|g| !g.is_empty()));
                prop_assert!(pieces.iter().all(|p| !p.text.is_empty()));
                let text_bytes: usize = pieces.iter().map(|p| p.text.len()).sum();
                prop_assert!(text_bytes <= q.len(), "{text_bytes} piece bytes from {} bytes", q.len());

                let (fields, analyzer) = builder_parts();
                let builder = QueryBuilder::new(fields, analyzer);
                let chars = q.chars().count();
                for relaxed in [false, true] {
                    let built = builder.build(&parsed, relaxed);
                    let terms = count_terms(built.as_ref());
                    prop_assert!(
                        terms <= 16 * chars + 8,
                        "{terms} terms for {chars} characters (relaxed: {relaxed})"
                    );
                }
            }
        }

        #[test]
        fn the_largest_accepted_queries_stay_bounded() {
            let (fields, analyzer) = builder_parts();
            let builder = QueryBuilder::new(fields, analyzer);
            for q in [
                "预算".repeat(MAX_QUERY_BYTES / 6),
                "a OR ".repeat(MAX_QUERY_BYTES / 5),
                "-\"公开 ".repeat(MAX_QUERY_BYTES / 9),
                "title:〔".repeat(MAX_QUERY_BYTES / 9),
                "\"".repeat(MAX_QUERY_BYTES),
            ] {
                let parsed = parse(&q).unwrap_or_else(|e| panic!("{e}"));
                assert!(
                    parsed.must.len() + parsed.must_not.len() <= MAX_CLAUSES,
                    "{q}"
                );
                let terms = count_terms(builder.build(&parsed, true).as_ref());
                assert!(terms <= 16 * q.chars().count() + 8, "{terms}");
            }
        }
    }

    #[test]
    fn doc_numbers_are_recognised() {
        assert_eq!(
            parse("国发[2016]55号").unwrap().doc_number.as_deref(),
            Some("国发〔2016〕55号")
        );
        assert_eq!(
            parse("6107240001/2018-00001")
                .unwrap()
                .index_number
                .as_deref(),
            Some("6107240001/2018-00001")
        );
        assert!(parse("财政 预算").unwrap().doc_number.is_none());
    }
}
