//! `gongkai rebuild`: re-analyse the live generation's stored documents into
//! a new generation (after a change to the dictionary, taxonomy or analyzer)
//! and publish it the way `reindex` does: both drive the index's generation
//! builder ([`gongkai_index::build`]) through [`crate::cli::write`]. No network.

use std::process::ExitCode;

use anyhow::Context;
use gongkai_index::build::Builder;
use gongkai_index::classifier::{
    CLASSIFIER_FILE, Classifier, OWN_MODEL_MIN, Placer, Settings, TrainOptions, default_model,
    train_from_documents,
};
use gongkai_index::document::CategorySource;
use gongkai_index::generation;
use gongkai_index::taxonomy::Taxonomy;
use gongkai_index::{Analyzer, DataDir, Document, Searcher};

use crate::cli::write::{said, validate_and_publish, write_generation};
use crate::cli::{DataArgs, SwapArgs};

/// Arguments of `gongkai rebuild`.
#[derive(Debug, clap::Args)]
pub struct RebuildArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub swap: SwapArgs,
    /// Analysis threads (0 = all cores).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
}

pub fn run(args: RebuildArgs) -> anyhow::Result<ExitCode> {
    let dir = DataDir::new(&args.data.data);
    let rules = args.swap.validation(1.0)?;
    let _lock = crate::cli::lock_data_dir(&dir, "rebuild")?;
    let analyzer = dir
        .analyzer()
        .context("loading the analyzer (user-dict.txt)")?;
    // An older layout is fine here: only its stored documents are read.
    let live = dir.open_current_for_rebuild(analyzer.clone())?;
    let live_number = live.generation;
    let live = Searcher::new(live)?;
    // A rebuild is cheap to redo: an interrupted one is discarded, not resumed.
    while let Some(n) = generation::resumable(&dir, "rebuild")? {
        dir.remove_generation(n)
            .with_context(|| format!("removing unfinished generation {n}"))?;
    }
    let mut docs = Vec::with_capacity(live.num_docs() as usize);
    live.for_each_document(|doc| {
        docs.push(doc);
        Ok(())
    })?;
    let recategorised = reapply_taxonomy(&dir, &mut docs)?;
    // The choice `gongkai index --no-default-model` recorded stays with the data.
    let settings = Settings::for_data_dir(dir.root())?;
    let model = reclassify(&analyzer, &mut docs, settings.default_model)?;
    eprintln!(
        "rebuilding {} documents of generation {live_number} with the current dictionary \
         ({recategorised} re-categorised by the current taxonomy)",
        docs.len()
    );
    let started = std::time::Instant::now();
    let builder = Builder::begin(&dir, analyzer, "rebuild", args.threads).map_err(said)?;
    let finished = write_generation(builder, docs)?;
    if let Some(model) = model {
        let n = finished.generation();
        model.save(&dir.generation_path(n).join(CLASSIFIER_FILE))?;
    }
    let code = validate_and_publish(finished, Some(&live), &rules, &args.swap)?;
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
/// they say or by the portal's structure, and lets it (blended with the
/// shipped default model, see [`Placer`]) decide again for the documents a
/// model had placed or nothing had (a taxonomy that now places more
/// documents teaches it more; a model switched on places what none did). `use_default_model` false (recorded in `DATA/classifier.toml`)
/// leaves the shipped model out. Returns the index's own model (saved with
/// the new generation), `None` when it had too few documents to learn from.
fn reclassify(
    analyzer: &Analyzer,
    docs: &mut [Document],
    use_default_model: bool,
) -> anyhow::Result<Option<Classifier>> {
    let by_model = |d: &Document| {
        d.category_source
            .as_ref()
            .is_some_and(CategorySource::is_model)
            || (d.kind.is_none() && d.category.is_none())
    };
    let count = docs.iter().filter(|d| by_model(d)).count();
    if count == 0 {
        return Ok(None);
    }
    let default = default_model().filter(|_| use_default_model);
    let min = if default.is_some() { OWN_MODEL_MIN } else { 1 };
    let own = train_from_documents(analyzer, docs, &TrainOptions::default())?
        .filter(|m| m.trained_on().iter().sum::<u32>() >= min);
    let placer = Placer::new(own.as_ref(), default);
    if placer.is_empty() {
        let kept = docs
            .iter()
            .filter(|d| {
                d.category_source
                    .as_ref()
                    .is_some_and(CategorySource::is_model)
            })
            .count();
        if kept > 0 {
            eprintln!(
                "warning: no document is placed by its metadata or the portal's structure any more; \
                 {kept} earlier classifications kept"
            );
        }
        return Ok(None);
    }
    let mut changed = 0;
    for doc in docs.iter_mut().filter(|d| by_model(d)) {
        let before = doc.category.clone();
        placer.classify(analyzer, doc);
        changed += usize::from(doc.category != before);
    }
    match &own {
        Some(model) => {
            let learned: u32 = model.trained_on().iter().sum();
            let blend = if default.is_some() {
                format!(
                    "blended with the default model, own share {:.2}",
                    placer.own_weight()
                )
            } else {
                "without the default model (DATA/classifier.toml)".to_string()
            };
            eprintln!(
                "classifier retrained on {learned} documents ({blend}); \
                 {changed} of the {count} it places changed category"
            );
        }
        None => eprintln!(
            "default model placed {count} documents again (fewer than {OWN_MODEL_MIN} placed documents to learn from); \
             {changed} changed category"
        ),
    }
    Ok(own)
}
