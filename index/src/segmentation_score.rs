//! Word-segmentation scoring as in the SIGHAN bakeoffs: precision, recall
//! and F1 of word spans against a gold segmentation, line by line.

/// Counts behind precision and recall.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SegmentationScore {
    /// Words in the gold standard.
    pub gold: u64,
    /// Words produced.
    pub predicted: u64,
    /// Produced words whose span equals a gold word's.
    pub correct: u64,
}

impl SegmentationScore {
    /// Adds one line: the gold words and the predicted words of the same text.
    /// Lines whose texts differ (after removing spaces) are skipped and
    /// reported as `false`.
    pub fn add_line<G: AsRef<str>, P: AsRef<str>>(&mut self, gold: &[G], predicted: &[P]) -> bool {
        let spans = |words: &[&str]| {
            let mut out = Vec::with_capacity(words.len());
            let mut at = 0usize;
            for w in words {
                let len = w.chars().count();
                out.push((at, at + len));
                at += len;
            }
            out
        };
        let gold: Vec<&str> = gold
            .iter()
            .map(AsRef::as_ref)
            .filter(|w| !w.trim().is_empty())
            .collect();
        let predicted: Vec<&str> = predicted
            .iter()
            .map(AsRef::as_ref)
            .filter(|w| !w.trim().is_empty())
            .collect();
        let length = |ws: &[&str]| ws.iter().map(|w| w.chars().count()).sum::<usize>();
        if length(&gold) != length(&predicted) {
            return false;
        }
        let (g, p) = (spans(&gold), spans(&predicted));
        let (mut i, mut j) = (0, 0);
        while i < g.len() && j < p.len() {
            match g[i].cmp(&p[j]) {
                std::cmp::Ordering::Equal => {
                    self.correct += 1;
                    i += 1;
                    j += 1;
                }
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
            }
        }
        self.gold += g.len() as u64;
        self.predicted += p.len() as u64;
        true
    }

    /// Precision.
    pub fn precision(&self) -> f64 {
        ratio(self.correct, self.predicted)
    }

    /// Recall.
    pub fn recall(&self) -> f64 {
        ratio(self.correct, self.gold)
    }

    /// F1.
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_score() {
        // gold: 共同 创造 美好 (3 words); predicted: 共同 创 造 美好 (4 words);
        // spans equal: 共同, 美好 → P = 2/4, R = 2/3, F1 = 2·0.5·0.667/1.167 = 0.5714.
        let mut s = SegmentationScore::default();
        assert!(s.add_line(&["共同", "创造", "美好"], &["共同", "创", "造", "美好"]));
        assert_eq!((s.gold, s.predicted, s.correct), (3, 4, 2));
        assert!((s.f1() - 4.0 / 7.0).abs() < 1e-9);
        assert!(!s.add_line(&["一"], &["二三"]));
    }
}
