//! The category classifier measured, and the shipped default model built.
//!
//! Reads labelled documents (JSON lines, `.gz` allowed: `id, title, body,
//! publisher, category` with `category: null` for plain news; optional
//! `title_hant`/`body_hant`, the 繁體 original). A fixed tenth of them, by a
//! hash of the id (FNV-1a mod 10 == 0), is the **held-out split**: never
//! trained on, never tuned on, and excluded from the shipped model. On the
//! rest: 5-fold cross-validation (sorted by id, fold = position mod 5) of
//! gongkai's softmax regression beside a plain multinomial naive Bayes,
//! what the confidence threshold does, and (`--ablation`) what each feature
//! group adds, and the "labels in the index" case (own model, default
//! model, blends) cross-validated. Then the default model is trained on the
//! rest (simplified text; `GK_HANT=1` adds the 繁體 originals, which cost
//! 2.3 points of CV) and scored on the held-out split alone (no labels in
//! the index, simplified and 繁體 input) and blended with an index's own
//! model trained on the rest.
//!
//! ```text
//! cargo run --release -p gongkai-index --example classifier_cv -- ../shared/portal/docs.jsonl.gz \
//!     [--ablation] [--markdown OUT.md] [--write-default index/data/default-classifier.bin] \
//!     [--corpus ../shared/corpus/tainan-2018-2024.jsonl.gz]
//! ```

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::time::Instant;

use gongkai_index::Analyzer;
use gongkai_index::analysis::TermStream;
use gongkai_index::classifier::{
    CLASSES, Classifier, FeatureInput, FeatureVector, FeatureWeights, MIN_CONFIDENCE, NEWS_CLASS,
    Placer, TrainOptions, class_name, features_of,
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
    #[serde(default)]
    title_hant: Option<String>,
    #[serde(default)]
    body_hant: Option<String>,
}

/// One labelled document: simplified, its 繁體 original (if any), class.
struct Example {
    doc: Document,
    hant: Option<Document>,
    class: usize,
    /// Names of its attachments (`attachments/manifest.jsonl` beside the
    /// documents, as the fixture portal links them).
    attachments: Vec<String>,
}

/// Results of one method.
pub struct Scores {
    pub accuracy: f64,
    pub macro_f1: f64,
    pub per_class: Vec<(String, usize, f64, f64, f64)>,
}

/// FNV-1a of the id: the held-out split is `hash % 10 == 0`.
pub fn held_out(id: &str) -> bool {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h.is_multiple_of(10)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = args.first().ok_or(
        "usage: classifier_cv DOCS.jsonl[.gz] [--ablation] [--markdown OUT.md] [--write-default FILE]",
    )?;
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
    };
    let all = read_docs(path)?;
    let (held, rest): (Vec<Example>, Vec<Example>) =
        all.into_iter().partition(|e| held_out(&e.doc.id));
    // Start to first answer of the shipped model, as `gongkai index` pays it.
    let t = Instant::now();
    let analyzer = Analyzer::new();
    let analyzer_ms = t.elapsed().as_secs_f64() * 1e3;
    // A shipped model of another features version is refused (rebuilding
    // it is what --write-default is for): then there is nothing to time.
    let startup = match gongkai_index::classifier::decode_default_model() {
        Ok(_) => {
            let t = Instant::now();
            let shipped = gongkai_index::classifier::decode_default_model()?;
            let decode_ms = t.elapsed().as_secs_f64() * 1e3;
            let probe = Document {
                title: "关于2024年部门预算公开的说明".into(),
                body: "根据预算法，现将本部门2024年部门预算公开如下。".into(),
                publisher: "样例县财政局".into(),
                ..Default::default()
            };
            let answer = Placer::new(None, Some(&shipped)).predict_features(&vector(
                &analyzer,
                &probe,
                &FeatureWeights::default(),
            ));
            let first_ms = t.elapsed().as_secs_f64() * 1e3;
            format!(
                "Start to first answer of the shipped model: decoded in {decode_ms:.1} ms, first document placed \
                 ({}, {:.2}) {first_ms:.1} ms after the start of decoding; the jieba analyzer every indexing run \
                 loads anyway took {analyzer_ms:.0} ms.\n\n",
                class_name(answer.class),
                answer.confidence
            )
        }
        Err(e) => format!("The shipped model was not timed: {e}.\n\n"),
    };
    let weights = weights_from_env();
    let options = options_from_env();
    let mut report = String::new();
    report.push_str(&cross_validation(&analyzer, &rest, &weights, &options)?);
    report.push_str(&blend_cv(&analyzer, &rest, &weights, &options)?);
    if args.iter().any(|a| a == "--ablation") {
        report.push_str(&ablation(&analyzer, &rest, &options)?);
    }
    let (text, model) = held_out_report(&analyzer, &rest, &held, &weights, &options)?;
    report.push_str(&text);
    report.push_str(&startup);
    println!("{report}");
    if let Some(out) = value("--markdown") {
        std::fs::write(out, &report)?;
        eprintln!("written to {out}");
    }
    if let Some(corpus) = value("--corpus") {
        corpus_report(&analyzer, corpus, &model)?;
    }
    if let Some(out) = value("--write-default") {
        let bytes = model.to_bytes();
        std::fs::write(out, &bytes)?;
        eprintln!("default model written to {out}: {} bytes", bytes.len());
    }
    Ok(())
}

fn read_docs(path: &str) -> Result<Vec<Example>, Box<dyn std::error::Error>> {
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
        let doc = Document {
            id: l.id,
            title: l.title,
            body: l.body,
            publisher: l.publisher.clone(),
            ..Default::default()
        };
        let hant = match (l.title_hant, l.body_hant) {
            (Some(title), Some(body)) => Some(Document {
                id: doc.id.clone(),
                title,
                body,
                publisher: l.publisher,
                ..Default::default()
            }),
            _ => None,
        };
        docs.push(Example {
            doc,
            hant,
            class,
            attachments: Vec::new(),
        });
    }
    // Attachment names, where the fixture has them.
    let manifest = std::path::Path::new(path)
        .parent()
        .unwrap_or(std::path::Path::new("."))
        .join("attachments/manifest.jsonl");
    if let Ok(text) = std::fs::read_to_string(&manifest) {
        let mut names: HashMap<String, Vec<String>> = HashMap::new();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let v: serde_json::Value = serde_json::from_str(line)?;
            if let (Some(id), Some(title)) = (v["id"].as_str(), v["title"].as_str()) {
                names
                    .entry(id.to_string())
                    .or_default()
                    .push(title.to_string());
            }
        }
        for e in &mut docs {
            if let Some(n) = names.remove(&e.doc.id) {
                e.attachments = n;
            }
        }
    }
    docs.sort_by(|a, b| a.doc.id.cmp(&b.doc.id));
    Ok(docs)
}

fn vector(analyzer: &Analyzer, d: &Document, w: &FeatureWeights) -> FeatureVector {
    features_of(
        analyzer,
        &FeatureInput::text(&d.title, &d.body, &d.publisher),
        w,
    )
}

/// The features of a labelled document (simplified text), its attachments' names included.
fn example_vector(analyzer: &Analyzer, e: &Example, w: &FeatureWeights) -> FeatureVector {
    let names: Vec<&str> = e.attachments.iter().map(String::as_str).collect();
    features_of(
        analyzer,
        &FeatureInput {
            attachments: &names,
            ..FeatureInput::text(&e.doc.title, &e.doc.body, &e.doc.publisher)
        },
        w,
    )
}

/// Predictions as (class, confidence).
type Predicted = Vec<(usize, f32)>;

/// Cross-validated predictions of the softmax model, and seconds per fold.
fn cv_predictions(
    vectors: &[FeatureVector],
    labels: &[usize],
    options: &TrainOptions,
) -> Result<(Predicted, f64), Box<dyn std::error::Error>> {
    let mut predicted = vec![(0usize, 0f32); vectors.len()];
    let mut train_secs = 0.0;
    for fold in 0..FOLDS {
        let train: Vec<(FeatureVector, usize)> = (0..vectors.len())
            .filter(|i| i % FOLDS != fold)
            .map(|i| (vectors[i].clone(), labels[i]))
            .collect();
        let t = Instant::now();
        let model = Classifier::train(&train, options)?;
        train_secs += t.elapsed().as_secs_f64();
        for i in (0..vectors.len()).filter(|i| i % FOLDS == fold) {
            let p = model.predict_features(&vectors[i]);
            predicted[i] = (p.class, p.confidence);
        }
    }
    Ok((predicted, train_secs / FOLDS as f64))
}

fn cross_validation(
    analyzer: &Analyzer,
    rest: &[Example],
    weights: &FeatureWeights,
    options: &TrainOptions,
) -> Result<String, Box<dyn std::error::Error>> {
    let labels: Vec<usize> = rest.iter().map(|e| e.class).collect();
    let start = Instant::now();
    let vectors: Vec<FeatureVector> = rest
        .iter()
        .map(|e| example_vector(analyzer, e, weights))
        .collect();
    let featurise_secs = start.elapsed().as_secs_f64();
    let (predicted, train_secs) = cv_predictions(&vectors, &labels, options)?;
    if let Ok(path) = std::env::var("GK_DUMP") {
        // Every CV prediction, for reading the mistakes.
        let mut tsv = String::from("id\tlabel\tpredicted\tconfidence\tpublisher\ttitle\n");
        for ((e, p), l) in rest.iter().zip(&predicted).zip(&labels) {
            tsv.push_str(&format!(
                "{}\t{}\t{}\t{:.3}\t{}\t{}\n",
                e.doc.id,
                class_name(*l),
                class_name(p.0),
                p.1,
                e.doc.publisher,
                e.doc.title.replace(['\t', '\n'], " ")
            ));
        }
        std::fs::write(path, tsv)?;
    }
    let classes: Vec<usize> = predicted.iter().map(|p| p.0).collect();
    let linear = score(&labels, &classes);
    // Baseline in the same run: multinomial NB over jieba words of title + body.
    let words: Vec<Vec<String>> = rest.iter().map(|e| nb_words(analyzer, &e.doc)).collect();
    let mut nb_predicted = vec![0usize; rest.len()];
    for fold in 0..FOLDS {
        let train: Vec<usize> = (0..rest.len()).filter(|i| i % FOLDS != fold).collect();
        let nb = NaiveBayes::train(train.iter().map(|&i| (&words[i], labels[i])));
        for i in (0..rest.len()).filter(|i| i % FOLDS == fold) {
            nb_predicted[i] = nb.predict(&words[i]);
        }
    }
    let nb = score(&labels, &nb_predicted);
    let mut out = String::new();
    out.push_str("# Category classifier\n\n");
    out.push_str(&format!(
        "Labels: the fixture portal's categories, given from each item's issuing unit and title by rules \
         (../shared/README.md), not by a linguist. Held-out split: FNV-1a(id) mod 10 = 0, never trained or tuned on.\n\n\
         ## 5-fold cross-validation on the {} documents outside the held-out split\n\n\
         Text only (title, body, publisher; no column, no URL). Folds: sorted by id, fold = position mod 5.\n\n",
        rest.len()
    ));
    out.push_str("| method | accuracy | macro-F1 |\n| --- | ---: | ---: |\n");
    out.push_str(&format!(
        "| softmax regression (gongkai) | {:.1}% | {:.1}% |\n",
        linear.accuracy * 100.0,
        linear.macro_f1 * 100.0
    ));
    out.push_str(&format!(
        "| baseline: multinomial naive Bayes, jieba words of title + body | {:.1}% | {:.1}% |\n\n",
        nb.accuracy * 100.0,
        nb.macro_f1 * 100.0
    ));
    out.push_str(&per_class_table(&linear, Some(&nb)));
    out.push_str("\nConfidence threshold (CV predictions): below it a document stays 未分类.\n\n");
    out.push_str("| threshold | placed | right among placed | right of all |\n| ---: | ---: | ---: | ---: |\n");
    for t in [0.0f32, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6] {
        let placed: Vec<&(usize, f32)> = predicted.iter().filter(|p| p.1 >= t).collect();
        let right = predicted
            .iter()
            .zip(&labels)
            .filter(|(p, l)| p.1 >= t && p.0 == **l)
            .count();
        out.push_str(&format!(
            "| {t:.2}{} | {:.1}% | {:.1}% | {:.1}% |\n",
            if (t - MIN_CONFIDENCE).abs() < 1e-6 {
                " (MIN_CONFIDENCE)"
            } else {
                ""
            },
            placed.len() as f64 / labels.len() as f64 * 100.0,
            right as f64 / placed.len().max(1) as f64 * 100.0,
            right as f64 / labels.len() as f64 * 100.0
        ));
    }
    out.push_str(&format!(
        "\nSpeed (one core): features {:.0} docs/s; training {:.2} s per fold ({} docs).\n\n",
        rest.len() as f64 / featurise_secs,
        train_secs,
        rest.len() * (FOLDS - 1) / FOLDS,
    ));
    Ok(out)
}

/// Probabilities of every class, per document.
type Probs = Vec<[f32; CLASSES]>;

/// The "labels in the index" case cross-validated: per fold, an own model
/// (simplified text of the other folds) and a default model (the other
/// folds, as the shipped one is trained, in its compact form), and
/// their probabilities for the fold's documents.
fn cv_own_and_default(
    analyzer: &Analyzer,
    rest: &[Example],
    weights: &FeatureWeights,
    options: &TrainOptions,
) -> Result<(Probs, Probs, Probs), Box<dyn std::error::Error>> {
    let hans: Vec<FeatureVector> = rest
        .iter()
        .map(|e| example_vector(analyzer, e, weights))
        .collect();
    let hant: Vec<Option<FeatureVector>> = rest
        .iter()
        .map(|e| e.hant.as_ref().map(|h| vector(analyzer, h, weights)))
        .collect();
    let mut own_p = vec![[0f32; CLASSES]; rest.len()];
    let mut def_p = vec![[0f32; CLASSES]; rest.len()];
    let mut def_hant = vec![[0f32; CLASSES]; rest.len()];
    for fold in 0..FOLDS {
        let mut own_train = Vec::new();
        let mut def_train = Vec::new();
        for i in (0..rest.len()).filter(|i| i % FOLDS != fold) {
            own_train.push((hans[i].clone(), rest[i].class));
            def_train.push((hans[i].clone(), rest[i].class));
            if let (true, Some(h)) = (train_on_hant(), &hant[i]) {
                def_train.push((h.clone(), rest[i].class));
            }
        }
        let own = Classifier::train(&own_train, options)?;
        let default = Classifier::from_bytes(
            &Classifier::train(&def_train, options)?.to_bytes(),
            std::path::Path::new("fold model"),
        )?;
        for i in (0..rest.len()).filter(|i| i % FOLDS == fold) {
            own_p[i] = own.probabilities(&hans[i]);
            def_p[i] = default.probabilities(&hans[i]);
            def_hant[i] = default.probabilities(hant[i].as_ref().unwrap_or(&hans[i]));
        }
    }
    Ok((own_p, def_p, def_hant))
}

/// Right of all (未分类 counting as wrong), placed, right among placed.
fn at_threshold(
    labels: &[usize],
    probs: &Probs,
    threshold: &dyn Fn(usize) -> f32,
) -> (f64, f64, f64) {
    let (mut placed, mut right) = (0usize, 0usize);
    for (p, &l) in probs.iter().zip(labels) {
        let mut best = 0;
        for c in 1..CLASSES {
            if p[c] > p[best] {
                best = c;
            }
        }
        if p[best] >= threshold(best) {
            placed += 1;
            right += usize::from(best == l);
        }
    }
    let n = labels.len().max(1) as f64;
    (
        right as f64 / n,
        placed as f64 / n,
        right as f64 / placed.max(1) as f64,
    )
}

fn blend_cv(
    analyzer: &Analyzer,
    rest: &[Example],
    weights: &FeatureWeights,
    options: &TrainOptions,
) -> Result<String, Box<dyn std::error::Error>> {
    let labels: Vec<usize> = rest.iter().map(|e| e.class).collect();
    let (own, default, default_hant) = cv_own_and_default(analyzer, rest, weights, options)?;
    let mut out = String::from(
        "## Labels in the index, cross-validated: own model, default model, blends\n\n\
         | design | right of all (argmax) | right of all at 0.35 | placed | right among placed |\n\
         | --- | ---: | ---: | ---: | ---: |\n",
    );
    let linear = |w: f32| -> Probs {
        own.iter()
            .zip(&default)
            .map(|(o, d)| {
                let mut p = [0f32; CLASSES];
                for c in 0..CLASSES {
                    p[c] = w * o[c] + (1.0 - w) * d[c];
                }
                p
            })
            .collect()
    };
    let geometric = |w: f32| -> Probs {
        own.iter()
            .zip(&default)
            .map(|(o, d)| {
                let mut p = [0f32; CLASSES];
                let mut sum = 0.0;
                for c in 0..CLASSES {
                    p[c] = (w * o[c].max(1e-9).ln() + (1.0 - w) * d[c].max(1e-9).ln()).exp();
                    sum += p[c];
                }
                for v in &mut p {
                    *v /= sum;
                }
                p
            })
            .collect()
    };
    let mut designs: Vec<(String, Probs)> = vec![
        ("own model alone".into(), own.clone()),
        ("default model alone".into(), default.clone()),
        ("default model alone, 繁體 originals".into(), default_hant),
    ];
    for w in [0.3f32, 0.5, 0.7, 0.9] {
        designs.push((format!("linear blend, own {w:.1}"), linear(w)));
    }
    for w in [0.3f32, 0.5, 0.7] {
        designs.push((format!("log-linear blend, own {w:.1}"), geometric(w)));
    }
    for (name, probs) in &designs {
        let (argmax, ..) = at_threshold(&labels, probs, &|_| 0.0);
        let (all, placed, among) = at_threshold(&labels, probs, &|_| MIN_CONFIDENCE);
        out.push_str(&format!(
            "| {name} | {:.1}% | {:.1}% | {:.1}% | {:.1}% |\n",
            argmax * 100.0,
            all * 100.0,
            placed * 100.0,
            among * 100.0
        ));
    }
    out.push('\n');
    Ok(out)
}

/// CV accuracy with each feature group switched off, and each optional one on.
fn ablation(
    analyzer: &Analyzer,
    rest: &[Example],
    options: &TrainOptions,
) -> Result<String, Box<dyn std::error::Error>> {
    let labels: Vec<usize> = rest.iter().map(|e| e.class).collect();
    let base = FeatureWeights::default();
    let mut variants: Vec<(String, FeatureWeights)> = vec![("all default groups".into(), base)];
    let off = |name: &str, f: fn(&mut FeatureWeights)| {
        let mut w = base;
        f(&mut w);
        (name.to_string(), w)
    };
    variants.push(off("with `p:` whole publisher (2.0)", |w| {
        w.publisher = 2.0
    }));
    variants.push(off("without `pw:` publisher words", |w| {
        w.publisher_word = 0.0
    }));
    variants.push(off("without `t:` title words", |w| w.title = 0.0));
    variants.push(off("without `tb:` title bigrams", |w| w.title_bigram = 0.0));
    variants.push(off("without `b:` body start", |w| w.body = 0.0));
    variants.push(off("without `pu:` issuing unit", |w| {
        w.publisher_unit = 0.0
    }));
    variants.push(off("without `a:` attachment names", |w| w.attachment = 0.0));
    variants.push(off("with `fp:` first paragraph (0.3)", |w| {
        w.first_paragraph = 0.3
    }));
    variants.push(off("with `tc:` title trigrams (0.7)", |w| {
        w.title_trigram = 0.7
    }));
    variants.push(off("body start 500 chars", |w| w.body_chars = 500));
    let with_attachments = rest.iter().filter(|e| !e.attachments.is_empty()).count();
    let with_lines = rest
        .iter()
        .filter(|e| e.doc.body.trim().contains('\n'))
        .count();
    let mut out = format!(
        "## What each feature group adds (5-fold CV, same documents)\n\n\
         The portal's documents carry no 文号 (`dn:` cannot be measured here); {with_attachments} of these \
         {} have an attachment, named in `attachments/manifest.jsonl` (`a:`); {with_lines} have a body of \
         more than one line (`fp:` reads the first line).\n\n| features | accuracy | macro-F1 |\n| --- | ---: | ---: |\n",
        rest.len()
    );
    for (name, w) in variants {
        let vectors: Vec<FeatureVector> = rest
            .iter()
            .map(|e| example_vector(analyzer, e, &w))
            .collect();
        let (predicted, _) = cv_predictions(&vectors, &labels, options)?;
        let classes: Vec<usize> = predicted.iter().map(|p| p.0).collect();
        let s = score(&labels, &classes);
        out.push_str(&format!(
            "| {name} | {:.1}% | {:.1}% |\n",
            s.accuracy * 100.0,
            s.macro_f1 * 100.0
        ));
    }
    out.push('\n');
    Ok(out)
}

fn held_out_report(
    analyzer: &Analyzer,
    rest: &[Example],
    held: &[Example],
    weights: &FeatureWeights,
    options: &TrainOptions,
) -> Result<(String, Classifier), Box<dyn std::error::Error>> {
    // The default model: every document outside the held-out split, in
    // simplified script and in its 繁體 original.
    let mut train: Vec<(FeatureVector, usize)> = Vec::new();
    let mut own_train: Vec<(FeatureVector, usize)> = Vec::new();
    for e in rest {
        let v = example_vector(analyzer, e, weights);
        own_train.push((v.clone(), e.class));
        train.push((v, e.class));
        if let (true, Some(h)) = (train_on_hant(), &e.hant) {
            train.push((vector(analyzer, h, weights), e.class));
        }
    }
    let t = Instant::now();
    let trained = Classifier::train(&train, options)?;
    let train_secs = t.elapsed().as_secs_f64();
    // What ships is the compact form: score that, not the f32 original.
    let bytes = trained.to_bytes();
    let t = Instant::now();
    let model = Classifier::from_bytes(&bytes, std::path::Path::new("default model"))?;
    let decode_ms = t.elapsed().as_secs_f64() * 1e3;
    let own = Classifier::train(&own_train, options)?;
    let labels: Vec<usize> = held.iter().map(|e| e.class).collect();
    let hans: Vec<FeatureVector> = held
        .iter()
        .map(|e| example_vector(analyzer, e, weights))
        .collect();
    let hant: Vec<Option<FeatureVector>> = held
        .iter()
        .map(|e| e.hant.as_ref().map(|h| vector(analyzer, h, weights)))
        .collect();
    let default_only = Placer::new(None, Some(&model));
    let blended = Placer::new(Some(&own), Some(&model));
    let own_only = Placer::new(Some(&own), None);
    let run = |placer: &Placer, vectors: &[FeatureVector]| -> Vec<(usize, f32)> {
        vectors
            .iter()
            .map(|v| {
                let p = placer.predict_features(v);
                (p.class, p.confidence)
            })
            .collect()
    };
    let hant_vectors: Vec<FeatureVector> = hant
        .iter()
        .zip(&hans)
        .map(|(t, s)| t.clone().unwrap_or_else(|| s.clone()))
        .collect();
    // NB baseline on the same split.
    let words: Vec<Vec<String>> = rest.iter().map(|e| nb_words(analyzer, &e.doc)).collect();
    let nb = NaiveBayes::train(words.iter().zip(rest.iter().map(|e| e.class)));
    let nb_predicted: Vec<usize> = held
        .iter()
        .map(|e| nb.predict(&nb_words(analyzer, &e.doc)))
        .collect();
    let nb_scores = score(&labels, &nb_predicted);
    let mut out = format!(
        "## Held-out split: {} documents never trained or tuned on\n\n\
         | model | index labels | right of all (argmax) | **right of all at ≥ {MIN_CONFIDENCE:.2}** | placed | right among placed | macro-F1 |\n\
         | --- | --- | ---: | ---: | ---: | ---: | ---: |\n",
        held.len()
    );
    let line =
        |name: &str, labels_in_index: &str, predicted: &[(usize, f32)]| -> (String, Scores) {
            let classes: Vec<usize> = predicted.iter().map(|p| p.0).collect();
            let s = score(&labels, &classes);
            let placed = predicted.iter().filter(|p| p.1 >= MIN_CONFIDENCE).count();
            let right_placed = predicted
                .iter()
                .zip(&labels)
                .filter(|(p, l)| p.1 >= MIN_CONFIDENCE && p.0 == **l)
                .count();
            (
                format!(
                    "| {name} | {labels_in_index} | {:.1}% | {:.1}% | {:.1}% | {:.1}% | {:.1}% |\n",
                    s.accuracy * 100.0,
                    right_placed as f64 / labels.len().max(1) as f64 * 100.0,
                    placed as f64 / labels.len().max(1) as f64 * 100.0,
                    right_placed as f64 / placed.max(1) as f64 * 100.0,
                    s.macro_f1 * 100.0
                ),
                s,
            )
        };
    let (l1, default_scores) = line(
        "default model (shipped)",
        "none",
        &run(&default_only, &hans),
    );
    out.push_str(&l1);
    out.push_str(
        &line(
            "default model, 繁體 originals",
            "none",
            &run(&default_only, &hant_vectors),
        )
        .0,
    );
    out.push_str(
        &line(
            "index's own model alone",
            "portal's own (the rest)",
            &run(&own_only, &hans),
        )
        .0,
    );
    out.push_str(
        &line(
            &format!(
                "own + default blended (own share {:.2})",
                blended.own_weight()
            ),
            "portal's own (the rest)",
            &run(&blended, &hans),
        )
        .0,
    );
    out.push_str(&format!(
        "| baseline: naive Bayes trained on the rest | — | {:.1}% | — | — | — | {:.1}% |\n\n",
        nb_scores.accuracy * 100.0,
        nb_scores.macro_f1 * 100.0
    ));
    out.push_str("Per category, default model on the held-out split:\n\n");
    out.push_str(&per_class_table(&default_scores, Some(&nb_scores)));
    out.push_str(&format!(
        "\nDefault model: {} features, {} bytes in its compact form ({} kB of JSON), trained on {} documents \
         ({} outside the held-out split{}) in {train_secs:.2} s; decoded in {decode_ms:.1} ms.\n",
        model.feature_count(),
        bytes.len(),
        trained.to_json()?.len() / 1024,
        train.len(),
        rest.len(),
        if train_on_hant() { ", simplified + 繁體 originals" } else { ", simplified text" },
    ));
    Ok((out, model))
}

/// What the default model does to an unlabelled corpus (`--corpus FILE`):
/// documents per category, how many stay 未分类, and the speed.
fn corpus_report(
    analyzer: &Analyzer,
    path: &str,
    model: &Classifier,
) -> Result<(), Box<dyn std::error::Error>> {
    let file = std::fs::File::open(path).map_err(|e| format!("{path}: {e}"))?;
    let reader: Box<dyn Read> = if path.ends_with(".gz") {
        Box::new(flate2::read::MultiGzDecoder::new(file))
    } else {
        Box::new(file)
    };
    let placer = Placer::new(None, Some(model));
    let mut counts = [0usize; CLASSES];
    let (mut n, mut uncertain) = (0usize, 0usize);
    let t = Instant::now();
    for line in BufReader::new(reader).lines() {
        let line = line?;
        let Ok(l) = serde_json::from_str::<Labelled>(&line) else {
            continue;
        };
        let doc = Document {
            title: l.title,
            body: l.body,
            publisher: l.publisher,
            ..Default::default()
        };
        let p = placer.predict_features(&vector(analyzer, &doc, &FeatureWeights::default()));
        n += 1;
        if p.confidence < MIN_CONFIDENCE {
            uncertain += 1;
        } else {
            counts[p.class] += 1;
        }
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "## The default model on {path}\n\n{n} documents, {:.0} docs/s (analysis + prediction); \
         {uncertain} ({:.1}%) left 未分类 below {MIN_CONFIDENCE:.2}.\n",
        n as f64 / secs,
        uncertain as f64 / n.max(1) as f64 * 100.0
    );
    println!("| category | documents |\n| --- | ---: |");
    for (c, k) in counts.iter().enumerate() {
        println!("| {} | {k} |", class_name(c));
    }
    Ok(())
}

fn nb_words(analyzer: &Analyzer, d: &Document) -> Vec<String> {
    analyzer.terms(TermStream::Precise, &format!("{}\n{}", d.title, d.body))
}

fn per_class_table(s: &Scores, nb: Option<&Scores>) -> String {
    let mut out = String::from(
        "| category | docs | precision | recall | F1 | NB F1 |\n| --- | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for row in &s.per_class {
        let nb_f1 = nb
            .and_then(|n| n.per_class.iter().find(|r| r.0 == row.0))
            .map_or(0.0, |r| r.4);
        out.push_str(&format!(
            "| {} | {} | {:.1}% | {:.1}% | {:.1}% | {:.1}% |\n",
            row.0,
            row.1,
            row.2 * 100.0,
            row.3 * 100.0,
            row.4 * 100.0,
            nb_f1 * 100.0
        ));
    }
    out
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

/// Whether the default model also trains on the 繁體 originals
/// (`GK_HANT=1`; off: the features fold 繁→简, so they are near-copies).
fn train_on_hant() -> bool {
    std::env::var("GK_HANT").is_ok_and(|v| v == "1")
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
        ("GK_PU", &mut w.publisher_unit),
        ("GK_FP", &mut w.first_paragraph),
        ("GK_DN", &mut w.doc_number),
        ("GK_A", &mut w.attachment),
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
    if let Some(v) = get("GK_BALANCE") {
        o.balance = v;
    }
    if let Some(v) = get("GK_MAXF") {
        o.max_features = v as usize;
    }
    if let Some(v) = get("GK_MINDF") {
        o.min_df = v as u32;
    }
    o
}
