//! The single integration-test binary: one module per concept.

mod benchmark;
mod browser;
mod catalogue;
mod design;
mod estimation;
mod experiments;
mod fuzz;
mod import;
mod install;
mod json_flag;
mod layout;
mod leaderboard;
mod observer;
mod parsing;
mod planner_real;
mod providers;
mod quality;
mod reliability;
mod reports;
mod runner;
mod scoring;
mod statistics;
mod support;
mod table;
mod threads;
mod view;
