//! `selfinterp check-finetune`: validate fine-tuning files before paying for training.

use super::Cli;
use super::exit::Failure;
use clap::Args;
use selfinterp::experiments::check::{CheckReport, check_file};
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct CheckFinetuneArgs {
    /// Chat-format JSONL files (training and validation)
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Print at most this many problems per file
    #[arg(long, default_value_t = 50)]
    pub max_problems: usize,
    /// Print one JSON object per file on stdout (JSON lines) instead of the summary lines
    #[arg(long)]
    pub json: bool,
}

/// One file's result as a JSON object (`--json`): the counts, `ok`, and every problem and
/// warning (up to `--max-problems`) with its line.
fn file_json(f: &std::path::Path, r: &CheckReport, max: usize) -> serde_json::Value {
    let lines = |v: &[selfinterp::experiments::check::Problem]| -> Vec<serde_json::Value> {
        v.iter()
            .take(max)
            .map(|p| serde_json::json!({"line": p.line, "message": p.message}))
            .collect()
    };
    serde_json::json!({
        "file": f.display().to_string(),
        "examples": r.examples,
        "choice_examples": r.choice_examples,
        "answers_a": r.answers_a,
        "answers_b": r.answers_b,
        "report_examples": r.report_examples,
        "approx_tokens": r.approx_tokens,
        "max_tokens": r.max_tokens,
        "ok": r.ok(),
        "problem_count": r.problems.len(),
        "problems": lines(&r.problems),
        "warnings": lines(&r.warnings),
    })
}

pub fn run(_cli: &Cli, a: &CheckFinetuneArgs) -> anyhow::Result<()> {
    let mut failed = 0usize;
    for f in &a.files {
        let r = check_file(f)
            .map_err(|e| Failure::input(&e, format!("{}: cannot read: {e}", f.display())))?;
        if !r.ok() {
            failed += 1;
        }
        if a.json {
            println!("{}", file_json(f, &r, a.max_problems));
            continue;
        }
        for p in r.problems.iter().take(a.max_problems) {
            eprintln!("{}: {}", at(f, p.line), p.message);
        }
        if r.problems.len() > a.max_problems {
            eprintln!(
                "{}: ... and {} more problems",
                f.display(),
                r.problems.len() - a.max_problems
            );
        }
        let first_warning = r.warnings.first();
        if let Some(w) = first_warning {
            let more = r.warnings.len() - 1;
            let more = if more > 0 {
                format!(" (and {more} more lines)")
            } else {
                String::new()
            };
            eprintln!("{}: warning: {}{more}", at(f, w.line), w.message);
        }
        println!(
            "{}: {} examples ({} choice: {} A / {} B; {} report), ~{} tokens (max ~{} per example): {}",
            f.display(),
            r.examples,
            r.choice_examples,
            r.answers_a,
            r.answers_b,
            r.report_examples,
            r.approx_tokens,
            r.max_tokens,
            if r.ok() {
                "ok".to_string()
            } else {
                format!("{} problems", r.problems.len())
            }
        );
    }
    if failed > 0 {
        return Err(Failure::check(format!(
            "{failed} of {} files failed the check",
            a.files.len()
        ))
        .into());
    }
    Ok(())
}

/// Where a problem is: `FILE:LINE`, or `FILE` for one about the whole file (line 0).
fn at(f: &std::path::Path, line: usize) -> String {
    match line {
        0 => f.display().to_string(),
        n => format!("{}:{n}", f.display()),
    }
}
