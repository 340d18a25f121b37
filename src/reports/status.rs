//! The parsing tables: how many answers had each parse status, whether they count in the
//! score, and a few raw answers of each.
//!
//! One vocabulary for reports everywhere (this table, the headline, the overview sentence):
//! a report is *valid* when it parses to five numbers within ±1,000,000
//! ([`crate::parsing::IMPLAUSIBLE_MAGNITUDE`]); a valid report is *in range* or *out of
//! range* (a weight outside -100..100). Every valid report counts in the score, an
//! out-of-range one as given (never clipped); invalid reports never count.

use crate::bundle::sample::{KindKey, Order, Sample};
use crate::scoring::Summary;
use crate::types::ContextId;
use serde::Serialize;
use std::collections::BTreeMap;

/// Raw answers shown per parse status.
pub const EXAMPLES_PER_STATUS: usize = 3;
/// Longest raw answer shown, in characters (longer ones are cut and marked).
pub const EXAMPLE_CHARS: usize = 240;
/// Status key of valid reports with every weight within -100..100.
pub const VALID_IN_RANGE: &str = "valid_in_range";
/// Status key of valid reports with a weight outside -100..100.
pub const VALID_OUT_OF_RANGE: &str = "valid_out_of_range";

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Example {
    pub context: ContextId,
    pub index: usize,
    pub order: Order,
    /// The raw answer, cut to [`EXAMPLE_CHARS`] characters.
    pub response: String,
    pub truncated: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StatusRow {
    /// The parse status (snake_case); valid reports are split into [`VALID_IN_RANGE`] and
    /// [`VALID_OUT_OF_RANGE`].
    pub status: String,
    /// The status in words.
    pub label: String,
    pub count: usize,
    pub share: Option<f64>,
    /// Whether answers with this status count in the score.
    pub usable: bool,
    /// How they count, in words ("yes", "yes, as given", "no").
    pub used: String,
    /// Up to [`EXAMPLES_PER_STATUS`] raw answers (none for the exact forms).
    pub examples: Vec<Example>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Failures {
    pub choices: Vec<StatusRow>,
    pub reports: Vec<StatusRow>,
    /// Set where the invalid-report rate is unknown (an imported release that lists only the
    /// reports it kept): the reports' counts are of those kept, their shares unknown (null).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reports_unknown: Option<String>,
}

/// Under the reports' parsing table of a source whose dropped reports are unknown.
pub const REPORTS_UNKNOWN: &str = "The data release lists only the reports it kept: the counts \
are of those, and the share of each status among all the reports the model gave is unknown (–), \
so is the number of invalid reports.";

/// The start of an answer for a report, without control characters (a report may be
/// printed to a terminal).
fn cut(text: &str) -> (String, bool) {
    let text: &str = &crate::providers::sanitise::printable(text);
    match text.char_indices().nth(EXAMPLE_CHARS) {
        Some((i, _)) => (text[..i].to_string(), true),
        None => (text.to_string(), false),
    }
}

fn examples<'a>(matching: impl Iterator<Item = &'a Sample>) -> Vec<Example> {
    matching
        .take(EXAMPLES_PER_STATUS)
        .map(|s| {
            let (response, truncated) = cut(&s.response);
            Example {
                context: s.context.clone(),
                index: s.index,
                order: s.order,
                response,
                truncated,
            }
        })
        .collect()
}

fn share(count: usize, total: usize) -> Option<f64> {
    (total > 0).then(|| count as f64 / total as f64)
}

fn choice_rows(s: &Summary, samples: &[Sample]) -> Vec<StatusRow> {
    use crate::parsing::ChoiceStatus;
    let total: usize = s.choice_status_counts.values().sum();
    ChoiceStatus::ALL
        .iter()
        .map(|c| {
            let status: &str = c.as_str();
            let count: usize = s.choice_status_counts.get(status).copied().unwrap_or(0);
            let shown: Vec<Example> = if *c == ChoiceStatus::Exact {
                Vec::new()
            } else {
                examples(
                    samples
                        .iter()
                        .filter(|x| x.kind == KindKey::Choice && x.status == status),
                )
            };
            StatusRow {
                status: status.to_string(),
                label: status.replace('_', " "),
                count,
                share: share(count, total),
                usable: c.is_valid(),
                used: if c.is_valid() { "yes" } else { "no" }.into(),
                examples: shown,
            }
        })
        .collect()
}

fn report_rows(s: &Summary, samples: &[Sample]) -> Vec<StatusRow> {
    use crate::parsing::ReportStatus;
    let counts: &BTreeMap<String, usize> = &s.report_status_counts;
    let total: usize = counts.values().sum();
    let valid: usize = counts
        .get(ReportStatus::Valid.as_str())
        .copied()
        .unwrap_or(0);
    let oor: usize = s.n_reports_out_of_range.min(valid);
    let reports = || samples.iter().filter(|x| x.kind == KindKey::Report);
    let mut rows: Vec<StatusRow> = vec![
        StatusRow {
            status: VALID_IN_RANGE.into(),
            label: "valid, in range".into(),
            count: valid - oor,
            share: share(valid - oor, total),
            usable: true,
            used: "yes".into(),
            examples: Vec::new(),
        },
        StatusRow {
            status: VALID_OUT_OF_RANGE.into(),
            label: "valid, out of range (a weight outside -100..100)".into(),
            count: oor,
            share: share(oor, total),
            usable: true,
            used: "yes, as given (not clipped)".into(),
            examples: examples(
                reports().filter(|x| x.status == "valid" && x.out_of_range == Some(true)),
            ),
        },
    ];
    for r in ReportStatus::ALL
        .iter()
        .filter(|r| **r != ReportStatus::Valid)
    {
        let status: &str = r.as_str();
        let count: usize = counts.get(status).copied().unwrap_or(0);
        rows.push(StatusRow {
            status: status.to_string(),
            label: match r {
                ReportStatus::ImplausibleMagnitude => format!(
                    "invalid: implausible magnitude (a weight beyond ±{})",
                    crate::reports::text::count(crate::parsing::IMPLAUSIBLE_MAGNITUDE as usize)
                ),
                _ => format!("invalid: {}", status.replace('_', " ")),
            },
            count,
            share: share(count, total),
            usable: false,
            used: "no".into(),
            examples: examples(reports().filter(|x| x.status == status)),
        });
    }
    rows
}

/// Both parsing tables.
pub fn failures(s: &Summary, samples: &[Sample]) -> Failures {
    let unknown: bool = s
        .missingness
        .as_ref()
        .is_some_and(|m| m.invalid_report_rate_reason.is_some());
    let mut reports: Vec<StatusRow> = report_rows(s, samples);
    if unknown {
        reports.iter_mut().for_each(|r| r.share = None);
    }
    Failures {
        choices: choice_rows(s, samples),
        reports,
        reports_unknown: unknown.then(|| REPORTS_UNKNOWN.to_string()),
    }
}

/// Reports in one sentence, in the parsing table's words.
pub fn reports_sentence(s: &Summary) -> String {
    use super::text::{count, pct};
    let invalid: usize = s.n_reports - s.n_reports_valid;
    format!(
        "reports {}: {} valid and counted in the score ({} of them out of range, counted as \
given), {} invalid and not counted ({})",
        count(s.n_reports),
        count(s.n_reports_valid),
        count(s.n_reports_out_of_range),
        count(invalid),
        pct(s.invalid_report_rate)
    )
}
