//! The scoring input, independent of any file format: what a run bundle, an imported CSV
//! or a simulation must provide for each context.

use crate::parsing::{ChoiceStatus, ReportStatus};
use crate::types::{Choice, ContextId, N_ATTR, Pair, Weights};
use serde::{Deserialize, Serialize};

/// One answered choice prompt.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChoiceObs {
    /// The pair as displayed (A first).
    pub pair: Pair,
    /// Soft label P(A) from token log-probabilities, when the provider gave them.
    pub p_a: Option<f64>,
    /// The parsed choice; `None` when the answer was invalid or empty.
    pub choice: Option<Choice>,
    /// How the answer parsed.
    pub status: ChoiceStatus,
}

/// One answered report prompt.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportObs {
    /// How the answer parsed.
    pub status: ReportStatus,
    /// The reported weights; used only when `status` is `valid`.
    pub weights: Option<Weights>,
    /// A valid report with a value outside the report range (kept as given, never clipped).
    pub out_of_range: bool,
}

/// Everything scored about one context.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ContextInput {
    /// The context.
    pub id: ContextId,
    /// (min, max) of each attribute, min < max.
    pub ranges: [(f64, f64); N_ATTR],
    /// The hidden profile's weights (instilled runs); `None` for native preferences.
    pub target: Option<Weights>,
    /// Its answered choices.
    pub choices: Vec<ChoiceObs>,
    /// Its answered reports.
    pub reports: Vec<ReportObs>,
}

impl ReportObs {
    /// The status the score counts: a report given as valid with a value beyond
    /// [`crate::parsing::IMPLAUSIBLE_MAGNITUDE`] (from a bundle written before that status, an
    /// import or a hand edit) is `implausible_magnitude`, whatever its source said.
    pub fn status(&self) -> ReportStatus {
        match (self.status, &self.weights) {
            (ReportStatus::Valid, Some(w)) if !crate::parsing::plausible(&w.0) => {
                ReportStatus::ImplausibleMagnitude
            }
            (s, _) => s,
        }
    }

    /// The weights of a valid report, else `None`.
    pub fn valid_weights(&self) -> Option<Weights> {
        match self.status() {
            ReportStatus::Valid => self.weights,
            _ => None,
        }
    }
}
