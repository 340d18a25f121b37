//! The `--reports-from` control: one run's learned weights (and targets) scored against
//! another run's reports on the same contexts, exactly as a run is scored against its own.
//! If the reports track the instilled behaviour only because the other model shares its
//! priors, this scores as high as the real thing; the study found r near 0.

use super::{ContextInput, ScoreError, ScoreOptions, Summary, score};
use crate::types::ContextId;
use std::collections::HashMap;

/// `choices` with every context's reports replaced by those of the same context in
/// `reports` (none when that run did not ask it). Targets and choices stay `choices`'.
pub fn with_reports_from(choices: &[ContextInput], reports: &[ContextInput]) -> Vec<ContextInput> {
    let by_id: HashMap<&ContextId, &ContextInput> = reports.iter().map(|c| (&c.id, c)).collect();
    choices
        .iter()
        .map(|c| ContextInput {
            reports: by_id
                .get(&c.id)
                .map(|r| r.reports.clone())
                .unwrap_or_default(),
            ..c.clone()
        })
        .collect()
}

/// The control's score: `choices`' behaviour against `reports`' reports.
pub fn control(
    choices: &[ContextInput],
    reports: &[ContextInput],
    opts: &ScoreOptions,
) -> Result<Summary, ScoreError> {
    score(&with_reports_from(choices, reports), opts)
}
