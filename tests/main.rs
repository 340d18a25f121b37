
//! The single integration-test binary: one module per concept.

mod benchmark;
mod catalogue;
mod experiments;
mod estimation;
mod support;
mod providers;
mod runner;
mod import;
mod parsing;
mod scoring;
mod quality;
mod reports;
mod leaderboard;
mod design;
