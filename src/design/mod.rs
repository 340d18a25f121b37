//! Pair-selection designs: which option pairs to ask a context next, and what they save.
//!
//! - `adaptive`: [`AdaptiveDesign::next_batch`] picks a context's next pairs from a seeded
//!   candidate pool (`benchmark::rng`, `Purpose::Runtime`) given what was observed so far,
//!   by sequential Bayesian D-optimality, closeness to the decision boundary, or at random
//!   (the study's design).
//! - `crate::sim::efficiency` (next to the simulated agents it runs on): measures, with the
//!   study's choice noise, how many pairs per context each label kind (hard letters, soft
//!   P(A)) and design needs to reach the precision of the study's protocol (100
//!   hard-labelled random pairs).
//!
//! The runner calls `next_batch` per context, in rounds (`selfinterp run --design adaptive`,
//! `crate::bundle::rounds`): ask the batch, record the answers, call again with all
//! observations, until the context's pair budget is spent.
//!
//! Measured through the runner (`adaptive_design_recovers_a_faithful_agent_at_least_as_well_as_random`
//! in tests/runner.rs: faithful sim agent, 40 contexts, rounds of 5, 32 candidates per pick,
//! one seed): r(learned, true weights) at 40 pairs per context is 0.9966 adaptive vs 0.9822
//! random with soft labels, 0.9696 vs 0.9223 with letters only; adaptive reaches random's
//! r at 100 pairs (0.9976 soft, 0.9696 letters) with 45 pairs per context, i.e. 55% fewer
//! choice calls. The sim agent follows the fitted model exactly, so this is an upper bound
//! for real models (see `adaptive`'s caveats).

pub(crate) mod adaptive;

pub use adaptive::{AdaptiveDesign, Criterion, Observation};
