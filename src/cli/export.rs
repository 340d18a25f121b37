//! `selfinterp export`: fine-tuning files that instil hidden profiles or train introspection,
//! and a scored run as tidy tables (`export table`, in export_table.rs).

use super::exit::Failure;
use super::values::HalfArg;
use super::{Cli, read_seed_file};
use clap::{Args, Subcommand};
use selfinterp::benchmark::{Benchmark, Split};
use selfinterp::experiments::finetune::{self, Export};
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum ExportCmd {
    /// Choice examples teaching the hidden profiles: 50 training + 10 validation per context
    /// (the validation file is written beside OUT as <stem>.validation.jsonl)
    Instill(InstillArgs),
    /// Report examples teaching introspection: one per context of one half of the instilled
    /// split (ids sorted; first = the first n/2, second = the rest)
    Introspection(IntrospectionArgs),
    /// A scored run as tidy tables for pandas, polars or R: DIR/table/weights.csv (one row per
    /// context and attribute: learned, reported, target, standard errors, context quality)
    /// and samples.csv (one row per request); columns in docs/data.md
    Table(super::export_table::TableArgs),
}

/// Options shared by both exports.
#[derive(Args, Debug)]
pub struct Common {
    /// Frozen benchmark version: embedded in the binary, or under <root>/benchmark/
    #[arg(long, default_value = "v1")]
    pub benchmark: String,
    /// Output JSONL; a manifest is written beside it as <stem>.manifest.json
    #[arg(long)]
    pub out: PathBuf,
    /// The private master seed, for a version frozen from one (checked against its sha256)
    #[arg(long)]
    pub seed_file: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct InstillArgs {
    /// Split whose profiles are taught (never native: that would contaminate it)
    #[arg(long, default_value = "instilled", value_parser = ["instilled", "train"])]
    pub split: String,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Args, Debug)]
pub struct IntrospectionArgs {
    /// Which half of the instilled split to train on
    #[arg(long, value_enum)]
    pub half: HalfArg,
    #[command(flatten)]
    pub common: Common,
}

fn load(cli: &Cli, c: &Common) -> anyhow::Result<(Benchmark, String)> {
    let bench = Benchmark::load(&cli.benchmark_dir(), &c.benchmark)?;
    let given = c.seed_file.as_deref().map(read_seed_file).transpose()?;
    let seed = finetune::master_seed(&bench, given.as_deref())?;
    Ok((bench, seed))
}

fn write(export: &Export, out: &std::path::Path) -> anyhow::Result<()> {
    let mp = export
        .write(out)
        .map_err(|e| Failure::input(&e, format!("{}: {e}", out.display())))?;
    let m = &export.manifest;
    for f in std::iter::once(&m.train).chain(m.validation.as_ref()) {
        eprintln!(
            "wrote {} ({} examples, ~{} tokens, sha256 {})",
            f.file,
            f.examples,
            f.approx_tokens,
            &f.sha256[..16]
        );
    }
    eprintln!("wrote {}", mp.display());
    Ok(())
}

pub fn run(cli: &Cli, cmd: &ExportCmd) -> anyhow::Result<()> {
    match cmd {
        ExportCmd::Table(a) => super::export_table::run(cli, a),
        ExportCmd::Instill(a) => {
            let (bench, seed) = load(cli, &a.common)?;
            let split = if a.split == "train" {
                Split::Train
            } else {
                Split::Instilled
            };
            if bench.split(split).next().is_none() {
                return Err(Failure::usage(format!(
                    "benchmark {} has no {} contexts",
                    a.common.benchmark, a.split
                ))
                .into());
            }
            write(
                &finetune::export_instill(&bench, &seed, split, &a.common.out),
                &a.common.out,
            )
        }
        ExportCmd::Introspection(a) => {
            let (bench, seed) = load(cli, &a.common)?;
            let export =
                finetune::export_introspection(&bench, &seed, a.half.into(), &a.common.out);
            if export.manifest.train.examples == 0 {
                return Err(Failure::usage(format!(
                    "benchmark {} has no instilled contexts",
                    a.common.benchmark
                ))
                .into());
            }
            write(&export, &a.common.out)
        }
    }
}
