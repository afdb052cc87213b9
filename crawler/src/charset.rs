//! Decoding page bytes to text, for every charset a Chinese portal uses.
//!
//! Order of evidence, most to least trustworthy: a byte-order mark, the
//! HTTP `Content-Type` charset, the page's own `<meta charset>` or
//! `http-equiv` declaration, then statistical detection (chardetng). A
//! declaration is only believed if the bytes decode under it without errors:
//! old CMS templates say `charset=utf-8` on GBK pages, and servers often send
//! no charset at all. GB2312 and GBK are decoded as GB18030, their superset,
//! because pages labelled GB2312 routinely contain GBK-only characters
//! (for example 镕 or 喆 in names).

use encoding_rs::{Encoding, GB18030, GBK, UTF_8};

/// Decoded text and the encoding that was used.
#[derive(Debug, Clone)]
pub struct Decoded {
    pub text: String,
    pub encoding: &'static Encoding,
    /// Where the encoding came from: `bom`, `http`, `meta` or `detected`.
    pub source: &'static str,
}

/// Maps an encoding label to the encoding we decode with (GB2312/GBK → GB18030).
pub fn for_label(label: &str) -> Option<&'static Encoding> {
    let enc = Encoding::for_label(label.trim().trim_matches(['"', '\'']).as_bytes())?;
    Some(if enc == GBK { GB18030 } else { enc })
}

/// The `charset=` parameter of a `Content-Type` header value.
pub fn charset_from_content_type(ct: &str) -> Option<&'static Encoding> {
    ct.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| for_label(v))?
    })
}

/// Finds a `<meta charset=...>` or `<meta http-equiv=Content-Type content="...charset=...">`
/// in the first 4 KiB (the HTML prescan window, widened because Chinese
/// templates put long comments before `<meta>`).
pub fn charset_from_meta(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(4096)];
    let lower: Vec<u8> = head.iter().map(|b| b.to_ascii_lowercase()).collect();
    let mut pos = 0;
    let mut guard = 0;
    while let Some(off) = find(&lower[pos..], b"<meta") {
        guard += 1;
        if guard > 64 {
            break;
        }
        let start = pos + off;
        let end = lower[start..]
            .iter()
            .position(|&b| b == b'>')
            .map_or(lower.len(), |e| start + e);
        let tag = &lower[start..end];
        if let Some(c) = find(tag, b"charset") {
            let rest = &tag[c + 7..];
            let rest = rest
                .iter()
                .skip_while(|b| b.is_ascii_whitespace() || **b == b'=')
                .copied()
                .collect::<Vec<u8>>();
            let label: Vec<u8> = rest
                .iter()
                .skip_while(|b| **b == b'"' || **b == b'\'')
                .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-' || **b == b'_')
                .copied()
                .collect();
            if let Some(enc) = std::str::from_utf8(&label).ok().and_then(for_label) {
                return Some(enc);
            }
        }
        pos = end.max(start + 1);
        if pos >= lower.len() {
            break;
        }
    }
    None
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Statistical detection with chardetng, without a TLD hint (a `.cn` hint biases Big5 text, as on 繁體 mirrors, to GBK).
pub fn detect(bytes: &[u8]) -> &'static Encoding {
    let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    det.feed(bytes, true);
    let enc = det.guess(None, chardetng::Utf8Detection::Allow);
    if enc == GBK { GB18030 } else { enc }
}

/// Decodes `bytes` using the best evidence (see the module doc).
pub fn decode(bytes: &[u8], content_type: Option<&str>) -> Decoded {
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        let (text, _) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        return Decoded {
            text: text.into_owned(),
            encoding: enc,
            source: "bom",
        };
    }
    let declared = [
        (content_type.and_then(charset_from_content_type), "http"),
        (charset_from_meta(bytes), "meta"),
    ];
    for (enc, source) in declared {
        let Some(enc) = enc else { continue };
        // UTF-16 labels in <meta> are lies by definition (the prescan read ASCII).
        if enc == encoding_rs::UTF_16LE || enc == encoding_rs::UTF_16BE {
            continue;
        }
        let (text, had_errors) = enc.decode_without_bom_handling(bytes);
        if !had_errors {
            return Decoded {
                text: text.into_owned(),
                encoding: enc,
                source,
            };
        }
    }
    // Pure ASCII or valid UTF-8 needs no statistics.
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Decoded {
            text: s.to_string(),
            encoding: UTF_8,
            source: "detected",
        };
    }
    let enc = detect(bytes);
    let (text, _) = enc.decode_without_bom_handling(bytes);
    Decoded {
        text: text.into_owned(),
        encoding: enc,
        source: "detected",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pku() -> Vec<u8> {
        let p = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/corpus/sighan/pku_test.gb2312.txt"
        );
        std::fs::read(p).expect("shared corpus")
    }

    #[test]
    fn gb2312_file_decodes_by_detection() {
        let bytes = pku();
        let d = decode(&bytes, None);
        assert_eq!(d.encoding, GB18030);
        assert!(
            d.text.contains("共同创造美好的新世纪"),
            "{}",
            &d.text[..200]
        );
        assert!(!d.text.contains('\u{FFFD}'));
    }

    #[test]
    fn header_meta_and_wrong_meta() {
        let body = "<html><head><meta charset=\"utf-8\"></head><body>政府信息公开</body></html>";
        let (gbk, _, _) = GB18030.encode(body);
        // Wrong <meta> (says utf-8, bytes are GBK) falls back to detection.
        let d = decode(&gbk, Some("text/html"));
        assert!(d.text.contains("政府信息公开"), "{}", d.text);
        // The HTTP header wins when it decodes cleanly.
        let d = decode(&gbk, Some("text/html; charset=GBK"));
        assert_eq!(d.source, "http");
        assert!(d.text.contains("政府信息公开"));
        // http-equiv form.
        let page = "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\" />信息公开目录";
        let (b, _, _) = GB18030.encode(page);
        let d = decode(&b, None);
        assert_eq!(d.source, "meta");
        assert_eq!(d.encoding, GB18030);
        assert!(d.text.contains("信息公开目录"));
        // BOM.
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice("索引号".as_bytes());
        assert_eq!(decode(&bom, Some("text/html; charset=gbk")).text, "索引号");
    }

    #[test]
    fn gbk_only_chars_under_gb2312_label() {
        // 镕 is outside GB2312 but in GBK; pages labelled gb2312 contain it.
        let (b, _, _) = GB18030.encode("<meta charset=gb2312>朱镕基");
        assert!(decode(&b, None).text.ends_with("朱镕基"));
    }

    #[test]
    fn big5_is_detected() {
        let (b, _, _) = encoding_rs::BIG5
            .encode("臺南市政府新聞稿：市長出席記者會並說明防疫措施與經濟振興方案");
        let d = decode(&b, None);
        assert!(d.text.contains("臺南市政府"), "{:?} {}", d.encoding, d.text);
    }
}
