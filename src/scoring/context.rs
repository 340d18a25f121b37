//! One context's results in a summary: its learned and reported weights and fit.

use crate::types::{ContextId, N_ATTR, Weights};
use serde::{Deserialize, Serialize};

/// Per-context results, as listed under `contexts` in the JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ContextSummary {
    pub id: ContextId,
    /// Learned weights (max |b| = 100); all zero when no choice was usable.
    pub learned: Weights,
    /// Mean of the valid reports, or null.
    pub reported: Option<Weights>,
    pub target: Option<Weights>,
    /// Choice observations (all, valid or not).
    pub n_choices: usize,
    /// Choices that entered the fit.
    pub n_trials: usize,
    pub n_reports: usize,
    pub n_reports_valid: usize,
    pub intercept: f64,
    pub intercept_se: f64,
    pub slopes: [f64; N_ATTR],
    pub slope_se: [f64; N_ATTR],
    pub converged: bool,
    /// Within-context r between reported and learned weights.
    pub per_context_r: Option<f64>,
    /// This context's agreement with its profile's rule.
    pub choice_agreement: Option<f64>,
}
