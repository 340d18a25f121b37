//! `selfinterp report DIR`: a run bundle's report in Markdown, JSON or one self-contained HTML page.

use super::Cli;
use super::exit::Failure;
use super::values::FormatArg;
use clap::Args;
use selfinterp::reports::{self, Prices, ReportData, ReportOptions};
use std::path::PathBuf;

#[derive(Args, Debug)]
#[command(
    after_help = "The bundle is re-scored from its raw samples (no model calls). Cost is shown only when both \
prices are given; token counts come from the samples."
)]
pub struct ReportArgs {
    /// Run bundle directory
    pub dir: PathBuf,
    /// Output format [default: md]
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// The report as JSON (the same as --format json)
    #[arg(long)]
    pub json: bool,
    /// Write to this file instead of stdout (needed for --format html when stdout is a
    /// terminal)
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Price of input tokens, US dollars per million [range: 0-1000000]
    #[arg(long, requires = "price_out", value_parser = super::ranges::price)]
    pub price_in: Option<f64>,
    /// Price of output tokens, US dollars per million [range: 0-1000000]
    #[arg(long, requires = "price_in", value_parser = super::ranges::price)]
    pub price_out: Option<f64>,
}

/// The prices, when both are given and sensible.
fn prices(a: &ReportArgs) -> Result<Option<Prices>, Failure> {
    match (a.price_in, a.price_out) {
        (Some(i), Some(o)) if i.is_finite() && o.is_finite() && i >= 0.0 && o >= 0.0 => {
            Ok(Some(Prices {
                input_per_mtok: i,
                output_per_mtok: o,
            }))
        }
        (None, None) => Ok(None),
        _ => Err(Failure::usage(
            "--price-in and --price-out must both be given, as non-negative numbers",
        )),
    }
}

/// `--format`, or json for `--json`; `--json` with another format names the clash.
fn format(a: &ReportArgs) -> Result<FormatArg, Failure> {
    match (a.json, a.format) {
        (false, f) => Ok(f.unwrap_or(FormatArg::Md)),
        (true, None | Some(FormatArg::Json)) => Ok(FormatArg::Json),
        (true, Some(_)) => Err(Failure::usage(
            "--json asks for the JSON report, which --format also chooses: give one of them",
        )),
    }
}

pub fn run(cli: &Cli, a: &ReportArgs) -> anyhow::Result<()> {
    let format: FormatArg = format(a)?;
    // A whole page of HTML scrolls the terminal away and is of no use there (as gzip will not
    // write compressed data to one).
    if matches!(format, FormatArg::Html)
        && a.out.is_none()
        && std::io::IsTerminal::is_terminal(&std::io::stdout())
    {
        return Err(Failure::usage(format!(
            "--format html: a whole HTML page is not printed to a terminal; add --out FILE (e.g. --out {}) or redirect stdout",
            a.dir.join("report.html").display()
        ))
        .into());
    }
    super::expect_bundle(&a.dir)?;
    let opts = ReportOptions { prices: prices(a)? };
    let scored = reports::load(&cli.benchmark_dir(), &a.dir)?;
    let data: ReportData = reports::build(&scored, &opts);
    let text: String = reports::exporter(format.into()).render(&data);
    match &a.out {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| Failure::input(&e, format!("{}: cannot write: {e}", path.display())))?,
        None => {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            if let Err(e) = out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
                if e.kind() == std::io::ErrorKind::BrokenPipe {
                    return Err(Failure::new(super::exit::Exit::BrokenPipe, "").into());
                }
                return Err(e.into());
            }
        }
    }
    Ok(())
}
