//! "Tied with the next row": whether the data establish the order of two adjacent ranked
//! rows.
//!
//! # Method
//! Where two entries share at least [`MIN_SHARED`] contexts (same benchmark), their scores
//! are compared on the shared contexts with [`paired_comparison`]: a two-sided permutation
//! test of the difference in pooled r, swapping the two entries' data within each context
//! ([`family_permutations`]: max([`PERMUTATIONS`], 400 per adjacent pair), seed [`SEED`]), with a paired context-bootstrap interval
//! of the difference. Entries of different benchmark versions share no contexts. The p-values of all paired tests of one table are adjusted together
//! with Holm's step-down correction (family-wise error 5% over the adjacent pairs); a pair
//! whose adjusted p is at least [`ALPHA`] is tied. Entries sharing fewer contexts are
//! compared by their 95% context-bootstrap intervals instead: tied when they overlap.
//!
//! Everything is seeded, so the leaderboard stays a pure function of the entries.

use crate::scoring::Summary;
use crate::scoring::paired::{PairedComparison, PairedOptions, paired_comparison};
use serde::Serialize;

/// Fewest shared contexts for a paired comparison: 6 contexts allow 2^6 = 64 distinct
/// within-context swaps, so a permutation p-value can fall below 5% at all.
pub const MIN_SHARED: usize = 6;
/// Family-wise error rate of the Holm correction.
pub const ALPHA: f64 = 0.05;
pub const PERMUTATIONS: usize = 2000;

/// Permutations per adjacent pair of a table of `rows` rows: at least [`PERMUTATIONS`], and
/// 400 per pair of the family when that is more, so Holm's floor (pairs / (1 + P)) stays
/// below 0.0025 (with 2,000 it reached 0.05 at about 100 rows).
pub fn family_permutations(rows: usize) -> usize {
    crate::scoring::runs::permutations_for_family(rows.saturating_sub(1), PERMUTATIONS)
}
pub const BOOTSTRAP: usize = 2000;
pub const SEED: u64 = 0;

/// How a tie was judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TieMethod {
    /// Paired permutation test on shared contexts, Holm-adjusted.
    Paired,
    /// Overlap of the two 95% context-bootstrap intervals.
    IntervalOverlap,
}

/// How a ranked row compares with the next ranked row of its table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Tie {
    /// Whether the two rows cannot be told apart.
    pub tied: bool,
    /// How that was judged.
    pub method: TieMethod,
    /// Contexts both entries have (the paired comparison's contexts).
    pub shared_contexts: usize,
    /// r of the next row minus r of this row, on the shared contexts.
    pub difference: Option<f64>,
    /// 95% paired context-bootstrap interval of `difference`.
    pub difference_ci: Option<[f64; 2]>,
    /// Permutation p-value of the difference (paired method only).
    pub p: Option<f64>,
    /// `p` after Holm's correction over the table's paired tests.
    pub p_holm: Option<f64>,
}

/// Holm's step-down adjustment of `p` (same order as given).
pub fn holm(p: &[f64]) -> Vec<f64> {
    let m: usize = p.len();
    let mut idx: Vec<usize> = (0..m).collect();
    idx.sort_by(|&a, &b| p[a].total_cmp(&p[b]).then(a.cmp(&b)));
    let mut out: Vec<f64> = vec![0.0; m];
    let mut running: f64 = 0.0;
    for (k, &i) in idx.iter().enumerate() {
        running = running.max(((m - k) as f64 * p[i]).min(1.0));
        out[i] = running;
    }
    out
}

fn overlap(a: Option<[f64; 2]>, b: Option<[f64; 2]>) -> bool {
    matches!((a, b), (Some([a0, a1]), Some([b0, b1])) if a0 <= b1 && b0 <= a1)
}

/// One leaderboard row as the tie test sees it: its summary, the 95% context-bootstrap
/// interval of its r, and its benchmark version.
pub type Side<'a> = (&'a Summary, Option<[f64; 2]>, Option<&'a str>);

/// The comparison of each row with the next: `rows.len() - 1` ties (none for one row).
/// Each row is (summary, 95% context-bootstrap interval of its r, benchmark version); only
/// entries of the same benchmark share contexts.
pub fn adjacent_ties(rows: &[Side<'_>]) -> Vec<Tie> {
    let opts = PairedOptions {
        seed: SEED,
        bootstrap_resamples: BOOTSTRAP,
        permutations: family_permutations(rows.len()),
        ..PairedOptions::default()
    };
    let mut ties: Vec<Tie> = rows
        .windows(2)
        .map(|w| {
            let same_benchmark: bool = w[0].2.is_some() && w[0].2 == w[1].2;
            let pc: PairedComparison = paired_comparison(w[0].0, w[1].0, &opts);
            let paired: bool =
                same_benchmark && pc.n_contexts >= MIN_SHARED && pc.p_value.is_some();
            Tie {
                tied: !paired && overlap(w[0].1, w[1].1),
                method: if paired {
                    TieMethod::Paired
                } else {
                    TieMethod::IntervalOverlap
                },
                shared_contexts: if same_benchmark { pc.n_contexts } else { 0 },
                difference: pc.difference.filter(|_| paired),
                difference_ci: pc.ci_bootstrap.filter(|_| paired),
                p: pc.p_value.filter(|_| paired),
                p_holm: None,
            }
        })
        .collect();
    let family: Vec<usize> = (0..ties.len()).filter(|&i| ties[i].p.is_some()).collect();
    let adjusted: Vec<f64> = holm(
        &family
            .iter()
            .filter_map(|&i| ties[i].p)
            .collect::<Vec<f64>>(),
    );
    for (&i, q) in family.iter().zip(adjusted) {
        ties[i].p_holm = Some(q);
        ties[i].tied = q >= ALPHA;
    }
    ties
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holm_matches_hand_computation() {
        // Sorted 0.01, 0.02, 0.04 -> 3*0.01, max(0.03, 2*0.02), max(0.04, 1*0.04).
        let q = holm(&[0.04, 0.01, 0.02]);
        let want = [0.04, 0.03, 0.04];
        for (a, b) in q.iter().zip(want) {
            assert!((a - b).abs() < 1e-12, "{q:?}");
        }
        assert_eq!(holm(&[0.6, 0.5]), vec![1.0, 1.0]);
        assert!(holm(&[]).is_empty());
    }

    #[test]
    fn a_hundred_rows_can_still_separate_adjacent_pairs() {
        // 101 rows, 100 adjacent pairs: Holm's floor pairs / (1 + P) was 100 / 2001 = 0.0500.
        let p: usize = family_permutations(101);
        assert_eq!(p, 40_000);
        assert!(100.0 / (1.0 + p as f64) < 0.0025);
        assert_eq!(family_permutations(3), PERMUTATIONS);
        assert_eq!(family_permutations(0), PERMUTATIONS);
    }
}
