//! 文号 (document numbers such as 国发〔2016〕55号) and 索引号 (catalogue
//! index numbers such as 6107240001/2018-00001) as normalised keys.
//!
//! Portals write the same 文号 with 〔〕, [], 【】, （） or (), full- or
//! half-width digits, stray spaces and 第; all of them map to one key, so a
//! lookup finds the document however either side typed it.

use std::sync::OnceLock;

use regex::Regex;

use crate::normalize::normalize;

fn doc_number_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"^([\p{Han}a-z0-9]{1,24}?)[〔\[【(〖{]([12][0-9]{3})[〕\]】)〗}]第?0*([0-9]{1,6})号$",
        )
        .expect("static regex")
    })
}

fn index_number_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^[0-9a-z]{4,}(?:[-/_][0-9a-z]+)*[-/_][12][0-9]{3}[-/_][0-9a-z-]*[0-9]$")
            .expect("static regex")
    })
}

/// Normalised key of a 文号, or `None` when `text` is not one.
///
/// ```
/// use gongkai_document::keys::doc_number_key;
/// let key = doc_number_key("国发〔2016〕55号");
/// assert!(key.is_some());
/// assert_eq!(key, doc_number_key("国发[2016]55号"));
/// assert_eq!(key, doc_number_key("國發（２０１６）第055号"));
/// ```
pub fn doc_number_key(text: &str) -> Option<String> {
    let compact: String = normalize(text)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let caps = doc_number_regex().captures(&compact)?;
    Some(format!("{}〔{}〕{}号", &caps[1], &caps[2], &caps[3]))
}

/// Normalised key of a 索引号, or `None` when `text` does not look like one.
pub fn index_number_key(text: &str) -> Option<String> {
    let compact: String = normalize(text)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if compact.len() > 64 || !index_number_regex().is_match(&compact) {
        return None;
    }
    Some(compact.to_ascii_uppercase())
}

/// Key for storing a 索引号 that came from a metadata field: the strict
/// form when it parses, else its compact normalised text (portals invent
/// their own formats, and an exact lookup should still work).
pub fn stored_index_number_key(text: &str) -> Option<String> {
    let compact: String = normalize(text)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if compact.is_empty() || compact.len() > 128 {
        return None;
    }
    Some(compact.to_ascii_uppercase())
}

/// Key for storing a 文号 from a metadata field: the strict form when it
/// parses, else its compact normalised text.
pub fn stored_doc_number_key(text: &str) -> Option<String> {
    if let Some(key) = doc_number_key(text) {
        return Some(key);
    }
    let compact: String = normalize(text)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    (!compact.is_empty() && compact.len() <= 128).then_some(compact)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bracket_and_width_variants_share_one_key() {
        let expected = doc_number_key("国发〔2016〕55号").unwrap();
        assert_eq!(expected, "国发〔2016〕55号");
        for variant in [
            "国发[2016]55号",
            "国发【2016】55号",
            "国发（2016）55号",
            "国发(2016)55号",
            "国发［２０１６］５５号",
            " 国发 〔2016〕 第55号 ",
            "國發〔2016〕55號",
            "国发〔2016〕055号",
        ] {
            assert_eq!(
                doc_number_key(variant).as_deref(),
                Some(expected.as_str()),
                "{variant}"
            );
        }
    }

    #[test]
    fn non_doc_numbers_are_rejected() {
        for text in [
            "国发",
            "2016年55号文件",
            "财政预算",
            "",
            "〔2016〕55号",
            "国发〔16〕55号",
        ] {
            assert_eq!(doc_number_key(text), None, "{text}");
        }
    }

    #[test]
    fn index_numbers_normalise() {
        assert_eq!(
            index_number_key("6107240001/2018-00001").as_deref(),
            Some("6107240001/2018-00001")
        );
        assert_eq!(
            index_number_key("１１３６００００ｍｂ/２０２０－００１２３"),
            index_number_key("11360000MB/2020-00123")
        );
        assert_eq!(index_number_key("财政预算"), None);
        assert_eq!(index_number_key("2020"), None);
    }
}
