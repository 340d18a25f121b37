//! Fitting speed: 1,000 contexts x 100 trials (the native-preference design at 10x the
//! study's context count), plus one context alone. Data are simulated with a fixed seed.

use criterion::{Criterion, criterion_group, criterion_main};
use selfinterp::estimation::{Fit, Trial, fit};
use std::hint::black_box;

#[path = "support/simulate.rs"]
mod simulate;
use simulate::simulate;

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
