//! The life cycle of an index generation, in one place: begin (or resume)
//! → write → validate → publish.
//!
//! A [`Builder`] writes either into the live generation ([`Builder::live`]:
//! `gongkai index` and `crawl`, which create and publish a first, empty
//! generation when there is none) or into a new generation beside the live
//! one ([`Builder::begin`], [`Builder::resume`]: `rebuild` and `reindex`). A
//! new generation is `building` until [`Builder::finish`] marks it complete;
//! [`Finished::validate`] checks it against the live one ([`Validation`]),
//! and only one that passed is made live, by [`Validated::publish`], which
//! also prunes old generations.
//!
//! A write that fails leaves the data directory serving as before
//! ([`Builder::abandon`], which [`Builder::finish`] calls itself): the
//! segments this run wrote into the live generation and never committed are
//! removed, a first generation it created goes again, and a new generation
//! is marked failed (to be resumed), or removed when the disk is full and
//! its space is needed. A full disk is recognised by its `io::ErrorKind`
//! anywhere in the error's source chain ([`crate::chain_is_disk_full`]), or,
//! when tantivy's indexing thread lost that error on the way ("index writer
//! was killed"), by trying to write to the disk while it is still full.
//!
//! This module decides nothing about what goes into a generation (the
//! taxonomy, the classifier and the crawl do), and prints nothing: callers
//! say what happened.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;

use crate::analysis::Analyzer;
use crate::document::Document;
use crate::generation;
use crate::search::{SearchRequest, Searcher};
use crate::store::{DataDir, Discarded, IndexHandle, WriteSnapshot};
use crate::writer::{DocumentWriter, WriteStats};
use crate::{Error, chain_is_disk_full, is_disk_full_io};

/// Documents validated and written per batch by [`Builder::replace_all`].
const BATCH: usize = 1_000;

/// Any error, as [`Builder::abandon`] takes it (the caller's own, say).
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Where a [`Builder`] writes.
#[derive(Debug)]
enum Target {
    /// The live generation; `created` when this run made it (the first one).
    Live {
        created: bool,
        snapshot: WriteSnapshot,
    },
    /// A new generation beside the live one.
    New,
}

/// Writes one generation through its life cycle; see the module docs.
///
/// Dropping a builder without [`Builder::finish`] or [`Builder::abandon`]
/// leaves a new generation `building`, to be resumed; after an error, call
/// [`Builder::abandon`].
pub struct Builder {
    dir: DataDir,
    handle: IndexHandle,
    threads: usize,
    /// Opened on the first write, so that a generation begun before a long
    /// crawl holds no writer (threads, lock) meanwhile.
    writer: Option<DocumentWriter>,
    target: Target,
}

impl Builder {
    /// Writes into the live generation, creating and publishing a first
    /// (empty) one when there is none. Hold the data directory's lock.
    /// `threads` are the analysis threads (0 = all cores).
    pub fn live(dir: &DataDir, analyzer: Arc<Analyzer>, threads: usize) -> Result<Self, Error> {
        let (handle, created) = dir.open_or_create_current_flagged(analyzer)?;
        let snapshot = dir.snapshot(&handle)?;
        Ok(Builder {
            dir: dir.clone(),
            handle,
            threads,
            writer: None,
            target: Target::Live { created, snapshot },
        })
    }

    /// Begins a new generation beside the live one, marked `building`, with
    /// `source` saying what builds it (`rebuild`, `reindex <urls>`).
    pub fn begin(
        dir: &DataDir,
        analyzer: Arc<Analyzer>,
        source: &str,
        threads: usize,
    ) -> Result<Self, Error> {
        let handle = generation::create(dir, analyzer, source)?;
        Ok(Self::new_generation(dir, handle, threads))
    }

    /// Resumes unfinished generation `n` (see [`generation::resumable`]).
    pub fn resume(
        dir: &DataDir,
        analyzer: Arc<Analyzer>,
        n: u64,
        threads: usize,
    ) -> Result<Self, Error> {
        let handle = dir.open_generation(n, analyzer)?;
        Ok(Self::new_generation(dir, handle, threads))
    }

    fn new_generation(dir: &DataDir, handle: IndexHandle, threads: usize) -> Self {
        Builder {
            dir: dir.clone(),
            handle,
            threads,
            writer: None,
            target: Target::New,
        }
    }

    /// The generation's number.
    pub fn generation(&self) -> u64 {
        self.handle.generation
    }

    /// The index being written.
    pub fn handle(&self) -> &IndexHandle {
        &self.handle
    }

    /// The generation's folder (where its classifier model goes).
    pub fn path(&self) -> PathBuf {
        self.dir.generation_path(self.handle.generation)
    }

    /// The writer, opened on first use.
    pub fn writer(&mut self) -> Result<&mut DocumentWriter, Error> {
        let writer = match self.writer.take() {
            Some(writer) => writer,
            None => DocumentWriter::open(self.handle.clone(), self.threads)?,
        };
        Ok(self.writer.insert(writer))
    }

    /// Makes the generation hold exactly `docs`, as `rebuild` and `reindex`
    /// write a whole generation: documents of an earlier attempt that are
    /// not among them go (a resumed generation), and every document is
    /// validated on its way in, whatever wrote it before (an invalid one is
    /// skipped with a warning). `progress` hears how many documents each
    /// batch held. Returns how many were skipped.
    pub fn replace_all(
        &mut self,
        docs: Vec<Document>,
        mut progress: impl FnMut(u64),
    ) -> Result<u64, Error> {
        let writer = self.writer()?;
        let stale: Vec<String> = {
            let keep: HashSet<&str> = docs.iter().map(|d| d.id.as_str()).collect();
            writer
                .known_ids()
                .filter(|id| !keep.contains(id))
                .map(String::from)
                .collect()
        };
        for id in &stale {
            writer.delete(id);
        }
        let mut skipped = 0;
        let mut docs = docs.into_iter().peekable();
        while docs.peek().is_some() {
            let batch: Vec<Document> = docs.by_ref().take(BATCH).collect();
            let len = batch.len() as u64;
            let valid: Vec<_> = batch
                .into_iter()
                .filter_map(|doc| {
                    let id = doc.id.clone();
                    doc.validate()
                        .inspect_err(|e| tracing::warn!(%id, error = %e, "document skipped"))
                        .ok()
                })
                .collect();
            skipped += len - valid.len() as u64;
            writer.upsert_all(valid)?;
            progress(len);
        }
        Ok(skipped)
    }

    /// Commits and waits for merges; a new generation is marked complete
    /// with its document count. When that fails, cleans up as
    /// [`Builder::abandon`] does.
    pub fn finish(mut self) -> Result<Finished, Failed> {
        match self.complete() {
            Ok((stats, documents)) => Ok(Finished {
                dir: self.dir,
                handle: self.handle,
                stats,
                documents,
            }),
            Err(e) => Err(self.abandon(e)),
        }
    }

    fn complete(&mut self) -> Result<(WriteStats, u64), Error> {
        let stats = match self.writer.take() {
            Some(writer) => writer.finish()?,
            None => WriteStats::default(),
        };
        let documents = self.handle.index.reader()?.searcher().num_docs();
        if let Target::New = self.target {
            generation::mark_complete(&self.dir, self.handle.generation, documents)?;
        }
        Ok((stats, documents))
    }

    /// After `error`, leaves the data directory as it was before this run
    /// (see the module docs) and says what was done. The writer is dropped
    /// first, its threads joined: nothing writes any more.
    pub fn abandon(mut self, error: impl Into<Cause>) -> Failed {
        let source = error.into();
        drop(self.writer.take());
        let n = self.handle.generation;
        // A failed indexing thread surfaces as "index writer was killed",
        // its ENOSPC lost: ask the disk itself while it is still full.
        let disk_full =
            chain_is_disk_full(source.as_ref()) || disk_is_full(&self.dir.generation_path(n));
        let cleanup = match &self.target {
            Target::Live { created: true, .. } => match self.dir.remove_generation(n) {
                Ok(()) => Cleanup::RemovedFirst,
                Err(e) => Cleanup::Incomplete(e),
            },
            Target::Live { snapshot, .. } => match self.dir.discard_since(&self.handle, snapshot) {
                Ok(discarded) => Cleanup::Discarded(discarded),
                Err(e) => Cleanup::Incomplete(e),
            },
            // Nothing of it is worth keeping, and the space is needed.
            Target::New if disk_full => match self.dir.remove_generation(n) {
                Ok(()) => Cleanup::Removed,
                Err(e) => Cleanup::Incomplete(e),
            },
            Target::New => {
                if let Err(e) = generation::mark_failed(&self.dir, n, &source.to_string()) {
                    tracing::warn!(generation = n, error = %e, "cannot mark the generation failed");
                }
                Cleanup::MarkedFailed
            }
        };
        let failed = Failed {
            generation: n,
            disk_full,
            cleanup,
            source,
        };
        tracing::warn!("{failed}");
        failed
    }

    /// Gives a new generation up (`why` is recorded, then its folder goes):
    /// nothing in it is worth resuming.
    pub fn discard(mut self, why: &str) -> Result<(), Error> {
        drop(self.writer.take());
        let n = self.handle.generation;
        // Marked first, so a half-removed folder is never taken for a good one.
        let _ = generation::mark_failed(&self.dir, n, why);
        self.dir.remove_generation(n)
    }
}

/// Whether 1 MiB more can be written (and synced) in `dir`: false with a
/// full disk (or quota).
fn disk_is_full(dir: &std::path::Path) -> bool {
    use std::io::Write;
    let probe = dir.join(".space-probe");
    let result = std::fs::File::create(&probe).and_then(|mut file| {
        file.write_all(&vec![0u8; 1 << 20])?;
        file.sync_all()
    });
    let _ = std::fs::remove_file(&probe);
    result.is_err_and(|e| is_disk_full_io(&e))
}

/// What [`Builder::abandon`] did about what the failed run wrote.
#[derive(Debug)]
pub enum Cleanup {
    /// The first generation, which this run created, was removed: there
    /// is still no index.
    RemovedFirst,
    /// The files this run wrote into the live generation and never
    /// committed were removed; it serves as its last commit left it.
    Discarded(Discarded),
    /// The new generation was removed (the disk is full).
    Removed,
    /// The new generation was marked failed; it is not live.
    MarkedFailed,
    /// Cleaning up failed as well.
    Incomplete(Error),
}

/// A write that failed: what was done about it, and why it failed
/// ([`std::error::Error::source`]).
#[derive(Debug, thiserror::Error)]
#[error("{}{}", if *.disk_full { "disk full: " } else { "" }, self.describe())]
pub struct Failed {
    /// The generation written.
    pub generation: u64,
    /// Whether the disk is full.
    pub disk_full: bool,
    /// What became of what the run wrote.
    pub cleanup: Cleanup,
    /// Why it failed.
    pub source: Cause,
}

impl Failed {
    fn describe(&self) -> String {
        let n = self.generation;
        match &self.cleanup {
            Cleanup::RemovedFirst => {
                format!("generation {n}, created by this run, was removed; there is still no index")
            }
            Cleanup::Discarded(d) => format!(
                "removed the {} files ({} bytes) this run wrote and never committed; \
                 generation {n} serves as its last commit left it",
                d.files, d.bytes
            ),
            Cleanup::Removed => format!(
                "writing generation {n}; generation {n} was removed; the live generation still serves"
            ),
            Cleanup::MarkedFailed => {
                format!("writing generation {n}; it is not live, the live generation still serves")
            }
            Cleanup::Incomplete(e) => format!(
                "writing generation {n}; could not remove what this run wrote: {e}; \
                 the live generation still serves as its last commit left it"
            ),
        }
    }
}

/// A generation written to the end: committed, and marked complete when new.
pub struct Finished {
    dir: DataDir,
    handle: IndexHandle,
    stats: WriteStats,
    documents: u64,
}

impl Finished {
    /// The generation's number.
    pub fn generation(&self) -> u64 {
        self.handle.generation
    }

    /// What the writes did.
    pub fn stats(&self) -> WriteStats {
        self.stats
    }

    /// Documents in the generation.
    pub fn documents(&self) -> u64 {
        self.documents
    }

    /// Checks the new generation against `rules` and the `live` one; one
    /// that fails is marked failed and can no longer be published.
    pub fn validate(self, live: Option<&Searcher>, rules: &Validation) -> Result<Validated, Error> {
        let n = self.handle.generation;
        let new = Searcher::new(self.handle)?;
        let report = validate(&new, live, rules)?;
        if !report.passed() {
            generation::mark_failed(&self.dir, n, &report.problems.join("; "))?;
        }
        Ok(Validated {
            dir: self.dir,
            generation: n,
            report,
        })
    }
}

/// A generation checked by [`Finished::validate`].
pub struct Validated {
    dir: DataDir,
    generation: u64,
    report: ValidationReport,
}

/// What [`Validated::publish`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// The generation now live.
    pub generation: u64,
    /// The one live before (what `rollback` returns to).
    pub previous: Option<u64>,
    /// Old generations removed by retention.
    pub pruned: Vec<u64>,
}

impl Validated {
    /// The generation's number.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The checks and their outcome.
    pub fn report(&self) -> &ValidationReport {
        &self.report
    }

    /// Makes the generation live (the rename of `CURRENT`), then removes
    /// old generations beyond `keep` ([`generation::prune`]). Refuses one
    /// that failed validation.
    pub fn publish(self, keep: usize) -> Result<Published, Error> {
        let n = self.generation;
        if !self.report.passed() {
            return Err(Error::Config {
                path: self.dir.generation_path(n),
                message: format!("generation {n} failed validation: not publishing it"),
            });
        }
        let previous = generation::swap(&self.dir, n)?;
        let pruned = generation::prune(&self.dir, keep)?;
        Ok(Published {
            generation: n,
            previous,
            pruned,
        })
    }
}

/// What a new generation must satisfy before it goes live.
#[derive(Debug, Clone, Default)]
pub struct Validation {
    /// At least this many documents.
    pub min_docs: Option<u64>,
    /// At least this share of the live generation's documents.
    pub min_ratio: Option<f64>,
    /// Queries that must find something in the new generation when they
    /// found something in the live one.
    pub sample_queries: Vec<String>,
}

/// Default sample queries: words every county portal's documents contain.
pub const DEFAULT_SAMPLE_QUERIES: &[&str] = &["政府", "通知", "公告", "工作", "信息公开"];

/// Outcome of a validation.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ValidationReport {
    /// Documents in the new generation.
    pub documents: u64,
    /// Documents in the live generation.
    pub live_documents: Option<u64>,
    /// Every check that failed, in words.
    pub problems: Vec<String>,
    /// Sample queries with their hit counts (old, new).
    pub queries: Vec<(String, u64, u64)>,
}

impl ValidationReport {
    /// Whether every check passed.
    pub fn passed(&self) -> bool {
        self.problems.is_empty()
    }
}

fn hit_count(searcher: &Searcher, query: &str) -> Result<u64, Error> {
    let request = SearchRequest {
        query: query.to_string(),
        limit: 1,
        ..Default::default()
    };
    Ok(searcher.search(&request)?.total)
}

/// Checks a new generation against the rules and the live one.
pub fn validate(
    new: &Searcher,
    live: Option<&Searcher>,
    rules: &Validation,
) -> Result<ValidationReport, Error> {
    let documents = new.num_docs();
    let live_documents = live.map(Searcher::num_docs);
    let mut report = ValidationReport {
        documents,
        live_documents,
        ..Default::default()
    };
    if documents == 0 {
        report
            .problems
            .push("the new generation has no documents".into());
    }
    if let Some(min) = rules.min_docs
        && documents < min
    {
        report.problems.push(format!(
            "{documents} documents, fewer than --min-docs {min}"
        ));
    }
    if let (Some(ratio), Some(old)) = (rules.min_ratio, live_documents)
        && old > 0
        && (documents as f64) < ratio * old as f64
    {
        report.problems.push(format!(
            "{documents} documents, fewer than {:.0}% of the live generation's {old} (--min-ratio {ratio})",
            ratio * 100.0
        ));
    }
    for query in &rules.sample_queries {
        let old_hits = match live {
            Some(live) => hit_count(live, query)?,
            None => 1,
        };
        let new_hits = hit_count(new, query)?;
        report.queries.push((query.clone(), old_hits, new_hits));
        if old_hits > 0 && new_hits == 0 {
            report.problems.push(format!(
                "sample query {query:?} found {old_hits} before and nothing now"
            ));
        }
    }
    Ok(report)
}

/// Documents and generations for this crate's tests.
#[cfg(test)]
pub(crate) mod test_support {
    use super::Builder;
    use crate::{DataDir, Document};

    /// A small valid document.
    pub fn doc(id: &str, title: &str) -> Document {
        Document {
            id: id.into(),
            url: format!("http://example.gov.cn/{id}.html"),
            title: title.into(),
            body: format!("{title}，关于政府信息公开工作的通知。"),
            ..Default::default()
        }
    }

    /// A complete (not live) generation of `docs`; its number.
    pub fn build(dir: &DataDir, source: &str, docs: Vec<Document>) -> u64 {
        let mut builder = Builder::begin(dir, dir.analyzer().unwrap(), source, 1).unwrap();
        builder.replace_all(docs, |_| {}).unwrap();
        builder.finish().unwrap().generation()
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::{build, doc};
    use super::*;
    use crate::generation::{GenerationState, read_meta, resumable};

    #[test]
    fn validation_checks_counts_and_queries() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = DataDir::new(tmp.path());
        let old = build(
            &dir,
            "a",
            (0..10).map(|i| doc(&i.to_string(), "预算公开")).collect(),
        );
        let small = build(
            &dir,
            "b",
            (0..5).map(|i| doc(&i.to_string(), "预算公开")).collect(),
        );
        let analyzer = dir.analyzer().unwrap();
        let old = Searcher::new(dir.open_generation(old, analyzer.clone()).unwrap()).unwrap();
        let small = Searcher::new(dir.open_generation(small, analyzer).unwrap()).unwrap();
        let rules = Validation {
            min_docs: Some(3),
            min_ratio: Some(0.9),
            sample_queries: vec!["预算".into(), "不存在的词语".into()],
        };
        let report = validate(&small, Some(&old), &rules).unwrap();
        assert!(!report.passed());
        assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
        let ok = validate(&old, Some(&old), &rules).unwrap();
        assert!(ok.passed(), "{:?}", ok.problems);
        let strict = Validation {
            min_docs: Some(11),
            ..rules
        };
        assert!(!validate(&old, None, &strict).unwrap().passed());
    }

    #[test]
    fn a_generation_goes_live_only_after_it_passed_validation() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = DataDir::new(tmp.path());
        let rules = Validation {
            min_docs: Some(2),
            ..Default::default()
        };
        let mut builder = Builder::begin(&dir, dir.analyzer().unwrap(), "t", 1).unwrap();
        builder.replace_all(vec![doc("1", "甲")], |_| {}).unwrap();
        let finished = builder.finish().unwrap();
        assert_eq!(finished.documents(), 1);
        let refused = finished.validate(None, &rules).unwrap();
        assert!(!refused.report().passed());
        let n = refused.generation();
        assert!(refused.publish(3).is_err());
        assert_eq!(dir.current_generation().unwrap(), None);
        let meta = read_meta(&dir, n).unwrap().unwrap();
        assert_eq!(meta.state, GenerationState::Failed);

        // The failed one is resumed, and what it held but should not goes.
        assert_eq!(resumable(&dir, "t").unwrap(), Some(n));
        let mut builder = Builder::resume(&dir, dir.analyzer().unwrap(), n, 1).unwrap();
        let mut seen = 0;
        let skipped = builder
            .replace_all(
                vec![doc("2", "乙"), doc("3", "丙"), doc("", "无")],
                |k| seen += k,
            )
            .unwrap();
        assert_eq!((skipped, seen), (1, 3));
        let published = builder
            .finish()
            .unwrap()
            .validate(None, &rules)
            .unwrap()
            .publish(3)
            .unwrap();
        assert_eq!(published.generation, n);
        assert_eq!(published.previous, None);
        assert_eq!(dir.current_generation().unwrap(), Some(n));
        let meta = read_meta(&dir, n).unwrap().unwrap();
        assert_eq!((meta.state, meta.documents), (GenerationState::Complete, 2));
    }

    #[test]
    fn a_failed_write_leaves_the_data_directory_as_it_was() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = DataDir::new(tmp.path());
        // A first live generation that fails is removed again.
        let builder = Builder::live(&dir, dir.analyzer().unwrap(), 1).unwrap();
        let n = builder.generation();
        assert_eq!(dir.current_generation().unwrap(), Some(n));
        let failed = builder.abandon("boom");
        assert!(matches!(failed.cleanup, Cleanup::RemovedFirst), "{failed}");
        assert!(!failed.disk_full);
        assert_eq!(dir.current_generation().unwrap(), None);
        assert!(dir.generations().unwrap().is_empty());

        // Into a live generation: what was never committed goes.
        let mut builder = Builder::live(&dir, dir.analyzer().unwrap(), 1).unwrap();
        let docs = vec![doc("1", "甲").validate().unwrap()];
        builder.writer().unwrap().upsert_all(docs).unwrap();
        let live = builder.finish().unwrap().generation();
        let mut builder = Builder::live(&dir, dir.analyzer().unwrap(), 1).unwrap();
        let docs = vec![doc("2", "乙").validate().unwrap()];
        builder.writer().unwrap().upsert_all(docs).unwrap();
        let failed = builder.abandon("boom");
        assert!(matches!(failed.cleanup, Cleanup::Discarded(_)), "{failed}");
        assert_eq!(dir.current_generation().unwrap(), Some(live));
        let searcher = Searcher::new(dir.open_current(dir.analyzer().unwrap()).unwrap()).unwrap();
        assert_eq!(searcher.num_docs(), 1);

        // A new generation is marked failed; the live one serves.
        let builder = Builder::begin(&dir, dir.analyzer().unwrap(), "t", 1).unwrap();
        let n = builder.generation();
        let failed = builder.abandon("boom");
        assert!(matches!(failed.cleanup, Cleanup::MarkedFailed), "{failed}");
        assert!(
            failed
                .to_string()
                .contains("the live generation still serves")
        );
        let meta = read_meta(&dir, n).unwrap().unwrap();
        assert_eq!(meta.state, GenerationState::Failed);
        assert_eq!(meta.error.as_deref(), Some("boom"));
        assert_eq!(dir.current_generation().unwrap(), Some(live));
    }

    #[test]
    fn a_full_disk_is_recognised_by_its_error_kind_through_the_chain() {
        let full = std::io::Error::from(std::io::ErrorKind::StorageFull);
        let tantivy = Error::Tantivy(tantivy::TantivyError::from(full));
        assert!(tantivy.is_disk_full());
        let tmp = tempfile::tempdir().unwrap();
        let dir = DataDir::new(tmp.path());
        let builder = Builder::begin(&dir, dir.analyzer().unwrap(), "t", 1).unwrap();
        let n = builder.generation();
        let failed = builder.abandon(tantivy);
        assert!(failed.disk_full);
        assert!(matches!(failed.cleanup, Cleanup::Removed));
        assert!(failed.to_string().starts_with("disk full: "), "{failed}");
        assert!(!dir.generation_path(n).exists());
        // Words alone are not a full disk.
        let builder = Builder::begin(&dir, dir.analyzer().unwrap(), "t", 1).unwrap();
        assert!(
            !builder
                .abandon("No space left on device (os error 28)")
                .disk_full
        );
    }
}
