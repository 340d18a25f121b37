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
//! [`summary`] (what enters each score), [`comparison`] (each figure), [`paired`].
//!
//! # Example
//! ```
//! use selfinterp::scoring::{score, ScoreOptions};
//! let summary = score(&[], &ScoreOptions::default()).unwrap();
//! assert!(summary.reports_vs_learned.is_none());
//! let json: String = serde_json::to_string(&summary).unwrap();
//! assert!(json.contains("\"learned_vs_target\":null"));
//! ```

pub mod bootstrap;
pub mod ceiling;
pub mod comparison;
pub mod context;
pub mod control;
pub mod describe;
mod draw;
pub mod fit_quality;
pub mod input;
pub mod missingness;
pub mod observer;
pub mod options;
pub mod paired;
pub mod partial;
pub mod privileged;
pub mod quality;
pub mod reliability;
pub mod runs;
pub mod stats;
pub mod streams;
pub mod summary;

pub use bootstrap::{Distribution, bootstrap};
pub use comparison::{
    CompareOptions, Comparison, ContextPoints, NullBaseline, compare, study_interval,
};
pub use input::{ChoiceObs, ContextInput, ReportObs};
pub use observer::{ObserverPoint, ObserverScale, ideal_observer, observer_weights};
pub use paired::{PairedComparison, PairedOptions, paired_comparison};
pub use streams::Stream;
pub use summary::{
    ComparisonKind, ContextSummary, ScoreError, ScoreOptions, Summary, comparison_of, score,
};
