//! Uniform index draws for the resampling loops (bootstraps, permutations).
//!
//! Why not `rng.random_range(0..m)`: the resampling loops draw millions of indices per
//! score, and rand's generic `random_range` is an out-of-line call per draw that re-checks
//! its range every time. [`index_below`] is the same algorithm written out for this one
//! generator (rand 0.9's single-sample method for ranges below 2^32: one 32-bit word
//! multiplied by m, and a second word when the low half falls in the biased zone), so it
//! returns the same index from the same generator state and consumes the same words: every
//! figure is unchanged (tested against `random_range` below, including ranges near 2^32
//! where the second word is drawn often).

use rand::RngCore;
use rand_chacha::ChaCha8Rng;

/// An index in 0..m, exactly as `rng.random_range(0..m)` draws it. `m` must be in
/// 1..=u32::MAX (a resample of more than 2^32 contexts is not a use case).
#[inline]
pub(crate) fn index_below(rng: &mut ChaCha8Rng, m: usize) -> usize {
    debug_assert!(m >= 1 && m <= u32::MAX as usize);
    let range: u32 = m as u32;
    let wide: u64 = u64::from(rng.next_u32()) * u64::from(range);
    let (mut result, low): (u32, u32) = ((wide >> 32) as u32, wide as u32);
    if low > range.wrapping_neg() {
        let extra: u32 = ((u64::from(rng.next_u32()) * u64::from(range)) >> 32) as u32;
        result += u32::from(low.checked_add(extra).is_none());
    }
    result as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    #[test]
    fn the_same_draws_as_random_range() {
        // Small ranges (the common case) and ranges near 2^32, where the second word is
        // needed for about m / 2^32 of the draws.
        for m in [
            1_usize,
            2,
            3,
            7,
            20,
            1000,
            65_537,
            3_000_000_000,
            u32::MAX as usize,
        ] {
            let mut a: ChaCha8Rng = ChaCha8Rng::seed_from_u64(m as u64);
            let mut b: ChaCha8Rng = a.clone();
            for _ in 0..200_000 {
                assert_eq!(index_below(&mut a, m), b.random_range(0..m), "m = {m}");
            }
            // Both generators consumed the same words.
            assert_eq!(a.next_u64(), b.next_u64());
        }
    }
}
