//! Word-segmentation quality of the precise stream on the SIGHAN 2005 PKU
//! test set (a quality gate, not a timing): the analyzer must stay at
//! jieba's level (F1 ≈ 0.84 without HMM) with the government dictionary added.

use gongkai_index::Analyzer;
use gongkai_index::segmentation_score::SegmentationScore;

fn shared(path: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared")
        .join(path)
}

#[test]
fn pku_word_f1_is_at_jieba_level() {
    let text = std::fs::read_to_string(shared("corpus/sighan/pku_test.utf8"))
        .expect("shared PKU test text");
    let gold = std::fs::read_to_string(shared("corpus/sighan/pku_test_gold.utf8"))
        .expect("shared PKU gold");
    let analyzer = Analyzer::new();
    let mut score = SegmentationScore::default();
    let mut skipped = 0;
    for (line, gold_line) in text.lines().zip(gold.lines()) {
        let gold_words: Vec<&str> = gold_line.split_whitespace().collect();
        let predicted = analyzer.segment(line.trim());
        let predicted: Vec<String> = predicted
            .into_iter()
            .filter(|w| !w.trim().is_empty())
            .collect();
        if !score.add_line(&gold_words, &predicted) {
            skipped += 1;
        }
    }
    eprintln!(
        "PKU: P {:.4} R {:.4} F1 {:.4} ({} gold words, {skipped} lines skipped)",
        score.precision(),
        score.recall(),
        score.f1(),
        score.gold
    );
    assert!(skipped < 10, "{skipped} lines could not be aligned");
    assert!(score.gold > 100_000, "gold words: {}", score.gold);
    assert!(score.f1() >= 0.82, "F1 {:.4}", score.f1());
}
