//! `selfinterp study --config F`: every run of a study, then one combined table.

use super::Cli;
use super::exit::{Exit, Failure};
use clap::Args;
use selfinterp::benchmark::Benchmark;
use selfinterp::bundle;
use selfinterp::bundle::parameters::ProviderKind;
use selfinterp::bundle::parameters::run_contexts;
use selfinterp::bundle::subset::half_ids;
use selfinterp::experiments::study::{self, ModelSpec, PlannedRun, Role, Row, StudyConfig};
use selfinterp::runner::request::{RunRequest, resolve};
use selfinterp::runner::{Finished, Session};
use selfinterp::scoring::ContextInput;
use selfinterp::types::ContextId;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
#[command(
    after_help = "The config names, per model, which model plays each part (base, instilled, \
introspection_first/second, native_before/after) and the counts; see scripts/studies/*.toml.
Bundles go to <out>/<label>/<run>/ and are resumed when the study is run again; the table goes
to <out>/study.md (and study.json)."
)]
pub struct StudyArgs {
    /// Study description (TOML)
    #[arg(long)]
    pub config: PathBuf,
    /// Only build the table from the bundles already there (no model calls)
    #[arg(long)]
    pub table_only: bool,
    /// Print the table's rows as JSON (what study.json holds) instead of the Markdown table
    #[arg(long)]
    pub json: bool,
}

/// The request of one planned run of the study, resumed if it is there.
fn request(c: &StudyConfig, m: &ModelSpec, r: &PlannedRun, dir: &Path) -> RunRequest {
    let mut q = RunRequest::new(m.provider, &r.model, r.experiment);
    q.who.seed = m.seed;
    q.who.base_url = m.base_url.clone();
    q.ask.benchmark = c.benchmark.clone();
    q.ask.preset = c.preset;
    q.ask.contexts = c.contexts;
    q.ask.trials = if r.reports_only { Some(0) } else { c.trials };
    q.ask.reports = c.reports;
    q.ask.half = r.half;
    q.ask.counterbalance = c.counterbalance;
    q.out = Some(dir.to_path_buf());
    q.resume = true;
    q.cache = m.provider != ProviderKind::Sim;
    q.resume_command = super::run::resume_command();
    q
}

/// Makes (or resumes) one run in-process through the same session as `run` (pre-flight,
/// cache keys, Ctrl-C/SIGTERM, exit codes). A held-out run asks `held_out` contexts (see
/// [`held_out_count`]). A run that ends as `run` would fail stops the study with `run`'s
/// exit, except one over its invalid-answer threshold: that is returned, the study goes on,
/// and it exits 1 at the end as `run` would.
fn execute(
    cli: &Cli,
    c: &StudyConfig,
    m: &ModelSpec,
    r: &PlannedRun,
    dir: &Path,
    held_out: Option<usize>,
) -> anyhow::Result<Option<Failure>> {
    let mut q = request(c, m, r, dir);
    if held_out.is_some() {
        q.ask.contexts = held_out;
    }
    let session = Session::start(&q, &cli.benchmark_dir())?;
    let finished: Finished = session.run(&mut super::progress::BarReporter::default(), |_| {
        eprintln!("\ninterrupted: stopping, keeping completed samples")
    })?;
    let n = &finished.outcome.counts;
    eprintln!(
        "{} {}: {} ({} of {} answered)",
        m.label,
        r.role.dir_name(),
        serde_json::to_value(finished.outcome.status)?
            .as_str()
            .unwrap_or(""),
        n.samples,
        n.planned
    );
    match super::run::ending(&finished) {
        Ok(()) => Ok(None),
        Err(f) if f.exit == Exit::CheckFailed => Ok(Some(Failure::check(format!(
            "{}: {}",
            dir.display(),
            f.message
        )))),
        Err(f) => Err(Failure::new(f.exit, format!("{}: {}", dir.display(), f.message)).into()),
    }
}

/// How many contexts a held-out run asks: those of the instilled run (the reference the
/// pooled score is paired with) that fall in its half. They are the first ones of the half in
/// benchmark order, since the instilled run takes a prefix of the split.
fn held_out_count(
    cli: &Cli,
    c: &StudyConfig,
    m: &ModelSpec,
    r: &PlannedRun,
) -> Result<usize, Failure> {
    let Some(half) = r.half else {
        return Err(Failure::usage("held_out_count: no half"));
    };
    let reference = PlannedRun {
        role: Role::Instilled,
        reports_only: false,
        half: None,
        ..r.clone()
    };
    let q = request(c, m, &reference, Path::new("unused"));
    let (cfg, bench) = resolve(&q, &cli.benchmark_dir())?;
    let ids: BTreeSet<ContextId> = half_ids(&bench, half).into_iter().collect();
    Ok(run_contexts(&bench, &cfg.params)
        .iter()
        .filter(|x| ids.contains(&x.id))
        .count())
}

fn inputs(dir: &Path, bench: &Benchmark) -> Result<Vec<ContextInput>, Failure> {
    let b = bundle::read(dir)?;
    bundle::open::inputs_against(&b, bench).map_err(Failure::from)
}

/// Runs the study (unless `table_only`) and returns its rows.
pub fn run_study(
    cli: &Cli,
    c: &StudyConfig,
    out: &Path,
    table_only: bool,
    over_threshold: &mut Vec<Failure>,
) -> anyhow::Result<Vec<Row>> {
    let bench = Benchmark::load(&cli.benchmark_dir(), &c.benchmark)?;
    let mut rows = Vec::new();
    let mut all_runs: Vec<(ModelSpec, BTreeMap<Role, Vec<ContextInput>>)> = Vec::new();
    for m in &c.models {
        let mut runs: BTreeMap<Role, Vec<ContextInput>> = BTreeMap::new();
        for r in study::planned_runs(m) {
            let dir = out.join(&m.label).join(r.role.dir_name());
            let held_out: Option<usize> = match r.half {
                Some(_) => Some(held_out_count(cli, c, m, &r)?),
                None => None,
            };
            if held_out == Some(0) {
                // A small preset can take all its contexts from one half; the other trained
                // model then has nothing held out to be tested on, and the pooled row rests on
                // one model alone.
                eprintln!(
                    "{} {}: skipped, the instilled run asks no context of the {} half",
                    m.label,
                    r.role.dir_name(),
                    r.half.map(|h| h.as_str()).unwrap_or("")
                );
                runs.insert(r.role, Vec::new());
                continue;
            }
            if !table_only {
                over_threshold.extend(execute(cli, c, m, &r, &dir, held_out)?);
            }
            if dir.join(bundle::MANIFEST).exists() {
                runs.insert(r.role, inputs(&dir, &bench)?);
            }
        }
        rows.extend(
            study::rows(&bench, m, &runs)
                .map_err(|e| Failure::input(&e, format!("{}: {e}", m.label)))?,
        );
        all_runs.push((m.clone(), runs));
    }
    rows.extend(
        study::privileged_rows(&all_runs)
            .map_err(|e| Failure::usage(format!("privileged access: {e}")))?,
    );
    Ok(rows)
}

pub fn run(cli: &Cli, a: &StudyArgs) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&a.config)
        .map_err(|e| Failure::input(&e, format!("{}: cannot read: {e}", a.config.display())))?;
    let c = StudyConfig::parse(&text)
        .map_err(|e| Failure::input(&e, format!("{}: {e}", a.config.display())))?;
    let out = if c.out.is_relative() {
        a.config.parent().unwrap_or(Path::new(".")).join(&c.out)
    } else {
        c.out.clone()
    };
    let mut over_threshold: Vec<Failure> = Vec::new();
    let rows = run_study(cli, &c, &out, a.table_only, &mut over_threshold)?;
    let table = format!("{}\n{}\n", study::markdown(&rows), study::footnote());
    std::fs::create_dir_all(&out)?;
    std::fs::write(out.join("study.md"), &table)?;
    std::fs::write(
        out.join("study.json"),
        serde_json::to_string_pretty(&rows)? + "\n",
    )?;
    if a.json {
        println!("{}", serde_json::to_string(&rows)?);
    } else {
        print!("{table}");
    }
    match over_threshold.into_iter().next() {
        Some(f) => Err(f.into()),
        None => Ok(()),
    }
}
