//! Scores: how well reported, learned and target weights agree, with honest intervals.
//!
//! # Public API
//! - Input (file-format independent): [`ContextInput`] with its [`ChoiceObs`] and
//!   [`ReportObs`]. A run bundle reader or the CSV importer builds these.
//! - [`score`]`(&[ContextInput], &ScoreOptions) -> Result<Summary, ScoreError>`: fits each
//!   context, averages valid reports, and computes the three comparisons. [`Summary`]
//!   serializes (serde) to the JSON printed by `selfinterp score --json`.
//! - [`paired_comparison`]`(&Summary, &Summary, &PairedOptions) -> PairedComparison`: two
//!   conditions on the same contexts (difference in r, paired bootstrap interval,
//!   permutation p-value).
//! - Lower level: [`compare`] computes one [`Comparison`] from per-context weight pairs
//!   ([`ContextPoints`]); [`study_interval`] is the study's normal-theory interval.
//!
//! Methods and assumptions are stated in each submodule's documentation:
//! `summary` (what enters each score), `comparison` (each figure), `paired`.
//!
//! # Example
//! ```
//! use selfinterp::scoring::{score, ScoreOptions};
//! let summary = score(&[], &ScoreOptions::default()).unwrap();
//! assert!(summary.reports_vs_learned.is_none());
//! let json: String = serde_json::to_string(&summary).unwrap();
//! assert!(json.contains("\"learned_vs_target\":null"));
//! ```

pub(crate) mod bootstrap;
pub(crate) mod ceiling;
pub(crate) mod comparison;
pub(crate) mod context;
pub(crate) mod control;
pub(crate) mod describe;
mod draw;
pub(crate) mod fit_quality;
pub(crate) mod input;
pub(crate) mod missingness;
pub(crate) mod observer;
pub(crate) mod options;
pub(crate) mod paired;
pub(crate) mod partial;
pub(crate) mod privileged;
pub(crate) mod quality;
pub(crate) mod reliability;
pub(crate) mod runs;
pub(crate) mod stats;
pub(crate) mod streams;
pub(crate) mod summary;

pub use comparison::{bootstrap_intervals, fisher_jackknife_interval};
pub use describe::{calibration, describe, leave_one_out};
pub use partial::{Triple, partial_correlation};
pub use quality::{Quality, QualityFlag, assess, context_trials};
pub use reliability::{half_options, splits_for};
pub use runs::{RunComparison, compare_runs};
pub use stats::Moments;

pub use bootstrap::{Distribution, Jackknife, bootstrap, jackknife};
pub use comparison::{
    CompareOptions, Comparison, ContextPoints, NullBaseline, compare, study_interval,
};
pub use input::{ChoiceObs, ContextInput, ReportObs};
pub use observer::{ObserverPoint, ObserverScale, ideal_observer, observer_weights};
pub use paired::{PairedComparison, PairedOptions, paired_comparison, paired_on_moments};
pub use streams::Stream;
pub use summary::{
    ComparisonKind, ContextSummary, ScoreError, ScoreOptions, Summary, comparison_of, score,
};
