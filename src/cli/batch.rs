//! `selfinterp batch`: a run's requests as a provider batch file, and its results as a bundle.

use super::Cli;
use super::exit::{Exit, Failure};
use super::run::{AskArgs, ask_request};
use super::values::BatchFormatArg;
use clap::{Args, Subcommand};
use selfinterp::batch::{
    self, BatchFormat, BatchImportSpec, BatchManifest, BodyBuilder, manifest_path,
};
use selfinterp::benchmark::Benchmark;
use selfinterp::benchmark::freeze::sha256_hex;
use selfinterp::bundle::parameters::{Parameters, ProviderKind};
use selfinterp::bundle::sample::SampleKey;
use selfinterp::providers::openai::ServerFlavour;
use selfinterp::runner::request::{Who, batch_parameters};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

#[derive(Subcommand, Debug)]
pub enum BatchCmd {
    /// Write a run's requests as an OpenAI Batch API JSONL (also read by vLLM's run_batch) or an
    /// Anthropic Message Batches file; a manifest is written beside it as <stem>.manifest.json
    Export(ExportArgs),
    /// Read a provider's batch results (any order, errors inline) into a run bundle; failed and
    /// missing requests go to errors.jsonl, and `selfinterp run --resume` asks them live
    Import(ImportArgs),
}

#[derive(Args, Debug)]
#[command(
    after_help = "Custom ids: <c|r>-<context>-<index>-<ab|ba> (choice or report, context id, pair index, order).
OpenAI: upload F with purpose \"batch\" and create a batch on /v1/chat/completions.
Anthropic: a .json --out is the request body {\"requests\": [...]} for POST /v1/messages/batches;
any other name gets one {custom_id, params} per line."
)]
pub struct ExportArgs {
    /// Which batch API the file is for
    #[arg(long, value_enum)]
    pub provider: BatchFormatArg,
    /// Model name
    #[arg(long)]
    pub model: String,
    /// What is asked, with exactly `run`'s options and defaults
    #[command(flatten)]
    pub ask: AskArgs,
    /// Base URL recorded in the parameters (for vLLM's batch runner, with --server-flavour vllm)
    #[arg(long)]
    pub base_url: Option<String>,
    /// Leave out requests already answered in this bundle (a second batch for the rest)
    #[arg(long)]
    pub skip_done: Option<PathBuf>,
    /// Output file
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// Result files: OpenAI's output and error files, or Anthropic's results JSONL
    #[arg(required = true)]
    pub results: Vec<PathBuf>,
    /// The request file `batch export` wrote (its manifest beside it says what was asked)
    #[arg(long)]
    pub requests: PathBuf,
    /// Bundle directory (created; an existing bundle of the same parameters is extended)
    #[arg(long, alias = "into")]
    pub out: PathBuf,
}

/// The parameters of a live `selfinterp run` with the same options.
fn parameters(cli: &Cli, a: &ExportArgs) -> Result<(Parameters, Benchmark), Failure> {
    if a.ask.experiment == super::values::ExperimentArg::Observe {
        return Err(Failure::usage(
            "--experiment observe: a batch file cannot hold an observer run; use `selfinterp run --experiment observe`",
        ));
    }
    let provider = match BatchFormat::from(a.provider) {
        BatchFormat::Openai => ProviderKind::Openai,
        BatchFormat::Anthropic => ProviderKind::Anthropic,
    };
    let who = Who {
        provider,
        model: a.model.clone(),
        base_url: a.base_url.clone(),
        seed: 0,
    };
    Ok(batch_parameters(
        &who,
        &ask_request(&a.ask),
        &cli.benchmark_dir(),
    )?)
}

fn export(cli: &Cli, a: &ExportArgs) -> anyhow::Result<()> {
    let format: BatchFormat = a.provider.into();
    let server_flavour: ServerFlavour = a.ask.server_flavour.into();
    let (params, bench) = parameters(cli, a)?;
    let tasks = batch::planned_tasks(&bench, &params);
    let done: BTreeSet<SampleKey> = match &a.skip_done {
        Some(dir) => selfinterp::bundle::read(dir)?
            .samples
            .iter()
            .map(|s| s.key())
            .collect(),
        None => BTreeSet::new(),
    };
    let builder = BodyBuilder::new(format, &params, server_flavour)?;
    let lines = batch::request_lines(&tasks, &params, &builder, &done)?;
    let json_body =
        format == BatchFormat::Anthropic && a.out.extension().is_some_and(|e| e == "json");
    let text = if json_body {
        let mut s = serde_json::to_string(&serde_json::json!({ "requests": lines }))?;
        s.push('\n');
        s
    } else {
        lines.iter().map(|l| format!("{l}\n")).collect::<String>()
    };
    write(&a.out, text.as_bytes())?;
    let flavour = match format {
        BatchFormat::Openai => server_flavour.resolve(
            params
                .base_url
                .as_deref()
                .unwrap_or(selfinterp::providers::openai::DEFAULT_BASE_URL),
        ),
        BatchFormat::Anthropic => ServerFlavour::Plain,
    };
    let m = BatchManifest {
        format,
        parameters: params,
        flavour,
        requests: lines.len(),
        skipped_done: tasks.len() - lines.len(),
        file: a
            .out
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default(),
        sha256: sha256_hex(text.as_bytes()),
    };
    let mp = manifest_path(&a.out);
    let mut mj = serde_json::to_string_pretty(&m)?;
    mj.push('\n');
    write(&mp, mj.as_bytes())?;
    eprintln!(
        "wrote {} ({} requests{}) and {}",
        a.out.display(),
        m.requests,
        if m.skipped_done > 0 {
            format!(", {} already answered left out", m.skipped_done)
        } else {
            String::new()
        },
        mp.display()
    );
    Ok(())
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| Failure::input(&e, format!("{}: {e}", dir.display())))?;
    }
    std::fs::write(path, bytes).map_err(|e| Failure::input(&e, format!("{}: {e}", path.display())))
}

fn import(cli: &Cli, a: &ImportArgs) -> anyhow::Result<()> {
    let spec = BatchImportSpec {
        requests: a.requests.clone(),
        results: a.results.clone(),
    };
    let s = batch::import(&spec, &cli.benchmark_dir(), &a.out)?;
    for (place, msg) in &s.unreadable {
        eprintln!("{place}: {msg}");
    }
    for d in s.duplicates.iter().take(20) {
        eprintln!("warning: {d}");
    }
    if s.duplicates.len() > 20 {
        eprintln!("warning: {} more repeated ids", s.duplicates.len() - 20);
    }
    if let Some(first) = s.unknown.first() {
        eprintln!(
            "warning: {} result ids are not requests of this run (first: {first})",
            s.unknown.len()
        );
    }
    for e in s.failed.iter().take(20) {
        eprintln!("failed: {} ({})", batch::custom_id(&e.key), e.error);
    }
    for k in s.missing.iter().take(20) {
        eprintln!("missing: {}", batch::custom_id(k));
    }
    let c = &s.manifest.counts;
    eprintln!(
        "{}: {} of {} requests answered ({} from this import, {} already there); {} failed, {} missing",
        a.out.display(),
        c.samples,
        c.planned,
        s.added,
        s.kept,
        s.failed.len(),
        s.missing.len()
    );
    if let Some(e) = &s.score_error {
        eprintln!("warning: no summary.json: {e}");
    }
    if !s.failed.is_empty() || !s.missing.is_empty() {
        return Err(Failure::new(
            Exit::Incomplete,
            format!(
                "{} requests still to ask: run them live with `selfinterp run ... --out {} --resume`, or export another batch with --skip-done {}",
                s.failed.len() + s.missing.len(),
                a.out.display(),
                a.out.display()
            ),
        )
        .into());
    }
    Ok(())
}

pub fn run(cli: &Cli, cmd: &BatchCmd) -> anyhow::Result<()> {
    match cmd {
        BatchCmd::Export(a) => export(cli, a),
        BatchCmd::Import(a) => import(cli, a),
    }
}
