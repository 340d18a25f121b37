//! `selfinterp leaderboard`: render `results/LEADERBOARD.md` and `results/leaderboard.html`
//! from the entries' stored summaries (which `selfinterp validate` checks).

use super::Cli;
use super::exit::Failure;
use crate::leaderboard::{entry, render};
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct LeaderboardArgs {
    /// Results directory [default: <root>/results]
    #[arg(long)]
    pub results: Option<PathBuf>,
}

pub fn run(cli: &Cli, a: &LeaderboardArgs) -> anyhow::Result<()> {
    let results: PathBuf = match &a.results {
        Some(r) => r.clone(),
        None => cli.checkout_dir("results", "leaderboard")?,
    };
    let entries = entry::load_all(&results).map_err(|problems| {
        Failure::usage(
            problems
                .iter()
                .map(|p| p.to_string())
                .collect::<Vec<String>>()
                .join("\n"),
        )
    })?;
    for (file, text) in render::render(&entries) {
        let path: PathBuf = results.join(file);
        std::fs::write(&path, text)
            .map_err(|e| Failure::usage(format!("{}: cannot write: {e}", path.display())))?;
        eprintln!("wrote {}", path.display());
    }
    eprintln!("{} entries", entries.len());
    Ok(())
}
