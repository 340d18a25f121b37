//! One context's results in a summary: its learned and reported weights and fit.

use crate::types::{ContextId, N_ATTR, Weights};
use serde::{Deserialize, Serialize};

/// Per-context results, as listed under `contexts` in the JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ContextSummary {
    /// The context's id.
    pub id: ContextId,
    /// Learned weights (max |b| = 100); null when no choice was usable (there is nothing to
    /// learn from, so no weights, rather than five zeros that read as an indifferent model).
    pub learned: Option<Weights>,
    /// Mean of the valid reports, or null.
    pub reported: Option<Weights>,
    /// The instilled profile's weights (instilled runs), or null.
    pub target: Option<Weights>,
    /// Choice observations (all, valid or not).
    pub n_choices: usize,
    /// Choices that entered the fit.
    pub n_trials: usize,
    /// Reports asked, parsed or not.
    pub n_reports: usize,
    /// Reports that parsed.
    pub n_reports_valid: usize,
    /// The fit's intercept (log-odds of "A" between equal options: position bias).
    pub intercept: f64,
    /// Its standard error.
    pub intercept_se: f64,
    /// The fit's slopes (log-odds per full attribute range), in attribute order.
    pub slopes: [f64; N_ATTR],
    /// Their standard errors.
    pub slope_se: [f64; N_ATTR],
    /// Whether the fit converged.
    pub converged: bool,
    /// Within-context r between reported and learned weights.
    pub per_context_r: Option<f64>,
    /// This context's agreement with its profile's rule.
    pub choice_agreement: Option<f64>,
}
