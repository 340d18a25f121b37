//! The settings of a score: the resampling seed and sizes, and the label rule.

use serde::{Deserialize, Serialize};

/// Settings of [`super::score`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScoreOptions {
    /// Seeds every resampling stream: the same inputs and seed give byte-identical summaries.
    pub seed: u64,
    /// Context-bootstrap resamples per interval (default 2,000).
    pub bootstrap_resamples: usize,
    /// Permutations for each null baseline (default 1,000).
    pub null_permutations: usize,
    /// Use P(A) from log-probabilities when present (default true).
    pub use_soft_labels: bool,
}

impl Default for ScoreOptions {
    fn default() -> ScoreOptions {
        ScoreOptions {
            seed: 0,
            bootstrap_resamples: 2000,
            null_permutations: 1000,
            use_soft_labels: true,
        }
    }
}
