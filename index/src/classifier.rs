//! The text classifier for documents whose structure says nothing.
//!
//! It learns from the portal's own documents whose category the structure
//! decided (metadata, column, URL), so it speaks the portal's filing habits,
//! and needs nothing downloaded. An index with too few of those leans on the
//! **default model** shipped in the binary ([`default_model`], trained on
//! the fixture portal's labelled documents, rebuilt by the command in
//! [`DEFAULT_MODEL_FILE`]); [`Placer`] blends the two. Features, each
//! prefixed by where it comes from:
//!
//! * `pu:` the 发布机构's issuing unit ([`publisher_unit`]; portals file by
//!   issuing unit), `pw:` its words (`p:`, the whole 发布机构, is off: it
//!   added nothing over these two);
//! * `t:` title words (analyzer's precise stream), `tb:` title character bigrams;
//! * `b:` body words of the first [`BODY_CHARS`] characters, sub-linear in
//!   their count and weighted below the title;
//! * `dn:` the 文号 prefix ([`doc_number_prefix`]), `a:` attachment-name words.
//!
//! The vector is L2-normalised. The model is a multinomial logistic
//! regression (softmax) over 21 classes (the 20 categories and news),
//! trained by plain SGD with a fixed seed, a fixed number of epochs, a
//! fixed visiting order and class-balanced steps, so the same documents
//! give the same model, bit for bit. Its confidence is the winning class's
//! probability; below [`MIN_CONFIDENCE`] the document stays uncategorised.
//! The index's own model is written as JSON next to its generation
//! (`classifier.json`); the default model in a compact binary form
//! ([`Classifier::to_bytes`]).
//!
//! [`classify_unsettled`] is the step `gongkai index` runs on a generation
//! builder: train on what the index holds, then write the unsettled
//! documents with the blended decision.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::analysis::{Analyzer, TermStream, normalize};
use crate::category::{CATEGORIES, KIND_NEWS};
use crate::taxonomy::{SOURCE_CLASSIFIER, SOURCE_DEFAULT_MODEL};
use crate::{Document, Error};
use gongkai_document::{CategorySource, Kind};

/// Body characters looked at (the start of a page says what it is).
pub const BODY_CHARS: usize = 250;
/// Below this confidence a classification is reported for review.
pub const LOW_CONFIDENCE: f32 = 0.5;
/// File name of a generation's classifier.
pub const CLASSIFIER_FILE: &str = "classifier.json";
/// Number of classes: the 20 categories, then news.
pub const CLASSES: usize = CATEGORIES.len() + 1;
/// Class index of plain news.
pub const NEWS_CLASS: usize = CATEGORIES.len();

const FORMAT_VERSION: u32 = 1;
/// First bytes of the binary model.
const BINARY_MAGIC: &[u8] = b"GKCLS\0";
/// Version of the binary layout.
const BINARY_VERSION: u32 = 1;
/// Version of what [`features_of`] produces: a model built with other
/// features is refused (rebuild it, see [`DEFAULT_MODEL_FILE`]).
pub const FEATURES_VERSION: u32 = 3;
/// Below this confidence a model's decision is not recorded: the document
/// stays 未分类 (its confidence is kept, for review). Chosen on the
/// cross-validation folds, never on the held-out split (docs/categories.md).
pub const MIN_CONFIDENCE: f32 = 0.35;
/// Where the shipped default model lives in the source tree (built into
/// the binary). Rebuilt by
/// `cargo run --release -p gongkai-index --example classifier_cv -- ../shared/portal/docs.jsonl.gz --write-default index/data/default-classifier.bin`.
pub const DEFAULT_MODEL_FILE: &str = "index/data/default-classifier.bin";
/// The shipped default model's bytes.
static DEFAULT_MODEL_BYTES: &[u8] = include_bytes!("../data/default-classifier.bin");
/// Placed documents the index's own model needs before it counts as much
/// as the default model (its weight is `n / (n + OWN_MODEL_HALF)`, times
/// the share of the 21 classes it has seen).
pub const OWN_MODEL_HALF: f32 = 500.0;
/// Fewer placed documents than this: the index's own model is not trained,
/// the default model decides alone (without the default model, any number
/// will do).
pub const OWN_MODEL_MIN: u32 = 5;

/// Weights of the feature groups (before the vector is L2-normalised).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FeatureWeights {
    /// `t:` title words.
    pub title: f32,
    /// `tb:` title character bigrams.
    pub title_bigram: f32,
    /// `tc:` title character trigrams.
    pub title_trigram: f32,
    /// `p:` the whole publisher (off by default: nothing over `pu:` and `pw:`).
    pub publisher: f32,
    /// `pw:` publisher words.
    pub publisher_word: f32,
    /// `pu:` the issuing unit: the publisher cut after its first 局/处/所/会/…
    /// (`台南市政府财政税务局秘书室` → `台南市政府财政税务局`).
    pub publisher_unit: f32,
    /// `b:` body words (times `1 + ln count`).
    pub body: f32,
    /// Body characters looked at (the start of a page says what it is).
    pub body_chars: usize,
    /// `fp:` words of the first paragraph (the body's first non-empty line,
    /// at most [`FIRST_PARAGRAPH_CHARS`] characters).
    pub first_paragraph: f32,
    /// `dn:` the 文号 prefix (`国发〔2016〕55号` → `国发`), `dn` its presence.
    pub doc_number: f32,
    /// `a:` words of the attachments' names.
    pub attachment: f32,
}

/// Characters of the first paragraph looked at.
pub const FIRST_PARAGRAPH_CHARS: usize = 120;

impl Default for FeatureWeights {
    fn default() -> Self {
        FeatureWeights {
            title: 1.0,
            title_bigram: 2.0,
            title_trigram: 0.0,
            publisher: 0.0,
            publisher_word: 1.2,
            publisher_unit: 1.0,
            body: 0.1,
            body_chars: BODY_CHARS,
            first_paragraph: 0.0,
            doc_number: 1.0,
            attachment: 0.5,
        }
    }
}

/// Training settings; the defaults are what the benchmarks measured.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrainOptions {
    /// Passes over the training documents.
    pub epochs: usize,
    /// Initial learning rate (decays as `rate / (1 + epoch * decay)`).
    pub learning_rate: f32,
    /// Learning-rate decay per epoch.
    pub decay: f32,
    /// L2 penalty, applied as weight decay once per epoch.
    pub l2: f32,
    /// Features seen in fewer documents are dropped (raised to 1 for tiny sets).
    pub min_df: u32,
    /// Most features kept (most frequent first).
    pub max_features: usize,
    /// Most training documents used (an even spread of them beyond that).
    pub max_documents: usize,
    /// Seed of the visiting order.
    pub seed: u64,
    /// How far to even out the classes: each example's step is scaled by
    /// `(mean class size / its class size) ^ balance` (0 = not at all), so
    /// a large class (plain news) does not swallow the small ones.
    #[serde(default)]
    pub balance: f32,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            epochs: 25,
            learning_rate: 4.0,
            decay: 0.5,
            l2: 1e-4,
            min_df: 2,
            max_features: 40_000,
            max_documents: 30_000,
            seed: 0x9e37_79b9_7f4a_7c15,
            balance: 1.0,
        }
    }
}

/// A document as the classifier sees it: weighted named features.
pub type FeatureVector = Vec<(String, f32)>;

/// The classifier's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// Class index (`< 20` a category, [`NEWS_CLASS`] news).
    pub class: usize,
    /// Probability of that class.
    pub confidence: f32,
}

impl Prediction {
    /// The category, `None` for news.
    pub fn category(&self) -> Option<&'static str> {
        CATEGORIES.get(self.class).copied()
    }
}

/// Class index of a document settled by structure: its category, or news.
pub fn class_of(doc: &Document) -> Option<usize> {
    match doc.category.as_deref() {
        Some(c) => crate::category::category_index(c),
        None if doc.kind == Some(Kind::News) => Some(NEWS_CLASS),
        None => None,
    }
}

/// Name of a class: a category or 新闻.
pub fn class_name(class: usize) -> &'static str {
    CATEGORIES.get(class).copied().unwrap_or(KIND_NEWS)
}

/// What the classifier reads of a document.
#[derive(Debug, Clone, Copy, Default)]
pub struct FeatureInput<'a> {
    /// Title.
    pub title: &'a str,
    /// Body (only its start is read).
    pub body: &'a str,
    /// 发布机构.
    pub publisher: &'a str,
    /// 文号 as published.
    pub doc_number: &'a str,
    /// The attachments' names (link texts).
    pub attachments: &'a [&'a str],
}

impl<'a> FeatureInput<'a> {
    /// Title, body and publisher only.
    pub fn text(title: &'a str, body: &'a str, publisher: &'a str) -> Self {
        FeatureInput {
            title,
            body,
            publisher,
            ..Default::default()
        }
    }
}

/// The features of a document's title, body and publisher (default weights).
pub fn features(analyzer: &Analyzer, title: &str, body: &str, publisher: &str) -> FeatureVector {
    features_of(
        analyzer,
        &FeatureInput::text(title, body, publisher),
        &FeatureWeights::default(),
    )
}

/// The features of a document's title, body and publisher.
pub fn features_with(
    analyzer: &Analyzer,
    title: &str,
    body: &str,
    publisher: &str,
    w: &FeatureWeights,
) -> FeatureVector {
    features_of(analyzer, &FeatureInput::text(title, body, publisher), w)
}

/// The 文号 prefix: what comes before the year bracket or the first digit
/// (`国发〔2016〕55号` → `国发`, `府办字第12号` → `府办字`), normalised.
pub fn doc_number_prefix(doc_number: &str) -> String {
    let text = normalize(doc_number.trim());
    text.chars()
        .take_while(|c| {
            !c.is_ascii_digit() && !matches!(c, '〔' | '[' | '(' | '（' | '【' | '第' | '〈' | '<')
        })
        .filter(|c| !c.is_whitespace())
        .take(8)
        .collect()
}

/// The issuing unit of a publisher: cut after the first 局/处/所/委员会/…
/// that is not the very start (`台南市政府财政税务局秘书室` →
/// `台南市政府财政税务局`). The whole text when there is none.
pub fn publisher_unit(publisher: &str) -> String {
    const ENDS: [&str; 9] = ["委员会", "公所", "中心", "局", "处", "所", "署", "厅", "办"];
    let chars: Vec<char> = publisher.chars().collect();
    for end in 2..=chars.len() {
        let head: String = chars[..end].iter().collect();
        if ENDS.iter().any(|e| head.ends_with(e)) {
            return head;
        }
    }
    publisher.to_string()
}

/// The features of what the classifier reads of a document.
pub fn features_of(
    analyzer: &Analyzer,
    input: &FeatureInput<'_>,
    w: &FeatureWeights,
) -> FeatureVector {
    let mut map: HashMap<String, f32> = HashMap::new();
    let title = input.title;
    let body = input.body;
    let publisher = normalize(input.publisher.trim());
    if !publisher.is_empty() {
        if w.publisher > 0.0 {
            map.insert(format!("p:{publisher}"), w.publisher);
        }
        if w.publisher_unit > 0.0 {
            map.insert(
                format!("pu:{}", publisher_unit(&publisher)),
                w.publisher_unit,
            );
        }
        if w.publisher_word > 0.0 {
            for term in analyzer.terms(TermStream::Precise, &publisher) {
                map.insert(format!("pw:{term}"), w.publisher_word);
            }
        }
    }
    if w.title > 0.0 {
        for term in analyzer.terms(TermStream::Precise, title) {
            if is_feature_term(&term) {
                map.insert(format!("t:{term}"), w.title);
            }
        }
    }
    if w.title_bigram > 0.0 || w.title_trigram > 0.0 {
        let chars: Vec<char> = normalize(title)
            .chars()
            .filter(|c| crate::analysis::is_cjk(*c))
            .collect();
        if w.title_bigram > 0.0 {
            for pair in chars.windows(2) {
                map.insert(format!("tb:{}{}", pair[0], pair[1]), w.title_bigram);
            }
        }
        if w.title_trigram > 0.0 {
            for tri in chars.windows(3) {
                map.insert(
                    format!("tc:{}{}{}", tri[0], tri[1], tri[2]),
                    w.title_trigram,
                );
            }
        }
    }
    if w.body > 0.0 {
        let head: String = body.chars().take(w.body_chars).collect();
        let mut counts: HashMap<String, u32> = HashMap::new();
        for term in analyzer.terms(TermStream::Precise, &head) {
            if is_feature_term(&term) {
                *counts.entry(format!("b:{term}")).or_insert(0) += 1;
            }
        }
        for (term, count) in counts {
            map.insert(term, w.body * (1.0 + (count as f32).ln()));
        }
    }
    if w.first_paragraph > 0.0
        && let Some(line) = body.lines().map(str::trim).find(|l| !l.is_empty())
    {
        let line: String = line.chars().take(FIRST_PARAGRAPH_CHARS).collect();
        for term in analyzer.terms(TermStream::Precise, &line) {
            if is_feature_term(&term) {
                map.insert(format!("fp:{term}"), w.first_paragraph);
            }
        }
    }
    if w.doc_number > 0.0 && !input.doc_number.trim().is_empty() {
        map.insert("dn".to_string(), w.doc_number * 0.5);
        let prefix = doc_number_prefix(input.doc_number);
        if !prefix.is_empty() {
            map.insert(format!("dn:{prefix}"), w.doc_number);
        }
    }
    if w.attachment > 0.0 {
        for name in input.attachments {
            for term in analyzer.terms(TermStream::Precise, name) {
                if is_feature_term(&term) {
                    map.insert(format!("a:{term}"), w.attachment);
                }
            }
        }
    }
    // Sorted before summing: a hash map's order would change the float sum
    // in its last bits from run to run, and with it the model.
    let mut out: FeatureVector = map.into_iter().collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    let norm = out.iter().map(|(_, v)| v * v).sum::<f32>().sqrt();
    if norm > 0.0 {
        for (_, v) in &mut out {
            *v /= norm;
        }
    }
    out
}

/// Features of a document: title, body, publisher, 文号, attachments' names.
pub fn document_features(analyzer: &Analyzer, doc: &Document) -> FeatureVector {
    let attachments: Vec<&str> = doc.attachments.iter().map(|a| a.title.as_str()).collect();
    features_of(
        analyzer,
        &FeatureInput {
            title: &doc.title,
            body: &doc.body,
            publisher: &doc.publisher,
            doc_number: &doc.doc_number,
            attachments: &attachments,
        },
        &FeatureWeights::default(),
    )
}

/// Words worth a feature: not punctuation, not a lone digit run.
fn is_feature_term(term: &str) -> bool {
    term.chars().any(|c| c.is_alphabetic()) || term.chars().count() >= 4
}

/// A trained classifier.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Classifier {
    version: u32,
    /// Class names, in class order (the 20 categories, then 新闻).
    classes: Vec<String>,
    /// Feature names, in weight order.
    features: Vec<String>,
    /// `features.len() × classes` weights, feature-major.
    weights: Vec<f32>,
    /// One bias per class.
    bias: Vec<f32>,
    /// Documents trained on, per class.
    trained_on: Vec<u32>,
    options: TrainOptions,
    #[serde(skip)]
    index: HashMap<String, u32>,
}

impl Classifier {
    /// Trains on labelled feature vectors (`label < CLASSES`). Needs at least
    /// one example; classes without examples are never predicted.
    pub fn train(
        examples: &[(FeatureVector, usize)],
        options: &TrainOptions,
    ) -> Result<Self, Error> {
        let examples: Vec<&(FeatureVector, usize)> =
            examples.iter().filter(|(_, l)| *l < CLASSES).collect();
        if examples.is_empty() {
            return Err(Error::InvalidDocument(
                "no documents with a known category to train the classifier on".into(),
            ));
        }
        // An even spread of at most max_documents.
        let examples: Vec<&(FeatureVector, usize)> =
            if examples.len() > options.max_documents.max(1) {
                let step = examples.len() as f64 / options.max_documents.max(1) as f64;
                (0..options.max_documents.max(1))
                    .map(|i| examples[(i as f64 * step) as usize])
                    .collect()
            } else {
                examples
            };
        // Vocabulary by document frequency.
        let mut df: HashMap<&str, u32> = HashMap::new();
        for (vector, _) in &examples {
            for (name, _) in vector {
                *df.entry(name.as_str()).or_insert(0) += 1;
            }
        }
        let min_df = if examples.len() < 200 {
            1
        } else {
            options.min_df.max(1)
        };
        let mut vocabulary: Vec<(&str, u32)> =
            df.into_iter().filter(|(_, n)| *n >= min_df).collect();
        vocabulary.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        vocabulary.truncate(options.max_features);
        vocabulary.sort_by(|a, b| a.0.cmp(b.0));
        let features: Vec<String> = vocabulary.iter().map(|(n, _)| n.to_string()).collect();
        let index: HashMap<String, u32> = features
            .iter()
            .enumerate()
            .map(|(i, f)| (f.clone(), i as u32))
            .collect();
        let data: Vec<(Vec<(u32, f32)>, usize)> = examples
            .iter()
            .map(|(vector, label)| {
                (
                    vector
                        .iter()
                        .filter_map(|(n, v)| index.get(n).map(|&i| (i, *v)))
                        .collect(),
                    *label,
                )
            })
            .collect();
        let mut trained_on = vec![0u32; CLASSES];
        for (_, label) in &data {
            trained_on[*label] += 1;
        }
        let present: Vec<bool> = trained_on.iter().map(|&n| n > 0).collect();
        let known = present.iter().filter(|&&p| p).count().max(1) as f32;
        let mean = data.len() as f32 / known;
        let class_scale: Vec<f32> = trained_on
            .iter()
            .map(|&n| {
                if n > 0 && options.balance > 0.0 {
                    (mean / n as f32).powf(options.balance)
                } else {
                    1.0
                }
            })
            .collect();
        let mut weights = vec![0f32; features.len() * CLASSES];
        let mut bias = vec![0f32; CLASSES];
        for (class, p) in present.iter().enumerate() {
            if !p {
                bias[class] = -1e4;
            }
        }
        let mut order: Vec<usize> = (0..data.len()).collect();
        let mut rng = options.seed | 1;
        let mut scores = [0f32; CLASSES];
        for epoch in 0..options.epochs {
            // Fisher–Yates with xorshift64: the same order on every machine.
            for i in (1..order.len()).rev() {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                order.swap(i, (rng % (i as u64 + 1)) as usize);
            }
            let epoch_rate = options.learning_rate / (1.0 + epoch as f32 * options.decay);
            for &d in &order {
                let (vector, label) = &data[d];
                let rate = epoch_rate * class_scale[*label];
                score_into(&weights, &bias, vector, &mut scores);
                softmax(&mut scores);
                for (class, s) in scores.iter_mut().enumerate() {
                    *s -= if class == *label { 1.0 } else { 0.0 };
                }
                for &(f, v) in vector {
                    let row = &mut weights[f as usize * CLASSES..(f as usize + 1) * CLASSES];
                    for class in 0..CLASSES {
                        row[class] -= rate * scores[class] * v;
                    }
                }
                for class in 0..CLASSES {
                    if present[class] {
                        bias[class] -= rate * 0.1 * scores[class];
                    }
                }
            }
            let keep = 1.0 - epoch_rate * options.l2;
            for w in &mut weights {
                *w *= keep;
            }
        }
        // Round so the JSON stays small and reads back to the same model.
        for w in weights.iter_mut().chain(bias.iter_mut()) {
            *w = round4(*w);
        }
        Ok(Classifier::assemble(
            features,
            weights,
            bias,
            trained_on,
            options.clone(),
        ))
    }

    /// A model of this format from its parts, with the feature lookup built.
    fn assemble(
        features: Vec<String>,
        weights: Vec<f32>,
        bias: Vec<f32>,
        trained_on: Vec<u32>,
        options: TrainOptions,
    ) -> Classifier {
        let index = features
            .iter()
            .enumerate()
            .map(|(i, f)| (f.clone(), i as u32))
            .collect();
        Classifier {
            version: FORMAT_VERSION,
            classes: (0..CLASSES).map(|c| class_name(c).to_string()).collect(),
            features,
            weights,
            bias,
            trained_on,
            options,
            index,
        }
    }

    /// Number of features kept.
    pub fn feature_count(&self) -> usize {
        self.features.len()
    }

    /// Documents trained on, per class (20 categories, then news).
    pub fn trained_on(&self) -> &[u32] {
        &self.trained_on
    }

    /// Number of classes with training documents.
    pub fn classes_known(&self) -> usize {
        self.trained_on.iter().filter(|&&n| n > 0).count()
    }

    /// The probability of every class (20 categories, then news).
    pub fn probabilities(&self, vector: &FeatureVector) -> [f32; CLASSES] {
        let indexed: Vec<(u32, f32)> = vector
            .iter()
            .filter_map(|(n, v)| self.index.get(n).map(|&i| (i, *v)))
            .collect();
        let mut scores = [0f32; CLASSES];
        score_into(&self.weights, &self.bias, &indexed, &mut scores);
        softmax(&mut scores);
        scores
    }

    /// Classifies a feature vector.
    pub fn predict_features(&self, vector: &FeatureVector) -> Prediction {
        best_of(&self.probabilities(vector))
    }

    /// Classifies a document.
    pub fn predict(&self, analyzer: &Analyzer, doc: &Document) -> Prediction {
        self.predict_features(&document_features(analyzer, doc))
    }

    /// Classifies a document and records the result in it (source
    /// `classifier`; below [`MIN_CONFIDENCE`] it stays uncategorised).
    pub fn classify(&self, analyzer: &Analyzer, doc: &mut Document) -> Prediction {
        record(doc, self.predict(analyzer, doc), SOURCE_CLASSIFIER)
    }

    /// The model in gongkai's compact binary form (what the shipped default
    /// model is stored as): weights quantised to `i8` with one scale per
    /// feature, so a 20,000-feature model takes about half a megabyte.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.features.len() * (CLASSES + 16) + 256);
        out.extend_from_slice(BINARY_MAGIC);
        out.extend_from_slice(&BINARY_VERSION.to_le_bytes());
        out.extend_from_slice(&FEATURES_VERSION.to_le_bytes());
        out.extend_from_slice(&(CLASSES as u32).to_le_bytes());
        out.extend_from_slice(&(self.features.len() as u32).to_le_bytes());
        for b in &self.bias {
            out.extend_from_slice(&b.to_le_bytes());
        }
        for n in &self.trained_on {
            out.extend_from_slice(&n.to_le_bytes());
        }
        for (f, name) in self.features.iter().enumerate() {
            let bytes = name.as_bytes();
            let len = bytes.len().min(u8::MAX as usize);
            out.push(len as u8);
            out.extend_from_slice(&bytes[..len]);
            let row = &self.weights[f * CLASSES..(f + 1) * CLASSES];
            let max = row.iter().fold(0f32, |m, w| m.max(w.abs()));
            let scale = if max > 0.0 { max / 127.0 } else { 0.0 };
            out.extend_from_slice(&scale.to_le_bytes());
            for w in row {
                let q = if scale > 0.0 {
                    (w / scale).round().clamp(-127.0, 127.0) as i8
                } else {
                    0
                };
                out.push(q as u8);
            }
        }
        out
    }

    /// Reads a model written by [`Classifier::to_bytes`]; `what` names it in errors.
    pub fn from_bytes(bytes: &[u8], what: &Path) -> Result<Self, Error> {
        let config = |message: String| Error::Config {
            path: what.to_path_buf(),
            message,
        };
        let mut r = Reader { bytes, at: 0 };
        if r.take(BINARY_MAGIC.len()) != Some(BINARY_MAGIC) {
            return Err(config("not a gongkai classifier".into()));
        }
        let short = || config("classifier file is cut short".into());
        let version = r.u32().ok_or_else(short)?;
        let features_version = r.u32().ok_or_else(short)?;
        if version != BINARY_VERSION || features_version != FEATURES_VERSION {
            return Err(config(format!(
                "classifier format {version}/{features_version} (expected {BINARY_VERSION}/{FEATURES_VERSION}): rebuild it"
            )));
        }
        if r.u32().ok_or_else(short)? != CLASSES as u32 {
            return Err(config(
                "classifier has the wrong shape for the 20 categories and news".into(),
            ));
        }
        let count = r.u32().ok_or_else(short)? as usize;
        if count > bytes.len() {
            return Err(short());
        }
        let mut bias = Vec::with_capacity(CLASSES);
        for _ in 0..CLASSES {
            bias.push(r.f32().ok_or_else(short)?);
        }
        let mut trained_on = Vec::with_capacity(CLASSES);
        for _ in 0..CLASSES {
            trained_on.push(r.u32().ok_or_else(short)?);
        }
        let mut features = Vec::with_capacity(count);
        let mut weights = Vec::with_capacity(count * CLASSES);
        for _ in 0..count {
            let len = r.take(1).ok_or_else(short)?[0] as usize;
            let name = std::str::from_utf8(r.take(len).ok_or_else(short)?)
                .map_err(|_| config("classifier feature name is not UTF-8".into()))?;
            features.push(name.to_string());
            let scale = r.f32().ok_or_else(short)?;
            for &q in r.take(CLASSES).ok_or_else(short)? {
                weights.push(f32::from(q as i8) * scale);
            }
        }
        if r.at != bytes.len() {
            return Err(config("classifier file has trailing bytes".into()));
        }
        Ok(Classifier::assemble(
            features,
            weights,
            bias,
            trained_on,
            TrainOptions::default(),
        ))
    }

    /// JSON text of the model.
    pub fn to_json(&self) -> Result<String, Error> {
        serde_json::to_string(self).map_err(|e| Error::InvalidDocument(format!("classifier: {e}")))
    }

    /// Reads a model from JSON text, checking its shape.
    pub fn from_json(text: &str, path: &Path) -> Result<Self, Error> {
        let config = |message: String| Error::Config {
            path: path.to_path_buf(),
            message,
        };
        let mut model: Classifier =
            serde_json::from_str(text).map_err(|e| config(format!("not a classifier: {e}")))?;
        if model.version != FORMAT_VERSION {
            return Err(config(format!(
                "classifier format {} (expected {FORMAT_VERSION})",
                model.version
            )));
        }
        if model.classes.len() != CLASSES
            || model.bias.len() != CLASSES
            || model.weights.len() != model.features.len() * CLASSES
            || model
                .classes
                .iter()
                .enumerate()
                .any(|(i, c)| c != class_name(i))
        {
            return Err(config(
                "classifier has the wrong shape for the 20 categories and news".into(),
            ));
        }
        model.index = model
            .features
            .iter()
            .enumerate()
            .map(|(i, f)| (f.clone(), i as u32))
            .collect();
        Ok(model)
    }

    /// Writes the model to `path` (via a temporary file and a rename).
    pub fn save(&self, path: &Path) -> Result<(), Error> {
        crate::store::write_atomic(path, self.to_json()?.as_bytes())
    }

    /// Reads a model written by [`Classifier::save`].
    pub fn load(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Self::from_json(&text, path)
    }
}

/// File in the data directory recording how documents nothing else
/// places are classified ([`Settings`]).
pub const SETTINGS_FILE: &str = "classifier.toml";

/// The data directory's classifier choices, `DATA/classifier.toml`:
///
/// ```toml
/// default_model = false   # leave the shipped default model out
/// ```
///
/// Written by `gongkai index --no-default-model` (or `--default-model`),
/// read by every later `index` and `rebuild`, so the choice stays with the
/// data; absent, the defaults apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Whether the shipped default model may place documents.
    #[serde(default = "default_true")]
    pub default_model: bool,
}

fn default_true() -> bool {
    true
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            default_model: true,
        }
    }
}

impl Settings {
    /// `DATA/classifier.toml` when present, else the defaults.
    pub fn for_data_dir(root: &Path) -> Result<Self, Error> {
        let path = root.join(SETTINGS_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text).map_err(|e| Error::Config {
                path,
                message: e.to_string().trim().to_string(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Settings::default()),
            Err(e) => Err(Error::io(&path, e)),
        }
    }

    /// Records the settings in `DATA/classifier.toml`.
    pub fn save(&self, root: &Path) -> Result<(), Error> {
        let text = format!(
            "# How gongkai places documents that metadata, column and URL leave open\n\
             # (written by `gongkai index --no-default-model` / `--default-model`).\n\
             default_model = {}\n",
            self.default_model
        );
        crate::store::write_atomic(&root.join(SETTINGS_FILE), text.as_bytes())
    }
}

/// Whether a document's category was decided by the portal's structure (or
/// given), so the classifier may learn from it.
pub fn is_structural(doc: &Document) -> bool {
    !doc.category_source
        .as_ref()
        .is_some_and(CategorySource::is_model)
        && doc.kind.is_some()
        && class_of(doc).is_some()
}

/// Trains on every structurally settled document of an index (an even
/// spread of at most `options.max_documents`). `Ok(None)` when the index
/// holds none to learn from.
pub fn train_from_index(
    searcher: &crate::Searcher,
    analyzer: &Analyzer,
    options: &TrainOptions,
) -> Result<Option<Classifier>, Error> {
    let mut sampler = Sampler::new(analyzer, searcher.num_docs() as usize, options);
    searcher.for_each_document(|doc| {
        sampler.offer(&doc);
        Ok(())
    })?;
    sampler.train(options)
}

/// What [`classify_unsettled`] did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Classified {
    /// Documents written.
    pub documents: usize,
    /// Documents the index's own model learned from; `None` when it had too
    /// few (fewer than [`OWN_MODEL_MIN`]) and the default model decided alone.
    pub learned: Option<u32>,
    /// Whether any model decided; `false` only if the shipped default model
    /// could not be read and the index had nothing to learn from: the
    /// documents were written without a category.
    pub placed: bool,
    /// The own model's share of the blend (0 = the default model alone).
    pub own_weight: f32,
    /// Left uncategorised: confidence below [`MIN_CONFIDENCE`].
    pub uncertain: usize,
    /// Classifications below [`LOW_CONFIDENCE`] (the uncertain included).
    pub low_confidence: usize,
}

/// Trains the index's own model when it holds at least `min` placed
/// documents (an even spread of at most `options.max_documents`).
pub fn train_own(
    searcher: &crate::Searcher,
    analyzer: &Analyzer,
    options: &TrainOptions,
    min: u32,
) -> Result<Option<Classifier>, Error> {
    Ok(train_from_index(searcher, analyzer, options)?
        .filter(|m| m.trained_on().iter().sum::<u32>() >= min))
}

/// The classifier step of writing documents whose structure said nothing
/// (`gongkai index`): commits what is settled, trains the index's own model
/// on its structurally settled documents when there are enough (saved
/// beside the generation), blends it with the shipped default model
/// ([`Placer`]), and writes `unsettled` with the decision and confidence
/// (source `classifier`, or `default-model` when the default model decided
/// alone). Below [`MIN_CONFIDENCE`] a document stays uncategorised. With
/// `use_default_model` false only the own model decides. `None` when there
/// is nothing to classify.
pub fn classify_unsettled(
    builder: &mut crate::build::Builder,
    unsettled: Vec<crate::ValidDocument>,
    use_default_model: bool,
) -> Result<Option<Classified>, Error> {
    /// Documents written per batch.
    const BATCH: usize = 2_000;
    if unsettled.is_empty() {
        return Ok(None);
    }
    let documents = unsettled.len();
    builder.writer()?.commit()?;
    let handle = builder.handle().clone();
    let analyzer = handle.analyzer.clone();
    let searcher = crate::Searcher::new(handle)?;
    let default = default_model().filter(|_| use_default_model);
    let min = if default.is_some() { OWN_MODEL_MIN } else { 1 };
    let own = train_own(&searcher, &analyzer, &TrainOptions::default(), min)?;
    if let Some(model) = &own {
        model.save(&builder.path().join(CLASSIFIER_FILE))?;
    }
    let placer = Placer::new(own.as_ref(), default_model().filter(|_| use_default_model));
    if placer.is_empty() {
        let unsettled = unsettled
            .into_iter()
            .map(|doc| doc.edit(|doc| doc.category = None).map(|(doc, ())| doc))
            .collect::<Result<Vec<_>, _>>()?;
        builder.writer()?.upsert_all(unsettled)?;
        return Ok(Some(Classified {
            documents,
            learned: None,
            placed: false,
            own_weight: 0.0,
            uncertain: 0,
            low_confidence: 0,
        }));
    }
    let mut low_confidence = 0;
    let mut uncertain = 0;
    let mut classified = unsettled
        .into_iter()
        .map(|doc| {
            let (doc, prediction) = doc.edit(|doc| placer.classify(&analyzer, doc))?;
            low_confidence += usize::from(prediction.confidence < LOW_CONFIDENCE);
            uncertain += usize::from(prediction.confidence < MIN_CONFIDENCE);
            Ok(doc)
        })
        .collect::<Result<Vec<_>, Error>>()?;
    while !classified.is_empty() {
        let rest = classified.split_off(classified.len().min(BATCH));
        builder
            .writer()?
            .upsert_all(std::mem::replace(&mut classified, rest))?;
    }
    Ok(Some(Classified {
        documents,
        learned: own.as_ref().map(|m| m.trained_on().iter().sum()),
        placed: true,
        own_weight: placer.own_weight(),
        uncertain,
        low_confidence,
    }))
}

/// Like [`train_from_index`], from documents in memory (`rebuild`).
pub fn train_from_documents(
    analyzer: &Analyzer,
    docs: &[Document],
    options: &TrainOptions,
) -> Result<Option<Classifier>, Error> {
    let mut sampler = Sampler::new(analyzer, docs.len(), options);
    for doc in docs {
        sampler.offer(doc);
    }
    sampler.train(options)
}

/// Keeps every n-th structural document offered, so that a large index
/// trains in bounded time.
struct Sampler<'a> {
    analyzer: &'a Analyzer,
    stride: usize,
    seen: usize,
    examples: Vec<(FeatureVector, usize)>,
}

impl<'a> Sampler<'a> {
    fn new(analyzer: &'a Analyzer, total: usize, options: &TrainOptions) -> Self {
        Sampler {
            analyzer,
            stride: total.div_ceil(options.max_documents.max(1)).max(1),
            seen: 0,
            examples: Vec::new(),
        }
    }

    fn offer(&mut self, doc: &Document) {
        if !is_structural(doc) {
            return;
        }
        if self.seen.is_multiple_of(self.stride)
            && let Some(class) = class_of(doc)
        {
            self.examples
                .push((document_features(self.analyzer, doc), class));
        }
        self.seen += 1;
    }

    fn train(self, options: &TrainOptions) -> Result<Option<Classifier>, Error> {
        if self.examples.is_empty() {
            return Ok(None);
        }
        Classifier::train(&self.examples, options).map(Some)
    }
}

/// The shipped default model, decoded on first use (`None` if it cannot
/// be read, which a test rules out).
pub fn default_model() -> Option<&'static Classifier> {
    static MODEL: std::sync::OnceLock<Option<Classifier>> = std::sync::OnceLock::new();
    MODEL
        .get_or_init(|| {
            Classifier::from_bytes(DEFAULT_MODEL_BYTES, Path::new(DEFAULT_MODEL_FILE)).ok()
        })
        .as_ref()
}

/// Decodes the shipped default model afresh (for tests and the load-time benchmark).
pub fn decode_default_model() -> Result<Classifier, Error> {
    Classifier::from_bytes(DEFAULT_MODEL_BYTES, Path::new(DEFAULT_MODEL_FILE))
}

/// The class with the highest probability.
fn best_of(probabilities: &[f32; CLASSES]) -> Prediction {
    let mut best = 0;
    for class in 1..CLASSES {
        if probabilities[class] > probabilities[best] {
            best = class;
        }
    }
    Prediction {
        class: best,
        confidence: probabilities[best],
    }
}

/// Records a model's decision in a document: below [`MIN_CONFIDENCE`] it
/// stays uncategorised (no category, no kind), its confidence kept so
/// `gongkai categories` lists it for review. The confidence is rounded to
/// what is stored before it is compared, so the stored value tells which
/// side of the threshold a document is on; returns the prediction with it.
fn record(doc: &mut Document, mut prediction: Prediction, source: CategorySource) -> Prediction {
    prediction.confidence = round4(prediction.confidence);
    if prediction.confidence < MIN_CONFIDENCE {
        doc.category = None;
        doc.kind = None;
    } else {
        doc.category = prediction.category().map(str::to_string);
        doc.kind = Some(if doc.category.is_some() {
            Kind::Disclosure
        } else {
            Kind::News
        });
    }
    doc.category_source = Some(source);
    doc.category_confidence = Some(prediction.confidence);
    prediction
}

/// What places the documents nothing else placed: the index's own model
/// (trained on its placed documents), the shipped default model, or both,
/// their probabilities blended. The own model weighs
/// `n / (n + OWN_MODEL_HALF) × classes seen / 21` for `n` documents learned
/// from, so a small or one-sided index leans on the default model and a
/// large, varied one on its own.
#[derive(Debug, Clone, Copy)]
pub struct Placer<'a> {
    own: Option<&'a Classifier>,
    default: Option<&'a Classifier>,
    own_weight: f32,
}

impl<'a> Placer<'a> {
    /// Blends `own` (if any) with `default` (if any).
    pub fn new(own: Option<&'a Classifier>, default: Option<&'a Classifier>) -> Self {
        let own_weight = match (own, default) {
            (None, _) => 0.0,
            (Some(_), None) => 1.0,
            (Some(own), Some(_)) => {
                let n = own.trained_on().iter().sum::<u32>() as f32;
                n / (n + OWN_MODEL_HALF) * own.classes_known() as f32 / CLASSES as f32
            }
        };
        Placer {
            own,
            default,
            own_weight,
        }
    }

    /// The own model's share of the blend (0 = the default model alone).
    pub fn own_weight(&self) -> f32 {
        self.own_weight
    }

    /// Whether there is any model at all.
    pub fn is_empty(&self) -> bool {
        self.own.is_none() && self.default.is_none()
    }

    /// The `category_source` its decisions carry.
    pub fn source(&self) -> CategorySource {
        if self.own.is_some() {
            SOURCE_CLASSIFIER
        } else {
            SOURCE_DEFAULT_MODEL
        }
    }

    /// The blended probability of every class.
    pub fn probabilities(&self, vector: &FeatureVector) -> [f32; CLASSES] {
        let mut out = [0f32; CLASSES];
        for (model, weight) in [
            (self.own, self.own_weight),
            (self.default, 1.0 - self.own_weight),
        ] {
            if let Some(model) = model
                && weight > 0.0
            {
                for (o, p) in out.iter_mut().zip(model.probabilities(vector)) {
                    *o += weight * p;
                }
            }
        }
        out
    }

    /// Classifies a feature vector.
    pub fn predict_features(&self, vector: &FeatureVector) -> Prediction {
        best_of(&self.probabilities(vector))
    }

    /// Classifies a document and records the result in it; below
    /// [`MIN_CONFIDENCE`] it stays uncategorised.
    pub fn classify(&self, analyzer: &Analyzer, doc: &mut Document) -> Prediction {
        let prediction = self.predict_features(&document_features(analyzer, doc));
        record(doc, prediction, self.source())
    }
}

/// A cursor over the binary model.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.at.checked_add(n)?;
        let out = self.bytes.get(self.at..end)?;
        self.at = end;
        Some(out)
    }

    fn u32(&mut self) -> Option<u32> {
        self.take(4)
            .and_then(|b| b.try_into().ok())
            .map(u32::from_le_bytes)
    }

    fn f32(&mut self) -> Option<f32> {
        self.take(4)
            .and_then(|b| b.try_into().ok())
            .map(f32::from_le_bytes)
    }
}

fn round4(x: f32) -> f32 {
    (x * 10_000.0).round() / 10_000.0
}

fn score_into(weights: &[f32], bias: &[f32], vector: &[(u32, f32)], scores: &mut [f32; CLASSES]) {
    scores.copy_from_slice(&bias[..CLASSES]);
    for &(f, v) in vector {
        let row = &weights[f as usize * CLASSES..(f as usize + 1) * CLASSES];
        for class in 0..CLASSES {
            scores[class] += row[class] * v;
        }
    }
}

fn softmax(scores: &mut [f32; CLASSES]) {
    let max = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for s in scores.iter_mut() {
        *s = (*s - max).exp();
        sum += *s;
    }
    for s in scores.iter_mut() {
        *s /= sum;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(title: &str, body: &str, publisher: &str, category: Option<&str>) -> Document {
        Document {
            title: title.into(),
            body: body.into(),
            publisher: publisher.into(),
            category: category.map(str::to_string),
            kind: Some(if category.is_some() {
                Kind::Disclosure
            } else {
                Kind::News
            }),
            ..Default::default()
        }
    }

    fn corpus() -> Vec<Document> {
        let mut docs = Vec::new();
        for i in 0..12 {
            docs.push(doc(
                &format!("第{i}期空气质量监测报告"),
                "环境监测站公布空气质量与水质",
                "环境保护局",
                Some("环境保护"),
            ));
            docs.push(doc(
                &format!("{i}号道路工程招标公告"),
                "工程招标 投标人资格 开标时间",
                "工务局",
                Some("工程招标"),
            ));
            docs.push(doc(
                &format!("市长出席第{i}场活动"),
                "市长今天出席活动并致词",
                "新闻及国际关系处",
                None,
            ));
        }
        docs
    }

    #[test]
    fn learns_separable_classes_and_is_deterministic() {
        let analyzer = Analyzer::new();
        let docs = corpus();
        let options = TrainOptions::default();
        let a = train_from_documents(&analyzer, &docs, &options)
            .unwrap()
            .expect("a model");
        let b = train_from_documents(&analyzer, &docs, &options)
            .unwrap()
            .expect("a model");
        assert_eq!(a.to_json().unwrap(), b.to_json().unwrap());
        let probe = doc("河川水质监测结果", "水质", "环境保护局", None);
        let p = a.predict(&analyzer, &probe);
        assert_eq!(p.category(), Some("环境保护"));
        assert!(p.confidence > 0.5 && p.confidence <= 1.0);
        let mut news = doc("市长出席活动", "", "新闻及国际关系处", None);
        news.kind = None;
        let p = a.classify(&analyzer, &mut news);
        assert_eq!(p.class, NEWS_CLASS);
        assert_eq!(news.kind, Some(Kind::News));
        assert_eq!(news.category_source, Some(SOURCE_CLASSIFIER));
        assert!(news.category_confidence.is_some());
        // never predicts a class it never saw
        assert!(matches!(
            a.predict(&analyzer, &doc("", "", "", None)).class,
            7 | 16 | NEWS_CLASS
        ));
    }

    #[test]
    fn round_trips_through_json_and_rejects_bad_files() {
        let analyzer = Analyzer::new();
        let model = train_from_documents(&analyzer, &corpus(), &TrainOptions::default())
            .unwrap()
            .expect("a model");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(CLASSIFIER_FILE);
        model.save(&path).unwrap();
        let back = Classifier::load(&path).unwrap();
        let probe = doc("道路工程招标", "", "工务局", None);
        assert_eq!(
            model.predict(&analyzer, &probe),
            back.predict(&analyzer, &probe)
        );
        assert!(Classifier::from_json("{}", &path).is_err());
        assert!(Classifier::from_json("not json", &path).is_err());
        let mut value: serde_json::Value = serde_json::from_str(&model.to_json().unwrap()).unwrap();
        value["bias"] = serde_json::json!([1.0]);
        assert!(Classifier::from_json(&value.to_string(), &path).is_err());
    }

    #[test]
    fn nothing_to_learn_from_gives_no_model() {
        assert!(Classifier::train(&[], &TrainOptions::default()).is_err());
        let analyzer = Analyzer::new();
        let unsettled = vec![Document {
            title: "x".into(),
            ..Default::default()
        }];
        let options = TrainOptions::default();
        assert!(matches!(
            train_from_documents(&analyzer, &unsettled, &options),
            Ok(None)
        ));
        // Nor does it learn from its own earlier decisions.
        let mut placed = corpus();
        for d in &mut placed {
            d.category_source = Some(SOURCE_CLASSIFIER);
        }
        assert!(matches!(
            train_from_documents(&analyzer, &placed, &options),
            Ok(None)
        ));
    }

    #[test]
    fn binary_form_round_trips_and_rejects_damage() {
        let analyzer = Analyzer::new();
        let model = train_from_documents(&analyzer, &corpus(), &TrainOptions::default())
            .unwrap()
            .expect("a model");
        let bytes = model.to_bytes();
        let path = Path::new("test model");
        let back = Classifier::from_bytes(&bytes, path).unwrap();
        assert_eq!(back.feature_count(), model.feature_count());
        assert_eq!(back.trained_on(), model.trained_on());
        for probe in [
            doc("道路工程招标", "", "工务局", None),
            doc("空气质量", "", "环境保护局", None),
            doc("市长出席", "", "新闻及国际关系处", None),
        ] {
            let (a, b) = (
                model.predict(&analyzer, &probe),
                back.predict(&analyzer, &probe),
            );
            assert_eq!(a.class, b.class);
            assert!((a.confidence - b.confidence).abs() < 0.02);
        }
        assert!(Classifier::from_bytes(&bytes[..bytes.len() - 1], path).is_err());
        assert!(Classifier::from_bytes(&[bytes.as_slice(), &[0]].concat(), path).is_err());
        assert!(Classifier::from_bytes(b"GKCLS", path).is_err());
        assert!(Classifier::from_bytes(b"", path).is_err());
        let mut other = bytes.clone();
        other[6] ^= 0xff; // format version
        assert!(Classifier::from_bytes(&other, path).is_err());
    }

    #[test]
    fn the_shipped_default_model_places_documents_alone() {
        let model = decode_default_model().expect("index/data/default-classifier.bin decodes");
        assert!(model.classes_known() >= 20, "trained on every class");
        assert!(default_model().is_some());
        let analyzer = Analyzer::new();
        let placer = Placer::new(None, default_model());
        assert_eq!(placer.own_weight(), 0.0);
        assert_eq!(placer.source(), SOURCE_DEFAULT_MODEL);
        let mut tender = doc(
            "[110B123]安南区排水改善工程公开招标公告",
            "公开招标公告 [机关名称]台南市政府水利局 [标案名称]排水改善工程 [招标方式]公开招标",
            "台南市政府水利局",
            None,
        );
        tender.kind = None;
        let p = placer.classify(&analyzer, &mut tender);
        assert_eq!(p.category(), Some("工程招标"), "{p:?}");
        assert_eq!(tender.category.as_deref(), Some("工程招标"));
        assert_eq!(tender.category_source, Some(SOURCE_DEFAULT_MODEL));
        assert_eq!(tender.kind, Some(Kind::Disclosure));
        // With an own model the source says classifier, and the own model
        // counts for more the more it learned from.
        let own = train_from_documents(&analyzer, &corpus(), &TrainOptions::default())
            .unwrap()
            .expect("a model");
        let blended = Placer::new(Some(&own), default_model());
        assert_eq!(blended.source(), SOURCE_CLASSIFIER);
        assert!(blended.own_weight() > 0.0 && blended.own_weight() < 0.1);
        assert_eq!(Placer::new(Some(&own), None).own_weight(), 1.0);
        assert!(Placer::new(None, None).is_empty());
    }

    #[test]
    fn below_the_threshold_a_document_stays_uncategorised() {
        let mut d = doc("x", "", "", Some("环境保护"));
        let unsure = Prediction {
            class: 7,
            confidence: MIN_CONFIDENCE - 0.01,
        };
        record(&mut d, unsure, SOURCE_DEFAULT_MODEL);
        assert_eq!(d.category, None);
        assert_eq!(d.kind, None);
        assert_eq!(d.category_source, Some(SOURCE_DEFAULT_MODEL));
        assert_eq!(d.category_confidence, Some(round4(MIN_CONFIDENCE - 0.01)));
        assert!(!is_structural(&d));
        let sure = Prediction {
            class: 7,
            confidence: MIN_CONFIDENCE,
        };
        record(&mut d, sure, SOURCE_CLASSIFIER);
        // Just below, but stored as the threshold: placed, as the stored value says.
        let edge = Prediction {
            class: 7,
            confidence: MIN_CONFIDENCE - 0.000_01,
        };
        let mut e = doc("x", "", "", None);
        let p = record(&mut e, edge, SOURCE_CLASSIFIER);
        assert_eq!(p.confidence, e.category_confidence.expect("kept"));
        assert_eq!(e.category.is_some(), p.confidence >= MIN_CONFIDENCE);
        assert_eq!(d.category.as_deref(), Some(CATEGORIES[7]));
        assert_eq!(d.kind, Some(Kind::Disclosure));
        // A model's decision is never learned from, the default model's included.
        d.category_source = Some(SOURCE_DEFAULT_MODEL);
        assert!(!is_structural(&d));
    }

    #[test]
    fn settings_persist_in_the_data_dir_and_reject_unknown_keys() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            Settings::for_data_dir(dir.path()).unwrap(),
            Settings::default()
        );
        assert!(Settings::default().default_model);
        let off = Settings {
            default_model: false,
        };
        off.save(dir.path()).unwrap();
        assert_eq!(Settings::for_data_dir(dir.path()).unwrap(), off);
        std::fs::write(dir.path().join(SETTINGS_FILE), "default_modle = false\n").unwrap();
        let err = Settings::for_data_dir(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains(SETTINGS_FILE) && err.contains("default_modle"),
            "{err}"
        );
    }

    #[test]
    fn doc_number_prefix_and_issuing_unit() {
        assert_eq!(doc_number_prefix("国发〔2016〕55号"), "国发");
        assert_eq!(doc_number_prefix("府办字第12号"), "府办字");
        assert_eq!(doc_number_prefix("样财发[2020]3号"), "样财发");
        assert_eq!(doc_number_prefix(""), "");
        assert_eq!(
            publisher_unit("台南市政府财政税务局秘书室"),
            "台南市政府财政税务局"
        );
        assert_eq!(publisher_unit("台南市佳里区公所"), "台南市佳里区公所");
        assert_eq!(publisher_unit("县政府"), "县政府");
        let analyzer = Analyzer::new();
        let names = ["2024年预算表.xlsx"];
        let v = features_of(
            &analyzer,
            &FeatureInput {
                title: "关于印发通知",
                doc_number: "国发〔2016〕55号",
                attachments: &names,
                ..Default::default()
            },
            &FeatureWeights::default(),
        );
        assert!(v.iter().any(|(n, _)| n == "dn:国发"));
        // Bit for bit the same every time (no hash-map order in the sums).
        let long = "关于印发2024年财政预算执行情况和2025年财政预算草案的报告的通知";
        let first = features(&analyzer, long, long, "台南市政府财政税务局秘书室");
        for _ in 0..20 {
            let again = features(&analyzer, long, long, "台南市政府财政税务局秘书室");
            assert!(
                first
                    .iter()
                    .zip(&again)
                    .all(|(a, b)| a.0 == b.0 && a.1.to_bits() == b.1.to_bits())
            );
        }
        assert!(
            v.iter()
                .any(|(n, _)| n.starts_with("a:") && n.contains("预算"))
        );
    }
}
