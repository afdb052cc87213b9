//! Finding the main text block by density, as GNE, readability and
//! trafilatura do, and telling boilerplate blocks from content.
//!
//! One pass over the DOM gives every element its text, link text, link
//! count, punctuation and a content score: prose counts for, link text and
//! footer-like text against, metadata and the headline count nothing. The
//! body is the element with the highest score (a child that keeps nine
//! tenths of it wins over its parent), so navigation, share bars, related
//! links and footers stay outside it or are cut from it as link-dense or
//! boilerplate blocks.
//!
//! Owns scoring only; never reads metadata or decides the page kind.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use ego_tree::NodeId;
use ego_tree::iter::Edge;
use regex::Regex;
use scraper::{ElementRef, Node};

use super::text::{SKIP, hidden, is_space};

/// Per-element counts.
#[derive(Debug, Clone, Copy, Default)]
pub struct Stats {
    /// Characters of text outside links.
    pub text: usize,
    /// Characters of link text.
    pub link_text: usize,
    /// `<a href>` elements.
    pub links: usize,
    /// Chinese sentence punctuation outside links (，。；：、！？).
    pub punct: usize,
    pub score: f64,
}

impl Stats {
    pub fn link_density(&self) -> f64 {
        let all = self.text + self.link_text;
        if all == 0 {
            0.0
        } else {
            self.link_text as f64 / all as f64
        }
    }
}

/// A block the body never narrows down to from its container: a paragraph
/// that holds most of the score must not cut off the lines after it.
const PARAGRAPH: &[&str] = &["p", "li", "dd", "dt", "h1", "h2", "h3", "h4", "h5", "h6"];

/// Inline elements are never the body on their own.
const INLINE: &[&str] = &[
    "a", "span", "font", "b", "strong", "em", "i", "u", "label", "img", "br", "small", "big",
    "sup", "sub", "html", "head", "tbody", "tr", "thead", "tfoot", "col", "colgroup",
];

static RE_BOILER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"版权所有|版權所有|ICP备|ICP備|备案号|備案號|公网安备|技术支持|技術支援|网站标识码|網站標識碼|主办单位|主辦單位|网站地图|联系我们|聯絡我們|Copyright|©|建议使用|最佳瀏覽|分辨率|扫一扫|掃一掃|分享到|【打印】|打印本页|关闭窗口|關閉視窗|返回顶部|上一篇|下一篇|上一條|下一條|上一则|下一则|上一則|下一則|相关链接|相關連結|相关阅读|相关解读|相关政策|相关文件[：:]|相關文件[：:]|^\s*(?:您当前的位置|您当前位置|当前位置|您的位置|現在位置|目前位置|所在位置：|當前位置|您當前的位置|您當前位置)|相关文章|相关新闻|浏览次数|瀏覽人次|点击数|點閱",
    )
    .expect("boilerplate regex")
});

/// Whether a short text is boilerplate (footer, share bar, navigation
/// aid); a sentence (with 。) never is.
pub fn is_boilerplate_text(t: &str) -> bool {
    !t.contains('。') && RE_BOILER.is_match(t)
}

fn is_punct(c: char) -> bool {
    matches!(
        c,
        '，' | '。' | '；' | '：' | '、' | '！' | '？' | ',' | ';'
    )
}

/// Scores of every element under `root`; the `neutral` text nodes (the
/// headline, metadata lines) count zero.
pub fn score(root: ElementRef<'_>, neutral: &HashSet<NodeId>) -> HashMap<NodeId, Stats> {
    struct Frame {
        id: NodeId,
        stats: Stats,
        link: bool,
    }
    let mut out: HashMap<NodeId, Stats> = HashMap::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut skipped = 0usize;
    for edge in root.traverse() {
        match edge {
            Edge::Open(node) => match node.value() {
                Node::Element(e) => {
                    if skipped > 0 || SKIP.contains(&e.name()) || hidden(e) {
                        skipped += 1;
                        continue;
                    }
                    let parent_link = stack.last().is_some_and(|f| f.link);
                    let link = parent_link || (e.name() == "a" && e.attr("href").is_some());
                    let mut stats = Stats::default();
                    if e.name() == "a" && e.attr("href").is_some() {
                        stats.links = 1;
                    }
                    stack.push(Frame {
                        id: node.id(),
                        stats,
                        link,
                    });
                }
                Node::Text(t) if skipped == 0 => {
                    let Some(top) = stack.last_mut() else {
                        continue;
                    };
                    let n = t.chars().filter(|c| !is_space(*c)).count();
                    if n == 0 {
                        continue;
                    }
                    if top.link {
                        top.stats.link_text += n;
                        top.stats.score -= 1.5 * n as f64;
                    } else {
                        let p = t.chars().filter(|c| is_punct(*c)).count();
                        top.stats.text += n;
                        top.stats.punct += p;
                        if neutral.contains(&node.id()) {
                            continue;
                        }
                        if n < 200 && is_boilerplate_text(t) {
                            top.stats.score -= n as f64;
                        } else {
                            let prose = if p > 0 { 1.5 } else { 1.0 };
                            top.stats.score += prose * n as f64;
                        }
                    }
                }
                _ => {}
            },
            Edge::Close(node) => {
                if let Node::Element(_) = node.value() {
                    if skipped > 0 {
                        skipped -= 1;
                        continue;
                    }
                    let Some(frame) = stack.pop() else { continue };
                    if let Some(parent) = stack.last_mut() {
                        let s = &mut parent.stats;
                        s.text += frame.stats.text;
                        s.link_text += frame.stats.link_text;
                        s.links += frame.stats.links;
                        s.punct += frame.stats.punct;
                        s.score += frame.stats.score;
                    }
                    out.insert(frame.id, frame.stats);
                }
            }
        }
    }
    out
}

/// The element holding the main text: the highest score among block
/// elements, then down to a child that keeps nine tenths of it.
pub fn best<'a>(root: ElementRef<'a>, stats: &HashMap<NodeId, Stats>) -> Option<ElementRef<'a>> {
    let mut best: Option<(ElementRef<'a>, f64)> = None;
    for el in root.descendants().filter_map(ElementRef::wrap) {
        if INLINE.contains(&el.value().name()) {
            continue;
        }
        let Some(s) = stats.get(&el.id()) else {
            continue;
        };
        if best.is_none_or(|(_, b)| s.score > b) {
            best = Some((el, s.score));
        }
    }
    let (mut el, score) = best?;
    if score <= 0.0 {
        return None;
    }
    for _ in 0..64 {
        let next = el.children().filter_map(ElementRef::wrap).find(|c| {
            !INLINE.contains(&c.value().name())
                && !PARAGRAPH.contains(&c.value().name())
                && stats.get(&c.id()).is_some_and(|s| s.score >= 0.9 * score)
        });
        match next {
            Some(c) => el = c,
            None => break,
        }
    }
    Some(el)
}

/// Class and id words of blocks that are never content.
const BOILER_NAMES: &[&str] = &[
    "share",
    "bdshare",
    "print",
    "footer",
    "foot",
    "breadcrumb",
    "crumb",
    "sidebar",
    "related",
    "xgxx",
    "xgwz",
    "xglj",
    "pagination",
    "pager",
    "prevnext",
    "prev-next",
    "fenxiang",
    "bshare",
    "comment",
];

/// Whether a block inside the body is boilerplate to cut: navigation-like
/// (mostly links), a share/print bar, 上一篇/下一篇, related links, a footer.
pub fn is_boilerplate_block(el: ElementRef<'_>, stats: &HashMap<NodeId, Stats>) -> bool {
    let e = el.value();
    if matches!(e.name(), "nav" | "footer" | "aside") {
        return true;
    }
    let names = [e.attr("class").unwrap_or(""), e.attr("id").unwrap_or("")]
        .join(" ")
        .to_ascii_lowercase();
    if names
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '-')
        .any(|w| BOILER_NAMES.contains(&w))
    {
        return true;
    }
    let Some(s) = stats.get(&el.id()) else {
        return false;
    };
    // A block of links (a menu, a related-links list, an attachment list
    // sits at the end and is cut separately): mostly link text, several links.
    s.links >= 3 && s.link_density() > 0.6 && !matches!(e.name(), "p" | "td" | "th")
}

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::{Html, Selector};

    #[test]
    fn densest_block_wins_over_navigation_and_footer() {
        let html = format!(
            "<html><body><div class='nav'>{}</div><div class='main'><div class='zw'><p>{}</p><p>{}</p></div><div class='share'>分享到：</div></div><div class='foot'>版权所有：某某县人民政府 ICP备12345号</div></body></html>",
            (0..20)
                .map(|i| format!("<a href='/c/{i}'>栏目{i}</a>"))
                .collect::<String>(),
            "为进一步做好财政预算公开工作，现将有关事项通知如下。".repeat(3),
            "各单位要高度重视，认真组织实施。"
        );
        let doc = Html::parse_document(&html);
        let stats = score(doc.root_element(), &HashSet::new());
        let body = best(doc.root_element(), &stats).expect("a body");
        assert_eq!(body.value().attr("class"), Some("zw"));
        let share = doc
            .select(&Selector::parse(".share").unwrap())
            .next()
            .unwrap();
        assert!(is_boilerplate_block(share, &stats));
    }
}
