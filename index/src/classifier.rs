//! The text classifier for documents whose structure says nothing.
//!
//! It learns from the portal's own documents whose category the structure
//! decided (metadata, column, URL), so it speaks the portal's filing habits,
//! and needs nothing downloaded. Features, each prefixed by where it comes
//! from:
//!
//! * `p:` the whole 发布机构 (portals file by issuing unit), `pw:` its words;
//! * `t:` title words (analyzer's precise stream), `tb:` title character bigrams;
//! * `b:` body words of the first [`BODY_CHARS`] characters, sub-linear in
//!   their count and weighted below the title.
//!
//! The vector is L2-normalised. The model is a multinomial logistic
//! regression (softmax) over 21 classes (the 20 categories and news),
//! trained by plain SGD with a fixed seed, a fixed number of epochs and a
//! fixed visiting order, so the same documents give the same model, bit for
//! bit. Its confidence is the winning class's probability. It is written as
//! JSON next to its generation (`classifier.json`).
//!
//! [`classify_unsettled`] is the step `gongkai index` runs on a generation
//! builder: train on what the index holds, then write the unsettled
//! documents with the model's decision.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::analysis::{Analyzer, TermStream, normalize};
use crate::category::{CATEGORIES, KIND_NEWS};
use crate::taxonomy::SOURCE_CLASSIFIER;
use crate::{Document, Error};
use gongkai_document::Kind;

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

/// Weights of the feature groups (before the vector is L2-normalised).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FeatureWeights {
    /// `t:` title words.
    pub title: f32,
    /// `tb:` title character bigrams.
    pub title_bigram: f32,
    /// `tc:` title character trigrams.
    pub title_trigram: f32,
    /// `p:` the whole publisher.
    pub publisher: f32,
    /// `pw:` publisher words.
    pub publisher_word: f32,
    /// `b:` body words (times `1 + ln count`).
    pub body: f32,
    /// Body characters looked at (the start of a page says what it is).
    pub body_chars: usize,
}

impl Default for FeatureWeights {
    fn default() -> Self {
        FeatureWeights {
            title: 1.0,
            title_bigram: 1.5,
            title_trigram: 0.0,
            publisher: 2.0,
            publisher_word: 0.7,
            body: 0.1,
            body_chars: BODY_CHARS,
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

/// The features of a document's title, body and publisher (default weights).
pub fn features(analyzer: &Analyzer, title: &str, body: &str, publisher: &str) -> FeatureVector {
    features_with(analyzer, title, body, publisher, &FeatureWeights::default())
}

/// The features of a document's title, body and publisher.
pub fn features_with(
    analyzer: &Analyzer,
    title: &str,
    body: &str,
    publisher: &str,
    w: &FeatureWeights,
) -> FeatureVector {
    let mut map: HashMap<String, f32> = HashMap::new();
    let publisher = normalize(publisher.trim());
    if !publisher.is_empty() {
        if w.publisher > 0.0 {
            map.insert(format!("p:{publisher}"), w.publisher);
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
    let norm = map.values().map(|v| v * v).sum::<f32>().sqrt();
    let mut out: FeatureVector = map
        .into_iter()
        .map(|(k, v)| (k, if norm > 0.0 { v / norm } else { v }))
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Features of a document.
pub fn document_features(analyzer: &Analyzer, doc: &Document) -> FeatureVector {
    features(analyzer, &doc.title, &doc.body, &doc.publisher)
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
            let rate = options.learning_rate / (1.0 + epoch as f32 * options.decay);
            for &d in &order {
                let (vector, label) = &data[d];
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
            let keep = 1.0 - rate * options.l2;
            for w in &mut weights {
                *w *= keep;
            }
        }
        // Round so the JSON stays small and reads back to the same model.
        for w in weights.iter_mut().chain(bias.iter_mut()) {
            *w = round4(*w);
        }
        Ok(Classifier {
            version: FORMAT_VERSION,
            classes: (0..CLASSES).map(|c| class_name(c).to_string()).collect(),
            features,
            weights,
            bias,
            trained_on,
            options: options.clone(),
            index,
        })
    }

    /// Number of features kept.
    pub fn feature_count(&self) -> usize {
        self.features.len()
    }

    /// Documents trained on, per class (20 categories, then news).
    pub fn trained_on(&self) -> &[u32] {
        &self.trained_on
    }

    /// Classifies a feature vector.
    pub fn predict_features(&self, vector: &FeatureVector) -> Prediction {
        let indexed: Vec<(u32, f32)> = vector
            .iter()
            .filter_map(|(n, v)| self.index.get(n).map(|&i| (i, *v)))
            .collect();
        let mut scores = [0f32; CLASSES];
        score_into(&self.weights, &self.bias, &indexed, &mut scores);
        softmax(&mut scores);
        let mut best = 0;
        for class in 1..CLASSES {
            if scores[class] > scores[best] {
                best = class;
            }
        }
        Prediction {
            class: best,
            confidence: scores[best],
        }
    }

    /// Classifies a document.
    pub fn predict(&self, analyzer: &Analyzer, doc: &Document) -> Prediction {
        self.predict_features(&document_features(analyzer, doc))
    }

    /// Classifies a document and records the result in it (source `classifier`).
    pub fn classify(&self, analyzer: &Analyzer, doc: &mut Document) -> Prediction {
        let prediction = self.predict(analyzer, doc);
        doc.category = prediction.category().map(str::to_string);
        doc.kind = Some(if doc.category.is_some() {
            Kind::Disclosure
        } else {
            Kind::News
        });
        doc.category_source = Some(SOURCE_CLASSIFIER);
        doc.category_confidence = Some(round4(prediction.confidence));
        prediction
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

/// Whether a document's category was decided by the portal's structure (or
/// given), so the classifier may learn from it.
pub fn is_structural(doc: &Document) -> bool {
    doc.category_source != Some(SOURCE_CLASSIFIER) && doc.kind.is_some() && class_of(doc).is_some()
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Classified {
    /// Documents written.
    pub documents: usize,
    /// Documents the model learned from; `None` when there were none, and
    /// the documents were written without a category.
    pub learned: Option<u32>,
    /// Classifications below [`LOW_CONFIDENCE`].
    pub low_confidence: usize,
}

/// The classifier step of writing documents whose structure said nothing
/// (`gongkai index`): commits what is settled, trains on every structurally
/// settled document in the generation, saves the model beside it, and
/// writes `unsettled` with the classifier's category and confidence. With
/// nothing to learn from they are written without a category. `None` when
/// there is nothing to classify.
pub fn classify_unsettled(
    builder: &mut crate::build::Builder,
    unsettled: Vec<crate::ValidDocument>,
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
    let Some(model) = train_from_index(&searcher, &analyzer, &TrainOptions::default())? else {
        let unsettled = unsettled
            .into_iter()
            .map(|doc| doc.edit(|doc| doc.category = None).map(|(doc, ())| doc))
            .collect::<Result<Vec<_>, _>>()?;
        builder.writer()?.upsert_all(unsettled)?;
        return Ok(Some(Classified {
            documents,
            learned: None,
            low_confidence: 0,
        }));
    };
    model.save(&builder.path().join(CLASSIFIER_FILE))?;
    let mut low_confidence = 0;
    let mut classified = unsettled
        .into_iter()
        .map(|doc| {
            let (doc, prediction) = doc.edit(|doc| model.classify(&analyzer, doc))?;
            if prediction.confidence < LOW_CONFIDENCE {
                low_confidence += 1;
            }
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
        learned: Some(model.trained_on().iter().sum()),
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
}
