//! One resampling module: every percentile interval of scoring comes from here.
//!
//! [`bootstrap`] draws `resamples` resamples of `units` (contexts, drawn with replacement)
//! from a named [`Stream`](super::streams::Stream) and returns the [`Distribution`] of a
//! statistic over them; [`bootstrap_k`] gives K statistics of the same resamples (a paired
//! difference and its two sides), and [`bootstrap_with`] lets each drawn unit carry more than
//! an index (the observer draws a context and one of its splits). A resample where a
//! statistic is undefined is left out of that statistic's distribution and counted.
//!
//! A [`Distribution`] gives its percentile interval, [`Distribution::ci`]`(level)`, the
//! expanded percentile interval of few clusters, [`Distribution::expanded_ci`] (see
//! [`expanded_alpha`]), and that interval at the effective number of clusters with its
//! jackknife-t hull, [`Distribution::effective_ci`] (see [`Jackknife`]), with its fallbacks
//! [`Distribution::effective_or_expanded_ci`] (`compare`'s differences, every interval of
//! `privileged_access`). Quantiles are type 7 ([`super::stats::quantile_sorted`]).

use super::draw::index_below;
use super::stats::quantile_sorted;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

/// The sorted values of a statistic over resamples (or permutations), and how many
/// resamples left it undefined.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Distribution {
    sorted: Vec<f64>,
    undefined: usize,
}

/// The two tail probabilities of a central `level` interval, rounded to 12 digits so that
/// `ci(0.95)` uses exactly the quantiles 0.025 and 0.975 (1 - 0.95 is not exact in binary).
fn tails(level: f64) -> (f64, f64) {
    let round = |p: f64| (p * 1e12).round() / 1e12;
    (round((1.0 - level) / 2.0), round((1.0 + level) / 2.0))
}

impl Distribution {
    /// The distribution of `values` (any order); `undefined` resamples had no value.
    pub fn new(mut values: Vec<f64>, undefined: usize) -> Distribution {
        values.sort_by(f64::total_cmp);
        Distribution {
            sorted: values,
            undefined,
        }
    }

    /// The values, ascending.
    pub fn values(&self) -> &[f64] {
        &self.sorted
    }

    /// Resamples where the statistic was undefined (left out).
    pub fn undefined(&self) -> usize {
        self.undefined
    }

    /// Whether no resample gave a defined value.
    pub fn is_empty(&self) -> bool {
        self.sorted.is_empty()
    }

    /// The mean of the values, `None` without any.
    pub fn mean(&self) -> Option<f64> {
        (!self.sorted.is_empty())
            .then(|| self.sorted.iter().sum::<f64>() / self.sorted.len() as f64)
    }

    /// The q-quantile (type 7), `None` without any value.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        quantile_sorted(&self.sorted, q)
    }

    /// The percentile interval at `level` (0.95: the 2.5% and 97.5% quantiles).
    pub fn ci(&self, level: f64) -> Option<[f64; 2]> {
        let (lo, hi) = tails(level);
        self.between(lo, hi)
    }

    /// The expanded percentile interval at `level` for `clusters` resampled units
    /// (`expanded_alpha`); `None` with fewer than 3 clusters.
    pub fn expanded_ci(&self, level: f64, clusters: usize) -> Option<[f64; 2]> {
        let a: f64 = expanded_alpha(clusters, level)?;
        self.between(a, 1.0 - a)
    }

    /// The interval for few clusters of unequal weight ([`Jackknife`]): the hull of this
    /// distribution's expanded percentile interval at the effective number of clusters G*
    /// and the jackknife-t interval `estimate` ± t_{G*-1, (1+level)/2} se. `None` without
    /// values or with fewer than 3 clusters.
    pub fn effective_ci(&self, level: f64, estimate: f64, jack: &Jackknife) -> Option<[f64; 2]> {
        let g: f64 = jack.effective;
        let a: f64 = expanded_alpha_at(g, level)?;
        let [lo, hi] = self.between(a, 1.0 - a)?;
        let t: f64 = StudentsT::new(0.0, 1.0, g - 1.0)
            .ok()?
            .inverse_cdf(tails(level).1);
        Some([
            lo.min(estimate - t * jack.se),
            hi.max(estimate + t * jack.se),
        ])
    }

    /// The interval of a statistic over few clusters that may weigh unequally, as `compare`'s
    /// differences and `privileged_access` give it: [`Distribution::effective_ci`] at the
    /// clusters' jackknife `jack` when there is one (and an `estimate`), else the expansion for
    /// `clusters` equal ones ([`Distribution::expanded_ci`]), else the plain percentile
    /// interval; widened where it must be to hold `estimate` (`holding`).
    pub fn effective_or_expanded_ci(
        &self,
        level: f64,
        estimate: Option<f64>,
        jack: Option<&Jackknife>,
        clusters: usize,
    ) -> Option<[f64; 2]> {
        let ci: Option<[f64; 2]> = match (jack, estimate) {
            (Some(j), Some(e)) => self.effective_ci(level, e, j),
            _ => self.expanded_ci(level, clusters),
        };
        holding(ci.or_else(|| self.ci(level)), estimate)
    }

    /// The interval between the `lo` and `hi` quantiles.
    pub fn between(&self, lo: f64, hi: f64) -> Option<[f64; 2]> {
        Some([self.quantile(lo)?, self.quantile(hi)?])
    }
}

/// `ci` widened, where it must be, to hold its own `point` estimate. A percentile interval
/// can miss the estimate when the resampled values are skewed (an influential context makes
/// most resamples fall on one side); a reader then sees an estimate its interval denies.
/// Widening to the estimate only makes the interval more conservative, and leaves every
/// interval that already holds it (all of the project's stored runs) unchanged.
pub fn holding(ci: Option<[f64; 2]>, point: Option<f64>) -> Option<[f64; 2]> {
    match (ci, point) {
        (Some([lo, hi]), Some(p)) if p.is_finite() => Some([lo.min(p), hi.max(p)]),
        (ci, _) => ci,
    }
}

/// The lower tail probability of the expanded percentile interval at `level` for `clusters`
/// resampled units (Hesterberg 2015): alpha' / 2 = Phi(-sqrt(G / (G - 1)) t_{G-1, (1+level)/2}).
/// It widens the percentile interval for the narrowness bias of the bootstrap at few
/// clusters and tends to the plain tail as G grows (at 95%: 0.0231 at G = 100, 0.0159 at
/// G = 20). `None` with fewer than 3 clusters.
pub fn expanded_alpha(clusters: usize, level: f64) -> Option<f64> {
    if clusters < 3 {
        return None;
    }
    expanded_alpha_at(clusters as f64, level)
}

/// [`expanded_alpha`] for a real number of clusters `g` (an effective number, [`Jackknife`]);
/// `None` unless g > 1.
pub fn expanded_alpha_at(g: f64, level: f64) -> Option<f64> {
    if g.is_nan() || g <= 1.0 {
        return None;
    }
    let t: f64 = StudentsT::new(0.0, 1.0, g - 1.0)
        .ok()?
        .inverse_cdf(tails(level).1);
    Some(Normal::standard().cdf(-(g / (g - 1.0)).sqrt() * t))
}

/// A statistic's leave-one-cluster-out jackknife: its standard error and the effective
/// number of clusters.
///
/// With u_i the deviations of the G leave-one-out estimates from their mean,
/// se = sqrt((G - 1) / G sum u_i^2) and G* = kappa_0 G / kappa, clamped to [3, G], where
/// kappa = G sum u_i^4 / (sum u_i^2)^2 and kappa_0 = 3 (G - 1) / (G + 1). Why: clusters that
/// weigh unequally in the statistic carry the information of fewer equal ones,
/// G* = G / (1 + CV^2) with CV the coefficient of variation of the clusters' variance
/// contributions (Carter, Schnepel & Steigerwald 2017). If each u_i is normal with a variance
/// proportional to its cluster's contribution, kappa estimates kappa_0 (1 + CV^2), kappa_0
/// being kappa's expectation for G normal values of one variance (the normal's 3, less its
/// small-sample bias). So G* = G for clusters of equal weight and it falls towards 3 as one
/// cluster dominates (kappa up to G).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Jackknife {
    /// The jackknife standard error.
    pub se: f64,
    /// G*, in [3, G].
    pub effective: f64,
}

/// The [`Jackknife`] of the leave-one-cluster-out estimates `leave_one_out`; `None` with fewer
/// than 3 or with a non-finite one.
pub fn jackknife(leave_one_out: &[f64]) -> Option<Jackknife> {
    let n: usize = leave_one_out.len();
    if n < 3 || leave_one_out.iter().any(|t| !t.is_finite()) {
        return None;
    }
    let g: f64 = n as f64;
    let mean: f64 = leave_one_out.iter().sum::<f64>() / g;
    let (mut s2, mut s4): (f64, f64) = (0.0, 0.0);
    for t in leave_one_out {
        let u2: f64 = (mean - t).powi(2);
        s2 += u2;
        s4 += u2 * u2;
    }
    let kappa_0: f64 = 3.0 * (g - 1.0) / (g + 1.0);
    let effective: f64 = if s4 > 0.0 {
        (kappa_0 * s2 * s2 / s4).clamp(3.0, g)
    } else {
        g
    };
    Some(Jackknife {
        se: ((g - 1.0) / g * s2).sqrt(),
        effective,
    })
}

/// The [`Jackknife`] of a statistic over `clusters` clusters, `leave_out(i)` giving its value
/// without cluster i; `None` when one of them is undefined or with fewer than 3 clusters.
pub fn jackknife_by(
    clusters: usize,
    leave_out: impl FnMut(usize) -> Option<f64>,
) -> Option<Jackknife> {
    let values: Option<Vec<f64>> = (0..clusters).map(leave_out).collect();
    jackknife(&values?)
}

/// The distribution of `statistic` over `resamples` resamples of `units` indices drawn with
/// replacement from `rng`.
pub fn bootstrap(
    rng: &mut ChaCha8Rng,
    units: usize,
    resamples: usize,
    mut statistic: impl FnMut(&[usize]) -> Option<f64>,
) -> Distribution {
    let [d] = bootstrap_k(rng, units, resamples, |idx: &[usize]| [statistic(idx)]);
    d
}

/// The distributions of K statistics of the same resamples (see [`bootstrap`]).
pub fn bootstrap_k<const K: usize>(
    rng: &mut ChaCha8Rng,
    units: usize,
    resamples: usize,
    statistic: impl FnMut(&[usize]) -> [Option<f64>; K],
) -> [Distribution; K] {
    let draw = |r: &mut ChaCha8Rng, _: usize| index_below(r, units);
    let out: Vec<Distribution> = bootstrap_with(rng, units, resamples, K, draw, statistic);
    out.try_into()
        .unwrap_or_else(|_| unreachable!("bootstrap_with returns `width` distributions"))
}

/// The general form: each resample is `units` draws of `draw(rng, position)`, in order, and
/// `statistic` gives `width` values of a resample (`None` where undefined). Without units
/// or resamples every distribution is empty.
pub fn bootstrap_with<U: Clone, S: AsRef<[Option<f64>]>>(
    rng: &mut ChaCha8Rng,
    units: usize,
    resamples: usize,
    width: usize,
    mut draw: impl FnMut(&mut ChaCha8Rng, usize) -> U,
    mut statistic: impl FnMut(&[U]) -> S,
) -> Vec<Distribution> {
    let mut tally = Tally::new(width, resamples);
    if units > 0 {
        let mut drawn: Vec<U> = Vec::with_capacity(units);
        for _ in 0..resamples {
            drawn.clear();
            for position in 0..units {
                drawn.push(draw(rng, position));
            }
            tally.record(statistic(&drawn).as_ref());
        }
    }
    tally.into_distributions()
}

/// The values of `width` statistics over resamples, in resample order, and how many were
/// undefined: what [`bootstrap_with`] and [`bootstrap_with_par`] both collect.
struct Tally {
    values: Vec<Vec<f64>>,
    undefined: Vec<usize>,
}

impl Tally {
    fn new(width: usize, resamples: usize) -> Tally {
        Tally {
            values: vec![Vec::with_capacity(resamples); width],
            undefined: vec![0; width],
        }
    }

    fn record(&mut self, s: &[Option<f64>]) {
        assert_eq!(
            s.len(),
            self.values.len(),
            "a statistic gives `width` values"
        );
        for (k, v) in s.iter().enumerate() {
            match v {
                Some(v) => self.values[k].push(*v),
                None => self.undefined[k] += 1,
            }
        }
    }

    fn into_distributions(self) -> Vec<Distribution> {
        self.values
            .into_iter()
            .zip(self.undefined)
            .map(|(v, u)| Distribution::new(v, u))
            .collect()
    }
}

/// Resamples whose draws are made while the previous ones' statistics are computed
/// ([`bootstrap_with_par`]).
const CHUNK: usize = 64;

/// [`bootstrap_with`] with the resamples' statistics computed in parallel, for statistics that
/// cost more than their draws: the draws are made from `rng` in the same order (a chunk of
/// resamples at a time, the next chunk drawn while the last one's statistics are computed) and
/// the values kept in resample order, so the distributions are bit for bit those of
/// [`bootstrap_with`], on any number of threads.
pub fn bootstrap_with_par<U, S>(
    rng: &mut ChaCha8Rng,
    units: usize,
    resamples: usize,
    width: usize,
    mut draw: impl FnMut(&mut ChaCha8Rng, usize) -> U + Send,
    statistic: impl Fn(&[U]) -> S + Sync,
) -> Vec<Distribution>
where
    U: Send + Sync,
    S: AsRef<[Option<f64>]> + Send,
{
    let mut tally = Tally::new(width, resamples);
    let mut draw_chunk = |rng: &mut ChaCha8Rng, first: usize, drawn: &mut Vec<U>| {
        drawn.clear();
        for _ in first..resamples.min(first + CHUNK) {
            for position in 0..units {
                drawn.push(draw(rng, position));
            }
        }
    };
    if units > 0 && resamples > 0 {
        let mut current: Vec<U> = Vec::with_capacity(units * CHUNK);
        let mut next: Vec<U> = Vec::with_capacity(units * CHUNK);
        draw_chunk(rng, 0, &mut current);
        let mut first: usize = 0;
        while first < resamples {
            let (_, stats): ((), Vec<S>) = rayon::join(
                || draw_chunk(rng, first + CHUNK, &mut next),
                || current.par_chunks(units).map(&statistic).collect(),
            );
            for s in &stats {
                tally.record(s.as_ref());
            }
            std::mem::swap(&mut current, &mut next);
            first += CHUNK;
        }
    }
    tally.into_distributions()
}

#[cfg(test)]
mod tests {
    use super::super::streams::Stream;
    use super::*;

    #[test]
    fn ci_at_95_is_the_2_5_and_97_5_percent_quantiles() {
        let d: Distribution = Distribution::new((0..=1000).rev().map(f64::from).collect(), 0);
        assert_eq!(tails(0.95), (0.025, 0.975));
        assert_eq!(d.ci(0.95), Some([25.0, 975.0]));
        assert_eq!(d.ci(0.9), Some([50.0, 950.0]));
        assert_eq!(Distribution::default().ci(0.95), None);
    }

    #[test]
    fn expanded_alpha_matches_the_published_tails() {
        // Hesterberg's expansion at 95%: 0.0231 at G = 100, 0.0159 at G = 20.
        let a100: f64 = expanded_alpha(100, 0.95).unwrap();
        let a20: f64 = expanded_alpha(20, 0.95).unwrap();
        assert!((a100 - 0.0231).abs() < 5e-5, "{a100}");
        assert!((a20 - 0.0159).abs() < 5e-5, "{a20}");
        assert_eq!(expanded_alpha(2, 0.95), None);
    }

    /// `jackknife` and `effective_ci` against numpy and scipy
    /// (scripts/reference/effective_interval_reference.py and its fixture).
    #[test]
    fn effective_interval_matches_the_reference() {
        let text: &str =
            include_str!("../../tests/fixtures/scoring/effective_interval_reference.json");
        let fixture: serde_json::Value = serde_json::from_str(text).unwrap();
        let floats = |v: &serde_json::Value| -> Vec<f64> {
            v.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect()
        };
        let close = |a: f64, b: f64, what: &str| {
            assert!(
                (a - b).abs() <= 1e-9 * b.abs().max(1.0),
                "{what}: {a} vs {b}"
            );
        };
        let cases = fixture["cases"].as_array().unwrap();
        assert_eq!(cases.len(), 4);
        for c in cases {
            let name: &str = c["name"].as_str().unwrap();
            let jack: Jackknife = jackknife(&floats(&c["leave_one_out"])).unwrap();
            close(jack.se, c["se"].as_f64().unwrap(), name);
            close(jack.effective, c["effective"].as_f64().unwrap(), name);
            let alpha: f64 = expanded_alpha_at(jack.effective, 0.95).unwrap();
            close(alpha, c["alpha"].as_f64().unwrap(), name);
            let d: Distribution = Distribution::new(floats(&c["values"]), 0);
            let estimate: f64 = c["estimate"].as_f64().unwrap();
            let [lo, hi] = d.effective_ci(0.95, estimate, &jack).unwrap();
            let want: Vec<f64> = floats(&c["interval"]);
            close(lo, want[0], name);
            close(hi, want[1], name);
        }
        // Fewer than 3 clusters, or an undefined one, have no jackknife.
        assert_eq!(jackknife(&[0.1, 0.2]), None);
        assert_eq!(jackknife(&[0.1, f64::NAN, 0.2]), None);
    }

    #[test]
    fn the_parallel_bootstrap_is_the_sequential_one_bit_for_bit() {
        let x: Vec<f64> = (0..37).map(|i| f64::from(i * i % 11) / 3.0).collect();
        let draw = |r: &mut ChaCha8Rng, _: usize| index_below(r, x.len());
        let statistic = |idx: &[usize]| -> Vec<Option<f64>> {
            let s: f64 = idx.iter().map(|&i| x[i]).sum::<f64>();
            vec![Some(s / idx.len() as f64), (s > 60.0).then_some(s)]
        };
        // Resample counts below, at and across the chunk size, and none.
        let mut undefined: usize = 0;
        for resamples in [0, 1, CHUNK - 1, CHUNK, 3 * CHUNK + 5] {
            let mut a: ChaCha8Rng = Stream::Partial.rng(7);
            let mut b: ChaCha8Rng = Stream::Partial.rng(7);
            let seq = bootstrap_with(&mut a, x.len(), resamples, 2, draw, statistic);
            let par = bootstrap_with_par(&mut b, x.len(), resamples, 2, draw, statistic);
            assert_eq!(seq, par, "{resamples} resamples");
            assert!(
                a == b,
                "the generator is left where the sequential draws leave it"
            );
            undefined += seq[1].undefined();
        }
        assert!(undefined > 0, "the test covers undefined values");
    }

    #[test]
    fn the_mean_of_resampled_means_is_the_mean_and_undefined_are_counted() {
        let x: Vec<f64> = (0..50).map(|i| f64::from(i % 7)).collect();
        let mean: f64 = x.iter().sum::<f64>() / 50.0;
        let mut rng: ChaCha8Rng = Stream::Partial.rng(3);
        let [m, none] = bootstrap_k(&mut rng, 50, 4000, |idx| {
            let s: f64 = idx.iter().map(|&i| x[i]).sum::<f64>() / idx.len() as f64;
            [Some(s), None]
        });
        assert!((m.mean().unwrap() - mean).abs() < 0.02, "{:?}", m.mean());
        let [lo, hi] = m.ci(0.95).unwrap();
        assert!(lo < mean && mean < hi);
        assert_eq!(none.undefined(), 4000);
        assert!(none.ci(0.95).is_none());
    }
}
