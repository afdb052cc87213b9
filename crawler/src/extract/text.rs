//! Text out of the DOM: the body as a reader sees it (paragraphs as lines,
//! tables row by row, scripts, forms and hidden elements skipped) and the
//! page as a sequence of short lines for the metadata scan.
//!
//! Owns white-space normalisation (`tidy`); never decides what is content.

use ego_tree::NodeId;
use ego_tree::iter::Edge;
use scraper::{ElementRef, Node};

/// Elements whose content is never text a reader sees.
pub(crate) const SKIP: &[&str] = &[
    "script", "style", "noscript", "template", "select", "option", "button", "iframe", "head",
    "object", "svg", "form", "input", "textarea", "map", "title",
];

/// Elements that start a new line.
pub(crate) const BLOCK: &[&str] = &[
    "p",
    "div",
    "br",
    "li",
    "tr",
    "table",
    "tbody",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "section",
    "article",
    "header",
    "footer",
    "nav",
    "dl",
    "dt",
    "dd",
    "blockquote",
    "pre",
    "hr",
    "center",
    "title",
    "aside",
    "main",
    "caption",
    "figure",
    "figcaption",
];

/// Table cells: their own line in the metadata scan, a space apart in a row
/// of body text.
const CELL: &[&str] = &["td", "th"];

/// Marks the boundary between two inline elements in a scan line
/// (`<span>发布机构</span><span>某局</span>`), so a bare label can be told
/// from its value.
pub(crate) const SEP: char = '\u{1F}';

/// Whether an element is hidden by its own attributes.
pub(crate) fn hidden(e: &scraper::node::Element) -> bool {
    if e.attr("hidden").is_some() {
        return true;
    }
    e.attr("style").is_some_and(|s| {
        let s: String = s
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        s.contains("display:none") || s.contains("visibility:hidden")
    })
}

fn skipped(e: &scraper::node::Element) -> bool {
    SKIP.contains(&e.name()) || hidden(e)
}

/// Text of an element as a reader sees it: block boundaries are line
/// breaks, table rows are lines with their cells a space apart, scripts,
/// styles, forms and hidden elements are skipped, and white space
/// (including U+00A0 and U+3000) is normalised.
pub fn element_text(el: ElementRef<'_>) -> String {
    render(el, &|_| false)
}

/// [`element_text`] leaving out the subtrees `skip` names.
pub(crate) fn render(el: ElementRef<'_>, skip: &dyn Fn(NodeId) -> bool) -> String {
    let mut raw = String::new();
    let mut depth_skipped = 0usize;
    for edge in el.traverse() {
        // (Line breaks inside text survive `tidy`, so <pre> keeps its lines.)
        match edge {
            Edge::Open(node) => match node.value() {
                Node::Element(e) => {
                    if depth_skipped > 0 || skipped(e) || skip(node.id()) {
                        depth_skipped += 1;
                    } else if BLOCK.contains(&e.name()) {
                        raw.push('\n');
                    } else if CELL.contains(&e.name()) {
                        raw.push(' ');
                    }
                }
                Node::Text(t) if depth_skipped == 0 => raw.push_str(t),
                _ => {}
            },
            Edge::Close(node) => {
                if let Node::Element(e) = node.value() {
                    if depth_skipped > 0 {
                        depth_skipped -= 1;
                    } else if BLOCK.contains(&e.name()) {
                        raw.push('\n');
                    } else if CELL.contains(&e.name()) {
                        raw.push(' ');
                    }
                }
            }
        }
    }
    tidy(&raw)
}

/// Collapses runs of spaces within lines, trims lines, drops empty lines.
pub fn tidy(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for line in raw.lines() {
        let mut prev_space = true;
        let start = out.len();
        for c in line.chars() {
            let space = is_space(c);
            if space {
                if !prev_space {
                    out.push(' ');
                }
            } else {
                out.push(c);
            }
            prev_space = space;
        }
        while out.ends_with(' ') {
            out.pop();
        }
        if out.len() > start {
            out.push('\n');
        }
    }
    while out.ends_with('\n') {
        out.pop();
    }
    out
}

pub(crate) fn is_space(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{00A0}' | '\u{3000}' | '\u{FEFF}' | '\u{200B}')
}

/// The text on one line, white space collapsed.
pub(crate) fn one_line(s: &str) -> String {
    tidy(s).replace('\n', " ")
}

/// Characters that count as text (not white space or [`SEP`]).
pub(crate) fn text_len(s: &str) -> usize {
    s.chars().filter(|c| !is_space(*c) && *c != SEP).count()
}

/// One line of the page for the metadata scan.
#[derive(Debug, Clone)]
pub(crate) struct Line {
    /// Text with [`SEP`] at inline element boundaries, spaces collapsed.
    pub text: String,
    /// The parent element of the line's first text node.
    pub node: NodeId,
    /// Characters inside links.
    pub link_chars: usize,
    /// The table row, for a line that is a cell's own text: cells of one
    /// row join into one line of body text.
    pub row: Option<NodeId>,
    /// The text nodes the line is made of.
    pub texts: Vec<NodeId>,
}

/// The line being read: its text so far, where it started, its link
/// characters, its table row and its text nodes.
#[derive(Default)]
struct Pending {
    text: String,
    node: Option<NodeId>,
    links: usize,
    row: Option<NodeId>,
    texts: Vec<NodeId>,
}

impl Pending {
    /// Ends the line: pushed to `out` when it holds any text, then cleared.
    fn flush(&mut self, out: &mut Vec<Line>) {
        let t = collapse(&self.text);
        if let Some(n) = self.node.take()
            && text_len(&t) > 0
        {
            out.push(Line {
                text: t,
                node: n,
                link_chars: self.links,
                row: self.row,
                texts: std::mem::take(&mut self.texts),
            });
        }
        self.texts.clear();
        self.text.clear();
        self.links = 0;
        self.row = None;
    }
}

/// The page as lines: blocks, table cells and `dt`/`dd` each start a line,
/// inline elements are separated by [`SEP`]. At most `max` lines.
pub(crate) fn lines(root: ElementRef<'_>, max: usize) -> Vec<Line> {
    let mut out: Vec<Line> = Vec::new();
    let mut cur = Pending::default();
    let mut depth_skipped = 0usize;
    let mut in_link = 0usize;
    // Open blocks and cells (true for a cell) and open table rows.
    let mut blocks: Vec<bool> = Vec::new();
    let mut rows: Vec<NodeId> = Vec::new();
    let mut pre = 0usize;
    for edge in root.traverse() {
        if out.len() >= max {
            break;
        }
        match edge {
            Edge::Open(node) => match node.value() {
                Node::Element(e) => {
                    if depth_skipped > 0 || skipped(e) {
                        depth_skipped += 1;
                    } else if BLOCK.contains(&e.name()) || CELL.contains(&e.name()) {
                        cur.flush(&mut out);
                        blocks.push(CELL.contains(&e.name()));
                        if e.name() == "tr" {
                            rows.push(node.id());
                        }
                        if e.name() == "pre" {
                            pre += 1;
                        }
                    } else {
                        if e.name() == "a" {
                            in_link += 1;
                        }
                        if !cur.text.is_empty() && !cur.text.ends_with(SEP) {
                            cur.text.push(SEP);
                        }
                    }
                }
                Node::Text(t) if depth_skipped == 0 => {
                    // Preformatted text keeps its line breaks.
                    let parts: Vec<&str> = if pre > 0 {
                        t.split('\n').collect()
                    } else {
                        vec![&t[..]]
                    };
                    for (k, part) in parts.into_iter().enumerate() {
                        if k > 0 {
                            cur.flush(&mut out);
                        }
                        if cur.node.is_none() && part.chars().any(|c| !is_space(c)) {
                            cur.node = node.parent().map(|p| p.id());
                            cur.row = if blocks.last() == Some(&true) {
                                rows.last().copied()
                            } else {
                                None
                            };
                        }
                        if in_link > 0 {
                            cur.links += text_len(part);
                        }
                        if cur.texts.len() < 256 && cur.texts.last() != Some(&node.id()) {
                            cur.texts.push(node.id());
                        }
                        if cur.text.len() < 4096 {
                            cur.text.push_str(part);
                        }
                    }
                }
                _ => {}
            },
            Edge::Close(node) => {
                if let Node::Element(e) = node.value() {
                    if depth_skipped > 0 {
                        depth_skipped -= 1;
                    } else if BLOCK.contains(&e.name()) || CELL.contains(&e.name()) {
                        cur.flush(&mut out);
                        blocks.pop();
                        if e.name() == "tr" {
                            rows.pop();
                        }
                        if e.name() == "pre" {
                            pre = pre.saturating_sub(1);
                        }
                    } else {
                        if e.name() == "a" {
                            in_link = in_link.saturating_sub(1);
                        }
                        if !cur.text.is_empty() && !cur.text.ends_with(SEP) {
                            cur.text.push(SEP);
                        }
                    }
                }
            }
        }
    }
    cur.flush(&mut out);
    out
}

/// Collapses white space to single spaces and runs of [`SEP`] (with the
/// spaces around them) to one, trimming both ends.
fn collapse(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.chars() {
        if is_space(c) {
            pending_space = true;
        } else if c == SEP {
            if pending_space && !out.is_empty() && !out.ends_with(SEP) && !out.ends_with(' ') {
                out.push(' ');
            }
            if !out.is_empty() && !out.ends_with(SEP) {
                out.push(SEP);
            }
            pending_space = false;
        } else {
            if pending_space && !out.is_empty() {
                // A space at an inline boundary stays before the marker.
                if out.ends_with(SEP) {
                    out.pop();
                    if !out.ends_with(' ') {
                        out.push(' ');
                    }
                    out.push(SEP);
                } else {
                    out.push(' ');
                }
            }
            pending_space = false;
            out.push(c);
        }
    }
    while out.ends_with(SEP) || out.ends_with(' ') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::Html;

    #[test]
    fn tables_row_by_row() {
        let doc = Html::parse_fragment(
            "<div><p>前言</p><table><tr><td>项目</td><td>金额</td></tr><tr><td>合计</td><td>100</td></tr></table><p style='display:none'>隐藏</p></div>",
        );
        assert_eq!(
            element_text(doc.root_element()),
            "前言\n项目 金额\n合计 100"
        );
    }

    #[test]
    fn scan_lines_keep_inline_boundaries() {
        let doc = Html::parse_fragment(
            "<div class='sub'><span class='time'>2025年1月1日</span><span class='src'>信息来源：某局</span></div><dl><dt>索 引 号</dt><dd>123/2020-1</dd></dl>",
        );
        let lines: Vec<String> = lines(doc.root_element(), 100)
            .into_iter()
            .map(|l| l.text.replace(SEP, "|"))
            .collect();
        assert_eq!(
            lines,
            ["2025年1月1日|信息来源：某局", "索 引 号", "123/2020-1"]
        );
    }
}
