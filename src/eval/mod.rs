//! Retrieval evaluation with trec_eval's semantics.
//!
//! This lives in the binary rather than the index crate because it needs
//! nothing from the index: it reads two text files and does arithmetic, and
//! its only user is `gongkai eval`. It has no dependency on the binary
//! either, so it can move into a library unchanged if another user appears.
//!
//! What trec_eval does, and so what this does:
//! * qrels lines are `qid iter docid rel` (white-space separated; `iter` is
//!   ignored); run lines are `qid Q0 docid rank score tag` (`Q0` and `rank`
//!   are ignored).
//! * A run is ordered by score descending (scores compared as `f32`, as
//!   trec_eval stores them), ties broken by docid in *descending* byte order
//!   (`strcmp(b, a)`); the rank column is ignored.
//! * A document is relevant when its qrels grade is ≥ 1; unjudged documents
//!   are not relevant.
//! * nDCG uses the grade itself as the gain (negative grades count 0) and the
//!   discount `log2(rank + 1)`; the ideal ranking is every judged document of
//!   the query sorted by grade, cut at the same depth. nDCG is 0 when the
//!   query has no relevant document.
//! * MAP divides by the number of relevant documents in the qrels, retrieved
//!   or not; P@k always divides by k; recall@k by the number of relevant
//!   documents (0 when there are none); MRR is trec_eval's `recip_rank`.
//! * Only queries present in both the run and the qrels are scored and
//!   averaged. With `complete` (trec_eval `-c`), queries in the qrels but
//!   missing from the run count as 0 in the mean.
//! * A document twice in one query of a run, or judged twice, is an error.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

/// Relevance judgments: qid → docid → grade.
#[derive(Debug, Default, Clone)]
pub struct Qrels(pub HashMap<String, HashMap<String, i64>>);

/// A run: qid → retrieved documents with scores, in file order.
#[derive(Debug, Default, Clone)]
pub struct Run(pub HashMap<String, Vec<(String, f32)>>);

/// A malformed qrels or run line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ParseError {}

fn data_lines(text: &str) -> impl Iterator<Item = (usize, Vec<&str>)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.split_whitespace().collect::<Vec<_>>()))
        .filter(|(_, f)| !f.is_empty())
}

impl Qrels {
    /// Parses a TREC qrels file.
    pub fn parse(text: &str) -> Result<Qrels, ParseError> {
        let mut qrels = Qrels::default();
        for (line, fields) in data_lines(text) {
            let [qid, _iter, docid, rel] = fields[..] else {
                return Err(ParseError {
                    line,
                    message: format!(
                        "expected `qid iter docid rel`, found {} fields",
                        fields.len()
                    ),
                });
            };
            let rel: i64 = rel.parse().map_err(|_| ParseError {
                line,
                message: format!("relevance {rel:?} is not an integer"),
            })?;
            let judged = qrels.0.entry(qid.to_string()).or_default();
            if judged.insert(docid.to_string(), rel).is_some() {
                return Err(ParseError {
                    line,
                    message: format!("{docid} judged twice for query {qid}"),
                });
            }
        }
        Ok(qrels)
    }
}

impl Run {
    /// Parses a TREC run file.
    pub fn parse(text: &str) -> Result<Run, ParseError> {
        let mut run = Run::default();
        let mut seen: HashSet<(String, String)> = HashSet::new();
        for (line, fields) in data_lines(text) {
            let [qid, _q0, docid, _rank, score, _tag] = fields[..] else {
                return Err(ParseError {
                    line,
                    message: format!(
                        "expected `qid Q0 docid rank score tag`, found {} fields",
                        fields.len()
                    ),
                });
            };
            let score: f64 = score.parse().map_err(|_| ParseError {
                line,
                message: format!("score {score:?} is not a number"),
            })?;
            if !score.is_finite() {
                return Err(ParseError {
                    line,
                    message: format!("score {score} is not finite"),
                });
            }
            if !seen.insert((qid.to_string(), docid.to_string())) {
                return Err(ParseError {
                    line,
                    message: format!("{docid} retrieved twice for query {qid}"),
                });
            }
            run.0
                .entry(qid.to_string())
                .or_default()
                .push((docid.to_string(), score as f32));
        }
        Ok(run)
    }
}

/// One evaluation measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Measure {
    /// nDCG over the whole ranking (`ndcg`) or cut at k (`ndcg@k`).
    Ndcg(Option<usize>),
    /// Mean average precision (`map`).
    Map,
    /// Reciprocal rank of the first relevant document (`mrr`).
    Mrr,
    /// Recall at k (`recall@k`).
    Recall(usize),
    /// Precision at k (`p@k`).
    Precision(usize),
}

impl fmt::Display for Measure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Measure::Ndcg(None) => write!(f, "ndcg"),
            Measure::Ndcg(Some(k)) => write!(f, "ndcg@{k}"),
            Measure::Map => write!(f, "map"),
            Measure::Mrr => write!(f, "mrr"),
            Measure::Recall(k) => write!(f, "recall@{k}"),
            Measure::Precision(k) => write!(f, "p@{k}"),
        }
    }
}

impl std::str::FromStr for Measure {
    type Err = String;

    /// `ndcg@10`, `map`, `mrr`, `recall@100`, `p@10`, also trec_eval's
    /// spellings `ndcg_cut_10`, `ndcg_cut.10`, `recip_rank`, `P_10`, `recall_100`.
    fn from_str(text: &str) -> Result<Self, String> {
        let lower = text.trim().to_ascii_lowercase();
        let split = lower
            .split_once('@')
            .or_else(|| {
                lower
                    .strip_prefix("ndcg_cut")
                    .map(|rest| ("ndcg", rest.trim_start_matches(['_', '.'])))
            })
            .or_else(|| lower.split_once(['_', '.']));
        let cut = |k: &str| -> Result<usize, String> {
            match k.parse::<usize>() {
                Ok(k) if k > 0 => Ok(k),
                _ => Err(format!(
                    "bad cutoff in {text:?} (expected a positive integer)"
                )),
            }
        };
        match (lower.as_str(), split) {
            ("ndcg", _) => Ok(Measure::Ndcg(None)),
            ("map", _) => Ok(Measure::Map),
            ("mrr" | "recip_rank", _) => Ok(Measure::Mrr),
            (_, Some(("ndcg", k))) => Ok(Measure::Ndcg(Some(cut(k)?))),
            (_, Some(("recall", k))) => Ok(Measure::Recall(cut(k)?)),
            (_, Some(("p", k))) => Ok(Measure::Precision(cut(k)?)),
            _ => Err(format!(
                "unknown measure {text:?} (known: ndcg, ndcg@K, map, mrr, recall@K, p@K)"
            )),
        }
    }
}

/// Parses a comma-separated measure list.
pub fn parse_measures(text: &str) -> Result<Vec<Measure>, String> {
    let mut measures = Vec::new();
    for part in text.split(',').filter(|p| !p.trim().is_empty()) {
        let m: Measure = part.parse()?;
        if !measures.contains(&m) {
            measures.push(m);
        }
    }
    if measures.is_empty() {
        return Err("no measures given".into());
    }
    Ok(measures)
}

/// The run of one query in trec_eval order: score descending, then docid
/// descending.
pub fn trec_order(docs: &[(String, f32)]) -> Vec<&str> {
    let mut sorted: Vec<&(String, f32)> = docs.iter().collect();
    sorted.sort_by(|a, b| {
        b.1.total_cmp(&a.1)
            .then_with(|| b.0.as_bytes().cmp(a.0.as_bytes()))
    });
    sorted.into_iter().map(|(d, _)| d.as_str()).collect()
}

/// Scores one query: `ranked` in trec_eval order, `judged` its qrels.
pub fn score_query(ranked: &[&str], judged: &HashMap<String, i64>, measure: Measure) -> f64 {
    let grade = |doc: &str| judged.get(doc).copied().unwrap_or(0);
    let num_rel = judged.values().filter(|&&g| g >= 1).count();
    match measure {
        Measure::Ndcg(cut) => {
            let depth = cut.unwrap_or(usize::MAX);
            let discount = |i: usize| ((i + 2) as f64).log2();
            let dcg: f64 = ranked
                .iter()
                .take(depth)
                .enumerate()
                .map(|(i, d)| grade(d).max(0) as f64 / discount(i))
                .sum();
            let mut ideal: Vec<i64> = judged.values().copied().filter(|&g| g > 0).collect();
            ideal.sort_unstable_by(|a, b| b.cmp(a));
            let idcg: f64 = ideal
                .iter()
                .take(depth)
                .enumerate()
                .map(|(i, &g)| g as f64 / discount(i))
                .sum();
            if idcg > 0.0 { dcg / idcg } else { 0.0 }
        }
        Measure::Map => {
            if num_rel == 0 {
                return 0.0;
            }
            let mut found = 0usize;
            let mut sum = 0.0;
            for (i, d) in ranked.iter().enumerate() {
                if grade(d) >= 1 {
                    found += 1;
                    sum += found as f64 / (i + 1) as f64;
                }
            }
            sum / num_rel as f64
        }
        Measure::Mrr => ranked
            .iter()
            .position(|d| grade(d) >= 1)
            .map_or(0.0, |i| 1.0 / (i + 1) as f64),
        Measure::Recall(k) => {
            if num_rel == 0 {
                return 0.0;
            }
            ranked.iter().take(k).filter(|d| grade(d) >= 1).count() as f64 / num_rel as f64
        }
        Measure::Precision(k) => {
            ranked.iter().take(k).filter(|d| grade(d) >= 1).count() as f64 / k as f64
        }
    }
}

/// Per-query and mean values of each measure.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The measures, in the order asked for.
    pub measures: Vec<Measure>,
    /// qid → one value per measure (same order as `measures`).
    pub per_query: BTreeMap<String, Vec<f64>>,
    /// The mean over the scored queries.
    pub mean: Vec<f64>,
}

/// Evaluates `run` against `qrels`.
pub fn evaluate(qrels: &Qrels, run: &Run, measures: &[Measure], complete: bool) -> Report {
    let mut per_query: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for (qid, judged) in &qrels.0 {
        let values: Vec<f64> = match run.0.get(qid) {
            Some(docs) => {
                let ranked = trec_order(docs);
                measures
                    .iter()
                    .map(|m| score_query(&ranked, judged, *m))
                    .collect()
            }
            None if complete => measures
                .iter()
                .map(|m| score_query(&[], judged, *m))
                .collect(),
            None => continue,
        };
        per_query.insert(qid.clone(), values);
    }
    let n = per_query.len();
    let mean = (0..measures.len())
        .map(|i| {
            if n == 0 {
                0.0
            } else {
                per_query.values().map(|v| v[i]).sum::<f64>() / n as f64
            }
        })
        .collect();
    Report {
        measures: measures.to_vec(),
        per_query,
        mean,
    }
}

/// Orders query ids numerically when both are numbers, else by text.
pub fn qid_order(a: &str, b: &str) -> std::cmp::Ordering {
    match (a.parse::<u64>(), b.parse::<u64>()) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        _ => a.cmp(b),
    }
}

impl Report {
    /// `{"mean": {measure: value}, "per_query": {qid: {measure: value}}, "queries": n}`.
    pub fn to_json(&self) -> serde_json::Value {
        let object = |values: &[f64]| -> serde_json::Value {
            let map: serde_json::Map<String, serde_json::Value> = self
                .measures
                .iter()
                .zip(values)
                .map(|(m, v)| (m.to_string(), serde_json::Value::from(*v)))
                .collect();
            serde_json::Value::Object(map)
        };
        let per_query: serde_json::Map<String, serde_json::Value> = self
            .per_query
            .iter()
            .map(|(q, v)| (q.clone(), object(v)))
            .collect();
        serde_json::json!({"mean": object(&self.mean), "per_query": per_query, "queries": self.per_query.len()})
    }

    /// A plain-text table: one row per query (numeric order), then `mean`.
    pub fn to_table(&self) -> String {
        let mut qids: Vec<&String> = self.per_query.keys().collect();
        qids.sort_by(|a, b| qid_order(a, b));
        let width = qids
            .iter()
            .map(|q| q.chars().count())
            .max()
            .unwrap_or(0)
            .max(4);
        let names: Vec<String> = self.measures.iter().map(Measure::to_string).collect();
        let mut out = format!("{:<width$}", "qid");
        for name in &names {
            out.push_str(&format!("  {:>w$}", name, w = name.len().max(6)));
        }
        out.push('\n');
        let mut row = |label: &str, values: &[f64]| {
            out.push_str(&format!("{label:<width$}"));
            for (name, v) in names.iter().zip(values) {
                out.push_str(&format!("  {:>w$.4}", v, w = name.len().max(6)));
            }
            out.push('\n');
        };
        for qid in qids {
            row(qid, &self.per_query[qid]);
        }
        row("mean", &self.mean);
        out
    }

    /// trec_eval's own layout: `measure<TAB>qid<TAB>value`, `all` for the mean.
    pub fn to_trec(&self) -> String {
        let mut qids: Vec<&String> = self.per_query.keys().collect();
        qids.sort_by(|a, b| qid_order(a, b));
        let mut out = String::new();
        for (i, m) in self.measures.iter().enumerate() {
            for qid in &qids {
                out.push_str(&format!("{m}\t{qid}\t{:.4}\n", self.per_query[*qid][i]));
            }
            out.push_str(&format!("{m}\tall\t{:.4}\n", self.mean[i]));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    // Query 1: judged a=2, b=0, c=1, d=3, e=1 (relevant: a c d e, 4 docs).
    // Run (file order deliberately shuffled; ranks in the file are wrong on purpose):
    //   a 3.0, b 2.0, c 2.0 (tie with b), x 1.0 (unjudged), d 0.5
    // trec_eval order: a(3.0), then the 2.0 tie by docid descending: c, b; then x, d.
    // Ranked grades: [2, 1, 0, 0, 3].
    const QRELS: &str = "1 0 a 2\n1 0 b 0\n1 0 c 1\n1 0 d 3\n1 0 e 1\n2 0 z 1\n3 0 y 1\n";
    const RUN: &str = "1 Q0 x 1 1.0 t\n1 Q0 b 2 2.0 t\n1 Q0 a 3 3.0 t\n1 Q0 d 4 0.5 t\n1 Q0 c 5 2.0 t\n\
                       2 Q0 q 1 9 t\n2 Q0 z 2 8 t\n4 Q0 a 1 1 t\n";

    fn report(measures: &str, complete: bool) -> Report {
        let qrels = Qrels::parse(QRELS).expect("qrels");
        let run = Run::parse(RUN).expect("run");
        evaluate(
            &qrels,
            &run,
            &parse_measures(measures).expect("measures"),
            complete,
        )
    }

    #[test]
    fn ties_are_broken_by_docid_descending() {
        let run = Run::parse(RUN).expect("run");
        assert_eq!(trec_order(&run.0["1"]), vec!["a", "c", "b", "x", "d"]);
    }

    #[test]
    fn hand_computed_query_1() {
        let r = report("p@2,p@10,recall@2,recall@100,mrr,map,ndcg@3,ndcg", false);
        let q1 = &r.per_query["1"];
        // P@2: a, c relevant → 2/2 = 1.0. P@10: 3 relevant retrieved (a, c, d) / 10 = 0.3.
        assert!(close(q1[0], 1.0));
        assert!(close(q1[1], 0.3));
        // recall@2: 2 of 4 = 0.5; recall@100: 3 of 4 = 0.75.
        assert!(close(q1[2], 0.5));
        assert!(close(q1[3], 0.75));
        // MRR: a at rank 1 → 1.
        assert!(close(q1[4], 1.0));
        // AP: relevant at ranks 1, 2, 5 → (1/1 + 2/2 + 3/5) / 4 = 2.6 / 4 = 0.65.
        assert!(close(q1[5], 0.65));
        // nDCG@3: DCG = 2/log2(2) + 1/log2(3) + 0 = 2 + 0.630930 = 2.630930;
        // ideal grades 3,2,1 → 3 + 2/log2(3) + 1/log2(4) = 3 + 1.261860 + 0.5 = 4.761860;
        // 2.630930 / 4.761860 = 0.552500.
        let dcg3 = 2.0 + 1.0 / 3f64.log2();
        let idcg3 = 3.0 + 2.0 / 3f64.log2() + 0.5;
        assert!(close(q1[6], dcg3 / idcg3));
        assert!((q1[6] - 0.5525).abs() < 1e-4);
        // nDCG (full): DCG adds d (3) at rank 5: 3/log2(6) = 1.160558 → 3.791488;
        // ideal 3,2,1,1 → 4.761860 + 1/log2(5) = 4.761860 + 0.430677 = 5.192537;
        // 3.791488 / 5.192537 = 0.730180.
        let dcg = dcg3 + 3.0 / 6f64.log2();
        let idcg = idcg3 + 1.0 / 5f64.log2();
        assert!(close(q1[7], dcg / idcg));
        assert!((q1[7] - 0.7302).abs() < 1e-4);
    }

    #[test]
    fn averaging_follows_trec_eval() {
        // Queries scored: 1 and 2 (3 is judged but not in the run; 4 is not judged).
        let r = report("mrr", false);
        assert_eq!(r.per_query.keys().collect::<Vec<_>>(), vec!["1", "2"]);
        // Query 2: q (9), z (8) → first relevant at rank 2 → 0.5. Mean (1 + 0.5) / 2.
        assert!(close(r.mean[0], 0.75));
        // With -c, query 3 counts as 0: (1 + 0.5 + 0) / 3 = 0.5.
        let r = report("mrr", true);
        assert!(close(r.mean[0], 0.5));
    }

    #[test]
    fn no_relevant_documents_score_zero() {
        let judged: HashMap<String, i64> = [("a".to_string(), 0), ("b".to_string(), -1)].into();
        for m in ["ndcg@10", "map", "mrr", "recall@10", "p@10"] {
            assert_eq!(
                score_query(&["a", "b"], &judged, m.parse().expect("measure")),
                0.0,
                "{m}"
            );
        }
    }

    #[test]
    fn measure_names() {
        let got = parse_measures(
            "ndcg@10,NDCG_CUT_10,ndcg_cut.5,map,recip_rank,P_10,p@10,recall_100,ndcg",
        )
        .expect("ok");
        assert_eq!(
            got,
            vec![
                Measure::Ndcg(Some(10)),
                Measure::Ndcg(Some(5)),
                Measure::Map,
                Measure::Mrr,
                Measure::Precision(10),
                Measure::Recall(100),
                Measure::Ndcg(None)
            ]
        );
        assert!(parse_measures("p@0").is_err());
        assert!(parse_measures("bpref").is_err());
    }

    #[test]
    fn malformed_lines_are_errors_with_numbers() {
        assert_eq!(
            Qrels::parse("1 0 a 1\n\n1 0 b x\n")
                .map(|_| ())
                .unwrap_err()
                .line,
            3
        );
        assert_eq!(
            Qrels::parse("1 0 a 1\n1 0 a 2\n")
                .map(|_| ())
                .unwrap_err()
                .line,
            2
        );
        assert_eq!(
            Run::parse("1 Q0 a 1 1.0\n").map(|_| ()).unwrap_err().line,
            1
        );
        assert_eq!(
            Run::parse("1 Q0 a 1 1 t\n1 Q0 a 2 0 t\n")
                .map(|_| ())
                .unwrap_err()
                .line,
            2
        );
        assert_eq!(
            Run::parse("1 Q0 a 1 NaN t\n").map(|_| ()).unwrap_err().line,
            1
        );
    }

    #[test]
    fn json_shape() {
        let v = report("ndcg@10,mrr", false).to_json();
        assert!(v["mean"]["ndcg@10"].is_number());
        assert!(close(
            v["per_query"]["2"]["mrr"].as_f64().unwrap_or(-1.0),
            0.5
        ));
        assert_eq!(v["queries"], 2);
    }
}
