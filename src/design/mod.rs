//! Pair-selection designs: which option pairs to ask a context next, and what they save.
//!
//! - [`adaptive`]: [`AdaptiveDesign::next_batch`] picks a context's next pairs from a seeded
//!   candidate pool (`benchmark::rng`, `Purpose::Runtime`) given what was observed so far,
//!   by sequential Bayesian D-optimality, closeness to the decision boundary, or at random
//!   (the study's design).
//! - [`efficiency`]: measures, on simulated agents with the study's choice noise, how many
//!   pairs per context each label kind (hard letters, soft P(A)) and design needs to reach
//!   the precision of the study's protocol (100 hard-labelled random pairs).
//!
//! The runner calls `next_batch` per context, in rounds: ask the batch, record the answers,
//! call again with all observations, until the context's pair budget is spent.

pub mod adaptive;
pub mod efficiency;

pub use adaptive::{AdaptiveDesign, Criterion, Observation};
pub use efficiency::{Arm, CurvePoint, EfficiencyTable, LabelModel, Setup, efficiency_table};
