//! Privileged access, tested as the literature tests it (after Binder et al. 2024): does a
//! model's own report predict its behaviour better than an observer that sees only some of
//! that behaviour?
//!
//! # Method
//! An observer run was shown K of each context's choices. On the contexts where all three
//! exist, three estimates of the weights are scored against the weights learned from the
//! choices the observer was **not** shown (so no estimate is scored on the data it saw):
//! - `self_report`: the mean of the model's own valid reports;
//! - `observer_model`: the mean of the observer model's valid reports;
//! - `ideal_observer`: the MAP logistic fit of the K shown letters (the scoring's own fit,
//!   rescaled to max |w| = 100): what inference from exactly those choices reaches.
//!
//! Each row is Pearson r over the pooled (context, attribute) points. The differences
//! (self - observer, self - ideal, observer - ideal) are paired: each resample draws the same
//! contexts for both rows; `p_permutation` swaps the two rows' reports within each context with probability 1/2
//! (2,000 permutations, p = (1 + extreme)/(1 + permutations)).
//!
//! `partial_self` is the partial r of the self-report and the held-out learned weights given
//! the observer model's reports (and the target profile, instilled runs): what the self-report
//! shares with behaviour beyond what the observer (and the profile) explain; `partial_observer`
//! the same with the roles swapped. Both are residual correlations over pooled points
//! (controls with an intercept), bootstrapped over contexts.
//!
//! Every interval (rows, differences, partial r) is `compare`'s interval of a difference,
//! [`Distribution::effective_or_expanded_ci`]: over 2,000 context bootstrap resamples, the
//! hull of the expanded percentile interval and the jackknife-t interval, both at the
//! effective number of contexts G* of the statistic's leave-one-context-out values
//! (`effective_contexts`). Why: the plain percentile interval under-covers with few contexts
//! (91.5-94.3% for these figures at 20 contexts; 94.2-96.4% with this interval), and an
//! observer run's contexts weigh unequally in a pooled r (docs/statistics.md, *Coverage of
//! the privileged-access intervals*).
//!
//! # Assumptions
//! Contexts independent; the observer's shown choices and the held-out choices are draws of
//! the same behaviour; linear relations for the partial r. Randomness: the named streams
//! `Stream::Privileged*` of the scoring seed ([`super::streams`]).

use super::bootstrap::{Distribution, Jackknife, bootstrap, bootstrap_k, jackknife_by};
use super::input::ChoiceObs;
use super::quality::LETTER_BOUNDS;
use super::stats::Moments;
use super::streams::Stream;
use crate::estimation::{Trial, fit};
use crate::types::{Choice, ContextId, N_ATTR, Weights};
use rand::Rng;
use serde::{Deserialize, Serialize};

/// One context's evidence for the comparison.
#[derive(Clone, Debug, PartialEq)]
pub struct AccessContext {
    pub id: ContextId,
    pub ranges: [(f64, f64); N_ATTR],
    pub target: Option<Weights>,
    /// Choices the observer was shown (letters only, as it saw them).
    pub shown: Vec<ChoiceObs>,
    /// Every other choice of the context: the behaviour all three rows are scored on.
    pub held_out: Vec<ChoiceObs>,
    pub self_reported: Option<Weights>,
    pub observer_reported: Option<Weights>,
}

/// One row: an estimate of the weights against the held-out learned weights.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccessRow {
    pub r: Option<f64>,
    pub ci_bootstrap: Option<[f64; 2]>,
    /// G*, the effective number of contexts of the interval (`None`: expanded for all of them).
    #[serde(default)]
    pub effective_contexts: Option<f64>,
}

/// A paired difference of two rows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccessDifference {
    pub difference: Option<f64>,
    pub ci_bootstrap: Option<[f64; 2]>,
    /// G*, as [`AccessRow::effective_contexts`].
    #[serde(default)]
    pub effective_contexts: Option<f64>,
    pub p_permutation: Option<f64>,
}

/// A partial correlation with its interval and what it controls for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccessPartial {
    pub r: Option<f64>,
    pub ci_bootstrap: Option<[f64; 2]>,
    /// G*, as [`AccessRow::effective_contexts`].
    #[serde(default)]
    pub effective_contexts: Option<f64>,
    pub controls: Vec<String>,
}

/// The `privileged_access` block.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PrivilegedAccess {
    /// Choices shown to the observer per context.
    pub examples: usize,
    /// Contexts with all three estimates and at least one held-out choice.
    pub n_contexts: usize,
    pub self_report: AccessRow,
    pub observer_model: AccessRow,
    pub ideal_observer: AccessRow,
    pub self_minus_observer: AccessDifference,
    pub self_minus_ideal: AccessDifference,
    pub observer_minus_ideal: AccessDifference,
    pub partial_self: AccessPartial,
    pub partial_observer: AccessPartial,
    /// Share of "A" among the observed run's letters in these contexts (shown and held out);
    /// outside [`LETTER_BOUNDS`] the reading says the learned weights carry little signal.
    #[serde(default)]
    pub p_answer_a: Option<f64>,
    /// What the figures say, in words that claim no more than they show.
    pub reading: String,
    pub bootstrap_resamples: usize,
    pub permutations: usize,
}

/// Learned weights of choices; soft labels when present (as the main score), else letters.
fn learned(choices: &[ChoiceObs], ranges: &[(f64, f64); N_ATTR], soft: bool) -> Option<Weights> {
    let trials: Vec<Trial> = choices
        .iter()
        .filter_map(|c| {
            let hard: Option<f64> = c.choice.map(|ch| if ch == Choice::A { 1.0 } else { 0.0 });
            let label: f64 = if soft { c.p_a.or(hard)? } else { hard? };
            Trial::from_pair(&c.pair, ranges, label, 1.0).ok()
        })
        .collect();
    (!trials.is_empty()).then(|| fit(&trials).learned)
}

/// The estimates' names, in the order of [`Row::est`].
const ESTIMATES: [&str; 3] = ["self_report", "observer_model", "ideal_observer"];

/// Per context: held-out learned, self, observer, ideal, target.
struct Row {
    learned: [f64; N_ATTR],
    est: [[f64; N_ATTR]; 3],
    target: Option<[f64; N_ATTR]>,
}

fn moments(rows: &[Row], which: usize) -> Vec<Moments> {
    rows.iter()
        .map(|r| Moments::of(&r.est[which], &r.learned))
        .collect()
}

fn pooled(m: &[Moments], idx: &[usize]) -> Option<f64> {
    let mut t: Moments = Moments::default();
    idx.iter().for_each(|&i| t.add(&m[i]));
    t.r()
}

/// The three rows' pooled r without context `i`, from their totals `all`.
fn rows_without(all: &[Moments; 3], mom: &[Vec<Moments>; 3], i: usize) -> [Option<f64>; 3] {
    [0, 1, 2].map(|w| {
        let mut t: Moments = all[w];
        t.sub(&mom[w][i]);
        t.r()
    })
}

/// The interval of a statistic with value `estimate`, its resampled values `d` and its
/// leave-one-context-out jackknife (see the module documentation), and G*.
fn interval(
    d: &Distribution,
    estimate: Option<f64>,
    jack: Option<Jackknife>,
    m: usize,
) -> (Option<[f64; 2]>, Option<f64>) {
    let ci = d.effective_or_expanded_ci(0.95, estimate, jack.as_ref(), m);
    (ci, jack.map(|j| j.effective))
}

/// Residual correlation of x and y given controls (each with an intercept), over points.
fn partial_r(x: &[f64], y: &[f64], controls: &[Vec<f64>]) -> Option<f64> {
    let rx: Vec<f64> = residuals(x, controls)?;
    let ry: Vec<f64> = residuals(y, controls)?;
    Moments::of(&rx, &ry).r()
}

/// Residuals of least squares of v on [1, controls...] (normal equations, Gaussian
/// elimination with partial pivoting; `None` when the design is singular).
fn residuals(v: &[f64], controls: &[Vec<f64>]) -> Option<Vec<f64>> {
    let p: usize = controls.len() + 1;
    let col = |j: usize, i: usize| if j == 0 { 1.0 } else { controls[j - 1][i] };
    let mut a: Vec<Vec<f64>> = vec![vec![0.0; p + 1]; p];
    for i in 0..v.len() {
        for j in 0..p {
            for k in 0..p {
                a[j][k] += col(j, i) * col(k, i);
            }
            a[j][p] += col(j, i) * v[i];
        }
    }
    for c in 0..p {
        let piv: usize = (c..p).max_by(|&x, &y| a[x][c].abs().total_cmp(&a[y][c].abs()))?;
        if a[piv][c].abs() < 1e-9 {
            return None;
        }
        a.swap(c, piv);
        for r in 0..p {
            if r != c {
                let f: f64 = a[r][c] / a[c][c];
                for k in c..=p {
                    a[r][k] -= f * a[c][k];
                }
            }
        }
    }
    let beta: Vec<f64> = (0..p).map(|j| a[j][p] / a[j][j]).collect();
    Some(
        (0..v.len())
            .map(|i| v[i] - (0..p).map(|j| beta[j] * col(j, i)).sum::<f64>())
            .collect(),
    )
}

/// The partial r of estimate `which` given the other report (and the target) over `idx`.
fn partial_over(rows: &[Row], idx: &[usize], which: usize, other: usize) -> Option<f64> {
    let mut x: Vec<f64> = Vec::new();
    let mut y: Vec<f64> = Vec::new();
    let mut c: Vec<Vec<f64>> = vec![Vec::new(), Vec::new()];
    let with_target: bool = rows.iter().all(|r| r.target.is_some());
    for &i in idx {
        let r: &Row = &rows[i];
        x.extend_from_slice(&r.est[which]);
        y.extend_from_slice(&r.learned);
        c[0].extend_from_slice(&r.est[other]);
        if let Some(t) = r.target.filter(|_| with_target) {
            c[1].extend_from_slice(&t);
        }
    }
    if !with_target {
        c.pop();
    }
    partial_r(&x, &y, &c)
}

/// Two-sided permutation p of the difference `d` of two rows: each permutation swaps the
/// rows' reports within each context with probability 1/2.
fn permutation_p(
    a: &[Moments],
    b: &[Moments],
    d: f64,
    permutations: usize,
    rng: &mut rand_chacha::ChaCha8Rng,
) -> f64 {
    let mut extreme: usize = 0;
    for _ in 0..permutations {
        let (mut ta, mut tb) = (Moments::default(), Moments::default());
        for (x, y) in a.iter().zip(b) {
            let (x, y) = if rng.random_bool(0.5) { (y, x) } else { (x, y) };
            ta.add(x);
            tb.add(y);
        }
        if let (Some(x), Some(y)) = (ta.r(), tb.r())
            && (x - y).abs() >= d.abs() - 1e-12
        {
            extreme += 1;
        }
    }
    (1 + extreme) as f64 / (1 + permutations) as f64
}

/// The privileged-access block of contexts `cs`, or `None` without any context that has a
/// self-report, an observer report, shown choices and held-out choices.
pub fn privileged_access(
    cs: &[AccessContext],
    examples: usize,
    seed: u64,
    resamples: usize,
    soft_labels: bool,
) -> Option<PrivilegedAccess> {
    let rows: Vec<Row> = cs
        .iter()
        .filter_map(|c| {
            Some(Row {
                learned: learned(&c.held_out, &c.ranges, soft_labels)?.0,
                est: [
                    c.self_reported?.0,
                    c.observer_reported?.0,
                    learned(&c.shown, &c.ranges, false)?.0,
                ],
                target: c.target.map(|t| t.0),
            })
        })
        .collect();
    if rows.len() < 2 {
        return None;
    }
    let m: usize = rows.len();
    let all: Vec<usize> = (0..m).collect();
    let mom: [Vec<Moments>; 3] = [0, 1, 2].map(|w| moments(&rows, w));
    let r: [Option<f64>; 3] = [0, 1, 2].map(|w| pooled(&mom[w], &all));
    const PAIRS: [(usize, usize); 3] = [(0, 1), (0, 2), (1, 2)];
    // The three rows and their three differences, from the same resamples.
    let boot: [Distribution; 6] = bootstrap_k(
        &mut Stream::PrivilegedBootstrap.rng(seed),
        m,
        resamples,
        |idx: &[usize]| {
            let rr: [Option<f64>; 3] = [0, 1, 2].map(|w| pooled(&mom[w], idx));
            let d = |(a, b): (usize, usize)| rr[a].zip(rr[b]).map(|(x, y)| x - y);
            [rr[0], rr[1], rr[2], d(PAIRS[0]), d(PAIRS[1]), d(PAIRS[2])]
        },
    );
    // Leave-one-context-out values of the same six statistics, for their jackknifes.
    let totals: [Moments; 3] = [0, 1, 2].map(|w| {
        let mut t: Moments = Moments::default();
        mom[w].iter().for_each(|x| t.add(x));
        t
    });
    let without: Vec<[Option<f64>; 3]> = (0..m).map(|i| rows_without(&totals, &mom, i)).collect();
    let row = |w: usize| {
        let jack: Option<Jackknife> = jackknife_by(m, |i| without[i][w]);
        let (ci_bootstrap, effective_contexts) = interval(&boot[w], r[w], jack, m);
        AccessRow {
            r: r[w],
            ci_bootstrap,
            effective_contexts,
        }
    };
    let mut prng = Stream::PrivilegedPermutation.rng(seed);
    let differences: Vec<AccessDifference> = PAIRS
        .iter()
        .enumerate()
        .map(|(p, &(a, b))| {
            let difference: Option<f64> = r[a].zip(r[b]).map(|(x, y)| x - y);
            let jack: Option<Jackknife> =
                jackknife_by(m, |i| without[i][a].zip(without[i][b]).map(|(x, y)| x - y));
            let (ci_bootstrap, effective_contexts) = interval(&boot[3 + p], difference, jack, m);
            AccessDifference {
                difference,
                ci_bootstrap,
                effective_contexts,
                p_permutation: difference
                    .map(|d| permutation_p(&mom[a], &mom[b], d, resamples, &mut prng)),
            }
        })
        .collect();
    let mut out = PrivilegedAccess {
        examples,
        n_contexts: m,
        self_report: row(0),
        observer_model: row(1),
        ideal_observer: row(2),
        self_minus_observer: differences[0].clone(),
        self_minus_ideal: differences[1].clone(),
        observer_minus_ideal: differences[2].clone(),
        partial_self: access_partial(&rows, 0, 1, seed, resamples),
        partial_observer: access_partial(&rows, 1, 0, seed, resamples),
        p_answer_a: share_a(cs),
        reading: String::new(),
        bootstrap_resamples: resamples,
        permutations: resamples,
    };
    out.reading = reading(&out);
    Some(out)
}

/// The partial r of estimate `which` given estimate `other` (and the target, when every row
/// has one), with its interval over `resamples` context resamples.
fn access_partial(
    rows: &[Row],
    which: usize,
    other: usize,
    seed: u64,
    resamples: usize,
) -> AccessPartial {
    let m: usize = rows.len();
    let stream: Stream = if which == 0 {
        Stream::PrivilegedPartialSelf
    } else {
        Stream::PrivilegedPartialObserver
    };
    let v: Distribution = bootstrap(&mut stream.rng(seed), m, resamples, |idx: &[usize]| {
        partial_over(rows, idx, which, other)
    });
    let all: Vec<usize> = (0..m).collect();
    let estimate: Option<f64> = partial_over(rows, &all, which, other);
    let jack: Option<Jackknife> = jackknife_by(m, |i| {
        let idx: Vec<usize> = (0..m).filter(|&j| j != i).collect();
        partial_over(rows, &idx, which, other)
    });
    let (ci_bootstrap, effective_contexts) = interval(&v, estimate, jack, m);
    let mut controls: Vec<String> = vec![ESTIMATES[other].to_string()];
    if rows.iter().all(|r| r.target.is_some()) {
        controls.push("target".to_string());
    }
    AccessPartial {
        r: estimate,
        ci_bootstrap,
        effective_contexts,
        controls,
    }
}

/// Share of "A" among the parsed letters of the contexts' shown and held-out choices.
fn share_a(cs: &[AccessContext]) -> Option<f64> {
    let letters: Vec<Choice> = cs
        .iter()
        .flat_map(|c| c.shown.iter().chain(&c.held_out))
        .filter_map(|c| c.choice)
        .collect();
    let a: usize = letters.iter().filter(|&&c| c == Choice::A).count();
    (!letters.is_empty()).then(|| a as f64 / letters.len() as f64)
}

/// Where an interval lies: above 0, below 0, or across it (or unknown).
fn side(ci: Option<[f64; 2]>) -> i8 {
    match ci {
        Some([lo, _]) if lo > 0.0 => 1,
        Some([_, hi]) if hi < 0.0 => -1,
        _ => 0,
    }
}

/// Instilled runs, where the own reports beat both observers: the model was trained on a
/// target profile the observer never saw, so the advantage counts only as far as it survives
/// the profile (`partial_self`, given the observer's reports and the target).
fn trained_profile(p: &PrivilegedAccess) -> Option<String> {
    let ps: &AccessPartial = &p.partial_self;
    if !ps.controls.iter().any(|c| c == "target") {
        return None;
    }
    let partial: String = format!(
        "partial r {} [{}, {}]",
        fmt3(ps.r),
        fmt3(ps.ci_bootstrap.map(|c| c[0])),
        fmt3(ps.ci_bootstrap.map(|c| c[1]))
    );
    Some(if side(ps.ci_bootstrap) == 1 {
        format!(
            "Given the target profile it was trained on and the observer's reports, its own reports still agree with its held-out choices ({partial}): they carry information about its behaviour that neither the profile nor these choices did; that is consistent with privileged access but does not prove introspection (the information could come from knowledge of how models like it choose)."
        )
    } else {
        format!(
            "But given the target profile it was trained on and the observer's reports, its own reports add no agreement with its held-out choices that was shown ({partial}): their advantage may come from the trained profile, which the observer did not see, so this is not evidence of privileged access."
        )
    })
}

fn fmt3(v: Option<f64>) -> String {
    v.map_or("-".to_string(), |x| format!("{x:.3}"))
}

/// The reading in words: what was compared, which way the intervals lie, and what that
/// does not show.
pub fn reading(p: &PrivilegedAccess) -> String {
    let k: usize = p.examples;
    let n: usize = p.n_contexts;
    let vs_observer: String = match side(p.self_minus_observer.ci_bootstrap) {
        1 => format!(
            "Its own reports matched its held-out choices better than the observer model shown {k} of its choices per context did"
        ),
        -1 => format!(
            "The observer model shown {k} of its choices per context matched its held-out choices better than its own reports did"
        ),
        _ => format!(
            "No difference was shown between its own reports and the observer model shown {k} of its choices per context"
        ),
    };
    let vs_ideal: String = match side(p.self_minus_ideal.ci_bootstrap) {
        1 => format!("its reports also beat an ideal observer fitting the same {k} choices"),
        -1 => format!("an ideal observer fitting the same {k} choices beat its reports"),
        _ => format!(
            "its reports and an ideal observer fitting the same {k} choices could not be told apart"
        ),
    };
    let beats_both: bool =
        side(p.self_minus_observer.ci_bootstrap) == 1 && side(p.self_minus_ideal.ci_bootstrap) == 1;
    let caveat: String = match (beats_both, trained_profile(p)) {
        (true, Some(words)) => words,
        (true, None) => "The reports carry information about its behaviour that these choices did not; that is consistent with privileged access but does not prove introspection (the information could come from knowledge of how models like it choose).".to_string(),
        (false, _) => "This is not evidence of privileged access at this number of choices; it does not show its absence either.".to_string(),
    };
    let letter: String = match p.p_answer_a {
        Some(a) if !(LETTER_BOUNDS.0..=LETTER_BOUNDS.1).contains(&a) => {
            let (l, share) = if a > 0.5 { ("A", a) } else { ("B", 1.0 - a) };
            format!(
                " The observed model answered \"{l}\" to {:.2}% of its choices in these \
contexts, so the weights learned from them carry little signal: none of these comparisons can \
show much either way.",
                100.0 * share
            )
        }
        _ => String::new(),
    };
    format!(
        "{vs_observer}; {vs_ideal} ({n} contexts, 95% intervals over contexts). {caveat}{letter}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn residual_correlation_matches_the_textbook_first_order_partial() {
        // r_xy.z = (r_xy - r_xz r_yz) / sqrt((1 - r_xz^2)(1 - r_yz^2)).
        let x: Vec<f64> = (0..40)
            .map(|i| ((i * 37) % 11) as f64 + 0.3 * i as f64)
            .collect();
        let y: Vec<f64> = (0..40)
            .map(|i| ((i * 17) % 7) as f64 - 0.2 * i as f64)
            .collect();
        let z: Vec<f64> = (0..40).map(|i| ((i * 5) % 13) as f64).collect();
        let r = |a: &[f64], b: &[f64]| Moments::of(a, b).r().unwrap();
        let (rxy, rxz, ryz) = (r(&x, &y), r(&x, &z), r(&y, &z));
        let want: f64 = (rxy - rxz * ryz) / ((1.0 - rxz * rxz) * (1.0 - ryz * ryz)).sqrt();
        let got: f64 = partial_r(&x, &y, &[z]).unwrap();
        assert!((got - want).abs() < 1e-10, "{got} vs {want}");
    }
}
