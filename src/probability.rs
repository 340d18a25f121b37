//! The logistic function and standard normal draws: the one copy the fit, the simulated
//! agents, the planner, the adaptive design and the efficiency study share (a leaf module:
//! it imports nothing from the crate).
//!
//! `estimation::reference` keeps its own logistic on purpose: it is the frozen oracle the
//! fast fit's bits are checked against, so it must not move when this module does.

use rand::Rng;
use rand_distr::StandardNormal;

/// logistic(x) = 1 / (1 + exp(-x)), the probability of "A" at linear predictor `x`.
///
/// Evaluated through exp(-|x|), which never overflows; for x < 0 as e / (1 + e), so a small
/// probability keeps its relative precision instead of being 1 over a rounded large number.
#[inline]
pub fn logistic(x: f64) -> f64 {
    logistic_from(x, (-x.abs()).exp())
}

/// [`logistic`] of `x` given `e` = exp(-|x|), for callers that already computed `e` (the fit
/// uses the same factor for its log-likelihood, so it is computed once per trial).
#[inline]
pub fn logistic_from(x: f64, e: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + e)
    } else {
        e / (1.0 + e)
    }
}

/// One standard normal draw (mean 0, sd 1), by `rand_distr`'s ziggurat sampler.
#[inline]
pub fn standard_normal<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    rng.sample(StandardNormal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn logistic_matches_the_definition_and_its_limits() {
        for x in [-30.0, -5.0, -1.0, -1e-9, 0.0, 0.3, 2.0, 12.0, 40.0] {
            let direct: f64 = 1.0 / (1.0 + f64::exp(-x));
            assert!(
                (logistic(x) - direct).abs() <= 1e-15 * direct.max(1e-300),
                "{x}"
            );
            // Symmetry: logistic(-x) = 1 - logistic(x).
            assert!((logistic(-x) - (1.0 - logistic(x))).abs() < 1e-15, "{x}");
        }
        assert_eq!(logistic(0.0), 0.5);
        assert_eq!(logistic(f64::INFINITY), 1.0);
        assert_eq!(logistic(f64::NEG_INFINITY), 0.0);
        assert_eq!(logistic(1e6), 1.0);
        assert_eq!(logistic(-1e6), 0.0);
        // Far in the lower tail the value is exp(x) to full relative precision.
        let x: f64 = -700.0;
        assert!((logistic(x) / x.exp() - 1.0).abs() < 1e-15);
    }

    #[test]
    fn normal_draws_have_mean_0_sd_1_and_normal_tails() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let n: usize = 200_000;
        let xs: Vec<f64> = (0..n).map(|_| standard_normal(&mut rng)).collect();
        let mean: f64 = xs.iter().sum::<f64>() / n as f64;
        let var: f64 = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        // Standard errors: mean 1/sqrt(n) = 0.0022, variance sqrt(2/n) = 0.0032; 5 of each.
        assert!(mean.abs() < 0.011, "mean {mean}");
        assert!((var - 1.0).abs() < 0.016, "variance {var}");
        // P(|Z| > 1.96) = 0.05 (se 0.0005) and P(|Z| > 3) = 0.0027 (se 0.00012).
        let beyond = |c: f64| xs.iter().filter(|x| x.abs() > c).count() as f64 / n as f64;
        assert!((beyond(1.96) - 0.05).abs() < 0.0025, "{}", beyond(1.96));
        assert!((beyond(3.0) - 0.0027).abs() < 0.0006, "{}", beyond(3.0));
    }
}
