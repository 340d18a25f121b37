//! The protocol's draws: hidden profiles, option pairs, display precision, utility.

use crate::types::{N_ATTR, Pair, Profile, Values, Weights};
use rand::Rng;

/// Decimals shown for an attribute of range width `w` (docs/protocol.md):
/// w < 1 gives |floor(log10 w)| + 1, 1 <= w <= 5 gives one, w > 5 gives none.
pub fn display_decimals(width: f64) -> u32 {
    if width < 1.0 {
        (width.log10().floor().abs() as u32) + 1
    } else if width <= 5.0 {
        1
    } else {
        0
    }
}

/// Rounds half away from zero to `decimals`, then through decimal text so the stored f64 is
/// the one nearest the displayed number.
pub fn round_to(v: f64, decimals: u32) -> f64 {
    let s = format!("{:.*}", decimals as usize, v);
    let r: f64 = s.parse().expect("formatted float parses");
    if r == 0.0 { 0.0 } else { r }
}

/// Five weights uniform(-100, 100), rescaled so the largest |w| is exactly 100, then
/// rounded to integers.
pub fn draw_profile<R: Rng>(rng: &mut R) -> Profile {
    let raw: [f64; N_ATTR] = std::array::from_fn(|_| rng.random_range(-100.0..100.0));
    let scaled = Weights(raw).rescaled_to_100();
    Profile(scaled.0.map(|w| w.round() as i32))
}

/// One pair: A's five values then B's, each uniform(min, max), rounded for display.
pub fn draw_pair<R: Rng>(
    rng: &mut R,
    ranges: &[(f64, f64); N_ATTR],
    decimals: &[u32; N_ATTR],
) -> Pair {
    let mut draw = || -> Values {
        Values(std::array::from_fn(|k| {
            let (lo, hi) = ranges[k];
            round_to(rng.random_range(lo..hi), decimals[k])
        }))
    };
    let a = draw();
    let b = draw();
    Pair { a, b }
}

/// Utility U = sum_k w_k (v_k - min_k) / (max_k - min_k).
pub fn utility(w: &Weights, v: &Values, ranges: &[(f64, f64); N_ATTR]) -> f64 {
    (0..N_ATTR)
        .map(|k| w.0[k] * (v.0[k] - ranges[k].0) / (ranges[k].1 - ranges[k].0))
        .sum()
}

/// The option a profile picks: the one of higher utility (A on an exact tie).
pub fn profile_choice(
    w: &Weights,
    pair: &Pair,
    ranges: &[(f64, f64); N_ATTR],
) -> crate::types::Choice {
    if utility(w, &pair.a, ranges) >= utility(w, &pair.b, ranges) {
        crate::types::Choice::A
    } else {
        crate::types::Choice::B
    }
}

/// (A_k - B_k) / (max_k - min_k): the regression's covariates for one pair.
pub fn scaled_difference(pair: &Pair, ranges: &[(f64, f64); N_ATTR]) -> [f64; N_ATTR] {
    std::array::from_fn(|k| (pair.a.0[k] - pair.b.0[k]) / (ranges[k].1 - ranges[k].0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_precision_follows_the_three_range_classes() {
        // w < 1: |floor(log10 w)| + 1 decimals.
        assert_eq!(display_decimals(0.5), 2);
        assert_eq!(display_decimals(0.09), 3);
        assert_eq!(display_decimals(0.999), 2);
        // 1 <= w <= 5: one decimal.
        assert_eq!(display_decimals(1.0), 1);
        assert_eq!(display_decimals(3.5), 1);
        assert_eq!(display_decimals(5.0), 1);
        // w > 5: whole numbers.
        assert_eq!(display_decimals(5.01), 0);
        assert_eq!(display_decimals(900.0), 0);
        assert_eq!(round_to(1.25, 1), 1.2_f64.max(round_to(1.25, 1)));
        assert_eq!(round_to(0.123456, 3), 0.123);
        assert_eq!(round_to(-0.0001, 2), 0.0);
    }
}
