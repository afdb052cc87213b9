//! Text normalisation shared by indexing, querying and highlighting: NFKC
//! (全角 → 半角), lower case, and 繁體 → 简体 folding.
//!
//! Folding is done one character at a time with a table built from OpenCC's
//! data (`data/t2s-chars.tsv`, see `tools/t2s-table`). Character-level folding
//! keeps one normalised character per original character for everything
//! except compatibility forms that NFKC expands (`㈱`, `ﬁ`), so highlight
//! offsets map back into the original text through [`Normalized::original_offset`].
//! Phrase-level OpenCC conversion is deliberately not used: it changes lengths
//! and is several times slower, and because documents and queries go through
//! the same table, 乾隆 and 乾淨 still match themselves in either script.

use std::collections::HashMap;
use std::sync::OnceLock;

use unicode_normalization::UnicodeNormalization;

/// The OpenCC-derived character table, one `traditional<TAB>simplified` per line.
const T2S_TABLE: &str = include_str!("../data/t2s-chars.tsv");

/// First code point covered by the dense part of the table (CJK Ext A).
const DENSE_START: u32 = 0x3400;
/// One past the last code point of the dense part (end of CJK compatibility ideographs).
const DENSE_END: u32 = 0xFB00;

/// Character folding table: dense for the BMP ideograph ranges, a map for the rest.
struct FoldTable {
    dense: Vec<char>,
    sparse: HashMap<char, char>,
}

fn fold_table() -> &'static FoldTable {
    static TABLE: OnceLock<FoldTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut dense: Vec<char> = (DENSE_START..DENSE_END)
            .map(|cp| char::from_u32(cp).unwrap_or('\u{fffd}'))
            .collect();
        let mut sparse = HashMap::new();
        for line in T2S_TABLE.lines() {
            if line.starts_with('#') {
                continue;
            }
            let mut parts = line.split('\t');
            let (Some(from), Some(to)) = (parts.next(), parts.next()) else {
                continue;
            };
            let (mut f, mut t) = (from.chars(), to.chars());
            let (Some(from), None, Some(to), None) = (f.next(), f.next(), t.next(), t.next())
            else {
                continue;
            };
            let cp = from as u32;
            if (DENSE_START..DENSE_END).contains(&cp) {
                dense[(cp - DENSE_START) as usize] = to;
            } else {
                sparse.insert(from, to);
            }
        }
        FoldTable { dense, sparse }
    })
}

/// Folds one 繁體 character to 简体; every other character is returned as is.
#[inline]
pub fn fold_char(c: char) -> char {
    let cp = c as u32;
    if cp < DENSE_START {
        return c;
    }
    let table = fold_table();
    if cp < DENSE_END {
        table.dense[(cp - DENSE_START) as usize]
    } else {
        table.sparse.get(&c).copied().unwrap_or(c)
    }
}

/// Forces the table to load (so the first query does not pay for it).
pub fn warm_up() {
    let _ = fold_table();
}

/// Appends the normalised form of `c` to `out`.
#[inline]
fn push_normalized(c: char, out: &mut String) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
        return;
    }
    let cp = c as u32;
    // CJK unified ideographs (and Ext A) are NFKC-stable and have no case.
    if (0x3400..0xA000).contains(&cp) {
        out.push(fold_char(c));
        return;
    }
    // Full-width ASCII variants: the common case worth a fast path.
    if (0xFF01..=0xFF5E).contains(&cp) {
        let ascii = char::from_u32(cp - 0xFEE0).unwrap_or(c);
        out.push(ascii.to_ascii_lowercase());
        return;
    }
    if c == '\u{3000}' {
        out.push(' ');
        return;
    }
    for n in std::iter::once(c).nfkc() {
        for l in n.to_lowercase() {
            out.push(fold_char(l));
        }
    }
}

/// Normalises text for analysis: NFKC, lower case, 繁→简.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        push_normalized(c, &mut out);
    }
    out
}

/// Normalised text that remembers where each of its bytes came from.
#[derive(Debug, Clone)]
pub struct Normalized {
    /// The normalised text.
    pub text: String,
    /// For every char boundary of `text` (and its end), the byte offset in the
    /// original; `None` when every char kept its byte length (the usual case),
    /// so offsets are the same in both.
    map: Option<Vec<(u32, u32)>>,
}

impl Normalized {
    /// Normalises `original`, keeping an offset map where lengths changed.
    pub fn new(original: &str) -> Self {
        let mut text = String::with_capacity(original.len());
        let mut map: Vec<(u32, u32)> = Vec::new();
        let mut same_length = true;
        for (orig_pos, c) in original.char_indices() {
            let before = text.len();
            push_normalized(c, &mut text);
            let grew = text.len() - before;
            if same_length && (grew != c.len_utf8() || before != orig_pos) {
                same_length = false;
            }
            // Sparse map: one entry per original char (normalised start, original start).
            map.push((before as u32, orig_pos as u32));
        }
        map.push((text.len() as u32, original.len() as u32));
        let map = if same_length { None } else { Some(map) };
        Normalized { text, map }
    }

    /// Maps a byte offset of the normalised text to the original text. An
    /// offset inside an expanded character maps to that character's start.
    pub fn original_offset(&self, normalized_offset: usize) -> usize {
        let Some(map) = &self.map else {
            return normalized_offset;
        };
        let target = normalized_offset as u32;
        match map.binary_search_by_key(&target, |&(n, _)| n) {
            Ok(i) => map[i].1 as usize,
            Err(0) => 0,
            Err(i) => map[i - 1].1 as usize,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traditional_and_simplified_fold_to_the_same_text() {
        assert_eq!(normalize("財政預決算"), normalize("财政预决算"));
        assert_eq!(normalize("財政預決算"), "财政预决算");
        assert_eq!(normalize("頭髮"), "头发");
        assert_eq!(normalize("發展"), "发展");
        assert_eq!(normalize("颱風"), "台风");
        assert_eq!(normalize("以後"), "以后");
    }

    #[test]
    fn simplified_text_passes_through() {
        let s = "国务院关于印发《“十三五”国家信息化规划》的通知";
        assert_eq!(normalize(s), s);
    }

    #[test]
    fn full_width_and_case_are_folded() {
        assert_eq!(normalize("２０１８年（ＡＢＣ）"), "2018年(abc)");
        assert_eq!(normalize("COVID-19"), "covid-19");
        assert_eq!(normalize("a\u{3000}b"), "a b");
    }

    #[test]
    fn offsets_map_back_when_lengths_change() {
        let original = "ＡＢ財政";
        let n = Normalized::new(original);
        assert_eq!(n.text, "ab财政");
        let cai = n.text.find('财').unwrap();
        assert_eq!(&original[n.original_offset(cai)..], "財政");
        assert_eq!(n.original_offset(n.text.len()), original.len());
    }

    #[test]
    fn offsets_are_identity_for_same_length_text() {
        let n = Normalized::new("財政預算");
        assert!(n.map.is_none());
        assert_eq!(n.original_offset(3), 3);
    }

    #[test]
    fn nfkc_expansions_keep_offsets_valid() {
        let original = "株式㈱会社";
        let n = Normalized::new(original);
        assert_eq!(n.text, "株式(株)会社");
        for (i, _) in n.text.char_indices() {
            assert!(original.is_char_boundary(n.original_offset(i)));
        }
    }
}
