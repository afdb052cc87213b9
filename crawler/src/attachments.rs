//! Text of attachments linked from articles (PDF, DOCX, XLSX/XLS).
//!
//! Budgets, tenders and statistics are often published as an attachment
//! with a one-line article around it; without the attachment's text the
//! document cannot be found by what it actually says. Extraction uses
//! maintained pure-Rust crates: pdf-extract (PDF text with ToUnicode maps),
//! zip + quick-xml for XLSX ([`xlsx`], a stream of cells, never a grid) and
//! DOCX (`word/document.xml`), calamine for legacy XLS after [`xls`] checks
//! what it would allocate,
//! cfb plus [`word97`]'s piece-table reader for legacy `.doc` (and `.wps`
//! saved in Word's binary format), and zip + quick-xml for OFD ([`ofd`], the
//! national format of official documents). Plain `.txt` is decoded with the
//! page charset detection. Archives and other formats are recorded without
//! text.
//!
//! Parsers of complex binary formats can panic on hostile input; every
//! extraction runs under `catch_unwind`, and the output is capped. A failed
//! allocation aborts the process instead, so every size a file declares or
//! implies is bounded *before* anything is allocated for it: ZIP members
//! through [`inflate::Inflated`] (a zip bomb is an error at the cap), PDF
//! streams by [`pdf`]'s inflate-and-count pass before parsing, sheets
//! as streams of cells (a cell at `XFD1048576` costs nothing), legacy XLS by
//! [`xls`]'s check. ODS and XLSB, which no portal was seen to link and which
//! only a grid-building reader handles, are not read.

use std::io::{BufReader, Cursor};

mod inflate;
mod ofd;
mod pdf;
mod word97;
mod xls;
mod xlsx;

/// Most bytes inflated from a DOCX's `word/document.xml`.
const MAX_DOCX_XML: u64 = 32 * 1024 * 1024;
/// Most bytes of raw text gathered before tidying (the result keeps
/// [`MAX_TEXT_CHARS`] characters).
const MAX_RAW: usize = 4 * MAX_TEXT_CHARS;

/// Most characters of text kept from one attachment.
pub const MAX_TEXT_CHARS: usize = 1_000_000;

/// Errors of attachment text extraction.
#[derive(Debug, thiserror::Error)]
pub enum AttachmentError {
    #[error("unsupported format {0}")]
    Unsupported(String),
    #[error("unreadable {0}: {1}")]
    Parse(&'static str, String),
    #[error("the {0} parser crashed on this file")]
    Panicked(&'static str),
}

/// The format of an attachment, from its extension or content type.
pub fn format_of(ext: &str, content_type: Option<&str>, bytes: &[u8]) -> String {
    if bytes.starts_with(b"%PDF") {
        return "pdf".into();
    }
    let ct = content_type.unwrap_or("").to_ascii_lowercase();
    if ct.contains("pdf") {
        return "pdf".into();
    }
    if ct.contains("wordprocessingml") {
        return "docx".into();
    }
    if ct.contains("spreadsheetml") {
        return "xlsx".into();
    }
    if ct.contains("msword") {
        return "doc".into();
    }
    if ct.contains("application/ofd") {
        return "ofd".into();
    }
    ext.to_ascii_lowercase()
}

/// Extracts the text of an attachment of format `format`.
pub fn extract_text(format: &str, bytes: &[u8]) -> Result<String, AttachmentError> {
    let kind: &'static str = match format {
        "pdf" => "pdf",
        "docx" => "docx",
        "doc" | "dot" | "wps" => "doc",
        "ofd" => "ofd",
        "txt" => "txt",
        "xlsx" | "xls" | "xlsm" => "spreadsheet",
        other => return Err(AttachmentError::Unsupported(other.to_string())),
    };
    let result = std::panic::catch_unwind(|| match kind {
        "pdf" => pdf::text(bytes),
        "docx" => docx_text(bytes),
        "doc" => word97::text(bytes),
        "ofd" => ofd::text(bytes),
        // Plain text in whatever charset the county's office used (GBK
        // more often than not): the page's own detection decides.
        "txt" => Ok(crate::charset::decode(bytes, None).text),
        _ => spreadsheet_text(bytes),
    });
    let text = match result {
        Ok(r) => r?,
        Err(_) => return Err(AttachmentError::Panicked(kind)),
    };
    let text = crate::extract::tidy(&text);
    Ok(if text.chars().count() > MAX_TEXT_CHARS {
        text.chars().take(MAX_TEXT_CHARS).collect()
    } else {
        text
    })
}

/// Appends `s` to `out` while `out` is under `limit` bytes, cut at a
/// character boundary.
pub(crate) fn push_capped(out: &mut String, s: &str, limit: usize) {
    let room = limit.saturating_sub(out.len());
    if s.len() <= room {
        out.push_str(s);
    } else {
        let mut end = room;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        out.push_str(&s[..end]);
    }
}

fn docx_text(bytes: &[u8]) -> Result<String, AttachmentError> {
    use quick_xml::events::Event;
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| AttachmentError::Parse("docx", e.to_string()))?;
    let file = zip
        .by_name("word/document.xml")
        .map_err(|e| AttachmentError::Parse("docx", e.to_string()))?;
    // Streamed, never held whole: memory is one XML event (at most the cap)
    // and the text.
    let mut budget = MAX_DOCX_XML;
    let mut reader =
        quick_xml::Reader::from_reader(BufReader::new(inflate::Inflated::new(file, &mut budget)));
    let mut out = String::new();
    let mut buf = Vec::new();
    let mut in_text = false;
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) if e.local_name().into_inner() == "t" => in_text = true,
            Ok(Event::End(e)) => match e.local_name().into_inner() {
                "t" => in_text = false,
                "p" => out.push('\n'),
                _ => {}
            },
            Ok(Event::Empty(e)) => match e.local_name().into_inner() {
                "tab" => out.push('\t'),
                "br" => out.push('\n'),
                _ => {}
            },
            Ok(Event::Text(t)) if in_text => push_capped(&mut out, &t, MAX_RAW),
            Ok(Event::GeneralRef(r)) if in_text => crate::xml::push_reference(&mut out, &r),
            Ok(Event::Eof) => break,
            Err(e) => return Err(AttachmentError::Parse("docx", e.to_string())),
            _ => {}
        }
        buf.clear();
        if out.len() >= MAX_RAW {
            break;
        }
    }
    Ok(out)
}

/// XLSX (a ZIP) or legacy XLS (a compound file), told apart by content:
/// portals serve either under either extension.
fn spreadsheet_text(bytes: &[u8]) -> Result<String, AttachmentError> {
    if bytes.starts_with(b"PK") {
        xlsx::text(bytes)
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        xls::text(bytes, MAX_RAW)
    } else {
        Err(AttachmentError::Parse(
            "spreadsheet",
            "neither an XLSX (ZIP) nor an XLS (compound file)".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixture_attachments_have_their_codes() {
        let dir = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/portal/attachments"
        );
        let manifest = std::fs::read_to_string(format!("{dir}/manifest.jsonl")).expect("manifest");
        let (mut total, mut found) = (0, 0);
        let mut by_format = std::collections::BTreeMap::<String, (u32, u32)>::new();
        for line in manifest.lines() {
            let v: serde_json::Value = serde_json::from_str(line).expect("json");
            let file = v["file"].as_str().unwrap_or_default();
            let phrase = v["phrase"].as_str().unwrap_or_default();
            let bytes = std::fs::read(format!("{dir}/{file}")).expect("file");
            let ext = file.rsplit('.').next().unwrap_or_default();
            let fmt = format_of(ext, None, &bytes);
            let ok = extract_text(&fmt, &bytes).is_ok_and(|t| t.contains(phrase));
            total += 1;
            let e = by_format.entry(fmt).or_default();
            e.0 += 1;
            if ok {
                found += 1;
                e.1 += 1;
            }
        }
        eprintln!("attachment codes found: {found}/{total} {by_format:?}");
        assert!(found * 10 >= total * 9, "{found}/{total} {by_format:?}");
    }

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn assert_contains_all(text: &str, expected: &[&str]) {
        for e in expected {
            assert!(text.contains(e), "{e:?} not in {text:?}");
        }
    }

    #[test]
    fn word97_documents_give_their_text() {
        let budget = extract_text("doc", &fixture("budget-2024.doc")).expect("budget.doc");
        assert_contains_all(
            &budget,
            &[
                "样例县财政局2024年部门预算公开说明",
                "项目编号：YLXM-DOC-20240517",
                "一般公共预算拨款",
                "详见预决算公开专栏。",
            ],
        );
        // The hyperlink's field code is not text.
        assert!(!budget.contains("HYPERLINK"), "{budget:?}");
        assert!(!budget.contains("example.gov.cn"), "{budget:?}");
        // 8-bit pieces, decoded as Windows-1252.
        let ascii = extract_text("doc", &fixture("ascii-report.doc")).expect("ascii.doc");
        assert!(
            ascii.contains("Project code YLXM-ASCII-0001. Café naïve."),
            "{ascii:?}"
        );
        // WPS Office saves .wps in the same format.
        assert_eq!(
            extract_text("wps", &fixture("ascii-report.doc")).expect("as .wps"),
            ascii
        );
    }

    #[test]
    fn ofd_documents_give_their_text_in_page_order() {
        let notice = extract_text("ofd", &fixture("notice-2024.ofd")).expect("notice.ofd");
        assert_contains_all(
            &notice,
            &[
                // One text object per character, joined on their line.
                "样例县人民政府关于印发预算管理办法的通知",
                "样府发〔2024〕12号",
                // Runs on one line join without a space: the code stays whole.
                "项目编号：YLXM-OFD-20241101。",
                "研究与开发（R&D）经费单列。",
            ],
        );
        // Document.xml's order, not the ZIP's.
        let first = notice.find("通知").expect("page 1");
        let second = notice.find("专项经费明细表").expect("page 2");
        assert!(first < second, "{notice:?}");

        // Written by another tool (easyofd, from LibreOffice's PDF), in its own namespace.
        let budget = extract_text("ofd", &fixture("budget-2024-easyofd.ofd")).expect("easyofd");
        assert_contains_all(
            &budget,
            &[
                "YLXM-DOC-20240517",
                "一般公共预算拨款",
                "样例县财政局2024 年",
            ],
        );
    }

    #[test]
    fn text_files_are_decoded_from_their_charset() {
        let gb2312 = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/corpus/sighan/pku_test.gb2312.txt"
        ))
        .expect("shared corpus");
        let text = extract_text("txt", &gb2312).expect("txt");
        assert!(
            text.starts_with("共同创造美好的新世纪——二○○一年新年贺词"),
            "{}",
            text.chars().take(30).collect::<String>()
        );
        let utf8 = "附件：项目编号 YLXM-TXT-1".as_bytes();
        assert_eq!(
            extract_text("txt", utf8).expect("utf-8"),
            "附件：项目编号 YLXM-TXT-1"
        );
    }

    #[test]
    fn a_damaged_ofd_is_an_error() {
        let ofd = fixture("notice-2024.ofd");
        assert!(extract_text("ofd", &ofd[..ofd.len() / 2]).is_err());
        assert!(extract_text("ofd", &fixture("budget-2024.doc")).is_err());
        for cut in (0..ofd.len()).step_by(97) {
            let _ = ofd::text(&ofd[..cut]);
        }
    }

    #[test]
    fn a_damaged_word97_document_is_an_error() {
        let doc = fixture("budget-2024.doc");
        // Cut in half: the compound file's sectors are gone.
        assert!(extract_text("doc", &doc[..doc.len() / 2]).is_err());
        // Every truncation and every single-byte corruption of the start:
        // an error or text, never a panic (extract_text also catches panics,
        // so call the parser directly).
        for cut in (0..doc.len()).step_by(509) {
            let _ = word97::text(&doc[..cut]);
        }
        for at in 0..2048.min(doc.len()) {
            let mut bad = doc.clone();
            bad[at] ^= 0xFF;
            let _ = word97::text(&bad);
        }
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for fmt in ["pdf", "docx", "xlsx", "doc"] {
            assert!(extract_text(fmt, b"%PDF-1.4 garbage").is_err() || fmt == "pdf");
            assert!(extract_text(fmt, b"").is_err());
        }
    }
}
