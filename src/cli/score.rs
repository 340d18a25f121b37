//! `selfinterp score DIR`: re-score a run bundle from its raw samples, with no model calls.

use super::Cli;
use super::exit::Failure;
use crate::benchmark::Benchmark;
use crate::runner::bundle::{self, Bundle};
use crate::runner::score_input::{ContextTable, summarize};
use clap::Args;
use serde_json::Value;
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
    #[arg(long)]
    pub write: bool,
}

/// Reads a bundle and scores it: the benchmark it names (checked by hash) or its own contexts.
pub fn score_bundle(cli: &Cli, dir: &std::path::Path) -> Result<(Bundle, Value), Failure> {
    let b: Bundle = bundle::read(dir).map_err(|e| Failure::usage(e.to_string()))?;
    let summary: Value = match (&b.contexts, &b.manifest.benchmark) {
        (Some(ctx), _) => summarize(&b.samples, &b.manifest, ContextTable::Bundle(ctx)),
        (None, Some(version)) => {
            let bench: Benchmark =
                Benchmark::load(&cli.benchmark_dir(), version).map_err(|e| Failure::usage(e.to_string()))?;
            if b.manifest.benchmark_sha256.as_deref().is_some_and(|h| h != bench.hash) {
                return Err(Failure::usage(format!(
                    "{}: the bundle was run on benchmark {version} with sha256 {}, but {} has {}",
                    dir.display(),
                    b.manifest.benchmark_sha256.as_deref().unwrap_or(""),
                    cli.benchmark_dir().join(version).display(),
                    bench.hash
                )));
            }
            summarize(&b.samples, &b.manifest, ContextTable::Benchmark(&bench))
        }
        (None, None) => {
            return Err(Failure::usage(format!(
                "{}: the manifest names no benchmark and there is no contexts.jsonl",
                dir.display()
            )));
        }
    }
    .map_err(|e| Failure::usage(format!("{}: {e}", dir.display())))?;
    Ok((b, summary))
}

pub fn run(cli: &Cli, a: &ScoreArgs) -> anyhow::Result<()> {
    let (b, summary) = score_bundle(cli, &a.dir)?;
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

/// Prints a line to stdout; a closed pipe (`| head`) is not an error.
fn print_stdout(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|_| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
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

/// A readable summary: the comparisons, then the per-context table.
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
    for key in ["reports_vs_learned", "learned_vs_target", "reports_vs_target"] {
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
