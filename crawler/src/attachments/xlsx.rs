//! Text of XLSX workbooks, read as a stream of cells.
//!
//! A spreadsheet reader that builds a grid allocates the bounding box of the
//! used cells: two cells at `A1` and `XFD1048576` are 17 billion slots, and
//! the process aborts on the allocation. Search needs only the cells' text in
//! reading order, so this reader walks `xl/worksheets/*.xml` with quick-xml
//! and writes each row's non-empty cells, tab-separated, as one line. Memory
//! is the shared-string table (bounded by [`MAX_SHARED_TEXT`] and
//! [`MAX_SHARED_COUNT`]), one row, and the output (bounded by
//! [`super::MAX_TEXT_CHARS`]); every ZIP member goes through
//! [`Inflated`] so a compressed bomb fails at [`MAX_MEMBER`] bytes.

use std::collections::HashMap;
use std::io::{BufReader, Cursor, Read};

use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};

use super::inflate::Inflated;
use super::{AttachmentError, MAX_TEXT_CHARS, push_capped};

const KIND: &str = "xlsx";
/// The most bytes inflated from one member (a sheet, the string table).
const MAX_MEMBER: u64 = 32 * 1024 * 1024;
/// The most bytes inflated from one workbook, all members together.
const MAX_INFLATED: u64 = 128 * 1024 * 1024;
/// The most sheets read.
const MAX_SHEETS: usize = 100;
/// The most bytes of shared-string text kept; strings past it read as empty.
const MAX_SHARED_TEXT: usize = 16 * 1024 * 1024;
/// The most shared strings kept.
const MAX_SHARED_COUNT: usize = 1_000_000;
/// The most bytes of text written (the caller keeps [`MAX_TEXT_CHARS`] characters).
const MAX_OUT: usize = 4 * MAX_TEXT_CHARS;

type Zip<'a> = zip::ZipArchive<Cursor<&'a [u8]>>;
type Xml<'r> = quick_xml::Reader<BufReader<&'r mut dyn Read>>;

fn parse_error(what: impl Into<String>) -> AttachmentError {
    AttachmentError::Parse(KIND, what.into())
}

/// Extracts the text of an XLSX (or XLSM) workbook, sheet by sheet.
pub(super) fn text(bytes: &[u8]) -> Result<String, AttachmentError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| parse_error(format!("not a ZIP container: {e}")))?;
    let mut budget = MAX_INFLATED;
    let (sheets, shared_path) = workbook_parts(&mut zip, &mut budget)?;
    let shared = match shared_path {
        Some(path) if zip.index_for_name(&path).is_some() => {
            with_member(&mut zip, &path, &mut budget, shared_strings)?
        }
        _ => SharedStrings::default(),
    };
    let mut out = String::new();
    for path in sheets.iter().take(MAX_SHEETS) {
        if zip.index_for_name(path).is_none() {
            continue;
        }
        with_member(&mut zip, path, &mut budget, |xml| {
            sheet_text(xml, &shared, &mut out)
        })?;
        if out.len() >= MAX_OUT {
            break;
        }
    }
    Ok(out)
}

/// Runs `f` on the XML of member `name`, inflating at most
/// [`MAX_MEMBER`] bytes and charging them to `budget`.
fn with_member<T>(
    zip: &mut Zip<'_>,
    name: &str,
    budget: &mut u64,
    f: impl FnOnce(&mut Xml<'_>) -> Result<T, AttachmentError>,
) -> Result<T, AttachmentError> {
    let file = zip
        .by_name(name)
        .map_err(|e| parse_error(format!("{name}: {e}")))?;
    let allowed = MAX_MEMBER.min(*budget);
    let mut left = allowed;
    let result = {
        let mut capped = Inflated::new(file, &mut left);
        let mut xml: Xml<'_> =
            quick_xml::Reader::from_reader(BufReader::new(&mut capped as &mut dyn Read));
        f(&mut xml).map_err(|e| match e {
            AttachmentError::Parse(k, m) => AttachmentError::Parse(k, format!("{name}: {m}")),
            other => other,
        })
    };
    *budget -= allowed - left;
    result
}

fn attr(e: &BytesStart<'_>, local: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == local)
        .and_then(|a| {
            a.normalized_value(XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        })
}

/// The sheets' member paths in workbook order, and the shared-string table's.
fn workbook_parts(
    zip: &mut Zip<'_>,
    budget: &mut u64,
) -> Result<(Vec<String>, Option<String>), AttachmentError> {
    let sheet_ids = with_member(zip, "xl/workbook.xml", budget, |xml| {
        let mut ids = Vec::new();
        let mut buf = Vec::new();
        loop {
            match xml.read_event_into(&mut buf) {
                Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().into_inner() == "sheet" => {
                    if let Some(id) = attr(&e, "id")
                        && ids.len() < MAX_SHEETS
                    {
                        ids.push(id);
                    }
                }
                Ok(Event::Eof) => return Ok(ids),
                Err(e) => return Err(parse_error(e.to_string())),
                _ => {}
            }
            buf.clear();
        }
    })?;
    let mut targets: HashMap<String, String> = HashMap::new();
    let mut shared = None;
    if zip.index_for_name("xl/_rels/workbook.xml.rels").is_some() {
        with_member(zip, "xl/_rels/workbook.xml.rels", budget, |xml| {
            let mut buf = Vec::new();
            loop {
                match xml.read_event_into(&mut buf) {
                    Ok(Event::Start(e) | Event::Empty(e))
                        if e.local_name().into_inner() == "Relationship" =>
                    {
                        if let (Some(id), Some(target)) = (attr(&e, "Id"), attr(&e, "Target")) {
                            let path = if target.starts_with('/') {
                                super::ofd::resolve("", &target)
                            } else {
                                super::ofd::resolve("xl", &target)
                            };
                            if attr(&e, "Type").is_some_and(|t| t.ends_with("/sharedStrings")) {
                                shared = Some(path.clone());
                            }
                            if targets.len() < 10 * MAX_SHEETS {
                                targets.insert(id, path);
                            }
                        }
                    }
                    Ok(Event::Eof) => return Ok(()),
                    Err(e) => return Err(parse_error(e.to_string())),
                    _ => {}
                }
                buf.clear();
            }
        })?;
    }
    let mut sheets: Vec<String> = sheet_ids
        .iter()
        .filter_map(|id| targets.get(id).cloned())
        .collect();
    if sheets.is_empty() {
        // No usable relationships: the conventional names, in number order.
        sheets = zip
            .file_names()
            .filter_map(Result::ok)
            .filter(|n| n.starts_with("xl/worksheets/") && n.ends_with(".xml"))
            .map(|n| n.into_owned())
            .take(MAX_SHEETS)
            .collect();
        sheets.sort_by(|a, b| (a.len(), a).cmp(&(b.len(), b)));
    }
    Ok((
        sheets,
        Some(shared.unwrap_or_else(|| "xl/sharedStrings.xml".into())),
    ))
}

/// The shared-string table, as one text buffer and the end of each string.
#[derive(Default)]
struct SharedStrings {
    text: String,
    ends: Vec<u32>,
}

impl SharedStrings {
    fn get(&self, i: usize) -> &str {
        let Some(&end) = self.ends.get(i) else {
            return "";
        };
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.text.get(start as usize..end as usize).unwrap_or("")
    }
}

fn shared_strings(xml: &mut Xml<'_>) -> Result<SharedStrings, AttachmentError> {
    let mut sst = SharedStrings::default();
    let mut buf = Vec::new();
    // Inside `<si>`, inside a `<t>` that is not phonetic guidance (`<rPh>`).
    let (mut in_si, mut in_t, mut in_phonetic) = (false, false, false);
    loop {
        match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => match e.local_name().into_inner() {
                "si" => in_si = true,
                "t" => in_t = in_si && !in_phonetic,
                "rPh" => in_phonetic = true,
                _ => {}
            },
            Ok(Event::End(e)) => match e.local_name().into_inner() {
                "si" => {
                    in_si = false;
                    sst.ends.push(sst.text.len() as u32);
                    if sst.ends.len() >= MAX_SHARED_COUNT {
                        return Ok(sst);
                    }
                }
                "t" => in_t = false,
                "rPh" => in_phonetic = false,
                _ => {}
            },
            Ok(Event::Empty(e)) if e.local_name().into_inner() == "si" => {
                sst.ends.push(sst.text.len() as u32);
            }
            Ok(Event::Text(t)) if in_t => push_capped(&mut sst.text, &t, MAX_SHARED_TEXT),
            Ok(Event::CData(t)) if in_t => push_capped(&mut sst.text, &t, MAX_SHARED_TEXT),
            Ok(Event::GeneralRef(r)) if in_t && sst.text.len() < MAX_SHARED_TEXT => {
                crate::xml::push_reference(&mut sst.text, &r)
            }
            Ok(Event::Eof) => return Ok(sst),
            Err(e) => return Err(parse_error(e.to_string())),
            _ => {}
        }
        buf.clear();
    }
}

/// Appends one sheet's rows to `out`, stopping at [`MAX_OUT`] bytes.
fn sheet_text(
    xml: &mut Xml<'_>,
    shared: &SharedStrings,
    out: &mut String,
) -> Result<(), AttachmentError> {
    let mut buf = Vec::new();
    let mut line = String::new();
    let mut value = String::new();
    let mut cell_type: Option<String> = None;
    // Inside `<c>`; inside its `<v>` or an inline string's `<t>`.
    let (mut in_cell, mut in_value) = (false, false);
    let end_line = |line: &mut String, out: &mut String| {
        if !line.is_empty() {
            push_capped(out, line, MAX_OUT);
            push_capped(out, "\n", MAX_OUT);
            line.clear();
        }
    };
    loop {
        match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => match e.local_name().into_inner() {
                "c" => {
                    in_cell = true;
                    cell_type = attr(&e, "t");
                    value.clear();
                }
                "v" | "t" => in_value = in_cell,
                _ => {}
            },
            Ok(Event::End(e)) => match e.local_name().into_inner() {
                "v" | "t" => in_value = false,
                "c" => {
                    in_cell = false;
                    let text = cell_text(cell_type.as_deref(), &value, shared);
                    if !text.is_empty() {
                        if !line.is_empty() {
                            line.push('\t');
                        }
                        push_capped(&mut line, &text, MAX_OUT);
                    }
                }
                "row" => end_line(&mut line, out),
                "sheetData" => break,
                _ => {}
            },
            Ok(Event::Text(t)) if in_value => push_capped(&mut value, &t, MAX_OUT),
            Ok(Event::CData(t)) if in_value => push_capped(&mut value, &t, MAX_OUT),
            Ok(Event::GeneralRef(r)) if in_value && value.len() < MAX_OUT => {
                crate::xml::push_reference(&mut value, &r)
            }
            Ok(Event::Eof) => break,
            Err(e) => return Err(parse_error(e.to_string())),
            _ => {}
        }
        buf.clear();
        if out.len() >= MAX_OUT {
            return Ok(());
        }
    }
    end_line(&mut line, out);
    Ok(())
}

/// A cell's text as a spreadsheet shows it, less number formats.
fn cell_text<'a>(
    cell_type: Option<&str>,
    value: &'a str,
    shared: &'a SharedStrings,
) -> std::borrow::Cow<'a, str> {
    let v = value.trim();
    if v.is_empty() {
        return "".into();
    }
    match cell_type {
        Some("s") => v
            .parse::<usize>()
            .map_or("", |i| shared.get(i))
            .trim()
            .into(),
        Some("b") => (if v == "1" { "true" } else { "false" }).into(),
        None | Some("n") => match v.parse::<f64>() {
            // `1.0000000000000002` and `15` as people write them.
            Ok(f) if f.is_finite() => format!("{f}").into(),
            _ => v.into(),
        },
        _ => v.into(),
    }
}
