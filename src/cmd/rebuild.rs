//! `gongkai rebuild`: re-analyse the live generation's stored documents into
//! a new generation (after a change to the dictionary, taxonomy or analyzer)
//! and swap it in the way `reindex` does. No network.
//!
//! Also home of the steps `reindex` shares: writing a new generation,
//! validating it against the live one, swapping and pruning.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use gongkai_index::classifier::{CLASSIFIER_FILE, Classifier, TrainOptions, train_from_documents};
use gongkai_index::document::CategorySource;
use gongkai_index::generation::{self, DEFAULT_SAMPLE_QUERIES, Validation, ValidationReport};
use gongkai_index::taxonomy::{SOURCE_CLASSIFIER, Taxonomy};
use gongkai_index::{Analyzer, DataDir, Document, DocumentWriter, Searcher};
use indicatif::{ProgressBar, ProgressStyle};

/// Documents analysed per batch.
const BATCH: usize = 1_000;

/// Arguments of `gongkai rebuild`.
#[derive(Debug, clap::Args)]
pub struct RebuildArgs {
    #[command(flatten)]
    pub data: super::DataArgs,
    #[command(flatten)]
    pub swap: SwapArgs,
    /// Analysis threads (0 = all cores).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
}

/// Validation and retention options shared by `rebuild` and `reindex`.
#[derive(Debug, Clone, clap::Args)]
pub struct SwapArgs {
    /// The new generation needs at least this many documents.
    #[arg(long)]
    pub min_docs: Option<u64>,
    /// The new generation needs at least this share of the live one's documents.
    #[arg(long)]
    pub min_ratio: Option<f64>,
    /// A query that must still find something (repeatable; default: a few common words).
    #[arg(long = "check-query")]
    pub check_queries: Vec<String>,
    /// Generations to keep (live and previous included).
    #[arg(long, default_value_t = generation::DEFAULT_KEEP)]
    pub keep: usize,
    /// Build and validate, but do not make the new generation live.
    #[arg(long)]
    pub no_swap: bool,
}

impl SwapArgs {
    /// The validation rules, with `default_ratio` when neither count rule is given.
    pub fn validation(&self, default_ratio: f64) -> anyhow::Result<Validation> {
        if let Some(r) = self.min_ratio
            && !(0.0..=10.0).contains(&r)
        {
            anyhow::bail!("--min-ratio {r}: expected a share such as 0.9");
        }
        let min_ratio = match (self.min_docs, self.min_ratio) {
            (None, None) => Some(default_ratio),
            (_, r) => r,
        };
        let sample_queries = if self.check_queries.is_empty() {
            DEFAULT_SAMPLE_QUERIES
                .iter()
                .map(|q| q.to_string())
                .collect()
        } else {
            self.check_queries.clone()
        };
        Ok(Validation {
            min_docs: self.min_docs,
            min_ratio,
            sample_queries,
        })
    }
}

pub fn run(args: RebuildArgs) -> anyhow::Result<ExitCode> {
    let dir = DataDir::new(&args.data.data);
    let rules = args.swap.validation(1.0)?;
    let _lock = super::lock_data_dir(&dir, "rebuild")?;
    let analyzer = dir
        .analyzer()
        .context("loading the analyzer (user-dict.txt)")?;
    // An older layout is fine here: only its stored documents are read.
    let live = dir.open_current_for_rebuild(analyzer.clone())?;
    let live_number = live.generation;
    let live = Searcher::new(live)?;
    // A rebuild is cheap to redo: an interrupted one is discarded, not resumed.
    while let Some(n) = generation::resumable(&dir, "rebuild")? {
        let path = dir.generation_path(n);
        std::fs::remove_dir_all(&path)
            .with_context(|| format!("removing unfinished {}", path.display()))?;
    }
    let mut docs = Vec::with_capacity(live.num_docs() as usize);
    live.for_each_document(|doc| {
        docs.push(doc);
        Ok(())
    })?;
    let recategorised = reapply_taxonomy(&dir, &mut docs)?;
    let model = reclassify(&analyzer, &mut docs)?;
    eprintln!(
        "rebuilding {} documents of generation {live_number} with the current dictionary \
         ({recategorised} re-categorised by the current taxonomy)",
        docs.len()
    );
    let started = std::time::Instant::now();
    let n = write_generation(&dir, analyzer.clone(), "rebuild", None, docs, args.threads)?;
    if let Some(model) = model {
        model.save(&dir.generation_path(n).join(CLASSIFIER_FILE))?;
    }
    let code = validate_and_swap(&dir, n, Some(&live), analyzer, &rules, &args.swap)?;
    eprintln!("rebuild took {:.1}s", started.elapsed().as_secs_f64());
    Ok(code)
}

/// Sorts documents again with the data directory's current taxonomy
/// (`DATA/taxonomy.toml` or the default), so a renamed column or a new
/// alias applies to every stored document. Categories given by the
/// documents themselves (`metadata`) are kept; a document the taxonomy no
/// longer places keeps its earlier decision (the classifier's, say).
/// Returns how many documents changed category or what decided it.
fn reapply_taxonomy(dir: &DataDir, docs: &mut [Document]) -> anyhow::Result<usize> {
    let taxonomy = Taxonomy::for_data_dir(dir.root())?;
    let mut changed = 0;
    for doc in docs.iter_mut() {
        if doc.category_source == Some(CategorySource::Metadata) {
            continue;
        }
        let before = doc.clone();
        // The stored category is the old decision, not a hint from the page.
        doc.category = None;
        if !taxonomy.apply(doc) {
            *doc = before;
            continue;
        }
        if doc.category != before.category
            || doc.kind != before.kind
            || doc.category_source != before.category_source
        {
            changed += 1;
        }
    }
    Ok(changed)
}

/// Retrains the classifier on the documents that are now placed by what
/// they say or by the portal's structure, and lets it decide again for the
/// documents it had placed: a taxonomy that now places more documents
/// teaches it more. Returns the model (saved with the new generation).
fn reclassify(analyzer: &Analyzer, docs: &mut [Document]) -> anyhow::Result<Option<Classifier>> {
    let by_classifier = |d: &Document| d.category_source == Some(SOURCE_CLASSIFIER);
    let count = docs.iter().filter(|d| by_classifier(d)).count();
    if count == 0 {
        return Ok(None);
    }
    let Some(model) = train_from_documents(analyzer, docs, &TrainOptions::default())? else {
        eprintln!(
            "warning: no document is placed by its metadata or the portal's structure any more; \
             {count} earlier classifications kept"
        );
        return Ok(None);
    };
    let mut changed = 0;
    for doc in docs.iter_mut().filter(|d| by_classifier(d)) {
        let before = doc.category.clone();
        model.classify(analyzer, doc);
        changed += usize::from(doc.category != before);
    }
    let learned: u32 = model.trained_on().iter().sum();
    eprintln!(
        "classifier retrained on {learned} documents; {changed} of the {count} it places changed category"
    );
    Ok(Some(model))
}

/// Writes `docs` into generation `resume` (an unfinished one being resumed)
/// or a new generation from `source`, replacing whatever it held, and marks
/// it complete. Returns its number. An error marks it failed.
pub fn write_generation(
    dir: &DataDir,
    analyzer: Arc<Analyzer>,
    source: &str,
    resume: Option<u64>,
    docs: Vec<Document>,
    threads: usize,
) -> anyhow::Result<u64> {
    let handle = match resume {
        Some(n) => dir.open_generation(n, analyzer)?,
        None => generation::create(dir, analyzer, source)?,
    };
    let n = handle.generation;
    let result = (|| -> anyhow::Result<u64> {
        let mut writer = DocumentWriter::open(handle, threads)?;
        // A resumed generation may hold documents of an earlier attempt.
        let keep: std::collections::HashSet<&str> = docs.iter().map(|d| d.id.as_str()).collect();
        let stale: Vec<String> = writer
            .known_ids()
            .filter(|id| !keep.contains(id))
            .map(String::from)
            .collect();
        for id in &stale {
            writer.delete(id);
        }
        let total = docs.len() as u64;
        let bar = progress(total, &format!("writing generation {n}"));
        let mut iter = docs.into_iter().peekable();
        while iter.peek().is_some() {
            let batch: Vec<Document> = iter.by_ref().take(BATCH).collect();
            let len = batch.len() as u64;
            // Every document is checked on its way in, whatever wrote it before.
            let valid = batch
                .into_iter()
                .filter_map(|doc| {
                    let id = doc.id.clone();
                    doc.validate()
                        .inspect_err(|e| tracing::warn!(%id, error = %e, "document skipped"))
                        .ok()
                })
                .collect();
            writer.upsert_all(valid)?;
            bar.inc(len);
        }
        writer.finish().map_err(disk_hint)?;
        bar.finish_and_clear();
        Ok(total)
    })();
    match result {
        Ok(_) => {
            let count = Searcher::new(dir.open_generation(n, dir.analyzer()?)?)?.num_docs();
            generation::mark_complete(dir, n, count)?;
            Ok(n)
        }
        Err(e) if super::is_disk_full(&e) => {
            // Nothing of it is worth keeping, and the space is needed.
            let removed = match dir.remove_generation(n) {
                Ok(()) => format!("generation {n} was removed"),
                Err(r) => format!("generation {n} could not be removed: {r}"),
            };
            Err(super::disk_full_said(e.context(format!(
                "writing generation {n}; {removed}; the live generation still serves"
            ))))
        }
        Err(e) => {
            let _ = generation::mark_failed(dir, n, &e.to_string());
            Err(e.context(format!(
                "writing generation {n}; it is not live, the live generation still serves"
            )))
        }
    }
}

/// Says so when an index error is a full disk.
pub fn disk_hint(e: gongkai_index::Error) -> anyhow::Error {
    super::disk_full_said(anyhow::Error::new(e))
}

/// Validates complete generation `n` against the live one; swaps and prunes
/// when it passes (unless `--no-swap`), marks it failed when it does not.
pub fn validate_and_swap(
    dir: &DataDir,
    n: u64,
    live: Option<&Searcher>,
    analyzer: Arc<Analyzer>,
    rules: &Validation,
    args: &SwapArgs,
) -> anyhow::Result<ExitCode> {
    let new = Searcher::new(dir.open_generation(n, analyzer)?)?;
    let report = generation::validate(&new, live, rules)?;
    print_validation(n, &report);
    if !report.passed() {
        generation::mark_failed(dir, n, &report.problems.join("; "))?;
        eprintln!(
            "generation {n} failed validation and was NOT made live; the live generation keeps serving"
        );
        return Ok(ExitCode::from(2));
    }
    if args.no_swap {
        eprintln!("generation {n} is complete and valid; not made live (--no-swap)");
        return Ok(ExitCode::SUCCESS);
    }
    let old = generation::swap(dir, n)?;
    match old {
        Some(old) => {
            eprintln!("generation {n} is live (was {old}; `gongkai rollback` returns to it)")
        }
        None => eprintln!("generation {n} is live"),
    }
    let removed = generation::prune(dir, args.keep)?;
    if !removed.is_empty() {
        eprintln!(
            "removed old generations: {removed:?} (keeping {})",
            args.keep
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn print_validation(n: u64, report: &ValidationReport) {
    match report.live_documents {
        Some(old) => eprintln!(
            "generation {n}: {} documents (live: {old})",
            report.documents
        ),
        None => eprintln!("generation {n}: {} documents", report.documents),
    }
    for (q, old, new) in &report.queries {
        tracing::info!(query = %q, old, new, "sample query");
    }
    for p in &report.problems {
        eprintln!("  validation: {p}");
    }
}

/// A progress bar on a terminal, hidden otherwise.
pub fn progress(total: u64, message: &str) -> ProgressBar {
    if !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    let style = ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} {per_sec} eta {eta}")
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar.set_message(message.to_string());
    bar
}
