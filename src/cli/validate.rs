//! `selfinterp validate [RESULTS]`: re-score every leaderboard entry from its raw samples and
//! check everything else published with it; one line per problem, exit code 1 if any.

use super::Cli;
use super::exit::Failure;
use clap::Args;
use selfinterp::leaderboard;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct ValidateArgs {
    /// Results directory [default: <root>/results]
    pub results: Option<PathBuf>,
    /// Print one JSON object (entries, problems with entry, file, field and message) on stdout
    #[arg(long)]
    pub json: bool,
    /// Also refuse entries not made from a clean commit (`harness.git_dirty` true, or no
    /// commit recorded): what CI requires of new entries
    #[arg(long)]
    pub strict: bool,
    /// Exempt this entry from --strict (repeatable; entries published before the rule, listed
    /// by name in .ci/run; a listed entry that is clean or absent is a problem)
    #[arg(long, value_name = "ENTRY", requires = "strict")]
    pub grandfather: Vec<String>,
}

pub fn run(cli: &Cli, a: &ValidateArgs) -> anyhow::Result<()> {
    let results: PathBuf = match &a.results {
        Some(r) => r.clone(),
        None => cli.checkout_dir("results", "validate")?,
    };
    if results.join(selfinterp::bundle::MANIFEST).is_file() {
        return Err(Failure::usage(format!(
            "{}: a run bundle, not a results directory; validate checks the leaderboard entries under one (e.g. results/); `selfinterp score {}` re-scores this run",
            results.display(),
            results.display()
        ))
        .into());
    }
    let strict: Option<&[String]> = a.strict.then_some(a.grandfather.as_slice());
    let (n, problems) =
        leaderboard::validate::validate_with(&results, &cli.benchmark_dir(), strict)
            .map_err(|e| Failure::input(&e, format!("{}: {e}", results.display())))?;
    if a.json {
        let list: Vec<serde_json::Value> = problems
            .iter()
            .map(|p| {
                serde_json::json!({"entry": p.entry, "file": p.file, "field": p.field,
                    "message": p.message, "text": p.to_string()})
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "results": results.display().to_string(),
                "entries": n,
                "valid": problems.is_empty(),
                "problems": list,
            }))?
        );
    } else {
        for p in &problems {
            println!("{p}");
        }
    }
    if problems.is_empty() {
        eprintln!(
            "{}: {n} entries valid; leaderboard up to date",
            results.display()
        );
        if a.strict && !a.grandfather.is_empty() {
            eprintln!(
                "--strict: {} entr{} grandfathered, made from uncommitted changes or no recorded commit: {}",
                a.grandfather.len(),
                if a.grandfather.len() == 1 { "y" } else { "ies" },
                a.grandfather.join(", ")
            );
        }
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
