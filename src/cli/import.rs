//! `selfinterp import csv`: the original study's CSV data release as a run bundle.

use super::Cli;
use clap::{Args, Subcommand};
use selfinterp::import::csv::{ImportSpec, import};
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum ImportCmd {
    /// The study's data release as flat CSV files: contexts, selections, reports, targets
    Csv(CsvArgs),
}

#[derive(Args, Debug)]
#[command(after_help = "Layouts (header row required, columns found by name):
  contexts    scenario,question,attr1..attr5,attr1_min..attr5_min,attr1_max..attr5_max
  selections  model,scenario,selection,A_attribute_1..A_attribute_5,B_attribute_1..B_attribute_5
  reports     explaining_model,version,scenario,report_attr1..report_attr5,
              A_attribute_1..A_attribute_5,B_attribute_1..B_attribute_5
  targets     scenario,attr1..attr5")]
pub struct CsvArgs {
    /// Contexts file
    #[arg(long)]
    pub contexts: PathBuf,
    /// Per-trial selections file
    #[arg(long)]
    pub selections: PathBuf,
    /// Per-report file
    #[arg(long)]
    pub reports: Option<PathBuf>,
    /// Target (instilled) weights file
    #[arg(long)]
    pub targets: Option<PathBuf>,
    /// Keep only this model's selections (required when the file has several)
    #[arg(long)]
    pub model: Option<String>,
    /// Keep only this explaining model's reports (required when the file has several)
    #[arg(long)]
    pub explaining_model: Option<String>,
    /// Keep only reports of this `version` value (required when the file has several)
    #[arg(long)]
    pub report_version: Option<String>,
    /// Bundle directory to create
    #[arg(long)]
    pub out: PathBuf,
}

pub fn run(_cli: &Cli, cmd: &ImportCmd) -> anyhow::Result<()> {
    let ImportCmd::Csv(a) = cmd;
    let spec = ImportSpec {
        contexts: a.contexts.clone(),
        selections: a.selections.clone(),
        reports: a.reports.clone(),
        targets: a.targets.clone(),
        model: a.model.clone(),
        explaining_model: a.explaining_model.clone(),
        version: a.report_version.clone(),
    };
    let imported = import(&spec, &a.out)?;
    if let Some(e) = &imported.score_error {
        eprintln!("warning: imported, but not scored: {e}");
    }
    let manifest = &imported.manifest;
    let c = &manifest.counts;
    eprintln!(
        "imported {} contexts listed, {} choices ({} invalid), {} reports the release kept ({} of \
them invalid; how many it dropped is unknown, so the invalid-report rate is unknown) into {}",
        imported.contexts,
        c.choices,
        c.invalid_choices,
        c.reports,
        c.invalid_reports_among_present.unwrap_or_default(),
        a.out.display()
    );
    Ok(())
}
