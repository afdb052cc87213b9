//! Writing documents: upsert by id, skipping documents whose content did not
//! change. Analysis (normalisation + jieba, most of the cost) runs in
//! tantivy's indexing threads, one per core by default, through the
//! analyzer's tokenizers.

use std::collections::HashMap;

use tantivy::columnar::StrColumn;
use tantivy::{IndexWriter, Term};

use crate::Error;
use crate::document::ValidDocument;
use crate::schema::to_tantivy;
use crate::store::IndexHandle;

/// What an upsert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upsert {
    /// A new id.
    Added,
    /// A known id with different content.
    Updated,
    /// A known id with the same content: nothing written.
    Unchanged,
}

/// Counts of what a batch of upserts did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct WriteStats {
    /// New documents.
    pub added: u64,
    /// Changed documents.
    pub updated: u64,
    /// Documents that were already indexed as they are.
    pub unchanged: u64,
    /// Documents deleted.
    pub deleted: u64,
}

impl WriteStats {
    fn count(&mut self, outcome: Upsert) {
        match outcome {
            Upsert::Added => self.added += 1,
            Upsert::Updated => self.updated += 1,
            Upsert::Unchanged => self.unchanged += 1,
        }
    }
}

/// A writer on one generation.
pub struct DocumentWriter {
    handle: IndexHandle,
    writer: IndexWriter,
    /// id → content hash of every document in the index (plus this session's).
    known: HashMap<String, String>,
    stats: WriteStats,
}

/// Memory tantivy may use for its indexing buffers.
const WRITER_MEMORY: usize = 512 * 1024 * 1024;

impl DocumentWriter {
    /// Opens a writer with `threads` indexing (and analysis) threads (0 = all cores).
    pub fn open(handle: IndexHandle, threads: usize) -> Result<Self, Error> {
        let threads = if threads == 0 {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        } else {
            threads
        };
        let writer = handle
            .index
            .writer_with_num_threads(threads.clamp(1, 8), WRITER_MEMORY)?;
        let known = load_known(&handle)?;
        Ok(DocumentWriter {
            handle,
            writer,
            known,
            stats: WriteStats::default(),
        })
    }

    /// Number of documents known (indexed or written in this session).
    pub fn known_count(&self) -> usize {
        self.known.len()
    }

    /// Whether a document with this id is known, and its content hash.
    pub fn known_hash(&self, id: &str) -> Option<&str> {
        self.known.get(id).map(String::as_str)
    }

    /// Every known id (for reports and reconciliation).
    pub fn known_ids(&self) -> impl Iterator<Item = &str> {
        self.known.keys().map(String::as_str)
    }

    /// Upserts validated documents, analysing them in parallel; their
    /// crawl details are not stored. Returns the outcome of each, in input
    /// order.
    pub fn upsert_all(&mut self, docs: Vec<ValidDocument>) -> Result<Vec<Upsert>, Error> {
        let mut outcomes = Vec::with_capacity(docs.len());
        let mut to_write = Vec::new();
        for doc in docs {
            // The hash is always from the content: a hash carried in the
            // input (an exported line edited by hand, say) says nothing.
            let doc = doc.into_indexed();
            let outcome = match self.known.get(&doc.id) {
                Some(hash) if *hash == doc.content_hash => Upsert::Unchanged,
                Some(_) => Upsert::Updated,
                None => Upsert::Added,
            };
            self.stats.count(outcome);
            outcomes.push(outcome);
            if outcome != Upsert::Unchanged {
                self.known.insert(doc.id.clone(), doc.content_hash.clone());
                // Only a known id has an older version to delete; deleting
                // by term for every new document costs a lookup per segment.
                to_write.push((doc, outcome == Upsert::Updated));
            }
        }
        self.write_all(to_write)?;
        Ok(outcomes)
    }

    /// Deletes a document by id (no-op when unknown).
    pub fn delete(&mut self, id: &str) {
        if self.known.remove(id).is_some() {
            self.writer
                .delete_term(Term::from_field_text(self.handle.fields.id, id));
            self.stats.deleted += 1;
        }
    }

    fn write_all(&self, docs: Vec<(ValidDocument, bool)>) -> Result<(), Error> {
        let fields = &self.handle.fields;
        for (doc, replaces) in docs {
            if replaces {
                self.writer
                    .delete_term(Term::from_field_text(fields.id, &doc.id));
            }
            self.writer.add_document(to_tantivy(&doc, fields))?;
        }
        Ok(())
    }

    /// Makes everything written so far durable and visible to new readers.
    pub fn commit(&mut self) -> Result<WriteStats, Error> {
        self.writer.commit()?;
        Ok(self.stats)
    }

    /// Counts so far.
    pub fn stats(&self) -> WriteStats {
        self.stats
    }

    /// Commits, then waits for background merges, so the index is compact.
    pub fn finish(mut self) -> Result<WriteStats, Error> {
        self.writer.commit()?;
        self.writer.wait_merging_threads()?;
        Ok(self.stats)
    }
}

/// Reads id → content hash of every live document from the fast fields.
fn load_known(handle: &IndexHandle) -> Result<HashMap<String, String>, Error> {
    let reader = handle.index.reader()?;
    let searcher = reader.searcher();
    let mut known = HashMap::new();
    for segment in searcher.segment_readers() {
        let fast = segment.fast_fields();
        let (Some(ids), Some(hashes)) = (fast.str("id")?, fast.str("content_hash")?) else {
            continue;
        };
        let alive = segment.alive_bitset();
        let (mut id, mut hash) = (String::new(), String::new());
        for doc in 0..segment.max_doc() {
            if alive.is_some_and(|bits| !bits.is_alive(doc)) {
                continue;
            }
            if first_str(&ids, doc, &mut id) {
                first_str(&hashes, doc, &mut hash);
                known.insert(id.clone(), hash.clone());
            }
        }
    }
    Ok(known)
}

/// The first value of a str column for `doc`, into `out`; false when none.
pub(crate) fn first_str(column: &StrColumn, doc: u32, out: &mut String) -> bool {
    out.clear();
    match column.term_ords(doc).next() {
        Some(ord) => column.ord_to_str(ord, out).unwrap_or(false),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DataDir, Document};

    #[test]
    fn a_hash_given_in_input_does_not_hide_an_edit() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = DataDir::new(tmp.path());
        let handle = dir.open_or_create_current(dir.analyzer().unwrap()).unwrap();
        let mut writer = DocumentWriter::open(handle, 1).unwrap();
        let original = Document {
            id: "a".into(),
            title: "关于预算公开的通知".into(),
            body: "原文".into(),
            ..Default::default()
        };
        let valid = |d: Document| vec![d.validate().unwrap()];
        writer.upsert_all(valid(original.clone())).unwrap();
        // An exported line carries the hash of the original; its body is edited.
        let edited = Document {
            body: "修改后的正文".into(),
            content_hash: original.compute_content_hash(),
            ..original.clone()
        };
        assert_eq!(writer.upsert_all(valid(edited)).unwrap(), [Upsert::Updated]);
        // A made-up hash on unchanged content changes nothing.
        let same = Document {
            body: "修改后的正文".into(),
            content_hash: "0000000000000000".into(),
            ..original
        };
        assert_eq!(writer.upsert_all(valid(same)).unwrap(), [Upsert::Unchanged]);
    }
}
