//! The JSON of a search answer, shared by `GET /api/search` and
//! `gongkai search --format json`: the index's hits turned into the API's
//! flat objects, with `title_html` and `snippet` rendered here as HTML
//! (the text escaped, matches in `<em>`). Owns that shape and its escaping;
//! never runs a search.

use gongkai_index::document::Kind;
use gongkai_index::search::{Facets, Hit};
use gongkai_index::{SearchResponse, Snippet, SnippetSource};
use serde::Serialize;

/// A search answer as the API writes it.
#[derive(Debug, Serialize)]
pub struct SearchJson<'a> {
    /// Matching documents (after all filters).
    total: u64,
    /// Time taken inside the searcher, in milliseconds.
    took_ms: f64,
    /// Whether no document matched every word, so any word was accepted.
    relaxed: bool,
    /// A relaxed fragment's parts no shown document has (`获` of `南市工务局获`).
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    unmatched: &'a [String],
    /// The page of hits.
    hits: Vec<HitJson<'a>>,
    /// Facet counts.
    facets: &'a Facets,
}

/// One hit as the API writes it: the document's listed fields, the two
/// HTML renderings and the score (docs/api.md).
#[derive(Debug, Serialize)]
struct HitJson<'a> {
    id: &'a str,
    url: &'a str,
    title: &'a str,
    title_html: String,
    snippet: String,
    snippet_source: SnippetSource,
    category: Option<&'a str>,
    kind: Option<&'a Kind>,
    published: Option<&'a str>,
    publisher: &'a str,
    doc_number: &'a str,
    index_number: &'a str,
    score: f32,
}

impl<'a> SearchJson<'a> {
    /// The API's view of an answer.
    pub fn new(response: &'a SearchResponse) -> Self {
        SearchJson {
            total: response.total,
            took_ms: response.took_ms,
            relaxed: response.relaxed,
            unmatched: &response.unmatched,
            hits: response.hits.iter().map(HitJson::new).collect(),
            facets: &response.facets,
        }
    }
}

impl<'a> HitJson<'a> {
    fn new(hit: &'a Hit) -> Self {
        let doc = &hit.document;
        HitJson {
            id: &doc.id,
            url: &doc.url,
            title: &doc.title,
            title_html: html(&hit.title),
            snippet: html(&hit.snippet),
            snippet_source: hit.snippet_source,
            category: doc.category.as_deref(),
            kind: doc.kind.as_ref(),
            published: doc.published.as_deref(),
            publisher: &doc.publisher,
            doc_number: &doc.doc_number,
            index_number: &doc.index_number,
            score: hit.score,
        }
    }
}

/// A snippet as HTML: its text escaped (quotes too, so it is safe in an
/// attribute), its matches in `<em>`.
pub fn html(snippet: &Snippet) -> String {
    let mut out = String::with_capacity(snippet.text.len() + snippet.highlights.len() * 9);
    for (piece, matched) in snippet.pieces() {
        if matched {
            out.push_str("<em>");
            escape_into(piece, &mut out);
            out.push_str("</em>");
        } else {
            escape_into(piece, &mut out);
        }
    }
    out
}

/// HTML-escapes `text` into `out`, as the API always has (`'` as `&#39;`).
fn escape_into(text: &str, out: &mut String) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_the_text_and_marks_the_matches() {
        let text = "<script>'a'&\"b\"</script>预算";
        let snippet = Snippet {
            text: text.into(),
            highlights: std::iter::once(text.len() - "预算".len()..text.len()).collect(),
        };
        assert_eq!(
            html(&snippet),
            "&lt;script&gt;&#39;a&#39;&amp;&quot;b&quot;&lt;/script&gt;<em>预算</em>"
        );
        assert_eq!(html(&Snippet::plain("a<b")), "a&lt;b");
        assert_eq!(html(&Snippet::default()), "");
    }
}
