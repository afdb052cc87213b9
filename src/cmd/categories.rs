//! `gongkai categories`: how the index's documents were sorted into the 20
//! categories and news, what decided (`category_source`), the share the
//! classifier decided and the least confident classifications (those left
//! 未分类 first), for staff to review.

use std::collections::BTreeMap;
use std::process::ExitCode;

use gongkai_index::Searcher;
use gongkai_index::category::{CATEGORIES, KIND_NEWS, UNCLASSIFIED, category_label};
use gongkai_index::classifier::{LOW_CONFIDENCE, MIN_CONFIDENCE};
use gongkai_index::document::CategorySource;
use gongkai_index::taxonomy::{SOURCE_CLASSIFIER, SOURCE_DEFAULT_MODEL, STRUCTURAL_SOURCES};
use serde::Serialize;

use crate::cli::DataArgs;

/// `category_source` shown for documents without one.
pub const NO_SOURCE: &str = "none";

/// Arguments of `gongkai categories`.
#[derive(Debug, clap::Args)]
pub struct CategoriesArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// How many of the least confident classifications to list.
    #[arg(long, default_value_t = 20)]
    pub review: usize,
    /// Output.
    #[arg(long, value_enum, default_value_t = CategoriesFormat::Table)]
    pub format: CategoriesFormat,
}

/// Output format of `gongkai categories`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CategoriesFormat {
    /// Tables for people.
    Table,
    /// The report as JSON.
    Json,
}

/// One document for review.
#[derive(Debug, Serialize)]
pub struct Review {
    pub id: String,
    pub title: String,
    pub category: String,
    pub confidence: f32,
    pub url: String,
}

/// What `gongkai categories` reports.
#[derive(Debug, Serialize)]
pub struct CategoryReport {
    pub total: u64,
    /// Per category (the 20, 新闻, 未分类), in portal order.
    pub categories: BTreeMap<String, u64>,
    /// Per `category_source` (`none` when nothing decided).
    pub sources: BTreeMap<String, u64>,
    /// Share of documents a model decided (the index's own classifier or
    /// the shipped default model), 0..1.
    pub classifier_share: f64,
    /// Model decisions below the review threshold.
    pub low_confidence: u64,
    /// The threshold.
    pub low_confidence_threshold: f32,
    /// Left 未分类 because the model was less sure than this.
    pub uncertain: u64,
    /// The threshold below which a model's guess is not recorded.
    pub min_confidence: f32,
    /// The least confident model decisions (未分类 ones first: their
    /// `category` is 未分类), least first.
    pub least_confident: Vec<Review>,
}

pub fn run(args: CategoriesArgs) -> anyhow::Result<ExitCode> {
    let searcher = crate::cli::open_searcher(&args.data.data)?;
    let report = report(&searcher, args.review)?;
    match args.format {
        CategoriesFormat::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        CategoriesFormat::Table => print_table(&report),
    }
    Ok(ExitCode::SUCCESS)
}

/// Counts the index's documents by category and source.
pub fn report(searcher: &Searcher, review: usize) -> anyhow::Result<CategoryReport> {
    let mut categories: BTreeMap<String, u64> = BTreeMap::new();
    let mut sources: BTreeMap<String, u64> = BTreeMap::new();
    let mut classified: Vec<Review> = Vec::new();
    let mut low = 0u64;
    let mut uncertain = 0u64;
    let total = searcher.for_each_document(|doc| {
        *categories
            .entry(category_label(&doc).to_string())
            .or_insert(0) += 1;
        let source = doc.category_source.as_deref().unwrap_or(NO_SOURCE);
        *sources.entry(source.to_string()).or_insert(0) += 1;
        if doc
            .category_source
            .as_ref()
            .is_some_and(CategorySource::is_model)
        {
            let confidence = doc.category_confidence.unwrap_or(0.0);
            if confidence < LOW_CONFIDENCE {
                low += 1;
            }
            if confidence < MIN_CONFIDENCE {
                uncertain += 1;
            }
            classified.push(Review {
                category: category_label(&doc).to_string(),
                id: doc.id,
                title: doc.title,
                confidence,
                url: doc.url,
            });
        }
        Ok(())
    })?;
    classified.sort_by(|a, b| {
        a.confidence
            .total_cmp(&b.confidence)
            .then_with(|| a.id.cmp(&b.id))
    });
    let by_classifier = [SOURCE_CLASSIFIER, SOURCE_DEFAULT_MODEL]
        .iter()
        .map(|s| sources.get(s.as_str()).copied().unwrap_or(0))
        .sum::<u64>();
    classified.truncate(review);
    Ok(CategoryReport {
        total,
        categories,
        sources,
        classifier_share: if total > 0 {
            by_classifier as f64 / total as f64
        } else {
            0.0
        },
        low_confidence: low,
        low_confidence_threshold: LOW_CONFIDENCE,
        uncertain,
        min_confidence: MIN_CONFIDENCE,
        least_confident: classified,
    })
}

fn print_table(report: &CategoryReport) {
    println!("{} documents", report.total);
    println!();
    println!("{:<12} {:>8}", "category", "docs");
    for name in CATEGORIES.iter().copied().chain([KIND_NEWS, UNCLASSIFIED]) {
        let n = report.categories.get(name).copied().unwrap_or(0);
        if n > 0 || CATEGORIES.contains(&name) {
            println!("{name:<12} {n:>8}");
        }
    }
    println!();
    println!("{:<12} {:>8}", "decided by", "docs");
    for name in STRUCTURAL_SOURCES
        .iter()
        .map(CategorySource::as_str)
        .chain([
            SOURCE_CLASSIFIER.as_str(),
            SOURCE_DEFAULT_MODEL.as_str(),
            NO_SOURCE,
        ])
    {
        println!(
            "{name:<12} {:>8}",
            report.sources.get(name).copied().unwrap_or(0)
        );
    }
    for (name, n) in &report.sources {
        if !CategorySource::NAMED.iter().any(|s| s.as_str() == name) && name != NO_SOURCE {
            println!("{name:<12} {n:>8}");
        }
    }
    println!();
    println!(
        "a model (classifier or default-model) decided {:.1}% of documents; {} below confidence {:.2}; \
         {} left 未分类 below {:.2}",
        report.classifier_share * 100.0,
        report.low_confidence,
        report.low_confidence_threshold,
        report.uncertain,
        report.min_confidence
    );
    if !report.least_confident.is_empty() {
        println!();
        println!(
            "least confident (review these; fix one with a DATA/taxonomy.toml rule or an explicit \
             category, then `gongkai rebuild` or index again):"
        );
        for r in &report.least_confident {
            println!(
                "{:.3}  {:<8} {}  {}  {}",
                r.confidence, r.category, r.id, r.title, r.url
            );
        }
    }
}
