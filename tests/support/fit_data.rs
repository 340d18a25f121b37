//! The contexts file that the Python comparison scripts write for selfinterp to fit:
//! `[{"diff": [[d1..d5], ...], "p_a": [0/1, ...], "target": [w1..w5]}, ...]`, `target` (the
//! simulated true weights) only from scripts/compare/fit.py. Read by the ignored timing test
//! in tests/estimation.rs (for scripts/reference/fit_timing.py) and, through `#[path]`, by
//! examples/compare_fit.rs (for scripts/compare/fit.py).

use selfinterp::estimation::Trial;
use selfinterp::types::N_ATTR;
use std::path::Path;

/// One context: its trials' normalised differences and labels, in trial order.
#[derive(serde::Deserialize)]
pub struct FitContext {
    pub diff: Vec<[f64; N_ATTR]>,
    pub p_a: Vec<f64>,
    pub target: Option<[f64; N_ATTR]>,
}

impl FitContext {
    /// The context's trials, each of weight 1.
    pub fn trials(&self) -> Vec<Trial> {
        self.diff
            .iter()
            .zip(&self.p_a)
            .map(|(d, y)| Trial::new(*d, *y, 1.0).unwrap())
            .collect()
    }
}

/// Every context in the file at `path`; panics when it cannot be read or parsed.
pub fn read(path: impl AsRef<Path>) -> Vec<FitContext> {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}
