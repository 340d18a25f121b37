//! `selfinterp export table DIR`: a scored bundle as two tidy tables (weights per context and
//! attribute, and samples) for pandas, polars or R. Columns: docs/data.md.

use super::Cli;
use super::exit::Failure;
use clap::{Args, ValueEnum};
use selfinterp::benchmark::Benchmark;
use selfinterp::reports;
use selfinterp::table::{self, Format, RunIdentity};
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TableFormat {
    Csv,
    Jsonl,
}

#[derive(Args, Debug)]
pub struct TableArgs {
    /// Run bundle directory
    pub dir: PathBuf,
    /// File format of both tables
    #[arg(long, value_enum, default_value = "csv")]
    pub format: TableFormat,
    /// Directory for weights.<ext> and samples.<ext> [default: DIR/table]
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print one JSON object on stdout: the files written and their row counts
    #[arg(long)]
    pub json: bool,
}

pub fn run(cli: &Cli, a: &TableArgs) -> anyhow::Result<()> {
    super::expect_bundle(&a.dir)?;
    let scored = reports::load(&cli.benchmark_dir(), &a.dir)?;
    let out: PathBuf = a.out.clone().unwrap_or_else(|| a.dir.join("table"));
    std::fs::create_dir_all(&out)
        .map_err(|e| Failure::input(&e, format!("{}: cannot create: {e}", out.display())))?;
    let (format, ext) = match a.format {
        TableFormat::Csv => (Format::Csv, "csv"),
        TableFormat::Jsonl => (Format::Jsonl, "jsonl"),
    };
    // The benchmark was already opened (and checked) by `load`; here it only names the preset.
    let bench: Option<Benchmark> = scored
        .bundle
        .manifest
        .benchmark
        .as_deref()
        .and_then(|v| Benchmark::load(&cli.benchmark_dir(), v).ok());
    let id = RunIdentity::of(&scored.bundle, bench.as_ref());
    let weights = table::weight_rows(&scored, &id);
    let samples = table::sample_rows(&scored.bundle.samples, &id);
    let path_of = |name: &str| out.join(format!("{name}.{ext}"));
    let write = |name: &str, f: &dyn Fn(std::fs::File) -> Result<(), table::TableError>| {
        let path = path_of(name);
        let file = table::create_no_follow(&path).map_err(|e| {
            let why: String = if e.raw_os_error() == Some(libc::ELOOP) {
                "is a symbolic link; not followed (remove it or choose another --out)".into()
            } else {
                format!("cannot write: {e}")
            };
            Failure::input(&e, format!("{}: {why}", path.display()))
        })?;
        f(file).map_err(|e| Failure::input(&e, format!("{}: {e}", path.display())))?;
        eprintln!("wrote {}", path.display());
        Ok::<(), Failure>(())
    };
    write("weights", &|f| table::write(&weights, format, f))?;
    write("samples", &|f| table::write(&samples, format, f))?;
    eprintln!(
        "{} weight rows ({} contexts x 5 attributes), {} sample rows",
        weights.len(),
        weights.len() / selfinterp::types::N_ATTR,
        samples.len()
    );
    if a.json {
        let obj = serde_json::json!({
            "weights": path_of("weights").display().to_string(),
            "samples": path_of("samples").display().to_string(),
            "format": ext,
            "weight_rows": weights.len(),
            "contexts": weights.len() / selfinterp::types::N_ATTR,
            "sample_rows": samples.len(),
        });
        println!("{obj}");
    }
    Ok(())
}
