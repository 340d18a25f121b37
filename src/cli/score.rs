//! `selfinterp score DIR`: re-score a run bundle from its raw samples, with no model calls.
//!
//! `--reports-from OTHER_DIR` is the study's control: DIR's choices (the fine-tuned model's
//! learned weights) scored against OTHER_DIR's reports (the base model's). It needs no new
//! calls because both bundles already hold what it compares.

use super::Cli;
use super::exit::Failure;
use crate::benchmark::Benchmark;
use crate::bundle::score_input::{ContextTable, summarize};
use crate::bundle::{self, Bundle};
use crate::experiments::combine;
use crate::reports::quality::CORRECTED_LABEL;
use crate::reports::text::{flag_words, quality_sentence};
use crate::scoring::ContextInput;
use crate::scoring::quality::Quality;
use crate::types::ContextId;
use clap::Args;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;
use tabled::Table;
use tabled::settings::Style;

#[derive(Args, Debug)]
pub struct ScoreArgs {
    /// Run bundle directory
    pub dir: PathBuf,
    /// Print the summary as one JSON object
    #[arg(long)]
    pub json: bool,
    /// Also rewrite DIR/summary.json
    #[arg(long, conflicts_with = "reports_from")]
    pub write: bool,
    /// The control: score DIR's choices against the reports of the bundle in OTHER_DIR
    /// (e.g. the base model's on the same split); DIR's own reports are ignored
    #[arg(long, value_name = "OTHER_DIR")]
    pub reports_from: Option<PathBuf>,
}

/// The benchmark a bundle names, checked against the hash it recorded.
pub(crate) fn bundle_benchmark(cli: &Cli, b: &Bundle) -> Result<Option<Benchmark>, Failure> {
    let Some(version) = &b.manifest.benchmark else {
        return Ok(None);
    };
    let bench: Benchmark = Benchmark::load(&cli.benchmark_dir(), version)
        .map_err(|e| Failure::usage(e.to_string()))?;
    if b.manifest
        .benchmark_sha256
        .as_deref()
        .is_some_and(|h| h != bench.hash)
    {
        return Err(Failure::usage(format!(
            "{}: the bundle was run on benchmark {version} with sha256 {}, but {} has {}",
            b.dir.display(),
            b.manifest.benchmark_sha256.as_deref().unwrap_or(""),
            cli.benchmark_dir().join(version).display(),
            bench.hash
        )));
    }
    Ok(Some(bench))
}

/// The benchmark a bundle is scored against: `None` when it carries its own contexts.
pub(crate) fn scoring_benchmark(cli: &Cli, b: &Bundle) -> Result<Option<Benchmark>, Failure> {
    if b.contexts.is_some() {
        return Ok(None);
    }
    bundle_benchmark(cli, b)
}

/// The scoring input of a bundle: its own contexts, or the benchmark it names.
fn inputs(cli: &Cli, b: &Bundle) -> Result<Vec<ContextInput>, Failure> {
    inputs_with(b, scoring_benchmark(cli, b)?.as_ref())
}

/// The scoring input of a bundle given its [`scoring_benchmark`].
pub(crate) fn inputs_with(
    b: &Bundle,
    bench: Option<&Benchmark>,
) -> Result<Vec<ContextInput>, Failure> {
    if b.contexts.is_none() && bench.is_none() {
        return Err(no_contexts(&b.dir));
    }
    b.check(bench).map_err(|e| Failure::usage(e.to_string()))?;
    combine::bundle_inputs(b, bench)
        .map_err(|e| Failure::usage(format!("{}: {e}", b.dir.display())))
}

fn no_contexts(dir: &std::path::Path) -> Failure {
    Failure::usage(format!(
        "{}: the manifest names no benchmark and there is no contexts.jsonl",
        dir.display()
    ))
}

/// The control's summary: `choices`' learned weights (and targets) against `reports`' reports.
pub fn control_summary(cli: &Cli, choices: &Bundle, reports: &Bundle) -> Result<Value, Failure> {
    let (m, o) = (&choices.manifest, &reports.manifest);
    if m.benchmark_sha256.is_some()
        && o.benchmark_sha256.is_some()
        && m.benchmark_sha256 != o.benchmark_sha256
    {
        return Err(Failure::usage(format!(
            "{} and {} were run on different benchmark files; the control compares the same contexts",
            choices.dir.display(),
            reports.dir.display()
        )));
    }
    let c: Vec<ContextInput> = inputs(cli, choices)?;
    let r: Vec<ContextInput> = inputs(cli, reports)?;
    let asked: BTreeSet<&ContextId> = r
        .iter()
        .filter(|x| !x.reports.is_empty())
        .map(|x| &x.id)
        .collect();
    if !c.iter().any(|x| asked.contains(&x.id)) {
        return Err(Failure::usage(format!(
            "{}: has no reports for any context of {}",
            reports.dir.display(),
            choices.dir.display()
        )));
    }
    let s = combine::control(&c, &r)
        .map_err(|e| Failure::usage(format!("{}: {e}", choices.dir.display())))?;
    Ok(serde_json::to_value(&s).expect("summary serialises"))
}

/// Reads a bundle and scores it: the benchmark it names (checked by hash) or its own contexts.
pub fn score_bundle(cli: &Cli, dir: &std::path::Path) -> Result<(Bundle, Value), Failure> {
    let b: Bundle = bundle::read(dir).map_err(|e| Failure::usage(e.to_string()))?;
    let bench: Option<Benchmark> = if b.contexts.is_some() {
        None
    } else {
        bundle_benchmark(cli, &b)?
    };
    let table: ContextTable<'_> = match (&b.contexts, &bench) {
        (Some(ctx), _) => ContextTable::Bundle(ctx),
        (None, Some(bench)) => ContextTable::Benchmark(bench),
        (None, None) => return Err(no_contexts(dir)),
    };
    b.check(bench.as_ref())
        .map_err(|e| Failure::usage(e.to_string()))?;
    let summary: Value = summarize(&b.samples, &b.manifest, table)
        .map_err(|e| Failure::usage(format!("{}: {e}", dir.display())))?;
    Ok((b, summary))
}

pub fn run(cli: &Cli, a: &ScoreArgs) -> anyhow::Result<()> {
    let (b, summary) = match &a.reports_from {
        None => score_bundle(cli, &a.dir)?,
        Some(other) => {
            let b: Bundle = bundle::read(&a.dir).map_err(|e| Failure::usage(e.to_string()))?;
            let o: Bundle = bundle::read(other).map_err(|e| Failure::usage(e.to_string()))?;
            let s: Value = control_summary(cli, &b, &o)?;
            if !a.json {
                eprintln!(
                    "control: choices of {} ({}), reports of {} ({})",
                    b.manifest.model,
                    a.dir.display(),
                    o.manifest.model,
                    other.display()
                );
            }
            (b, s)
        }
    };
    if a.write {
        bundle::write_summary(&a.dir, &summary).map_err(|e| Failure::usage(e.to_string()))?;
    }
    let text: String = if a.json {
        serde_json::to_string(&summary)?
    } else {
        human(&b, &summary)
    };
    print_stdout(&text)
}

/// Prints a line to stdout; a closed pipe (`| head`) ends quietly (exit 141).
fn print_stdout(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            Err(Failure::new(super::exit::BROKEN_PIPE, "").into())
        }
        Err(e) => Err(e.into()),
        Ok(()) => Ok(()),
    }
}

fn num(v: &Value) -> String {
    match v.as_f64() {
        Some(x) => format!("{x:.3}"),
        None => "-".to_string(),
    }
}

fn interval(v: &Value) -> String {
    match v
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_f64).collect::<Vec<f64>>())
    {
        Some(a) if a.len() == 2 => format!("[{:.3}, {:.3}]", a[0], a[1]),
        _ => "-".to_string(),
    }
}

/// The measurement-quality lines: both reliabilities, the ceiling, the corrected score, the
/// flag in plain words, and the contexts fitted at chance.
fn quality(q: &Quality) -> String {
    let f = |v: Option<f64>| num(&v.map_or(Value::Null, Value::from));
    // An interval after its value, or nothing when there is none.
    let ci = |v: Option<[f64; 2]>| match v {
        Some(_) => format!(
            " {}",
            interval(&serde_json::to_value(v).unwrap_or(Value::Null))
        ),
        None => String::new(),
    };
    let mut out: String = format!(
        "\nmeasurement quality: {}{}\n  behavioural reliability {}{}, report reliability {}{}\n  \
noise ceiling {}; {CORRECTED_LABEL} {}{}\n  {}\n",
        flag_words(Some(q.flag)),
        if q.rankable { "" } else { " (not rankable)" },
        f(q.behavioural_reliability.value),
        ci(q.behavioural_reliability.ci),
        f(q.report_reliability.value),
        ci(q.report_reliability.ci),
        f(q.ceiling.noise_ceiling),
        f(q.ceiling.corrected_r),
        ci(q.ceiling.corrected_r_ci),
        quality_sentence(Some(q)),
    );
    let chance: &[ContextId] = &q.fit.at_chance;
    out.push_str(&format!(
        "  fit: {} of {} contexts at chance{}\n",
        q.fit.n_at_chance,
        q.fit.n_contexts,
        if chance.is_empty() {
            String::new()
        } else {
            let shown: Vec<&str> = chance.iter().take(5).map(ContextId::as_str).collect();
            let more: usize = chance.len().saturating_sub(shown.len());
            format!(
                " ({}{})",
                shown.join(", "),
                if more > 0 {
                    format!(", and {more} more")
                } else {
                    String::new()
                }
            )
        }
    ));
    out
}

/// A readable summary: the comparisons, the measurement quality, then the per-context table.
fn human(b: &Bundle, s: &Value) -> String {
    let m = &b.manifest;
    let mut out: String = format!(
        "{} {} on {} ({} samples, {} invalid choices, {} invalid reports)\n\n",
        m.provider,
        m.model,
        m.benchmark.as_deref().unwrap_or(&m.source),
        m.counts.samples,
        m.counts.invalid_choices,
        m.counts.invalid_reports
    );
    let mut rows: Vec<[String; 6]> = vec![[
        "comparison".into(),
        "r".into(),
        "95% CI (study)".into(),
        "95% CI (bootstrap)".into(),
        "n".into(),
        "chance r".into(),
    ]];
    for key in [
        "reports_vs_learned",
        "learned_vs_target",
        "reports_vs_target",
    ] {
        let c: &Value = &s[key];
        if c.is_null() {
            continue;
        }
        let null_r: Value = c
            .get("null_r")
            .or_else(|| c.get("null").and_then(|n| n.get("mean")))
            .cloned()
            .unwrap_or(Value::Null);
        rows.push([
            key.replace('_', " "),
            num(&c["r"]),
            interval(&c["ci_study"]),
            interval(&c["ci_bootstrap"]),
            c["n"].to_string(),
            num(&null_r),
        ]);
    }
    out.push_str(&Table::from_iter(rows).with(Style::rounded()).to_string());
    out.push('\n');
    for key in ["choice_agreement", "invalid_report_rate", "p_answer_a"] {
        if let Some(v) = s.get(key).filter(|v| !v.is_null()) {
            out.push_str(&format!("{}: {}\n", key.replace('_', " "), num(v)));
        }
    }
    if let Some(pb) = s.get("position_bias").filter(|v| v.is_object()) {
        out.push_str(&format!(
            "position bias (pairs asked both ways: {}): P(A) as frozen {}, swapped {}; same option both times {}; \
             A both times {}; mean intercept {}\n",
            pb["n_pairs"],
            num(&pb["p_answer_a_ab"]),
            num(&pb["p_answer_a_ba"]),
            num(&pb["consistency"]),
            num(&pb["always_a"]),
            num(&pb["mean_intercept"]),
        ));
    }
    if let Some(q) = s
        .get("quality")
        .and_then(|q| serde_json::from_value::<Quality>(q.clone()).ok())
    {
        out.push_str(&quality(&q));
    }
    if let Some(ctx) = s["contexts"].as_array() {
        let mut rows: Vec<[String; 5]> = vec![[
            "context".into(),
            "learned".into(),
            "reported".into(),
            "choices".into(),
            "valid reports".into(),
        ]];
        let fmt5 = |v: &Value| match v.as_array() {
            Some(a) => a
                .iter()
                .map(|x| x.as_f64().map(|x| format!("{x:.0}")).unwrap_or_default())
                .collect::<Vec<_>>()
                .join(" "),
            None => "-".to_string(),
        };
        for c in ctx {
            rows.push([
                c["id"].as_str().unwrap_or("").to_string(),
                fmt5(&c["learned"]),
                fmt5(&c["reported"]),
                c["n_choices"].to_string(),
                c["n_reports_valid"].to_string(),
            ]);
        }
        out.push('\n');
        out.push_str(&Table::from_iter(rows).with(Style::psql()).to_string());
    }
    out
}
