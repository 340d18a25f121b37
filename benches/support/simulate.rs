//! The data generator shared by the fitting benches: slopes uniform(-4, 4), intercept 0.2,
//! scaled differences of two uniform draws, hard labels; ChaCha8 seed 42, so every bench
//! times the same data.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use selfinterp::estimation::Trial;
use selfinterp::probability::logistic;
use selfinterp::types::N_ATTR;

pub fn simulate(contexts: usize, trials: usize) -> Vec<Vec<Trial>> {
    let mut rng: ChaCha8Rng = ChaCha8Rng::seed_from_u64(42);
    (0..contexts)
        .map(|_| {
            let w: [f64; N_ATTR] = std::array::from_fn(|_| rng.random_range(-4.0..4.0));
            (0..trials)
                .map(|_| {
                    let diff: [f64; N_ATTR] = std::array::from_fn(|_| {
                        rng.random_range(0.0..1.0) - rng.random_range(0.0..1.0)
                    });
                    let eta: f64 = 0.2 + (0..N_ATTR).map(|k| w[k] * diff[k]).sum::<f64>();
                    let a: bool = rng.random_range(0.0..1.0) < logistic(eta);
                    Trial {
                        diff,
                        p_a: if a { 1.0 } else { 0.0 },
                        weight: 1.0,
                    }
                })
                .collect()
        })
        .collect()
}
