//! What the crawler's XML readers (sitemaps, DOCX, OFD) share.

use quick_xml::events::BytesRef;

/// Appends the text a reference stands for: one of XML's five entities
/// (`&amp;`) or a character reference (`&#x4E00;`). quick-xml reports each as
/// its own event between pieces of text; an unknown entity adds nothing.
pub(crate) fn push_reference(out: &mut String, reference: &BytesRef<'_>) {
    if let Some(text) = quick_xml::escape::resolve_xml_entity(reference) {
        out.push_str(text);
    } else if let Ok(Some(c)) = reference.resolve_char_ref() {
        out.push(c);
    }
}
