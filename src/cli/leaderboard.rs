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
    pub results: Option<PathBuf>,
    /// The same, as an option (older spelling)
    #[arg(long = "results", hide = true, conflicts_with = "results")]
    pub results_flag: Option<PathBuf>,
    /// Also print one JSON object (files written, entries with their scores) on stdout
    #[arg(long)]
    pub json: bool,
}

pub fn run(cli: &Cli, a: &LeaderboardArgs) -> anyhow::Result<()> {
    let results: PathBuf = match a.results.as_ref().or(a.results_flag.as_ref()) {
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
    let mut written: Vec<String> = Vec::new();
    for (file, text) in render::render(&entries) {
        let path: PathBuf = results.join(file);
        std::fs::write(&path, text)
            .map_err(|e| Failure::usage(format!("{}: cannot write: {e}", path.display())))?;
        eprintln!("wrote {}", path.display());
        written.push(path.display().to_string());
    }
    eprintln!("{} entries", entries.len());
    if a.json {
        let list: Vec<serde_json::Value> = entries
            .iter()
            .map(|e| {
                let c = e.summary.reports_vs_learned.as_ref();
                serde_json::json!({
                    "entry": e.name, "display_name": e.meta.display_name,
                    "model_id": e.meta.model_id, "provider": e.meta.provider,
                    "simulated": e.meta.simulated,
                    "r": c.and_then(|c| c.r), "ci_bootstrap": c.and_then(|c| c.ci_bootstrap),
                    "chance": c.and_then(|c| c.null.mean),
                    "rankable": e.summary.quality.as_ref().map(|q| q.rankable),
                })
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(
                &serde_json::json!({"written": written, "entries": list})
            )?
        );
    }
    Ok(())
}
