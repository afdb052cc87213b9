//! 5-fold cross-validation of the category classifier on labelled documents
//! (JSON lines, `.gz` allowed: `title, body, publisher, category` with
//! `category: null` for plain news), from text alone (no column, no URL),
//! beside a plain multinomial naive Bayes over jieba words of title and body.
//!
//! ```text
//! cargo run --release -p gongkai-index --example classifier_cv -- ../shared/portal/docs.jsonl.gz [--markdown OUT.md]
//! ```
//!
//! Folds are deterministic: documents sorted by id, fold = position mod 5.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::time::Instant;

use gongkai_index::Analyzer;
use gongkai_index::analysis::TermStream;
use gongkai_index::classifier::{
    CLASSES, Classifier, FeatureVector, FeatureWeights, NEWS_CLASS, TrainOptions, class_name,
    features_with,
};
use gongkai_index::{Document, category};

const FOLDS: usize = 5;

#[derive(serde::Deserialize)]
struct Labelled {
    id: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    publisher: String,
    #[serde(default)]
    category: Option<String>,
}

/// Results of one method over all folds.
pub struct Scores {
    pub accuracy: f64,
    pub macro_f1: f64,
    pub per_class: Vec<(String, usize, f64, f64, f64)>,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = args
        .first()
        .ok_or("usage: classifier_cv DOCS.jsonl[.gz] [--markdown OUT.md]")?;
    let markdown_out = args
        .iter()
        .position(|a| a == "--markdown")
        .and_then(|i| args.get(i + 1));
    let docs = read_docs(path)?;
    let analyzer = Analyzer::new();
    let report = run(&analyzer, &docs)?;
    println!("{report}");
    if let Some(out) = markdown_out {
        std::fs::write(out, &report)?;
        eprintln!("written to {out}");
    }
    Ok(())
}

fn read_docs(path: &str) -> Result<Vec<(Document, usize)>, Box<dyn std::error::Error>> {
    let file = std::fs::File::open(path).map_err(|e| format!("{path}: {e}"))?;
    let reader: Box<dyn Read> = if path.ends_with(".gz") {
        Box::new(flate2::read::MultiGzDecoder::new(file))
    } else {
        Box::new(file)
    };
    let mut docs = Vec::new();
    for (n, line) in BufReader::new(reader).lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let l: Labelled =
            serde_json::from_str(&line).map_err(|e| format!("{path}:{}: {e}", n + 1))?;
        let class = match l.category.as_deref() {
            None => NEWS_CLASS,
            Some(c) => category::category_index(c)
                .ok_or_else(|| format!("{path}:{}: unknown category {c}", n + 1))?,
        };
        docs.push((
            Document {
                id: l.id,
                title: l.title,
                body: l.body,
                publisher: l.publisher,
                ..Default::default()
            },
            class,
        ));
    }
    docs.sort_by(|a, b| a.0.id.cmp(&b.0.id));
    Ok(docs)
}

/// Runs both methods and returns a Markdown report.
pub fn run(
    analyzer: &Analyzer,
    docs: &[(Document, usize)],
) -> Result<String, Box<dyn std::error::Error>> {
    let labels: Vec<usize> = docs.iter().map(|(_, c)| *c).collect();
    // Linear model.
    let start = Instant::now();
    let weights = weights_from_env();
    let vectors: Vec<FeatureVector> = docs
        .iter()
        .map(|(d, _)| features_with(analyzer, &d.title, &d.body, &d.publisher, &weights))
        .collect();
    let featurise_secs = start.elapsed().as_secs_f64();
    let options = options_from_env();
    let mut predicted = vec![0usize; docs.len()];
    let mut train_secs = 0.0;
    let mut predict_secs = 0.0;
    for fold in 0..FOLDS {
        let train: Vec<(FeatureVector, usize)> = (0..docs.len())
            .filter(|i| i % FOLDS != fold)
            .map(|i| (vectors[i].clone(), labels[i]))
            .collect();
        let t = Instant::now();
        let model = Classifier::train(&train, &options)?;
        train_secs += t.elapsed().as_secs_f64();
        let t = Instant::now();
        for i in (0..docs.len()).filter(|i| i % FOLDS == fold) {
            predicted[i] = model.predict_features(&vectors[i]).class;
        }
        predict_secs += t.elapsed().as_secs_f64();
    }
    let linear = score(&labels, &predicted);
    // End-to-end classification speed (analysis included) with one model.
    let all: Vec<(FeatureVector, usize)> = vectors
        .iter()
        .cloned()
        .zip(labels.iter().copied())
        .collect();
    let model = Classifier::train(&all, &options)?;
    let t = Instant::now();
    let mut agree = 0usize;
    for (d, c) in docs {
        let vector = features_with(analyzer, &d.title, &d.body, &d.publisher, &weights);
        if model.predict_features(&vector).class == *c {
            agree += 1;
        }
    }
    let end_to_end = docs.len() as f64 / t.elapsed().as_secs_f64();
    let model_bytes = model.to_json()?.len();

    // Baseline: multinomial NB over jieba words of title + body.
    let words: Vec<Vec<String>> = docs
        .iter()
        .map(|(d, _)| analyzer.terms(TermStream::Precise, &format!("{}\n{}", d.title, d.body)))
        .collect();
    let mut nb_predicted = vec![0usize; docs.len()];
    for fold in 0..FOLDS {
        let train: Vec<usize> = (0..docs.len()).filter(|i| i % FOLDS != fold).collect();
        let nb = NaiveBayes::train(train.iter().map(|&i| (&words[i], labels[i])));
        for i in (0..docs.len()).filter(|i| i % FOLDS == fold) {
            nb_predicted[i] = nb.predict(&words[i]);
        }
    }
    let nb = score(&labels, &nb_predicted);

    let mut out = String::new();
    out.push_str("# Category classifier: 5-fold cross-validation\n\n");
    out.push_str(&format!(
        "{} documents (`../shared/portal/docs.jsonl.gz`), text only: title, body, publisher; no column, no URL.\n\
         Folds: documents sorted by id, fold = position mod 5. Produced by\n\
         `cargo run --release -p gongkai-index --example classifier_cv -- ../shared/portal/docs.jsonl.gz`.\n\n",
        docs.len()
    ));
    out.push_str("| method | accuracy | macro-F1 |\n| --- | ---: | ---: |\n");
    out.push_str(&format!(
        "| softmax regression (gongkai, `p:`/`pw:`/`t:`/`tb:`/`b:` features) | {:.1}% | {:.1}% |\n",
        linear.accuracy * 100.0,
        linear.macro_f1 * 100.0
    ));
    out.push_str(&format!(
        "| baseline: multinomial naive Bayes, jieba words of title + body | {:.1}% | {:.1}% |\n\n",
        nb.accuracy * 100.0,
        nb.macro_f1 * 100.0
    ));
    out.push_str("| category | docs | precision | recall | F1 | NB F1 |\n| --- | ---: | ---: | ---: | ---: | ---: |\n");
    for (row, nb_row) in linear.per_class.iter().zip(&nb.per_class) {
        out.push_str(&format!(
            "| {} | {} | {:.1}% | {:.1}% | {:.1}% | {:.1}% |\n",
            row.0,
            row.1,
            row.2 * 100.0,
            row.3 * 100.0,
            row.4 * 100.0,
            nb_row.4 * 100.0
        ));
    }
    let n = docs.len() as f64;
    out.push_str(&format!(
        "\nSpeed (one core, release): features {:.0} docs/s (jieba analysis of title, publisher, first {} body chars); \
         training {:.2} s per fold ({} docs); prediction from features {:.0} docs/s; \
         end to end (analysis + prediction) {:.0} docs/s. Model: {} features, {} kB of JSON; \
         training-set accuracy {:.1}%.\n",
        n / featurise_secs,
        weights.body_chars,
        train_secs / FOLDS as f64,
        docs.len() * (FOLDS - 1) / FOLDS,
        n / predict_secs.max(1e-9),
        end_to_end,
        model.feature_count(),
        model_bytes / 1024,
        agree as f64 / n * 100.0,
    ));
    Ok(out)
}

fn score(labels: &[usize], predicted: &[usize]) -> Scores {
    let mut tp = [0usize; CLASSES];
    let mut fp = [0usize; CLASSES];
    let mut fneg = [0usize; CLASSES];
    let mut support = [0usize; CLASSES];
    for (&l, &p) in labels.iter().zip(predicted) {
        support[l] += 1;
        if l == p {
            tp[l] += 1;
        } else {
            fp[p] += 1;
            fneg[l] += 1;
        }
    }
    let mut per_class = Vec::new();
    let mut f1_sum = 0.0;
    let mut classes = 0;
    for c in 0..CLASSES {
        if support[c] == 0 {
            continue;
        }
        let precision = if tp[c] + fp[c] > 0 {
            tp[c] as f64 / (tp[c] + fp[c]) as f64
        } else {
            0.0
        };
        let recall = tp[c] as f64 / support[c] as f64;
        let f1 = if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        };
        f1_sum += f1;
        classes += 1;
        per_class.push((class_name(c).to_string(), support[c], precision, recall, f1));
    }
    Scores {
        accuracy: tp.iter().sum::<usize>() as f64 / labels.len().max(1) as f64,
        macro_f1: f1_sum / classes.max(1) as f64,
        per_class,
    }
}

/// Plain multinomial naive Bayes with add-one smoothing.
struct NaiveBayes {
    log_prior: Vec<f64>,
    log_likelihood: HashMap<String, Vec<f64>>,
}

impl NaiveBayes {
    fn train<'a>(examples: impl Iterator<Item = (&'a Vec<String>, usize)>) -> Self {
        let mut class_docs = [0f64; CLASSES];
        let mut class_words = vec![0f64; CLASSES];
        let mut counts: HashMap<String, Vec<f64>> = HashMap::new();
        for (words, c) in examples {
            class_docs[c] += 1.0;
            for w in words {
                counts
                    .entry(w.clone())
                    .or_insert_with(|| vec![0.0; CLASSES])[c] += 1.0;
                class_words[c] += 1.0;
            }
        }
        let total: f64 = class_docs.iter().sum();
        let vocabulary = counts.len() as f64;
        let log_prior = class_docs
            .iter()
            .map(|&n| {
                if n > 0.0 {
                    (n / total).ln()
                } else {
                    f64::NEG_INFINITY
                }
            })
            .collect();
        let log_likelihood = counts
            .into_iter()
            .map(|(w, v)| {
                let row = v
                    .iter()
                    .zip(&class_words)
                    .map(|(&k, &n)| ((k + 1.0) / (n + vocabulary)).ln())
                    .collect();
                (w, row)
            })
            .collect();
        NaiveBayes {
            log_prior,
            log_likelihood,
        }
    }

    fn predict(&self, words: &[String]) -> usize {
        let mut scores = self.log_prior.clone();
        for w in words {
            if let Some(row) = self.log_likelihood.get(w) {
                for (s, l) in scores.iter_mut().zip(row) {
                    *s += l;
                }
            }
        }
        let mut best = 0;
        for c in 1..CLASSES {
            if scores[c] > scores[best] {
                best = c;
            }
        }
        best
    }
}

/// Tuning knobs for experiments (`GK_TITLE=1.5 ...`); unset means the default.
fn weights_from_env() -> FeatureWeights {
    let mut w = FeatureWeights::default();
    if let Some(v) = std::env::var("GK_BODYCHARS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        w.body_chars = v;
    }
    for (name, slot) in [
        ("GK_TITLE", &mut w.title),
        ("GK_TB", &mut w.title_bigram),
        ("GK_TC", &mut w.title_trigram),
        ("GK_P", &mut w.publisher),
        ("GK_PW", &mut w.publisher_word),
        ("GK_B", &mut w.body),
    ] {
        if let Some(v) = std::env::var(name).ok().and_then(|v| v.parse().ok()) {
            *slot = v;
        }
    }
    w
}

fn options_from_env() -> TrainOptions {
    let mut o = TrainOptions::default();
    let get = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<f32>().ok());
    if let Some(v) = get("GK_EPOCHS") {
        o.epochs = v as usize;
    }
    if let Some(v) = get("GK_LR") {
        o.learning_rate = v;
    }
    if let Some(v) = get("GK_DECAY") {
        o.decay = v;
    }
    if let Some(v) = get("GK_L2") {
        o.l2 = v;
    }
    if let Some(v) = get("GK_MINDF") {
        o.min_df = v as u32;
    }
    o
}
