//! `selfinterp check-finetune`: validate fine-tuning files before paying for training.

use super::Cli;
use super::exit::Failure;
use clap::Args;
use selfinterp::experiments::check::check_file;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct CheckFinetuneArgs {
    /// Chat-format JSONL files (training and validation)
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Print at most this many problems per file
    #[arg(long, default_value_t = 50)]
    pub max_problems: usize,
}

pub fn run(_cli: &Cli, a: &CheckFinetuneArgs) -> anyhow::Result<()> {
    let mut failed = 0usize;
    for f in &a.files {
        let r = check_file(f)
            .map_err(|e| Failure::input(&e, format!("{}: cannot read: {e}", f.display())))?;
        for p in r.problems.iter().take(a.max_problems) {
            eprintln!("{}:{}: {}", f.display(), p.line, p.message);
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
            eprintln!("{}:{}: warning: {}{more}", f.display(), w.line, w.message);
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
        if !r.ok() {
            failed += 1;
        }
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
