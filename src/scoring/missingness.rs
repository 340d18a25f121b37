//! What is missing from a score and how much single contexts or report choices move it.
//!
//! # Method
//! - `contexts_without_valid_report`: contexts with usable choices but no valid report (they
//!   leave the main score); `contexts_without_choices`: contexts with no usable choice.
//! - `out_of_range`: the main score (reports vs learned, pooled r) computed three ways for
//!   valid reports with a value outside [-100, 100]: `included` as they are (the score),
//!   `excluded` (those reports dropped before averaging a context's reports; a context left
//!   with none leaves the score), `clipped` (each value clipped to [-100, 100] first).
//!   `n_reports` counts such reports. If the three agree, the choice does not matter.
//! - `invalid_report_rate_reason`: set, with `invalid_report_rate` null, when the source
//!   cannot know how many reports were invalid (an imported release that dropped them);
//!   `invalid_report_rate_among_present` then gives the rate among the reports it kept.
//! - Influence: for each context of the main score, the pooled r without it; the
//!   [`INFLUENTIAL`] contexts with the largest |change| are listed, largest first (ties in
//!   input order).

use super::context::ContextSummary;
use super::input::ContextInput;
use super::stats::{Moments, pearson};
use crate::parsing::REPORT_RANGE;
use crate::types::{ContextId, Weights};
use serde::{Deserialize, Serialize};

/// How many of the most influential contexts are listed.
pub const INFLUENTIAL: usize = 5;

/// The main score under three treatments of out-of-range reports.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutOfRange {
    /// Valid reports with a value outside [-100, 100].
    pub n_reports: usize,
    pub r_included: Option<f64>,
    pub r_excluded: Option<f64>,
    pub r_clipped: Option<f64>,
    /// Contexts in the score when those reports are excluded (named `n_contexts_excluded`
    /// before, which read as the contexts left out).
    #[serde(alias = "n_contexts_excluded")]
    pub n_contexts_when_excluded: usize,
    /// Contexts that leave the score when those reports are excluded (every valid report of
    /// theirs was out of range).
    #[serde(default)]
    pub n_contexts_dropped_when_excluded: usize,
}

/// The `missingness` block of the summary.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Missingness {
    pub contexts_without_valid_report: Vec<ContextId>,
    pub contexts_without_choices: Vec<ContextId>,
    pub out_of_range: Option<OutOfRange>,
    pub invalid_report_rate_reason: Option<String>,
    /// With a reason above: the invalid rate among the reports the source kept.
    pub invalid_report_rate_among_present: Option<f64>,
}

/// One context's leverage on the main score.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InfluentialContext {
    pub id: ContextId,
    /// Pooled r without this context.
    pub r_without: Option<f64>,
    /// r_without - r.
    pub change: Option<f64>,
}

fn mean_of(reports: &[Weights]) -> Option<Weights> {
    let n: f64 = reports.len() as f64;
    (!reports.is_empty()).then(|| {
        Weights(std::array::from_fn(|k| {
            reports.iter().map(|w| w.0[k]).sum::<f64>() / n
        }))
    })
}

fn pooled(pairs: &[(Weights, Weights)]) -> Option<f64> {
    let x: Vec<f64> = pairs.iter().flat_map(|(a, _)| a.0).collect();
    let y: Vec<f64> = pairs.iter().flat_map(|(_, b)| b.0).collect();
    pearson(&x, &y)
}

/// The missingness block. `inputs` and `contexts` are in the same order.
pub fn missingness(inputs: &[ContextInput], contexts: &[ContextSummary]) -> Missingness {
    let mut out: Missingness = Missingness::default();
    let (mut inc, mut exc, mut clip) = (Vec::new(), Vec::new(), Vec::new());
    let mut n_oor: usize = 0;
    for (c, s) in inputs.iter().zip(contexts) {
        if s.n_trials == 0 {
            out.contexts_without_choices.push(s.id.clone());
            continue;
        }
        if s.reported.is_none() {
            out.contexts_without_valid_report.push(s.id.clone());
            continue;
        }
        let valid: Vec<(Weights, bool)> = c
            .reports
            .iter()
            .filter_map(|r| r.valid_weights().map(|w| (w, r.out_of_range)))
            .collect();
        n_oor += valid.iter().filter(|(_, o)| *o).count();
        let all: Vec<Weights> = valid.iter().map(|(w, _)| *w).collect();
        let kept: Vec<Weights> = valid.iter().filter(|(_, o)| !o).map(|(w, _)| *w).collect();
        let clipped: Vec<Weights> = all
            .iter()
            .map(|w| Weights(w.0.map(|v| v.clamp(REPORT_RANGE.0, REPORT_RANGE.1))))
            .collect();
        let Some(learned) = s.learned else {
            continue;
        };
        inc.extend(mean_of(&all).map(|m| (m, learned)));
        exc.extend(mean_of(&kept).map(|m| (m, learned)));
        clip.extend(mean_of(&clipped).map(|m| (m, learned)));
    }
    if !inc.is_empty() {
        out.out_of_range = Some(OutOfRange {
            n_reports: n_oor,
            r_included: pooled(&inc),
            r_excluded: pooled(&exc),
            r_clipped: pooled(&clip),
            n_contexts_when_excluded: exc.len(),
            n_contexts_dropped_when_excluded: inc.len() - exc.len(),
        });
    }
    out
}

/// The contexts of the main score whose removal moves the pooled r most.
pub fn influence(contexts: &[ContextSummary]) -> Vec<InfluentialContext> {
    let kept: Vec<(&ContextId, Moments)> = contexts
        .iter()
        .filter(|c| c.n_trials > 0)
        .filter_map(|c| Some((&c.id, Moments::of(&c.reported?.0, &c.learned?.0))))
        .collect();
    let mut total: Moments = Moments::default();
    kept.iter().for_each(|(_, m)| total.add(m));
    let Some(r) = total.r() else {
        return Vec::new();
    };
    let mut all: Vec<InfluentialContext> = kept
        .iter()
        .map(|(id, m)| {
            let mut t: Moments = total;
            t.sub(m);
            let without: Option<f64> = t.r();
            InfluentialContext {
                id: (*id).clone(),
                r_without: without,
                change: without.map(|w| w - r),
            }
        })
        .collect();
    // Stable sort: undefined changes last, then by |change| descending.
    all.sort_by(|a, b| {
        let key = |c: &InfluentialContext| c.change.map_or(-1.0, f64::abs);
        key(b).total_cmp(&key(a))
    });
    all.truncate(INFLUENTIAL);
    all
}
