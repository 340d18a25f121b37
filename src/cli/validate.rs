//! `selfinterp validate [RESULTS]`: re-score every leaderboard entry from its raw samples and
//! check everything else published with it; one line per problem, exit code 1 if any.

use super::Cli;
use super::exit::Failure;
use crate::leaderboard;
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct ValidateArgs {
    /// Results directory [default: <root>/results]
    pub results: Option<PathBuf>,
}

pub fn run(cli: &Cli, a: &ValidateArgs) -> anyhow::Result<()> {
    let results: PathBuf = match &a.results {
        Some(r) => r.clone(),
        None => cli.checkout_dir("results", "validate")?,
    };
    let (n, problems) = leaderboard::validate(&results, &cli.benchmark_dir())
        .map_err(|e| Failure::usage(format!("{}: {e}", results.display())))?;
    for p in &problems {
        println!("{p}");
    }
    if problems.is_empty() {
        eprintln!(
            "{}: {n} entries valid; leaderboard up to date",
            results.display()
        );
        Ok(())
    } else {
        Err(Failure::check(format!(
            "{}: {} problem(s) in {n} entries",
            results.display(),
            problems.len()
        ))
        .into())
    }
}
