//! The command line: clap definitions turned once into calls on the library's stages.
//! Each subcommand lives in its own file with its arguments and a `run` function.

pub mod batch;
pub mod benchmark_cmd;
pub mod check_finetune;
pub mod compare;
pub mod domains;
pub mod exit;
pub mod export;
pub mod export_table;
pub mod freeze;
#[cfg(test)]
mod help_text;
pub mod import;
pub mod json_hint;
pub mod leaderboard;
pub mod list;
pub mod plan;
pub mod progress;
pub mod ranges;
pub mod report;
pub mod run;
pub mod run_plan;
pub mod score;
pub mod serve_sim;
pub mod study;
pub mod validate;
pub mod values;
pub mod verify;
pub mod view;

use clap::{Parser, Subcommand};
use exit::Failure;
use std::path::{Path, PathBuf};

#[derive(Parser, Debug)]
#[command(
    name = "selfinterp",
    version,
    about = "Measure whether a language model can say what drives its own decisions",
    long_about = "selfinterp asks a model many A/B choices between options described by five \
attributes, estimates the weight it really gives each attribute by logistic regression, asks the \
model to report those weights, and scores how well the report matches the behaviour.",
    after_help = exit::HELP
)]
pub struct Cli {
    /// Checkout holding domains/, results/ and benchmark/ (versions built into the binary need
    /// none; a version under <root>/benchmark/ takes precedence over the built-in copy).
    #[arg(long, global = true, default_value = ".", env = "SELFINTERP_ROOT")]
    pub root: PathBuf,

    /// More log output (repeat for more); logs go to stderr.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    pub fn benchmark_dir(&self) -> PathBuf {
        self.root.join("benchmark")
    }

    /// `<root>/<sub>` for a command that works on a checkout (domains, freeze, verify,
    /// leaderboard, validate); outside one, a usage error that says so and names --root.
    pub fn checkout_dir(&self, sub: &str, command: &str) -> Result<PathBuf, Failure> {
        let dir = self.root.join(sub);
        if dir.is_dir() {
            return Ok(dir);
        }
        Err(Failure::usage(format!(
            "{}: not found; `selfinterp {command}` works on a checkout of the repository: \
             run it there or name one with --root DIR (or SELFINTERP_ROOT)",
            dir.display()
        )))
    }
}

/// Checks that `dir` names a run bundle before a command reads it, so a wrong path gets a
/// usage error (exit 2) that says what was expected, instead of a read error on one of the
/// bundle's files: a path that does not exist, a file given for the bundle directory, or a
/// directory with no `manifest.json`.
pub(crate) fn expect_bundle(dir: &Path) -> Result<(), Failure> {
    if matches!(std::fs::symlink_metadata(dir), Err(e) if e.kind() == std::io::ErrorKind::NotFound)
    {
        return Err(Failure::usage(format!(
            "{}: not a run bundle (no such directory); `selfinterp run` writes one",
            dir.display()
        )));
    }
    if dir.is_file() {
        let hint: String = dir
            .parent()
            .filter(|p| p.join("manifest.json").is_file())
            .map(|p| format!(" (the bundle is probably {})", p.display()))
            .unwrap_or_default();
        return Err(Failure::usage(format!(
            "{}: a file, not a run bundle: give the bundle's directory{hint}",
            dir.display()
        )));
    }
    let no_manifest = matches!(
        std::fs::symlink_metadata(dir.join("manifest.json")),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound
    );
    if dir.is_dir() && no_manifest {
        return Err(Failure::usage(format!(
            "{}: not a run bundle (no manifest.json in it); `selfinterp run` writes one",
            dir.display()
        )));
    }
    Ok(())
}

/// The seed in the file at `path` (a `--seed-file` or `--private-seed-file`), trimmed; an
/// unreadable file is a usage error.
pub(crate) fn read_seed_file(path: &Path) -> Result<String, Failure> {
    std::fs::read_to_string(path)
        .map(|s| s.trim().to_string())
        .map_err(|e| Failure::input(&e, format!("{}: {e}", path.display())))
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Ask a model every request of the benchmark and write a run bundle
    Run(Box<run::RunArgs>),
    /// Re-score a run bundle from its raw samples (no model calls)
    Score(score::ScoreArgs),
    /// Write a run bundle's report: Markdown, JSON, or a self-contained HTML page
    Report(report::ReportArgs),
    /// List providers, simulated agents, experiments, presets, designs, server flavours and
    /// benchmark versions
    List(list::ListArgs),
    /// Serve the reports and a sample browser of a bundle or of results/ on 127.0.0.1
    View(view::ViewArgs),
    /// Render results/LEADERBOARD.md and results/leaderboard.html from the entries
    Leaderboard(leaderboard::LeaderboardArgs),
    /// Re-score every results/ entry from its raw samples and check the leaderboard
    Validate(validate::ValidateArgs),
    /// Serve a simulated agent as an OpenAI-compatible endpoint on 127.0.0.1
    ServeSim(serve_sim::ServeSimArgs),
    /// Compare the score of runs (paired on shared contexts, Holm-corrected), or a run's own
    /// reports against another model's (--reports-from: privileged access)
    Compare(compare::CompareArgs),
    /// Plan a run's size from a pilot bundle: pairs and contexts for a wanted interval width
    Plan(plan::PlanArgs),
    /// Run a whole study from a TOML file and write one combined table
    Study(study::StudyArgs),
    /// Write fine-tuning files (instil profiles, train introspection) or a run as tidy tables
    #[command(subcommand)]
    Export(export::ExportCmd),
    /// Validate fine-tuning files (format, answers, approximate tokens) before training
    CheckFinetune(check_finetune::CheckFinetuneArgs),
    /// Batch API files: export a run's requests, import the results into a bundle
    #[command(subcommand)]
    Batch(batch::BatchCmd),
    /// Turn another tool's data (the study's CSV release) into a run bundle
    #[command(subcommand)]
    Import(import::ImportCmd),
    /// Lint or list the authored catalogue in domains/
    #[command(subcommand)]
    Domains(domains::DomainsCmd),
    /// Draw a frozen benchmark version from domains/ and a seed
    Freeze(freeze::FreezeArgs),
    /// Regenerate every frozen version and report anything that differs
    Verify(verify::VerifyArgs),
    /// Inspect frozen benchmark versions
    #[command(subcommand)]
    Benchmark(benchmark_cmd::BenchmarkCmd),
}

/// Parses arguments, runs the command, prints a one-line error on failure, returns the exit code.
pub fn main() -> i32 {
    quiet_broken_pipe();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => match json_hint::hint(&e, &lossy_args()) {
            Some(h) => {
                eprintln!("error: {h}");
                return exit::Exit::Usage.code();
            }
            None => e.exit(),
        },
    };
    init_logging(cli.verbose);
    match dispatch(&cli) {
        Ok(()) => exit::Exit::Success.code(),
        Err(e) => {
            let f: Failure = exit::failure_of(e);
            if !f.message.is_empty() {
                eprintln!("error: {}", f.message);
            }
            f.exit.code()
        }
    }
}

/// This process's arguments as text, for messages only (parsing reads them as given).
fn lossy_args() -> Vec<String> {
    std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect()
}

/// A closed standard output (`selfinterp domains list | head -1`) ends the process quietly
/// with [`exit::Exit::BrokenPipe`] instead of a panic: `print!` panics on a broken pipe, since
/// Rust ignores SIGPIPE, so the panic hook recognises that one failure.
fn quiet_broken_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let msg: String = info
            .payload()
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| info.payload().downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        if msg.contains("failed printing to stdout") && msg.contains("Broken pipe") {
            std::process::exit(exit::Exit::BrokenPipe.code());
        }
        default(info);
    }));
}

fn init_logging(verbose: u8) {
    let level = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    // A level or a `target=level` list (`debug`, `selfinterp=debug,hyper=warn`); an invalid
    // one falls back to the -v level.
    let filter: tracing_subscriber::filter::Targets = std::env::var("SELFINTERP_LOG")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| level.parse().expect("a level is a filter"));
    // Colour only on a terminal: a log file or a pipe gets the words, not escape codes.
    let _ = tracing_subscriber::fmt()
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .finish()
        .with(filter)
        .try_init();
}

fn dispatch(cli: &Cli) -> anyhow::Result<()> {
    match &cli.command {
        Command::Domains(c) => domains::run(cli, c),
        Command::Freeze(a) => freeze::run(cli, a),
        Command::Verify(a) => verify::run(cli, a),
        Command::Benchmark(c) => benchmark_cmd::run(cli, c),
        Command::Export(c) => export::run(cli, c),
        Command::CheckFinetune(a) => check_finetune::run(cli, a),
        Command::Batch(c) => batch::run(cli, c),
        Command::Study(a) => study::run(cli, a),
        Command::Run(a) => run::run(cli, a),
        Command::Score(a) => score::run(cli, a),
        Command::ServeSim(a) => serve_sim::run(cli, a),
        Command::Import(c) => import::run(cli, c),
        Command::Report(a) => report::run(cli, a),
        Command::View(a) => view::run(cli, a),
        Command::List(a) => list::run(cli, a),
        Command::Plan(a) => plan::run(cli, a),
        Command::Compare(a) => compare::run(cli, a),
        Command::Leaderboard(a) => leaderboard::run(cli, a),
        Command::Validate(a) => validate::run(cli, a),
    }
}
