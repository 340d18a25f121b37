//! selfinterp: measures whether a language model can say what drives its own decisions.
//!
//! Data flows through the stages in this order: `catalogue` (authored contexts) ->
//! `benchmark` (the seeded freeze) -> `prompts` -> `providers` / `runner` (samples) ->
//! `parsing` -> `estimation` (behavioural weights) -> `scoring` -> `reports` / `leaderboard`.
//! `experiments` combines runs the way the study did. `probability` (the logistic function,
//! normal draws) and `types` are leaves every stage may use.
//!
//! Each stage's submodules are private: a public stage module re-exports what it offers. The
//! command line (`src/cli/`) is a private module too, reached only through [`cli_main`] (what
//! the `selfinterp` binary calls): it parses arguments, calls these stages and prints.

// The command line names the library as `selfinterp::...`, as it did when it was the binary's.
extern crate self as selfinterp;

pub mod batch;
pub mod benchmark;
pub mod bundle;
pub mod catalogue;
mod cli;
pub mod design;
pub mod estimation;
pub mod experiments;
pub mod import;
pub mod leaderboard;
mod limits;
mod loopback;
pub mod parsing;
pub mod planner;
pub mod probability;
pub mod prompts;
pub mod providers;
pub mod reports;
pub mod runner;
pub mod scoring;
pub mod sim;
mod table;
pub mod types;
pub mod view;

/// Runs the `selfinterp` command line on this process's arguments and returns its exit code
/// (the README's table): what the `selfinterp` binary does.
pub fn cli_main() -> i32 {
    cli::main()
}
