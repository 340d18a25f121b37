//! `summary.json`: the scoring engine's [`Summary`] of a bundle's samples plus what only a
//! bundle knows (the position-bias block of a counterbalanced run).
//!
//! Written and read back through serde ([`BundleSummary`]), never assembled or read by string
//! keys. Its bytes are a pure function of the samples, the manifest and the contexts, which
//! `selfinterp validate` checks byte for byte.

use super::RunManifest;
use super::position::{PositionBias, counterbalanced, position_bias, with_intercept};
use super::sample::Sample;
use super::score_input::{ContextTable, ScoreInputError, summary};
use crate::scoring::Summary;
use serde::{Deserialize, Serialize};

/// The content of `summary.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BundleSummary {
    /// The scores, at the top level of the object.
    #[serde(flatten)]
    pub score: Summary,
    /// Counterbalanced runs only (some choice asked swapped); absent otherwise, so every
    /// other summary keeps the exact bytes it had before the block existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position_bias: Option<PositionBias>,
    /// Observer runs only (`run --experiment observe`): the run's own reports against the
    /// observer's and an ideal observer's on the observed run's held-out choices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privileged_access: Option<crate::scoring::privileged::PrivilegedAccess>,
}

impl BundleSummary {
    /// Scores a bundle's samples against `table`'s contexts.
    pub fn of(
        samples: &[Sample],
        manifest: &RunManifest,
        table: ContextTable<'_>,
    ) -> Result<BundleSummary, ScoreInputError> {
        let score: Summary = summary(samples, manifest, table)?;
        let position_bias: Option<PositionBias> =
            counterbalanced(samples).then(|| with_intercept(position_bias(samples), &score));
        Ok(BundleSummary {
            score,
            position_bias,
            privileged_access: None,
        })
    }

    /// The bytes of `summary.json`: pretty JSON, newline-terminated.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut text: Vec<u8> = serde_json::to_vec_pretty(self).expect("summary serialises");
        text.push(b'\n');
        text
    }
}
