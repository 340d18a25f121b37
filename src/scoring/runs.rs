//! Comparing the main score of several runs (`selfinterp compare`), and privileged access.
//!
//! # Method
//! For every pair of runs (a, b), in the order given, the difference r_b - r_a of the main
//! score (reports vs learned, pooled r):
//! - Paired, when they share contexts (matched by id, both sides present in both runs):
//!   [`super::paired_comparison`] on the shared contexts only: paired context-bootstrap
//!   interval expanded for the effective number of contexts (`effective_contexts`; see
//!   [`super::paired`]) and a permutation p-value (each permutation swaps the two runs'
//!   points within each context with probability 1/2). `n_shared_contexts` says how many.
//! - Unpaired, when they share none (`paired` false, said so in `note`): each run's
//!   contexts are resampled independently and the interval is the expanded percentile
//!   interval of r_b* - r_a* (G the smaller run's contexts). No permutation test is made (there is no pairing to permute): `p_permutation`
//!   is null.
//! - Holm's correction when more than two runs are compared: the pairs' permutation
//!   p-values, sorted ascending p_(1) <= ... <= p_(k), are adjusted to
//!   max over j <= i of min(1, (k - j + 1) p_(j)) (`p_holm`); it controls the chance of any
//!   false difference among the k pairs at the stated level. With two runs `p_holm` equals p.
//!   A permutation p is at least 1/(1 + P), so Holm's smallest adjusted p is k/(1 + P): with
//!   a fixed P = 2,000 and 15 runs (k = 105) no pair could reach 0.05. The permutations are
//!   therefore [`permutations_for_family`]`(k)` = max(2,000, 400 k), which keeps k/(1 + P)
//!   below 0.0025 for any k; the number used is `permutations` in the output.
//!
//! Privileged access (after Binder et al. 2024; Song et al. 2025): run A's choices scored
//! against its own reports and against another model B's reports of the same contexts
//! (`score --reports-from`). Both share A's learned weights exactly, so the comparison is
//! paired; a positive difference (own - other) means A's reports predict A's behaviour better
//! than B's reports do.
//!
//! Randomness: the named streams of `seed` (paired: those of [`super::paired`]; unpaired:
//! [`Stream::UnpairedBootstrap`]).

use super::bootstrap::bootstrap_with;
use super::draw::index_below;
use super::paired::{PairedComparison, PairedOptions, paired_comparison};
use super::stats::Moments;
use super::streams::Stream;
use super::summary::{ComparisonKind, Summary};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// One pair of runs compared.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunPair {
    pub a: String,
    pub b: String,
    pub r_a: Option<f64>,
    pub r_b: Option<f64>,
    /// r_b - r_a.
    pub difference: Option<f64>,
    pub ci_bootstrap: Option<[f64; 2]>,
    /// Paired pairs: the effective number of shared contexts `ci_bootstrap` is expanded for.
    #[serde(default)]
    pub effective_contexts: Option<f64>,
    pub p_permutation: Option<f64>,
    /// Holm-adjusted p over all pairs compared.
    pub p_holm: Option<f64>,
    pub paired: bool,
    pub n_shared_contexts: usize,
    pub note: String,
}

/// The comparison of all pairs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunComparison {
    /// Every pair (i < j) of the runs given.
    pub pairs: Vec<RunPair>,
    /// Paired context-bootstrap resamples per pair.
    pub bootstrap_resamples: usize,
    /// Permutations per test.
    pub permutations: usize,
    /// The seed of every pair's streams.
    pub seed: u64,
}

/// Fewest permutations per test of a family of `k` tests: 400 k (so Holm's smallest
/// attainable adjusted p, k / (1 + P), stays below 0.0025), and never fewer than `base`.
pub fn permutations_for_family(k: usize, base: usize) -> usize {
    base.max(400 * k)
}

/// Holm's step-down adjustment of `p` (in input order; `None` entries are left out).
pub fn holm(p: &[Option<f64>]) -> Vec<Option<f64>> {
    let mut idx: Vec<usize> = (0..p.len()).filter(|&i| p[i].is_some()).collect();
    idx.sort_by(|&i, &j| p[i].unwrap_or(1.0).total_cmp(&p[j].unwrap_or(1.0)));
    let k: usize = idx.len();
    let mut out: Vec<Option<f64>> = vec![None; p.len()];
    let mut running: f64 = 0.0;
    for (rank, &i) in idx.iter().enumerate() {
        let adj: f64 = ((k - rank) as f64 * p[i].unwrap_or(1.0)).min(1.0);
        running = running.max(adj);
        out[i] = Some(running);
    }
    out
}

fn moments(s: &Summary) -> Vec<Moments> {
    s.contexts
        .iter()
        .filter_map(|c| ComparisonKind::ReportsVsLearned.points(c))
        .map(|p| Moments::of(&p.x, &p.y))
        .collect()
}

fn pooled_r<'a>(m: impl Iterator<Item = &'a Moments>) -> Option<f64> {
    let mut t: Moments = Moments::default();
    m.for_each(|x| t.add(x));
    t.r()
}

/// Independent-bootstrap interval of r_b - r_a for runs sharing no context.
fn unpaired_interval(a: &Summary, b: &Summary, opts: &PairedOptions) -> Option<[f64; 2]> {
    let (ma, mb) = (moments(a), moments(b));
    if ma.is_empty() || mb.is_empty() {
        return None;
    }
    // One resample: run a's contexts drawn from a's, then run b's from b's.
    let (na, nb) = (ma.len(), mb.len());
    let draw = |rng: &mut ChaCha8Rng, position: usize| -> &Moments {
        if position < na {
            &ma[index_below(rng, na)]
        } else {
            &mb[index_below(rng, nb)]
        }
    };
    let d = bootstrap_with(
        &mut Stream::UnpairedBootstrap.rng(opts.seed),
        na + nb,
        opts.bootstrap_resamples,
        1,
        draw,
        |drawn: &[&Moments]| {
            let x: Option<f64> = pooled_r(drawn[..na].iter().copied());
            let y: Option<f64> = pooled_r(drawn[na..].iter().copied());
            [x.zip(y).map(|(x, y)| y - x)]
        },
    );
    // The same small-sample expansion as the paired interval, for the smaller run's contexts.
    d[0].expanded_ci(0.95, na.min(nb)).or_else(|| d[0].ci(0.95))
}

/// One pair: paired on shared contexts, else unpaired.
pub fn compare_pair(
    name_a: &str,
    a: &Summary,
    name_b: &str,
    b: &Summary,
    opts: &PairedOptions,
) -> RunPair {
    let p: PairedComparison = paired_comparison(a, b, opts);
    let r_of = |s: &Summary| s.reports_vs_learned.as_ref().and_then(|c| c.r);
    if p.n_contexts > 0 {
        return RunPair {
            a: name_a.to_string(),
            b: name_b.to_string(),
            r_a: p.r_a,
            r_b: p.r_b,
            difference: p.difference,
            ci_bootstrap: p.ci_bootstrap,
            effective_contexts: p.effective_contexts,
            p_permutation: p.p_value,
            p_holm: p.p_value,
            paired: true,
            n_shared_contexts: p.n_contexts,
            note: format!(
                "paired over the {} contexts both runs scored (r of each on those contexts){}",
                p.n_contexts,
                match p.effective_contexts {
                    Some(g) if g < p.n_contexts as f64 => format!(
                        "; the interval counts them as {g:.1} effective contexts, as some weigh \
more than others in r"
                    ),
                    _ => String::new(),
                }
            ),
        };
    }
    let (r_a, r_b) = (r_of(a), r_of(b));
    RunPair {
        a: name_a.to_string(),
        b: name_b.to_string(),
        r_a,
        r_b,
        difference: r_a.zip(r_b).map(|(x, y)| y - x),
        ci_bootstrap: unpaired_interval(a, b, opts),
        effective_contexts: None,
        p_permutation: None,
        p_holm: None,
        paired: false,
        n_shared_contexts: 0,
        note: "unpaired: the runs share no scored context, so the interval resamples each \
run's contexts independently and no permutation test is possible"
            .to_string(),
    }
}

/// Every pair (i < j) of the named runs, with Holm-adjusted p-values.
pub fn compare_runs(runs: &[(String, Summary)], opts: &PairedOptions) -> RunComparison {
    let k: usize = runs.len() * runs.len().saturating_sub(1) / 2;
    let opts: &PairedOptions = &PairedOptions {
        permutations: permutations_for_family(k, opts.permutations),
        ..*opts
    };
    let mut pairs: Vec<RunPair> = Vec::new();
    for i in 0..runs.len() {
        for j in (i + 1)..runs.len() {
            pairs.push(compare_pair(
                &runs[i].0, &runs[i].1, &runs[j].0, &runs[j].1, opts,
            ));
        }
    }
    let adjusted: Vec<Option<f64>> =
        holm(&pairs.iter().map(|p| p.p_permutation).collect::<Vec<_>>());
    for (p, h) in pairs.iter_mut().zip(adjusted) {
        p.p_holm = h;
    }
    RunComparison {
        pairs,
        bootstrap_resamples: opts.bootstrap_resamples,
        permutations: opts.permutations,
        seed: opts.seed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holm_matches_hand_computation() {
        // Sorted 0.01, 0.03, 0.04 with k = 3: 0.03, 0.06, max(0.06, 0.04) = 0.06.
        let h = holm(&[Some(0.04), Some(0.01), None, Some(0.03)]);
        let want = [Some(0.06), Some(0.03), None, Some(0.06)];
        for (x, y) in h.iter().zip(want) {
            assert_eq!(
                x.map(|v| (v * 1e9).round()),
                y.map(|v: f64| (v * 1e9).round())
            );
        }
        assert_eq!(holm(&[Some(0.7), Some(0.6)]), vec![Some(1.0), Some(1.0)]);
    }
}
