//! The one check of a bundle's samples against what the run asked, made on every read:
//! `score`, `report`, `plan`, `study`, `run --resume` and `validate` all call it, so a sample
//! that the run could not have produced is refused everywhere the same way.
//!
//! A sample must be a request of the run's plan (a context the run asks, an index inside its
//! counts, an order it asks), its option values must be the frozen pair in that order (an
//! adaptive run's pairs are replayed from its answers), a request key may appear only once
//! unless the lines are identical, and there must be at least one sample. Imported bundles
//! (own `contexts.jsonl`, no run parameters) are checked against their own contexts.
//! The first problem is reported as one line naming file, line and field.

use super::parameters::run_contexts;
use super::plan::Task;
use super::sample::{KindKey, Sample, SampleKey};
use super::{BundleContext, RunManifest};
use crate::benchmark::{Benchmark, FrozenContext};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A sample the run could not have produced.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{}: {}{field}: {message}", file.display(), line.map(|l| format!("line {l}: ")).unwrap_or_default())]
pub struct SampleProblem {
    pub file: PathBuf,
    /// 1-based line of `samples.jsonl`; `None` for the file as a whole.
    pub line: Option<usize>,
    pub field: String,
    pub message: String,
}

/// What the samples are checked against.
#[derive(Clone, Copy, Debug)]
pub enum Against<'a> {
    /// The frozen benchmark the manifest names (hash already checked by the caller).
    Benchmark(&'a Benchmark),
    /// An imported bundle's own contexts.
    Contexts(&'a [BundleContext]),
}

fn problem(file: &Path, line: Option<usize>, field: &str, message: String) -> SampleProblem {
    SampleProblem {
        file: file.to_path_buf(),
        line,
        field: field.to_string(),
        message,
    }
}

/// The line of each sample of a file read in order: `1..=n`.
pub fn in_file_order(n: usize) -> Vec<usize> {
    (1..=n).collect()
}

/// Two lines with one request key: refused unless they are identical. `lines[i]` is the
/// line of `samples[i]`.
pub fn duplicates(file: &Path, samples: &[Sample], lines: &[usize]) -> Vec<SampleProblem> {
    let mut first: HashMap<SampleKey, usize> = HashMap::new();
    let mut out: Vec<SampleProblem> = Vec::new();
    for (i, s) in samples.iter().enumerate() {
        match first.get(&s.key()) {
            None => {
                first.insert(s.key(), i);
            }
            Some(&j) if samples[j] == *s => {}
            Some(&j) => {
                let a = serde_json::to_value(&samples[j]).expect("serialises");
                let b = serde_json::to_value(s).expect("serialises");
                let field: String = a
                    .as_object()
                    .and_then(|o| o.iter().find(|(k, v)| b.get(k.as_str()) != Some(v)))
                    .map_or("sample".to_string(), |(k, _)| k.clone());
                out.push(problem(
                    file,
                    Some(lines[i]),
                    &field,
                    format!(
                        "{} is also on line {} with a different {field}; one request has one answer",
                        s.key(),
                        lines[j]
                    ),
                ));
            }
        }
    }
    out
}

/// Every problem of `samples` (`lines[i]` the line of `samples[i]`) against the plan in
/// `manifest` and the contexts in `against`. None means the samples are a subset of the plan.
pub fn problems(
    file: &Path,
    samples: &[Sample],
    lines: &[usize],
    manifest: &RunManifest,
    against: Against<'_>,
) -> Vec<SampleProblem> {
    let mut out: Vec<SampleProblem> = Vec::new();
    if samples.is_empty() {
        out.push(problem(
            file,
            None,
            "samples",
            format!(
                "no samples (manifest.json counts {}); nothing to score",
                manifest.counts.samples
            ),
        ));
        return out;
    }
    out.extend(duplicates(file, samples, lines));
    match (against, &manifest.parameters) {
        (Against::Benchmark(bench), Some(p)) => {
            out.extend(against_plan(file, samples, lines, p, bench))
        }
        (Against::Benchmark(bench), None) => {
            let known: HashSet<&str> = bench.contexts.iter().map(|c| c.id.as_str()).collect();
            out.extend(unknown_contexts(
                file,
                samples,
                lines,
                &known,
                "the benchmark",
            ));
        }
        (Against::Contexts(list), _) => {
            let known: HashSet<&str> = list.iter().map(|c| c.id.as_str()).collect();
            out.extend(unknown_contexts(
                file,
                samples,
                lines,
                &known,
                "contexts.jsonl",
            ));
        }
    }
    out
}

/// The first problem, as an error.
pub fn check(
    file: &Path,
    samples: &[Sample],
    lines: &[usize],
    manifest: &RunManifest,
    against: Against<'_>,
) -> Result<(), SampleProblem> {
    match problems(file, samples, lines, manifest, against)
        .into_iter()
        .next()
    {
        Some(p) => Err(p),
        None => Ok(()),
    }
}

fn unknown_contexts(
    file: &Path,
    samples: &[Sample],
    lines: &[usize],
    known: &HashSet<&str>,
    what: &str,
) -> Vec<SampleProblem> {
    samples
        .iter()
        .enumerate()
        .filter(|(_, s)| !known.contains(s.context.as_str()))
        .map(|(i, s)| {
            problem(
                file,
                Some(lines[i]),
                "context",
                format!("{} is not in {what}", s.context),
            )
        })
        .collect()
}

/// Samples against the requests of the run's parameters and their frozen pairs.
fn against_plan(
    file: &Path,
    samples: &[Sample],
    lines: &[usize],
    p: &super::parameters::Parameters,
    bench: &Benchmark,
) -> Vec<SampleProblem> {
    let contexts: Vec<Arc<FrozenContext>> = run_contexts(bench, p)
        .into_iter()
        .map(|c| Arc::new(c.clone()))
        .collect();
    // An adaptive run's pairs depend on its earlier answers: replay the design from them.
    let tasks: Vec<Task> = super::rounds::replay(&contexts, p, samples);
    let by_key: HashMap<&SampleKey, &Task> = tasks.iter().map(|t| (&t.key, t)).collect();
    let asked: HashSet<&str> = contexts.iter().map(|c| c.id.as_str()).collect();
    let mut out: Vec<SampleProblem> = Vec::new();
    for (i, s) in samples.iter().enumerate() {
        let line = Some(lines[i]);
        let key: SampleKey = s.key();
        let Some(task) = by_key.get(&key) else {
            let (kind, n) = match s.kind {
                KindKey::Choice => ("choices", p.trials),
                KindKey::Report => ("reports", p.reports),
            };
            let (field, message) = if !asked.contains(s.context.as_str()) {
                (
                    "context",
                    format!(
                        "{} is not one of the {} contexts this run asks",
                        s.context,
                        contexts.len()
                    ),
                )
            } else if s.index >= n {
                (
                    "index",
                    format!(
                        "{} is past the plan's {n} {kind} per context ({key})",
                        s.index
                    ),
                )
            } else if !p.orders.contains(&s.order) {
                ("order", format!("{key}: this run does not ask that order"))
            } else {
                // An adaptive choice after an unanswered call of its round.
                (
                    "index",
                    format!("{key}: its round's earlier calls are not answered"),
                )
            };
            out.push(problem(file, line, field, message));
            continue;
        };
        let want = task.shown();
        if s.options != want {
            out.push(problem(
                file,
                line,
                "options",
                format!(
                    "{key}: {} but the frozen pair in this order is {}",
                    serde_json::to_string(&s.options).unwrap_or_default(),
                    serde_json::to_string(&want).unwrap_or_default()
                ),
            ));
        }
    }
    out
}
