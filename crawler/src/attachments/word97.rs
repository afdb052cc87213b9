//! Text of legacy Word 97–2003 binary documents (`.doc`, and `.wps` files
//! that WPS Office saved in that format).
//!
//! County portals still publish most of their 附件 as `.doc`. No maintained
//! pure-Rust crate reads their text, and the part needed for search is small:
//! [MS-DOC] stores the text in pieces listed by a piece table (`Clx`) in the
//! table stream, each piece either UTF-16LE or 8-bit "compressed" text. The
//! compound-file container is read by the `cfb` crate. Formatting,
//! embedded objects and Word 95 files are out of scope.
//!
//! Every offset and length comes from the file, so each is checked against
//! the stream it points into; the piece count is bounded by the table's size
//! and the text by [`super::MAX_TEXT_CHARS`].

use std::io::{Cursor, Read};

use super::{AttachmentError, MAX_TEXT_CHARS};

const KIND: &str = "doc";
/// `wIdent` of a Word 97+ FIB.
const WORD_IDENT: u16 = 0xA5EC;
/// The first `nFib` of Word 97; older files use another layout.
const WORD97_NFIB: u16 = 0x00C1;
/// Index of `fcClx`/`lcbClx` in `FibRgFcLcb97`.
const CLX_INDEX: usize = 33;
/// Streams larger than this are not read (the text of a 1 M-character
/// document is 2 MB; the rest of a large `.doc` is pictures).
const MAX_STREAM: u64 = 64 * 1024 * 1024;

fn parse_error(what: impl Into<String>) -> AttachmentError {
    AttachmentError::Parse(KIND, what.into())
}

/// Extracts the text of a Word 97–2003 binary document.
pub(super) fn text(bytes: &[u8]) -> Result<String, AttachmentError> {
    let mut file = cfb::CompoundFile::open(Cursor::new(bytes))
        .map_err(|e| parse_error(format!("not a compound file: {e}")))?;
    let word = read_stream(&mut file, "/WordDocument")?;
    let fib = Fib::parse(&word)?;
    let table_name = if fib.table_one { "/1Table" } else { "/0Table" };
    let table = read_stream(&mut file, table_name)?;
    let clx = slice(&table, fib.fc_clx, fib.lcb_clx)
        .ok_or_else(|| parse_error("Clx outside the table stream"))?;
    let pieces = piece_table(clx)?;
    let mut raw = String::new();
    for piece in pieces {
        piece.append_to(&word, &mut raw)?;
        if raw.len() > 4 * MAX_TEXT_CHARS {
            break;
        }
    }
    Ok(clean(&raw))
}

fn read_stream(
    file: &mut cfb::CompoundFile<Cursor<&[u8]>>,
    name: &str,
) -> Result<Vec<u8>, AttachmentError> {
    let stream = file
        .open_stream(name)
        .map_err(|e| parse_error(format!("{name}: {e}")))?;
    let mut out = Vec::new();
    stream
        .take(MAX_STREAM)
        .read_to_end(&mut out)
        .map_err(|e| parse_error(format!("{name}: {e}")))?;
    Ok(out)
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(
        b.get(at..at.checked_add(2)?)?.try_into().ok()?,
    ))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

fn slice(b: &[u8], offset: u32, len: u32) -> Option<&[u8]> {
    let start = usize::try_from(offset).ok()?;
    b.get(start..start.checked_add(usize::try_from(len).ok()?)?)
}

/// What the File Information Block says about where the text is.
struct Fib {
    table_one: bool,
    fc_clx: u32,
    lcb_clx: u32,
}

impl Fib {
    fn parse(word: &[u8]) -> Result<Fib, AttachmentError> {
        let truncated = || parse_error("truncated File Information Block");
        if u16_at(word, 0).ok_or_else(truncated)? != WORD_IDENT {
            return Err(parse_error("not a Word document"));
        }
        if u16_at(word, 2).ok_or_else(truncated)? < WORD97_NFIB {
            return Err(parse_error("Word 95 or older"));
        }
        let flags = u16_at(word, 0x0A).ok_or_else(truncated)?;
        if flags & 0x0100 != 0 {
            return Err(parse_error("encrypted"));
        }
        // FibBase (32 bytes), then three counted arrays: fibRgW (u16s),
        // fibRgLw (u32s) and fibRgFcLcb (pairs of u32).
        let csw = usize::from(u16_at(word, 32).ok_or_else(truncated)?);
        let cslw_at = 34 + csw * 2;
        let cslw = usize::from(u16_at(word, cslw_at).ok_or_else(truncated)?);
        let fclcb_count_at = cslw_at + 2 + cslw * 4;
        let fclcb_count = usize::from(u16_at(word, fclcb_count_at).ok_or_else(truncated)?);
        if fclcb_count <= CLX_INDEX {
            return Err(truncated());
        }
        let clx_at = fclcb_count_at + 2 + CLX_INDEX * 8;
        Ok(Fib {
            table_one: flags & 0x0200 != 0,
            fc_clx: u32_at(word, clx_at).ok_or_else(truncated)?,
            lcb_clx: u32_at(word, clx_at + 4).ok_or_else(truncated)?,
        })
    }
}

/// One run of text: `chars` characters stored at byte `offset` of the
/// WordDocument stream, one byte each if `compressed`, else two.
struct Piece {
    offset: usize,
    chars: usize,
    compressed: bool,
}

impl Piece {
    fn append_to(&self, word: &[u8], out: &mut String) -> Result<(), AttachmentError> {
        let width = if self.compressed { 1 } else { 2 };
        let bytes = self
            .chars
            .checked_mul(width)
            .and_then(|len| word.get(self.offset..self.offset.checked_add(len)?))
            .ok_or_else(|| parse_error("a text piece lies outside the document"))?;
        if self.compressed {
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
            out.push_str(&text);
        } else {
            let units = bytes
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]));
            out.extend(char::decode_utf16(units).map(|c| c.unwrap_or('\u{FFFD}')));
        }
        Ok(())
    }
}

/// Reads the piece table out of a `Clx`: any number of `Prc` (property
/// modifiers, skipped), then one `Pcdt` holding the `PlcPcd`.
fn piece_table(mut clx: &[u8]) -> Result<Vec<Piece>, AttachmentError> {
    let bad = || parse_error("malformed piece table");
    loop {
        match clx.first() {
            Some(0x01) => {
                let len = usize::from(u16_at(clx, 1).ok_or_else(bad)?);
                clx = clx.get(3 + len..).ok_or_else(bad)?;
            }
            Some(0x02) => break,
            _ => return Err(bad()),
        }
    }
    let len = u32_at(clx, 1).ok_or_else(bad)?;
    let plc = slice(clx, 5, len).ok_or_else(bad)?;
    // n + 1 character positions (4 bytes each), then n descriptors (8 bytes).
    if plc.len() < 4 || (plc.len() - 4) % 12 != 0 {
        return Err(bad());
    }
    let n = (plc.len() - 4) / 12;
    let mut pieces = Vec::with_capacity(n);
    for i in 0..n {
        let start = u32_at(plc, i * 4).ok_or_else(bad)?;
        let end = u32_at(plc, (i + 1) * 4).ok_or_else(bad)?;
        let fc = u32_at(plc, (n + 1) * 4 + i * 8 + 2).ok_or_else(bad)?;
        let compressed = fc & 0x4000_0000 != 0;
        let fc = fc & 0x3FFF_FFFF;
        let chars = end.checked_sub(start).ok_or_else(bad)?;
        pieces.push(Piece {
            offset: usize::try_from(if compressed { fc / 2 } else { fc }).map_err(|_| bad())?,
            chars: usize::try_from(chars).map_err(|_| bad())?,
            compressed,
        });
    }
    Ok(pieces)
}

/// Turns Word's control characters into plain text: paragraph, line and
/// page breaks become newlines, table cell marks tabs; field codes
/// (`HYPERLINK "…"`, between 0x13 and 0x14) are dropped and their shown
/// result (between 0x14 and 0x15) kept; object anchors are dropped.
fn clean(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    // One entry per open field: whether its code part is still running.
    let mut fields: Vec<bool> = Vec::new();
    for c in raw.chars() {
        match c {
            '\u{13}' => {
                if fields.len() < 64 {
                    fields.push(true);
                }
                continue;
            }
            '\u{14}' => {
                if let Some(code) = fields.last_mut() {
                    *code = false;
                }
                continue;
            }
            '\u{15}' => {
                fields.pop();
                continue;
            }
            _ => {}
        }
        if fields.iter().any(|&code| code) {
            continue;
        }
        match c {
            '\r' | '\u{0B}' | '\u{0C}' => out.push('\n'),
            '\u{07}' | '\t' => out.push('\t'),
            '\u{1E}' => out.push('-'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_codes_are_dropped_and_their_results_kept() {
        let raw = "详见\u{13} HYPERLINK \"http://x.gov.cn/\" \u{14}预决算专栏\u{15}。\r项目\u{07}金额\u{07}\u{07}";
        assert_eq!(clean(raw), "详见预决算专栏。\n项目\t金额\t\t");
        // Nested fields and a field left open do not leak codes.
        assert_eq!(clean("a\u{13}X\u{13}Y\u{14}y\u{15}\u{14}b\u{15}c"), "abc");
        assert_eq!(clean("a\u{13} PAGE "), "a");
    }

    /// Word stores text without characters beyond Windows-1252 as 8-bit
    /// pieces; LibreOffice always writes UTF-16, so this rewrites the real
    /// fixture's pieces the way Word would and expects the same text back.
    #[test]
    fn compressed_pieces_are_windows_1252() {
        use std::io::{Seek, SeekFrom, Write};
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/ascii-report.doc"
        );
        let original = std::fs::read(path).expect("fixture");
        let expected = text(&original).expect("the fixture's text");
        assert!(expected.contains("Café naïve"), "{expected:?}");

        let mut file = cfb::CompoundFile::open(Cursor::new(original)).expect("compound file");
        let mut read = |name: &str| {
            let mut out = Vec::new();
            file.open_stream(name)
                .expect(name)
                .read_to_end(&mut out)
                .expect(name);
            out
        };
        let mut word = read("/WordDocument");
        let fib = Fib::parse(&word).expect("fib");
        let table_name = if fib.table_one { "/1Table" } else { "/0Table" };
        let mut table = read(table_name);
        let mut at = fib.fc_clx as usize;
        while table[at] == 0x01 {
            at += 3 + usize::from(u16_at(&table, at + 1).expect("Prc"));
        }
        let plc = at + 5;
        let n = (u32_at(&table, at + 1).expect("lcb") as usize - 4) / 12;
        for i in 0..n {
            let chars = (u32_at(&table, plc + (i + 1) * 4).expect("cp")
                - u32_at(&table, plc + i * 4).expect("cp")) as usize;
            let fc_at = plc + (n + 1) * 4 + i * 8 + 2;
            let fc = u32_at(&table, fc_at).expect("fc");
            assert_eq!(fc & 0x4000_0000, 0, "the fixture already has 8-bit pieces");
            let start = fc as usize;
            let units: Vec<u16> = word[start..start + 2 * chars]
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect();
            let piece = String::from_utf16(&units).expect("utf-16");
            let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&piece);
            assert!(!unmappable && bytes.len() == chars, "{piece:?}");
            word[start..start + chars].copy_from_slice(&bytes);
            let compressed = (u32::try_from(start).expect("offset") * 2) | 0x4000_0000;
            table[fc_at..fc_at + 4].copy_from_slice(&compressed.to_le_bytes());
        }
        for (name, bytes) in [("/WordDocument", &word), (table_name, &table)] {
            let mut stream = file.open_stream(name).expect(name);
            stream.seek(SeekFrom::Start(0)).expect("seek");
            stream.write_all(bytes).expect("write");
        }
        file.flush().expect("flush");
        let rewritten = file.into_inner().into_inner();
        assert_eq!(text(&rewritten).expect("8-bit pieces"), expected);
    }

    #[test]
    fn piece_table_bounds_are_checked() {
        // A Pcdt claiming more bytes than it has.
        assert!(piece_table(&[0x02, 0xFF, 0, 0, 0, 1, 2]).is_err());
        // A Prc running past the end.
        assert!(piece_table(&[0x01, 0xFF, 0xFF]).is_err());
        // One piece whose end precedes its start.
        let mut clx = vec![0x02, 16, 0, 0, 0];
        clx.extend(10u32.to_le_bytes());
        clx.extend(5u32.to_le_bytes());
        clx.extend([0u8; 8]);
        assert!(piece_table(&clx).is_err());
        // A piece pointing outside the document is an error, not a panic.
        let piece = Piece {
            offset: usize::MAX - 1,
            chars: 4,
            compressed: false,
        };
        assert!(piece.append_to(&[0; 16], &mut String::new()).is_err());
    }
}
