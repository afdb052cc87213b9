//! Metadata wherever a template puts it: label–value pairs read from the
//! page's lines, in tables (`<td>索 引 号：</td><td>…</td>`), definition
//! lists (`<dt>发布机构</dt><dd>…</dd>`), runs of spans and one-line strips
//! (`发布时间：… 来源：… 作者：… 浏览次数：…`), in both scripts; and 文号 and
//! 索引号 found by their shape when no label names them.
//!
//! Owns the label vocabulary and value cleaning; never decides which of
//! several candidates wins (the pipeline in `mod.rs` does, by position).

use std::sync::LazyLock;

use regex::Regex;

use super::text::{Line, SEP, is_space};

/// What a label names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Title,
    /// 发布日期, 发布时间, 公开日期, 生成日期, 日期, 时间.
    Published,
    /// 成文日期, 发文日期: when the document was signed.
    Written,
    /// 更新日期: a weaker date.
    Updated,
    /// 发布机构, 发文机关, 发布单位, 公开主体, 责任部门: the organisation.
    Publisher,
    /// 来源, 信息来源, 资料来源: a weaker publisher.
    Source,
    DocNumber,
    IndexNumber,
    /// 信息分类, 主题分类, 组配分类, 体裁分类.
    Category,
    /// Labels that only end the value before them (作者, 浏览次数, 字号…).
    Other,
}

/// Label text (white space removed) → field. Traditional forms are listed
/// beside the simplified ones: Taiwan and Hong Kong pages print them.
const LABELS: &[(&str, Field)] = &[
    ("标题", Field::Title),
    ("標題", Field::Title),
    ("名称", Field::Title),
    ("名稱", Field::Title),
    ("文件名称", Field::Title),
    ("公告名称", Field::Title),
    ("公告名稱", Field::Title),
    ("例稿名稱", Field::Title),
    ("索引号", Field::IndexNumber),
    ("索引號", Field::IndexNumber),
    ("信息索引号", Field::IndexNumber),
    ("文号", Field::DocNumber),
    ("文號", Field::DocNumber),
    ("发文字号", Field::DocNumber),
    ("發文字號", Field::DocNumber),
    ("发文文号", Field::DocNumber),
    ("文件编号", Field::DocNumber),
    ("文件編號", Field::DocNumber),
    ("字号", Field::Other),
    ("发布机构", Field::Publisher),
    ("發布機構", Field::Publisher),
    ("发布机关", Field::Publisher),
    ("發布機關", Field::Publisher),
    ("发文机关", Field::Publisher),
    ("發文機關", Field::Publisher),
    ("发文单位", Field::Publisher),
    ("發文單位", Field::Publisher),
    ("发布单位", Field::Publisher),
    ("發布單位", Field::Publisher),
    ("发布部门", Field::Publisher),
    ("公开主体", Field::Publisher),
    ("公开机构", Field::Publisher),
    ("责任部门", Field::Publisher),
    ("责任单位", Field::Publisher),
    ("主管单位", Field::Other),
    ("信息来源", Field::Source),
    ("資訊來源", Field::Source),
    ("资料来源", Field::Source),
    ("資料來源", Field::Source),
    ("文章来源", Field::Source),
    ("新闻来源", Field::Source),
    ("来源", Field::Source),
    ("來源", Field::Source),
    ("发布日期", Field::Published),
    ("發布日期", Field::Published),
    ("发布时间", Field::Published),
    ("發布時間", Field::Published),
    ("公开日期", Field::Published),
    ("公開日期", Field::Published),
    ("公开时间", Field::Published),
    ("生成日期", Field::Published),
    ("公告日期", Field::Published),
    ("发表时间", Field::Published),
    ("发表日期", Field::Published),
    ("刊登日期", Field::Published),
    ("上稿日期", Field::Published),
    ("上架日期", Field::Published),
    ("日期", Field::Published),
    ("时间", Field::Published),
    ("時間", Field::Published),
    ("成文日期", Field::Written),
    ("成文時間", Field::Written),
    ("发文日期", Field::Written),
    ("發文日期", Field::Written),
    ("发文时间", Field::Written),
    ("印发日期", Field::Written),
    ("更新日期", Field::Updated),
    ("更新時間", Field::Updated),
    ("更新时间", Field::Updated),
    ("修改日期", Field::Updated),
    ("信息分类", Field::Category),
    ("主题分类", Field::Category),
    ("主題分類", Field::Category),
    ("组配分类", Field::Category),
    ("体裁分类", Field::Category),
    ("公文种类", Field::Other),
    ("公文種類", Field::Other),
    ("服务对象", Field::Other),
    ("主题词", Field::Other),
    ("关键词", Field::Other),
    ("关键字", Field::Other),
    ("有效性", Field::Other),
    ("生效日期", Field::Other),
    ("废止日期", Field::Other),
    ("作者", Field::Other),
    ("作　者", Field::Other),
    ("撰稿", Field::Other),
    ("编辑", Field::Other),
    ("責任編輯", Field::Other),
    ("责任编辑", Field::Other),
    ("浏览次数", Field::Other),
    ("浏览量", Field::Other),
    ("阅读次数", Field::Other),
    ("阅读量", Field::Other),
    ("点击数", Field::Other),
    ("点击率", Field::Other),
    ("访问量", Field::Other),
    ("瀏覽人次", Field::Other),
    ("點閱數", Field::Other),
    ("點閱次數", Field::Other),
    ("点击", Field::Other),
    ("浏览", Field::Other),
    ("字体", Field::Other),
    ("分享到", Field::Other),
    ("分享", Field::Other),
];

/// One label–value pair and where it stands.
#[derive(Debug, Clone)]
pub struct Pair {
    pub field: Field,
    pub label: &'static str,
    pub value: String,
    /// Index of the line the label is on.
    pub line: usize,
    /// The value is the next line (a value cell, a `<dd>`).
    pub value_below: bool,
    /// The label opens its line.
    pub at_start: bool,
}

static RE_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    let mut labels: Vec<&str> = LABELS.iter().map(|(l, _)| *l).collect();
    // Longest first, so 信息来源 is not read as 来源.
    labels.sort_by_key(|l| std::cmp::Reverse(l.chars().count()));
    labels.dedup();
    let alts: Vec<String> = labels
        .iter()
        .map(|l| {
            l.chars()
                .filter(|c| !is_space(*c))
                .map(|c| regex::escape(&c.to_string()))
                .collect::<Vec<_>>()
                // Spacing inside a label may be split over inline
                // elements ("标<span>&nbsp;</span>题").
                .join(r"[\s\u{3000}\u{a0}\x1F]*")
        })
        .collect();
    Regex::new(&format!(
        r"({})[\s\u{{3000}}\u{{a0}}]*([:：]|\x1F|$)",
        alts.join("|")
    ))
    .expect("label regex")
});

fn field_of(label: &str) -> Option<(&'static str, Field)> {
    let compact: String = label
        .chars()
        .filter(|c| !is_space(*c) && *c != SEP)
        .collect();
    LABELS
        .iter()
        .find(|(l, _)| l.chars().filter(|c| !is_space(*c)).eq(compact.chars()))
        .map(|(l, f)| (*l, *f))
}

/// Whether the character before a label lets it start there: the line
/// start, a separator, white space or punctuation, never a letter (报名时间).
fn boundary_before(text: &str, at: usize) -> bool {
    match text[..at].chars().next_back() {
        None => true,
        Some(c) => {
            c == SEP
                || is_space(c)
                || matches!(
                    c,
                    '|' | '｜'
                        | '】'
                        | ']'
                        | '）'
                        | ')'
                        | '>'
                        | '»'
                        | '·'
                        | '•'
                        | '：'
                        | ':'
                        | '，'
                        | ','
                        | '；'
                        | ';'
                        | '【'
                        | '['
                        | '（'
                        | '('
                        | '/'
                )
        }
    }
}

struct Hit {
    start: usize,
    end: usize,
    label: &'static str,
    field: Field,
    /// A colon follows: the value may be in the same segment.
    colon: bool,
}

fn hits(text: &str) -> Vec<Hit> {
    let mut out = Vec::new();
    for c in RE_LABEL.captures_iter(text).take(32) {
        let (Some(whole), Some(label), Some(term)) = (c.get(0), c.get(1), c.get(2)) else {
            continue;
        };
        if !boundary_before(text, whole.start()) {
            continue;
        }
        let Some((label, field)) = field_of(label.as_str()) else {
            continue;
        };
        let colon = matches!(term.as_str(), ":" | "：");
        // A bare label mid-line ("…的时间 2020") is prose unless it is a
        // segment of its own.
        let own_segment = whole.start() == 0 || text[..whole.start()].ends_with(SEP);
        if !colon && !own_segment {
            continue;
        }
        out.push(Hit {
            start: whole.start(),
            end: whole.end(),
            label,
            field,
            colon,
        });
    }
    out
}

fn clean_value(v: &str) -> String {
    let v: String = v
        .split(SEP)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let v = v
        .trim_start_matches(|c: char| {
            is_space(c) || matches!(c, '|' | '｜' | '：' | ':' | '·' | '•')
        })
        .trim_end_matches(|c: char| is_space(c) || matches!(c, '|' | '｜' | '·' | '•'));
    // A bracket closing the strip around the value ("【来源：某局】") goes;
    // one the value itself opened ("[标案案号]…") stays.
    let v = match v.chars().last() {
        Some(close @ ('】' | ']' | '）' | ')')) => {
            let open = match close {
                '】' => '【',
                ']' => '[',
                '）' => '（',
                _ => '(',
            };
            if v.matches(open).count() < v.matches(close).count() {
                &v[..v.len() - close.len_utf8()]
            } else {
                v
            }
        }
        _ => v,
    };
    v.trim()
        .chars()
        .take(120)
        .collect::<String>()
        .trim()
        .to_string()
}

/// Every label–value pair on the page's lines. A label with nothing after
/// it takes the next line as its value (the value cell, the `<dd>`), unless
/// that line is itself a label.
pub(crate) fn pairs(lines: &[Line]) -> Vec<Pair> {
    let mut out = Vec::new();
    let found: Vec<Vec<Hit>> = lines.iter().map(|l| hits(&l.text)).collect();
    for (i, line) in lines.iter().enumerate() {
        let hs = &found[i];
        for (k, h) in hs.iter().enumerate() {
            let end = hs.get(k + 1).map_or(line.text.len(), |n| n.start);
            let mut value = clean_value(&line.text[h.end..end]);
            let mut value_below = false;
            // Only a label that is its line's whole text (a label cell, a
            // `<dt>`) has its value on the next line; a strip's empty last
            // label ("点击数：" filled by a script) has none.
            if value.is_empty()
                && hs.len() == 1
                && h.start == 0
                && let Some(next) = lines.get(i + 1)
                && found[i + 1].first().is_none_or(|n| n.start > 0)
            {
                let stop = found[i + 1].first().map_or(next.text.len(), |n| n.start);
                value = clean_value(&next.text[..stop]);
                value_below = !value.is_empty();
            }
            if !h.colon && value.is_empty() {
                continue;
            }
            out.push(Pair {
                field: h.field,
                label: h.label,
                value,
                line: i,
                value_below,
                at_start: h.start == 0,
            });
        }
    }
    out
}

/// Whether a line holds at least one label (a metadata line, not prose).
pub fn has_label(text: &str) -> bool {
    !hits(text).is_empty()
}

/// Values that mean "none" in a metadata field.
pub fn meaningful(v: &str) -> Option<String> {
    let v = v.trim();
    let empty = v.is_empty()
        || matches!(
            v,
            "无" | "無"
                | "暂无"
                | "-"
                | "—"
                | "／"
                | "/"
                | "空"
                | "null"
                | "无文号"
                | "無文號"
                | "本站"
                | "本网"
                | "本站原创"
                | "原创"
                | "网站"
        )
        || v.chars().all(|c| matches!(c, '-' | '—' | ' ' | '_' | '/'));
    (!empty).then(|| v.to_string())
}

/// A publisher value: an organisation's name, not a sentence or a date.
pub fn organisation(v: &str) -> Option<String> {
    let v = meaningful(v)?;
    // Several bodies issuing together ("国家发展改革委 中央宣传部 …"): each
    // name short, none twice (templates that append the site's name
    // repeat one).
    let mut names: Vec<&str> = Vec::new();
    for name in v.split(char::is_whitespace).filter(|s| !s.is_empty()) {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    let v = names.join(" ");
    let n = v.chars().count();
    let longest = names.iter().map(|s| s.chars().count()).max().unwrap_or(0);
    let digits = v.chars().filter(|c| c.is_ascii_digit()).count();
    ((2..=200).contains(&n)
        && longest <= 40
        && names.len() <= 20
        && digits * 3 < n
        && !v.contains('。'))
    .then_some(v)
}

static RE_DOCNUM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"[\p{Han}A-Za-z]{1,20}\s*[〔\[【（(［﹝]\s*(?:19|20)\d{2}\s*[〕\]】）)］﹞]\s*第?\s*\d{1,5}\s*[号號]",
    )
    .expect("docnum regex")
});
/// Taiwan: 府授法規字第1130123456號.
static RE_DOCNUM_TW: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[\p{Han}]{1,20}字第\s*[0-9０-９]{4,14}\s*[号號]").expect("tw docnum regex")
});

/// The first 文号 in `text`, by its shape.
pub fn find_doc_number(text: &str) -> Option<String> {
    let m = RE_DOCNUM.find(text).or_else(|| RE_DOCNUM_TW.find(text))?;
    Some(m.as_str().trim().to_string())
}

/// A digit in either width (`5` or `５`): pages type numbers both ways.
fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c)
}

/// A labelled 文号 value, kept only if it looks like one (has a number).
pub fn doc_number_value(v: &str) -> Option<String> {
    let v = meaningful(v)?;
    let n = v.chars().count();
    ((3..=50).contains(&n) && v.chars().any(|c| is_digit(c) || c == '〇')).then_some(v)
}

/// A labelled 索引号 value: an identifier, not prose.
pub fn index_number_value(v: &str) -> Option<String> {
    let v = meaningful(v)?;
    let v: String = v.split_whitespace().next()?.to_string();
    let n = v.chars().count();
    ((4..=64).contains(&n) && v.chars().any(is_digit)).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::text::lines;
    use scraper::Html;

    #[test]
    fn organisations_issuing_together_are_one_publisher_named_once() {
        let many = "国家发展改革委 中央宣传部 中央网信办 工业和信息化部 公安部 财政部 人民银行 税务总局 市场监管总局 银保监会 国家能源局";
        assert_eq!(organisation(many).as_deref(), Some(many));
        assert_eq!(
            organisation("北京市统计局 国家统计局北京调查总队 北京市统计局").as_deref(),
            Some("北京市统计局 国家统计局北京调查总队")
        );
        assert_eq!(organisation(&"某".repeat(41)), None);
        assert_eq!(organisation("本局于2020年起施行。"), None);
    }

    #[test]
    fn a_label_spaced_by_inline_elements_is_a_label() {
        let found = scan(
            "<table><tr><td>标<span>&nbsp;&nbsp;</span>题：</td><td>关于某事的通知</td><td>来<span>&nbsp;</span>源：</td><td>某某局</td></tr></table>",
        );
        assert!(
            found.contains(&(Field::Title, "关于某事的通知".into())),
            "{found:?}"
        );
        assert!(
            found.contains(&(Field::Source, "某某局".into())),
            "{found:?}"
        );
    }

    fn scan(html: &str) -> Vec<(Field, String)> {
        let doc = Html::parse_fragment(html);
        pairs(&lines(doc.root_element(), 1000))
            .into_iter()
            .map(|p| (p.field, p.value))
            .collect()
    }

    #[test]
    fn one_line_strip() {
        assert_eq!(
            scan(
                "<div>发布时间：2020-01-05 10:00 来源：某某县财政局 作者：张三 浏览次数：<span>12</span></div>"
            ),
            [
                (Field::Published, "2020-01-05 10:00".to_string()),
                (Field::Source, "某某县财政局".to_string()),
                (Field::Other, "张三".to_string()),
                (Field::Other, "12".to_string()),
            ]
        );
    }

    #[test]
    fn cells_definition_lists_and_spans() {
        assert_eq!(
            scan(
                "<table><tr><td>索 引 号：</td><td>000014349/2020-00123</td><td>发文机关:</td><td>某某县人民政府</td></tr></table>"
            ),
            [
                (Field::IndexNumber, "000014349/2020-00123".to_string()),
                (Field::Publisher, "某某县人民政府".to_string()),
            ]
        );
        assert_eq!(
            scan(
                "<dl><dt>发布机构</dt><dd>某某局</dd><dt>文　　号</dt><dd>某府〔2020〕1号</dd></dl>"
            ),
            [
                (Field::Publisher, "某某局".to_string()),
                (Field::DocNumber, "某府〔2020〕1号".to_string()),
            ]
        );
        assert_eq!(
            scan(
                "<p><span>發布單位</span><span>臺南市政府新聞及國際關係處</span><span>發布日期：113-05-02</span></p>"
            ),
            [
                (Field::Publisher, "臺南市政府新聞及國際關係處".to_string()),
                (Field::Published, "113-05-02".to_string()),
            ]
        );
    }

    #[test]
    fn prose_is_not_a_label() {
        assert!(scan("<p>报名时间：2020年1月1日至1月5日，资金来源：财政拨款。</p>").is_empty());
    }

    #[test]
    fn full_width_numbers_are_numbers() {
        assert_eq!(
            doc_number_value("国发［２０１６］５５号").as_deref(),
            Some("国发［２０１６］５５号")
        );
        assert!(index_number_value("１１３６００００ＭＢ/２０２０－００１２３").is_some());
        assert_eq!(doc_number_value("无"), None);
    }

    #[test]
    fn doc_numbers_by_shape() {
        assert_eq!(
            find_doc_number("关于印发某办法的通知（粤府办〔2020〕12号）").as_deref(),
            Some("粤府办〔2020〕12号")
        );
        assert_eq!(
            find_doc_number("府授法規字第1130123456號").as_deref(),
            Some("府授法規字第1130123456號")
        );
        assert_eq!(find_doc_number("2020年工作要点"), None);
    }
}
