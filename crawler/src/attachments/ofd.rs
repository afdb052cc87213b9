//! Text of OFD documents (GB/T 33190, China's fixed-layout format for
//! official documents, 公文 and 电子发票 among them).
//!
//! An OFD is a ZIP of XML: `OFD.xml` names each document's root
//! (`DocRoot`), the document lists its pages in reading order (`Page
//! BaseLoc`), and each page's `Content.xml` holds `TextObject`s whose
//! `TextCode`s are Unicode text. Text objects sit on the page by their
//! `Boundary` (`x y width height`); writers often emit one object per word or
//! per character, so objects on the same line are joined without a space
//! (a space would split `2024年` for the character stream) and a new line
//! starts where the baseline moves. Elements are matched by local name, so
//! the namespace writers use (the standard's or their own) does not matter.

use std::io::{Cursor, Read};

use quick_xml::XmlVersion;
use quick_xml::events::Event;

use super::{AttachmentError, MAX_TEXT_CHARS};

const KIND: &str = "ofd";
/// The most bytes read from one XML part.
const MAX_PART: u64 = 16 * 1024 * 1024;
/// The most bytes inflated from one file, all parts together: a ZIP of
/// thousands of highly compressed empty pages must not cost minutes.
const MAX_INFLATED: u64 = 256 * 1024 * 1024;
/// The most pages read from one file.
const MAX_PAGES: usize = 5_000;

type Zip<'a> = zip::ZipArchive<Cursor<&'a [u8]>>;

fn parse_error(what: impl Into<String>) -> AttachmentError {
    AttachmentError::Parse(KIND, what.into())
}

/// Extracts the text of an OFD file, page by page in reading order.
pub(super) fn text(bytes: &[u8]) -> Result<String, AttachmentError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| parse_error(format!("not a ZIP container: {e}")))?;
    let entry = read_part(&mut zip, "OFD.xml")?;
    let roots = element_texts(&entry, "DocRoot")?;
    if roots.is_empty() {
        return Err(parse_error("OFD.xml names no DocRoot"));
    }
    let mut out = String::new();
    let mut inflated = entry.len() as u64;
    for root in roots.iter().take(16) {
        let root = resolve("", root);
        let document = read_part(&mut zip, &root)?;
        inflated += document.len() as u64;
        let base = root.rsplit_once('/').map_or("", |(dir, _)| dir);
        for page in page_locations(&document)?.iter().take(MAX_PAGES) {
            let content = read_part(&mut zip, &resolve(base, page))?;
            inflated += content.len() as u64;
            page_text(&content, &mut out)?;
            out.push('\n');
            if out.len() > 4 * MAX_TEXT_CHARS || inflated > MAX_INFLATED {
                return Ok(out);
            }
        }
    }
    Ok(out)
}

/// A path inside the package: absolute (`/Doc_0/…`) from the root, else
/// relative to `base`; `.` and `..` resolved, never above the root.
pub(super) fn resolve(base: &str, location: &str) -> String {
    let location = location.trim().replace('\\', "/");
    let mut parts: Vec<&str> = Vec::new();
    let start = if location.starts_with('/') { "" } else { base };
    for part in start.split('/').chain(location.split('/')) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

fn read_part(zip: &mut Zip<'_>, name: &str) -> Result<Vec<u8>, AttachmentError> {
    // Some writers prefix entries with `./` or use another case.
    let found = match zip.index_for_name(name) {
        Some(_) => name.to_string(),
        None => zip
            .file_names()
            .filter_map(Result::ok)
            .find(|n| resolve("", n).eq_ignore_ascii_case(name))
            .map(|n| n.into_owned())
            .ok_or_else(|| parse_error(format!("no part {name}")))?,
    };
    let mut file = zip
        .by_name(&found)
        .map_err(|e| parse_error(format!("{name}: {e}")))?;
    let mut out = Vec::new();
    (&mut file)
        .take(MAX_PART)
        .read_to_end(&mut out)
        .map_err(|e| parse_error(format!("{name}: {e}")))?;
    Ok(out)
}

/// The text of every element called `local` (any namespace).
fn element_texts(xml: &[u8], local: &str) -> Result<Vec<String>, AttachmentError> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut out = Vec::new();
    let mut inside: Option<String> = None;
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) if e.local_name().into_inner() == local => {
                inside = Some(String::new());
            }
            Ok(Event::Text(t)) => {
                if let Some(s) = inside.as_mut() {
                    s.push_str(&t);
                }
            }
            Ok(Event::End(e)) if e.local_name().into_inner() == local => {
                out.extend(inside.take());
            }
            Ok(Event::Eof) => return Ok(out),
            Err(e) => return Err(parse_error(e.to_string())),
            _ => {}
        }
        buf.clear();
    }
}

/// `BaseLoc` of each `Page` of a document, in reading order.
fn page_locations(document: &[u8]) -> Result<Vec<String>, AttachmentError> {
    let mut reader = quick_xml::Reader::from_reader(document);
    let mut buf = Vec::new();
    let mut out = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().into_inner() == "Page" => {
                if let Ok(Some(loc)) = e.try_get_attribute("BaseLoc")
                    && let Ok(loc) = loc.normalized_value(XmlVersion::Implicit1_0)
                {
                    out.push(loc.into_owned());
                }
            }
            Ok(Event::Eof) => return Ok(out),
            Err(e) => return Err(parse_error(e.to_string())),
            _ => {}
        }
        buf.clear();
    }
}

/// Where a text object sits: its `Boundary` as (x, y, width, height).
fn boundary(e: &quick_xml::events::BytesStart<'_>) -> Option<[f64; 4]> {
    let value = e.try_get_attribute("Boundary").ok()??;
    let value = value.normalized_value(XmlVersion::Implicit1_0).ok()?;
    let mut numbers = value.split_whitespace().map(|n| n.parse::<f64>().ok());
    let mut out = [0.0; 4];
    for slot in &mut out {
        *slot = numbers.next()??;
    }
    Some(out)
}

/// Appends the text of one page's `Content.xml` to `out`, a line per
/// baseline.
fn page_text(content: &[u8], out: &mut String) -> Result<(), AttachmentError> {
    let mut reader = quick_xml::Reader::from_reader(content);
    let mut buf = Vec::new();
    let mut in_code = false;
    // The previous text object's boundary, to tell a new line or a gap.
    let mut previous: Option<[f64; 4]> = None;
    // A narrow gap before this object: a space if it falls between two
    // Latin words or numbers (`Budget` `2024`), nothing between CJK.
    let mut word_gap = false;
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => match e.local_name().into_inner() {
                "TextObject" => {
                    let here = boundary(&e);
                    word_gap = false;
                    if let (Some(p), Some(h)) = (previous, here) {
                        let line = p[3].max(h[3]).max(0.1);
                        let gap = h[0] - (p[0] + p[2]);
                        if (h[1] - p[1]).abs() > line / 2.0 {
                            out.push('\n');
                        } else if gap > line {
                            // A gap wider than a character: table cells.
                            out.push(' ');
                        } else {
                            word_gap = gap > line * 0.15;
                        }
                    }
                    previous = here.or(previous);
                }
                "TextCode" => in_code = true,
                _ => {}
            },
            Ok(Event::End(e)) if e.local_name().into_inner() == "TextCode" => in_code = false,
            Ok(Event::Text(t)) if in_code => {
                let latin = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
                if std::mem::take(&mut word_gap)
                    && latin(out.chars().last())
                    && latin(t.chars().next())
                {
                    out.push(' ');
                }
                out.push_str(&t);
            }
            Ok(Event::GeneralRef(r)) if in_code => crate::xml::push_reference(out, &r),
            Ok(Event::Eof) => return Ok(()),
            Err(e) => return Err(parse_error(e.to_string())),
            _ => {}
        }
        buf.clear();
        if out.len() > 4 * MAX_TEXT_CHARS {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_resolve_inside_the_package() {
        assert_eq!(
            resolve("Doc_0", "Pages/Page_0/Content.xml"),
            "Doc_0/Pages/Page_0/Content.xml"
        );
        assert_eq!(
            resolve("Doc_0", "/Doc_0/Pages/P1.xml"),
            "Doc_0/Pages/P1.xml"
        );
        assert_eq!(resolve("Doc_0", "./Pages/../Res/x.xml"), "Doc_0/Res/x.xml");
        assert_eq!(resolve("Doc_0", "../../../../etc/passwd"), "etc/passwd");
        assert_eq!(resolve("", " Doc_0\\Document.xml "), "Doc_0/Document.xml");
    }

    #[test]
    fn text_objects_join_by_line() {
        let page = r#"<ofd:Page xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Content><ofd:Layer>
            <ofd:TextObject ID="1" Boundary="10 10 20 5"><ofd:TextCode X="0" Y="4">样例县2024</ofd:TextCode></ofd:TextObject>
            <ofd:TextObject ID="2" Boundary="30 10.4 5 5"><ofd:TextCode X="0" Y="4">年</ofd:TextCode></ofd:TextObject>
            <ofd:TextObject ID="3" Boundary="60 10 20 5"><ofd:TextCode X="0" Y="4">R&amp;D&#x4E00;</ofd:TextCode></ofd:TextObject>
            <ofd:TextObject ID="4" Boundary="10 20 20 5"><ofd:TextCode X="0" Y="4">第二行</ofd:TextCode></ofd:TextObject>
            <ofd:TextObject ID="5" Boundary="31.5 20 10 5"><ofd:TextCode X="0" Y="4">Budget</ofd:TextCode></ofd:TextObject>
            <ofd:TextObject ID="6" Boundary="43 20 8 5"><ofd:TextCode X="0" Y="4">2024</ofd:TextCode></ofd:TextObject>
            <ofd:TextObject ID="7" Boundary="51.2 20 5 5"><ofd:TextCode X="0" Y="4">年</ofd:TextCode></ofd:TextObject>
            </ofd:Layer></ofd:Content></ofd:Page>"#;
        let mut out = String::new();
        page_text(page.as_bytes(), &mut out).expect("page");
        assert_eq!(out, "样例县2024年 R&D一\n第二行Budget 2024年");
    }
}
