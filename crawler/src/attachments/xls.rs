//! Legacy Excel 97–2003 (BIFF) workbooks: calamine reads them, after a
//! check that what it will allocate is bounded.
//!
//! calamine parses every sheet when the workbook is opened and builds a grid
//! of each sheet's bounding box (`Range::from_sparse`), after reserving the
//! size a `Dimensions` record declares. Both numbers come from the file: a
//! few records can ask for gigabytes and the process aborts on the
//! allocation, which no `catch_unwind` can stop. So the workbook stream is
//! read here first (through the `cfb` crate, at most [`MAX_STREAM`] bytes)
//! and walked record by record exactly as calamine walks it: the sheets
//! named by `BoundSheet` records, each from its offset to its `EOF`, nested
//! substreams skipped. The declared dimensions and the bounding boxes of
//! cells and formulas, summed over all sheets, must stay under
//! [`MAX_CELLS`]; the records visited under [`MAX_RECORDS`]. calamine is then
//! handed a compound file rebuilt around exactly the stream that was
//! checked, so a container that two readers would read differently cannot
//! slip past the check.

use std::io::{Cursor, Read, Write};

use super::AttachmentError;

const KIND: &str = "xls";
/// The most bytes read from the workbook stream.
const MAX_STREAM: u64 = 32 * 1024 * 1024;
/// The most grid cells calamine may allocate, all sheets together
/// (declared dimensions plus the bounding boxes of values and of formulas).
/// About 40 bytes each at worst.
pub(super) const MAX_CELLS: u64 = 4_000_000;
/// The most records walked, all sheets together (a thousand `BoundSheet`s
/// pointing at one large sheet would otherwise cost quadratic time).
const MAX_RECORDS: u64 = 4_000_000;
/// The most bytes of shared strings calamine may copy into cells: it clones
/// the string for every `LabelSst` cell, so a 64 K-character string named by
/// a million cells would be 190 GB.
pub(super) const MAX_CELL_TEXT: u64 = 128 * 1024 * 1024;

fn parse_error(what: impl Into<String>) -> AttachmentError {
    AttachmentError::Parse(KIND, what.into())
}

/// The text of a BIFF workbook, one line per row, cells tab-separated.
pub(super) fn text(bytes: &[u8], max_out: usize) -> Result<String, AttachmentError> {
    let stream = workbook_stream(bytes)?;
    check(&stream)?;
    let rebuilt = rebuild(&stream)?;
    drop(stream);
    let mut book =
        calamine::Xls::new(Cursor::new(rebuilt)).map_err(|e| parse_error(e.to_string()))?;
    let mut out = String::new();
    use calamine::Reader;
    for name in book.sheet_names().into_iter().take(100) {
        let Ok(range) = book.worksheet_range(&name) else {
            continue;
        };
        for row in range.rows() {
            let mut first = true;
            for cell in row {
                let s = cell.to_string();
                if s.is_empty() {
                    continue;
                }
                if !first {
                    out.push('\t');
                }
                first = false;
                super::push_capped(&mut out, &s, max_out);
            }
            if !first {
                out.push('\n');
            }
            if out.len() >= max_out {
                return Ok(out);
            }
        }
    }
    Ok(out)
}

fn workbook_stream(bytes: &[u8]) -> Result<Vec<u8>, AttachmentError> {
    let mut file = cfb::CompoundFile::open(Cursor::new(bytes))
        .map_err(|e| parse_error(format!("not a compound file: {e}")))?;
    let name = ["/Workbook", "/Book"]
        .into_iter()
        .find(|n| file.is_stream(n))
        .ok_or_else(|| parse_error("no Workbook stream"))?;
    let stream = file
        .open_stream(name)
        .map_err(|e| parse_error(format!("{name}: {e}")))?;
    let mut out = Vec::new();
    let mut capped = stream.take(MAX_STREAM + 1);
    capped
        .read_to_end(&mut out)
        .map_err(|e| parse_error(format!("{name}: {e}")))?;
    if out.len() as u64 > MAX_STREAM {
        return Err(parse_error(format!(
            "workbook stream larger than {MAX_STREAM} bytes"
        )));
    }
    Ok(out)
}

/// A compound file holding only `stream` as its `Workbook`.
fn rebuild(stream: &[u8]) -> Result<Vec<u8>, AttachmentError> {
    let mut file = cfb::CompoundFile::create(Cursor::new(Vec::new()))
        .map_err(|e| parse_error(format!("rebuilding: {e}")))?;
    {
        let mut s = file
            .create_stream("/Workbook")
            .map_err(|e| parse_error(format!("rebuilding: {e}")))?;
        s.write_all(stream)
            .map_err(|e| parse_error(format!("rebuilding: {e}")))?;
    }
    file.flush()
        .map_err(|e| parse_error(format!("rebuilding: {e}")))?;
    Ok(file.into_inner().into_inner())
}

fn u16_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u16::from_le_bytes(b.get(at..at.checked_add(2)?)?.try_into().ok()?) as u32)
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

/// Records of a BIFF stream from `at`: (type, data).
fn records(stream: &[u8], at: usize) -> impl Iterator<Item = (u16, &[u8])> {
    let mut rest = stream.get(at..).unwrap_or_default();
    std::iter::from_fn(move || {
        let typ = u16_at(rest, 0)? as u16;
        let len = u16_at(rest, 2)? as usize;
        let data = rest.get(4..4 + len)?;
        rest = &rest[4 + len..];
        Some((typ, data))
    })
}

/// The bounding box of some cells.
#[derive(Default)]
struct BoundingBox(Option<(u32, u32, u32, u32)>);

impl BoundingBox {
    fn add(&mut self, row: u32, col: u32) {
        let b = self.0.get_or_insert((row, row, col, col));
        *b = (b.0.min(row), b.1.max(row), b.2.min(col), b.3.max(col));
    }

    fn cells(&self) -> u64 {
        self.0.map_or(0, |(r0, r1, c0, c1)| {
            (u64::from(r1 - r0) + 1) * (u64::from(c1 - c0) + 1)
        })
    }
}

/// Fails if calamine would allocate more than [`MAX_CELLS`] cells or walk
/// more than [`MAX_RECORDS`] records for this stream.
fn check(stream: &[u8]) -> Result<(), AttachmentError> {
    let mut walked = 0u64;
    let mut sheets = Vec::new();
    // The shared-string table: its record and the Continue records after it.
    let mut sst: Vec<&[u8]> = Vec::new();
    let mut in_sst = false;
    for (typ, data) in records(stream, 0) {
        walked += 1;
        match typ {
            // BoundSheet8: where a sheet's substream starts.
            0x0085 => sheets.push(u32_at(data, 0).unwrap_or(u32::MAX) as usize),
            0x00FC => sst = vec![data],
            0x003C if in_sst => sst.push(data),
            0x000A => break,
            _ => {}
        }
        in_sst = typ == 0x00FC || (in_sst && typ == 0x003C);
    }
    let string_bytes = shared_string_sizes(&sst);
    let mut text = 0u64;
    let mut total = 0u64;
    for pos in sheets {
        if pos > stream.len() {
            return Err(parse_error("a sheet starts past the end of the stream"));
        }
        let (mut values, mut formulas) = (BoundingBox::default(), BoundingBox::default());
        let (mut seen_bof, mut depth) = (false, 0usize);
        for (typ, data) in records(stream, pos) {
            walked += 1;
            if walked > MAX_RECORDS {
                return Err(parse_error(format!("more than {MAX_RECORDS} records")));
            }
            if depth > 0 {
                match typ {
                    0x0809 => depth += 1,
                    0x000A => depth -= 1,
                    _ => {}
                }
                continue;
            }
            let at = |d: &[u8]| Some((u16_at(d, 0)?, u16_at(d, 2)?));
            match typ {
                0x0809 if seen_bof => depth += 1,
                0x0809 => seen_bof = true,
                0x0200 => total = total.saturating_add(declared_cells(data)?),
                // Number, Label, RString, BoolErr, RK, LabelSst.
                0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD => {
                    if let Some((r, c)) = at(data) {
                        values.add(r, c);
                    }
                    if typ == 0x00FD
                        && let Some(i) = u32_at(data, 6)
                    {
                        let size = string_bytes.get(i as usize).copied().unwrap_or(0);
                        text = text.saturating_add(u64::from(size));
                    }
                }
                // MulRk: one cell per 6 bytes from the first column.
                0x00BD => {
                    if let Some((r, c)) = at(data)
                        && data.len() >= 6
                    {
                        let n = (data.len() - 6).div_ceil(6).max(1) as u32;
                        values.add(r, c);
                        values.add(r, c + n - 1);
                    }
                }
                // Formula: a value and a formula at its cell.
                0x0006 => {
                    if let Some((r, c)) = at(data) {
                        values.add(r, c);
                        formulas.add(r, c);
                    }
                }
                0x000A => break,
                _ => {}
            }
        }
        total = total
            .saturating_add(values.cells())
            .saturating_add(formulas.cells());
        if total > MAX_CELLS {
            return Err(parse_error(format!(
                "sheets span more than {MAX_CELLS} cells"
            )));
        }
        if text > MAX_CELL_TEXT {
            return Err(parse_error(format!(
                "cells repeat more than {MAX_CELL_TEXT} bytes of shared strings"
            )));
        }
    }
    Ok(())
}

/// The most UTF-8 bytes of each string of a shared-string table (`SST`,
/// [MS-XLS] 2.4.265) split over `segments` (the record and its Continue
/// records): three per character. Only the lengths are read: each string's
/// character count and flags, its characters skipped (a Continue record
/// that splits them starts with a fresh flags byte), then its formatting
/// runs and phonetic block.
fn shared_string_sizes(segments: &[&[u8]]) -> Vec<u32> {
    struct Cursor<'a> {
        segments: &'a [&'a [u8]],
        seg: usize,
        pos: usize,
    }
    impl Cursor<'_> {
        /// Bytes left in the current segment, moving to the next when none.
        fn room(&mut self) -> usize {
            while self.seg < self.segments.len() && self.pos >= self.segments[self.seg].len() {
                self.seg += 1;
                self.pos = 0;
            }
            self.segments
                .get(self.seg)
                .map_or(0, |s| s.len() - self.pos)
        }
        fn byte(&mut self) -> Option<u8> {
            if self.room() == 0 {
                return None;
            }
            let b = self.segments[self.seg][self.pos];
            self.pos += 1;
            Some(b)
        }
        fn u16(&mut self) -> Option<u32> {
            Some(u32::from(self.byte()?) | u32::from(self.byte()?) << 8)
        }
        fn skip(&mut self, mut n: u64) -> Option<()> {
            while n > 0 {
                let room = self.room() as u64;
                if room == 0 {
                    return None;
                }
                let step = room.min(n);
                self.pos += step as usize;
                n -= step;
            }
            Some(())
        }
    }
    let mut c = Cursor {
        segments,
        seg: 0,
        pos: 0,
    };
    let mut sizes = Vec::new();
    // cstTotal and cstUnique.
    if c.skip(8).is_none() {
        return sizes;
    }
    let mut one = || -> Option<u32> {
        let cch = c.u16()?;
        let flags = c.byte()?;
        let runs = if flags & 0x8 != 0 { c.u16()? } else { 0 };
        let ext = if flags & 0x4 != 0 {
            u32::from(c.byte()?)
                | u32::from(c.byte()?) << 8
                | u32::from(c.byte()?) << 16
                | u32::from(c.byte()?) << 24
        } else {
            0
        };
        let mut wide = flags & 0x1 != 0;
        let mut left = u64::from(cch);
        let seg = c.seg;
        let mut at_seg = seg;
        while left > 0 {
            if c.room() == 0 {
                return None;
            }
            if c.seg != at_seg {
                // A Continue record in the middle of the characters.
                at_seg = c.seg;
                wide = c.byte()? & 0x1 != 0;
                continue;
            }
            let width = if wide { 2 } else { 1 };
            let n = (c.room() as u64 / width).min(left).max(1);
            c.skip(n * width)?;
            left -= n;
        }
        c.skip(4 * u64::from(runs))?;
        c.skip(u64::from(ext))?;
        Some(cch * 3)
    };
    while let Some(size) = one() {
        sizes.push(size);
    }
    sizes
}

/// The cells a `Dimensions` record makes calamine reserve, computed as it
/// does; a record it would compute a negative size from is an error.
fn declared_cells(data: &[u8]) -> Result<u64, AttachmentError> {
    let bad = || parse_error("bad Dimensions record");
    let (rf, rl, mut cf, cl) = match data.len() {
        10 => (
            u16_at(data, 0).ok_or_else(bad)?,
            u16_at(data, 2).ok_or_else(bad)?,
            u16_at(data, 4).ok_or_else(bad)?,
            u16_at(data, 6).ok_or_else(bad)?,
        ),
        14 | 16 => (
            u32_at(data, 0).ok_or_else(bad)?,
            u32_at(data, 4).ok_or_else(bad)?,
            u16_at(data, 8).ok_or_else(bad)?,
            u16_at(data, 10).ok_or_else(bad)?,
        ),
        _ => return Err(bad()),
    };
    if 0xFF < cf || cl < cf {
        cf = 0;
    }
    let (end_r, end_c) = if 1 <= rl && 1 <= cl {
        (i64::from(rl) - 1, i64::from(cl) - 1)
    } else {
        (i64::from(rf), i64::from(cf))
    };
    let rows = end_r - i64::from(rf) + 1;
    let cols = end_c - i64::from(cf) + 1;
    if rows < 1 || cols < 1 {
        return Err(bad());
    }
    Ok((rows as u64).saturating_mul(cols as u64))
}
