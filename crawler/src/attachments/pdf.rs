//! PDF text, with what the file would inflate bounded before it is parsed.
//!
//! pdf-extract (through lopdf) inflates every FlateDecode stream it reads
//! into one buffer, whatever its size: a few kilobytes of DEFLATE can stand
//! for gigabytes, and a failed allocation aborts the crawl. So before the
//! parser sees the file, every stream it could inflate (all but images,
//! which text extraction never decodes) is inflated once into a counting
//! sink, and a file that would give more than the caps is refused with a
//! clear error. The scan costs one inflate of the text streams, which is
//! small beside the parse itself.

use std::io::{self, Read};

use super::AttachmentError;
use super::inflate::Inflated;

/// Most bytes one stream may inflate to.
const MAX_STREAM: u64 = 32 * 1024 * 1024;
/// Most bytes all streams of one file may inflate to together.
const MAX_TOTAL: u64 = 128 * 1024 * 1024;
/// How far back from `stream` its dictionary is looked for.
const DICT_WINDOW: usize = 4096;

/// The text of a PDF, once its streams are known to inflate within the caps.
pub(super) fn text(bytes: &[u8]) -> Result<String, AttachmentError> {
    check_streams(bytes, MAX_STREAM, MAX_TOTAL)?;
    pdf_extract::extract_text_from_mem(bytes)
        .map_err(|e| AttachmentError::Parse("pdf", e.to_string()))
}

/// Inflates every non-image zlib stream of `bytes` into nothing, failing
/// once one stream passes `per_stream` bytes or all of them `total`.
fn check_streams(bytes: &[u8], per_stream: u64, total: u64) -> Result<(), AttachmentError> {
    let mut left = total;
    let mut at = 0;
    while let Some(found) = find(&bytes[at..], b"stream") {
        let keyword = at + found;
        at = keyword + b"stream".len();
        // `endstream` ends a stream; only `stream` + end of line starts one.
        if keyword > 0 && bytes[keyword - 1] == b'd' {
            continue;
        }
        let start = match bytes.get(at..at + 2) {
            Some([b'\r', b'\n']) => at + 2,
            Some([b'\n', _]) | Some([b'\r', _]) => at + 1,
            _ => continue,
        };
        let dict = &bytes[keyword.saturating_sub(DICT_WINDOW)..keyword];
        let dict = match rfind(dict, b"obj") {
            Some(i) => &dict[i..],
            None => dict,
        };
        if find(dict, b"/Image").is_some() {
            continue;
        }
        let mut budget = per_stream.min(left);
        let before = budget;
        let mut reader =
            Inflated::new(flate2::read::ZlibDecoder::new(&bytes[start..]), &mut budget);
        let result = io::copy(&mut reader.by_ref(), &mut io::sink());
        drop(reader);
        let used = before - budget;
        left -= used;
        // Not zlib data (another filter, or none) fails at once and costs
        // nothing; running out of budget is the only refusal.
        let over = matches!(&result, Err(e) if e.kind() == io::ErrorKind::Other);
        if over && budget == 0 {
            return Err(AttachmentError::Parse(
                "pdf",
                if used >= per_stream {
                    format!("a stream inflates to more than {per_stream} bytes")
                } else {
                    format!("its streams inflate to more than {total} bytes")
                },
            ));
        }
    }
    Ok(())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(data).expect("write");
        e.finish().expect("finish")
    }

    fn pdf_with(dict: &str, stream: &[u8]) -> Vec<u8> {
        let mut out = b"%PDF-1.4\n1 0 obj\n".to_vec();
        out.extend_from_slice(dict.as_bytes());
        out.extend_from_slice(b"\nstream\r\n");
        out.extend_from_slice(stream);
        out.extend_from_slice(b"\nendstream\nendobj\n%%EOF\n");
        out
    }

    #[test]
    fn a_stream_over_its_cap_is_refused_before_parsing() {
        let bomb = zlib(&vec![b' '; 2 * 1024 * 1024]);
        let pdf = pdf_with("<< /Filter /FlateDecode >>", &bomb);
        let err = check_streams(&pdf, 1024 * 1024, 8 * 1024 * 1024).expect_err("over the cap");
        assert!(err.to_string().contains("inflates to more than"), "{err}");
    }

    #[test]
    fn streams_share_one_total() {
        let part = zlib(&vec![b'x'; 600 * 1024]);
        let mut pdf = pdf_with("<< /Filter /FlateDecode >>", &part);
        pdf.extend(pdf_with("<< /Filter /FlateDecode >>", &part));
        assert!(check_streams(&pdf, 1024 * 1024, 4 * 1024 * 1024).is_ok());
        let err = check_streams(&pdf, 1024 * 1024, 1024 * 1024).expect_err("total");
        assert!(err.to_string().contains("streams inflate"), "{err}");
    }

    #[test]
    fn images_and_plain_streams_cost_nothing() {
        let image = zlib(&vec![0u8; 2 * 1024 * 1024]);
        let pdf = pdf_with("<< /Subtype /Image /Filter /FlateDecode >>", &image);
        assert!(check_streams(&pdf, 1024, 1024).is_ok());
        let pdf = pdf_with("<< /Length 5 >>", b"BT ET");
        assert!(check_streams(&pdf, 1024, 1024).is_ok());
    }

    /// A whole, valid one-page PDF whose page content is `content`
    /// (FlateDecode), with a correct cross-reference table.
    fn one_page_pdf(content: &[u8]) -> Vec<u8> {
        let objects: Vec<Vec<u8>> = vec![
            b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << >> /Contents 4 0 R >>".to_vec(),
            [
                format!(
                    "<< /Length {} /Filter /FlateDecode >>\nstream\r\n",
                    content.len()
                )
                .into_bytes(),
                content.to_vec(),
                b"\nendstream".to_vec(),
            ]
            .concat(),
        ];
        let mut out = b"%PDF-1.4\n".to_vec();
        let mut offsets = Vec::new();
        for (i, body) in objects.iter().enumerate() {
            offsets.push(out.len());
            out.extend(format!("{} 0 obj\n", i + 1).into_bytes());
            out.extend_from_slice(body);
            out.extend_from_slice(b"\nendobj\n");
        }
        let xref = out.len();
        out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).into_bytes());
        for o in offsets {
            out.extend(format!("{o:010} 00000 n \n").into_bytes());
        }
        out.extend(
            format!(
                "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
                objects.len() + 1
            )
            .into_bytes(),
        );
        out
    }

    #[test]
    fn a_pdf_bomb_is_an_error_from_extract_text() {
        // The same page with a small and with a 40 MB content stream: the
        // parser reads the first, and would inflate the second whole.
        let page = one_page_pdf(&zlib(b"q 1 0 0 1 72 712 cm Q"));
        assert!(super::super::extract_text("pdf", &page).is_ok());
        let bomb = zlib(&vec![b' '; 40 * 1024 * 1024]);
        assert!(bomb.len() < 100 * 1024, "{}", bomb.len());
        let err = super::super::extract_text("pdf", &one_page_pdf(&bomb)).expect_err("refused");
        assert!(err.to_string().contains("inflates to more than"), "{err}");
    }
}
