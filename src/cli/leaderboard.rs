//! `selfinterp leaderboard`: render `results/LEADERBOARD.md`, `results/leaderboard.html` and
//! the per-entry pages under `results/details/` from the entries' stored summaries (which
//! `selfinterp validate` checks), with each entry's full HTML report re-scored from its raw
//! samples; or, with `--format`, print every row for other tools.

use super::Cli;
use super::exit::Failure;
use super::values::BoardFormatArg;
use clap::Args;
use selfinterp::leaderboard::export::{self, ExportFormat};
use selfinterp::leaderboard::{board, entry, render};
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct LeaderboardArgs {
    /// Results directory [default: <root>/results]
    pub results: Option<PathBuf>,
    /// Print every row as CSV or JSON on stdout instead of writing the pages
    #[arg(long, conflicts_with = "json")]
    pub format: Option<BoardFormatArg>,
    /// The same, as an option (older spelling)
    #[arg(long = "results", hide = true, conflicts_with = "results")]
    pub results_flag: Option<PathBuf>,
    /// Also print one JSON object on stdout: the files written and every row (as --format json)
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
    if let Some(f) = a.format.map(ExportFormat::from) {
        let b = board::board(&entries);
        let text: String = match f {
            ExportFormat::Csv => export::csv(&b),
            ExportFormat::Json => export::json(&b),
        };
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        // A closed pipe (`| head`) is not an error.
        return match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
            _ => Ok(()),
        };
    }
    let details: PathBuf = results.join(render::DETAILS_DIR);
    let b = board::board(&entries);
    let written: Vec<PathBuf> = render::write(&results, &b, &cli.benchmark_dir())?;
    // Two files per entry under details/ (its pages) and one full report.
    eprintln!(
        "wrote {}, {} detail pages and {} full reports under {}",
        results.join(render::MD_FILE).display(),
        2 * entries.len(),
        entries.len(),
        details.display()
    );
    eprintln!("{} entries", entries.len());
    if a.json {
        print!("{}", export::written_json(&written, &b));
    }
    Ok(())
}
