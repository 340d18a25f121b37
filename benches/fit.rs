//! Fitting speed: 1,000 contexts x 100 trials (the native-preference design at 10x the
//! study's context count), plus one context alone. Data are simulated with a fixed seed.

use criterion::{Criterion, criterion_group, criterion_main};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use selfinterp::estimation::{Fit, Trial, fit};
use selfinterp::types::N_ATTR;
use std::hint::black_box;

fn simulate(contexts: usize, trials: usize) -> Vec<Vec<Trial>> {
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
                    let a: bool = rng.random_range(0.0..1.0) < 1.0 / (1.0 + (-eta).exp());
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

fn bench_fit(c: &mut Criterion) {
    let data: Vec<Vec<Trial>> = simulate(1000, 100);
    c.bench_function("fit 1000 contexts x 100 trials", |b| {
        b.iter(|| {
            let fits: Vec<Fit> = data.iter().map(|t| fit(black_box(t))).collect();
            black_box(fits)
        })
    });
    c.bench_function("fit 1 context x 100 trials", |b| {
        b.iter(|| fit(black_box(&data[0])))
    });
}

criterion_group!(benches, bench_fit);
criterion_main!(benches);
