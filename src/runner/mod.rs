//! The runner: asks a provider every request of a run and keeps the answers in a run bundle.
//!
//! [`config`] turns the command line into a validated [`config::RunConfig`]; [`plan`] lists the
//! requests; [`execute`] sends them through the providers' `Resilient` wrapper (limits, retries) and the [`cache`] and
//! appends [`sample`]s to the [`bundle`] through [`journal`]s that survive a kill; [`score_input`]
//! turns a bundle back into the scoring engine's input; [`import_csv`] builds a bundle from the
//! original study's CSV data release; [`subset`] says which contexts of a split a run asks;
//! [`adaptive`] releases an adaptive design's choices round by round.

pub mod adaptive;
pub mod bundle;
pub mod cache;
pub mod check;
pub mod config;
pub mod execute;
pub mod harness;
pub mod import_csv;
pub mod journal;
pub mod plan;
pub mod position;
pub mod progress;
pub mod sample;
pub mod score_input;
pub mod softlabel;
pub mod subset;

pub use bundle::{Bundle, RunManifest, RunStatus};
pub use config::RunConfig;
pub use execute::{RunOutcome, execute};
pub use sample::{Sample, SampleKey};
