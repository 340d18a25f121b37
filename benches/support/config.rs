//! The Criterion settings of the benches that time many groups in one run: one second of
//! warm-up, three of measurement, 20 samples, so a whole bench finishes in minutes.

use criterion::Criterion;
use std::time::Duration;

pub fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(20)
}
