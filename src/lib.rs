//! selfinterp: measures whether a language model can say what drives its own decisions.
//!
//! Data flows through the stages in this order: `catalogue` (authored contexts) ->
//! `benchmark` (the seeded freeze) -> `prompts` -> `providers` / `runner` (samples) ->
//! `parsing` -> `estimation` (behavioural weights) -> `scoring` -> `reports` / `leaderboard`.
//! `experiments` combines runs the way the study did. `probability` (the logistic function,
//! normal draws) and `types` are leaves every stage may use.
//!
//! The entry points of each stage are re-exported here, at the crate root (listed, one line
//! each, in `docs/architecture.md`, *The public API*); each public stage module re-exports
//! the lower-level pieces it offers, and its submodules are private. The command line
//! (`src/cli/`) is a private module too, reached only through [`cli_main`] (what the
//! `selfinterp` binary calls): it parses arguments, calls these stages and prints.
//!
//! The examples below run from the checkout's root (where `cargo test` runs them): the
//! benchmark versions are under `benchmark/`, the catalogue under `domains/`.
//!
//! # Run a simulated session
//! A simulated agent with known weights answers in process; the bundle goes to a directory.
//! ```
//! use selfinterp::{Ending, Experiment, Preset, ProviderKind, RunRequest, Session, Silent};
//! use std::path::Path;
//!
//! let tmp = tempfile::tempdir()?;
//! let mut req = RunRequest::new(ProviderKind::Sim, "faithful", Experiment::Native);
//! req.ask.preset = Preset::Quick;
//! req.cache = false;
//! req.out = Some(tmp.path().join("run"));
//! let session = Session::start(&req, Path::new("benchmark"))?;
//! let finished = session.run(&mut Silent, |_signal| {})?;
//! assert_eq!(finished.ending(), Ending::Complete);
//! assert!(tmp.path().join("run/samples.jsonl").exists());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Open a bundle
//! Opening reads the manifest, the samples and the benchmark version the run used (its sha256
//! checked) and checks every sample; its summary is a fresh score of the raw samples.
//! ```
//! # use selfinterp::{Experiment, Preset, ProviderKind, RunRequest, Session, Silent};
//! # use std::path::{Path, PathBuf};
//! # let tmp = tempfile::tempdir()?;
//! # let mut req = RunRequest::new(ProviderKind::Sim, "faithful", Experiment::Native);
//! # req.ask.preset = Preset::Quick;
//! # req.cache = false;
//! # req.out = Some(tmp.path().join("run"));
//! # Session::start(&req, Path::new("benchmark"))?.run(&mut Silent, |_| {})?;
//! # let dir: PathBuf = tmp.path().join("run");
//! use selfinterp::{OpenBundle, open_bundle};
//!
//! let opened: OpenBundle = open_bundle(Path::new("benchmark"), &dir)?;
//! assert_eq!(opened.bundle.samples.len(), 20 * 20 + 20 * 3);
//! let summary = opened.summary()?;
//! let r: f64 = summary.score.reports_vs_learned.unwrap().r.unwrap();
//! assert!(r > 0.5, "a faithful agent reports what it does: r = {r}");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Score
//! The scoring engine takes one input per context (choices and reports), from a bundle or
//! from anywhere else, and gives the three comparisons with their intervals.
//! ```
//! # use selfinterp::{Experiment, Preset, ProviderKind, RunRequest, Session, Silent};
//! # use std::path::Path;
//! # let tmp = tempfile::tempdir()?;
//! # let mut req = RunRequest::new(ProviderKind::Sim, "faithful", Experiment::Native);
//! # req.ask.preset = Preset::Quick;
//! # req.cache = false;
//! # req.out = Some(tmp.path().join("run"));
//! # Session::start(&req, Path::new("benchmark"))?.run(&mut Silent, |_| {})?;
//! use selfinterp::{ContextInput, ScoreOptions, Summary, open_bundle, score};
//!
//! let inputs: Vec<ContextInput> = open_bundle(Path::new("benchmark"), &tmp.path().join("run"))?
//!     .inputs()?;
//! assert_eq!(inputs.len(), 20);
//! let summary: Summary = score(&inputs, &ScoreOptions::default())?;
//! let c = summary.reports_vs_learned.unwrap();
//! assert_eq!(c.n_contexts, 20, "{c:?}");
//! assert!(c.r.unwrap() > 0.5);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Compare
//! Two runs on the same contexts: the difference in r, with a paired bootstrap interval and a
//! permutation p-value.
//! ```
//! # use selfinterp::{Experiment, Preset, ProviderKind, RunRequest, Session, Silent};
//! # use std::path::{Path, PathBuf};
//! # let tmp = tempfile::tempdir()?;
//! # let run = |agent: &str| -> Result<PathBuf, Box<dyn std::error::Error>> {
//! #     let mut req = RunRequest::new(ProviderKind::Sim, agent, Experiment::Native);
//! #     req.ask.preset = Preset::Quick;
//! #     req.cache = false;
//! #     req.out = Some(tmp.path().join(agent));
//! #     Session::start(&req, Path::new("benchmark"))?.run(&mut Silent, |_| {})?;
//! #     Ok(tmp.path().join(agent))
//! # };
//! # let (faithful, confabulator) = (run("faithful")?, run("confabulator")?);
//! use selfinterp::{PairedComparison, PairedOptions, open_bundle, paired_comparison};
//!
//! let a = open_bundle(Path::new("benchmark"), &faithful)?.summary()?.score;
//! let b = open_bundle(Path::new("benchmark"), &confabulator)?.summary()?.score;
//! let c: PairedComparison = paired_comparison(&a, &b, &PairedOptions::default());
//! assert_eq!(c.n_contexts, 20, "{c:?}");
//! // A confabulator reports weights unrelated to its choices.
//! assert!(c.difference.unwrap() < -0.5, "{c:?}");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Report
//! A scored bundle rendered in each format (Markdown, JSON, HTML); the same data gives the
//! same bytes.
//! ```
//! # use selfinterp::{Experiment, Preset, ProviderKind, RunRequest, Session, Silent};
//! # use std::path::Path;
//! # let tmp = tempfile::tempdir()?;
//! # let mut req = RunRequest::new(ProviderKind::Sim, "faithful", Experiment::Native);
//! # req.ask.preset = Preset::Quick;
//! # req.cache = false;
//! # req.out = Some(tmp.path().join("run"));
//! # Session::start(&req, Path::new("benchmark"))?.run(&mut Silent, |_| {})?;
//! use selfinterp::{ReportData, ReportFormat, ReportOptions, Scored, build_report, exporter};
//! use selfinterp::load_scored;
//!
//! let scored: Scored = load_scored(Path::new("benchmark"), &tmp.path().join("run"))?;
//! let data: ReportData = build_report(&scored, &ReportOptions::default());
//! let md: String = exporter(ReportFormat::Md).render(&data);
//! assert!(md.starts_with('#'));
//! let json: serde_json::Value = serde_json::from_str(&exporter(ReportFormat::Json).render(&data))?;
//! assert!(json.is_object());
//! assert_eq!(exporter(ReportFormat::Html).extension(), "html");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Export
//! A scored bundle as tidy tables (one row per context and attribute; one row per sample)
//! for pandas, polars or R.
//! ```
//! # use selfinterp::{Experiment, Preset, ProviderKind, RunRequest, Session, Silent};
//! # use std::path::Path;
//! # let tmp = tempfile::tempdir()?;
//! # let mut req = RunRequest::new(ProviderKind::Sim, "faithful", Experiment::Native);
//! # req.ask.preset = Preset::Quick;
//! # req.cache = false;
//! # req.out = Some(tmp.path().join("run"));
//! # Session::start(&req, Path::new("benchmark"))?.run(&mut Silent, |_| {})?;
//! use selfinterp::{RunIdentity, TableFormat, load_scored, weight_rows, write_table};
//!
//! let scored = load_scored(Path::new("benchmark"), &tmp.path().join("run"))?;
//! let rows = weight_rows(&scored, &RunIdentity::of(&scored.bundle, None));
//! assert_eq!(rows.len(), 20 * 5);
//! let mut csv: Vec<u8> = Vec::new();
//! write_table(&rows, TableFormat::Csv, &mut csv)?;
//! assert_eq!(String::from_utf8(csv)?.lines().count(), 1 + 20 * 5);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Freeze a benchmark
//! The authored catalogue frozen into a benchmark version by a seed: the same seed gives the
//! same bytes (what `selfinterp verify` checks).
//! ```
//! use selfinterp::{Catalogue, Counts, SeedSource, freeze};
//! use std::path::Path;
//!
//! let cat = Catalogue::load(Path::new("domains"))?;
//! let seed = SeedSource::Public("example".to_string());
//! let a = freeze(&cat, "example", &seed, Counts::default());
//! let b = freeze(&cat, "example", &seed, Counts::default());
//! assert_eq!(a.contexts_jsonl, b.contexts_jsonl);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Validate published results
//! Every leaderboard entry re-scored from its raw samples and compared with what it states.
//! ```
//! use std::path::Path;
//!
//! let (entries, problems) = selfinterp::validate_results(Path::new("results"), Path::new("benchmark"))?;
//! assert!(entries > 0);
//! assert!(problems.is_empty(), "{problems:?}");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

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

// The public API: the stages' entry points and their types (docs/architecture.md lists them).

// Run a session.
pub use bundle::{Experiment, ProviderKind};
pub use runner::{
    Ending, Finished, Preset, Reporter, RunConfig, RunEvent, RunRequest, Session, SessionError,
    Silent, StopSignal,
};
// Open a bundle.
pub use bundle::{Bundle, BundleSummary, OpenBundle, OpenError, Sample, open as open_bundle};
// Score.
pub use scoring::{ChoiceObs, ContextInput, ReportObs, ScoreError, ScoreOptions, Summary, score};
// Compare.
pub use scoring::{PairedComparison, PairedOptions, paired_comparison};
// Report.
pub use reports::{
    Exporter, Format as ReportFormat, ReportData, ReportOptions, Scored, build as build_report,
    exporter, load as load_scored,
};
// Export.
pub use table::{
    Format as TableFormat, RunIdentity, SampleRow, TableError, WeightRow, sample_rows, weight_rows,
    write as write_table,
};
// Validate published results.
pub use leaderboard::validate as validate_results;
// Simulated agents.
pub use sim::{AgentKind, SimAgent, SimProvider, SimServer};
// Freeze a benchmark.
pub use benchmark::{Benchmark, Counts, Frozen, SeedSource, freeze};
pub use catalogue::Catalogue;
// The types every stage shares.
pub use types::{ContextId, N_ATTR, Weights};

/// Runs the `selfinterp` command line on this process's arguments and returns its exit code
/// (the README's table): what the `selfinterp` binary does.
pub fn cli_main() -> i32 {
    cli::main()
}
