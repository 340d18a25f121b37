//! selfinterp: measures whether a language model can say what drives its own decisions.
//!
//! Data flows through the stages in this order: `catalogue` (authored contexts) ->
//! `benchmark` (the seeded freeze) -> `prompts` -> `providers` / `runner` (samples) ->
//! `parsing` -> `estimation` (behavioural weights) -> `scoring` -> `reports` / `leaderboard`.
//! `experiments` combines runs the way the study did. `probability` (the logistic function,
//! normal draws) and `types` are leaves every stage may use. The command line is the binary's
//! (`src/main.rs`, `src/cli/`), not part of the library: it only wires these stages.

pub mod batch;
pub mod benchmark;
pub mod bundle;
pub mod catalogue;
pub mod design;
pub mod estimation;
pub mod experiments;
pub mod import;
pub mod leaderboard;
pub mod limits;
pub mod loopback;
pub mod parsing;
pub mod planner;
pub mod probability;
pub mod prompts;
pub mod providers;
pub mod reports;
pub mod runner;
pub mod scoring;
pub mod sim;
pub mod table;
pub mod types;
pub mod view;
