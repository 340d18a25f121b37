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

use super::parameters::{Parameters, run_contexts};
use super::plan::Task;
use super::sample::{Fields, KeyRef, KindKey, Sample, SampleKey};
use super::{BundleContext, RunManifest};
use crate::benchmark::{Benchmark, FrozenContext};
use crate::types::Pair;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::collections::HashSet;
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
/// line of `samples[i]`. Problems come in the order of `samples`, each naming the key's
/// first sample.
pub fn duplicates(file: &Path, samples: &[Sample], lines: &[usize]) -> Vec<SampleProblem> {
    if strictly_sorted(samples) {
        return Vec::new(); // every key differs from the next one, so from all others
    }
    // Sorted by borrowed key (stable: a key's first sample leads its group), repeats are
    // neighbours: no hashing or copying of keys.
    let mut by_key: Vec<usize> = (0..samples.len()).collect();
    by_key.sort_by(|&a, &b| samples[a].key_ref().cmp(&samples[b].key_ref()));
    let mut found: Vec<(usize, usize)> = Vec::new();
    for group in by_key.chunk_by(|&a, &b| samples[a].key_ref() == samples[b].key_ref()) {
        let j: usize = group[0];
        found.extend(
            group[1..]
                .iter()
                .filter(|&&i| samples[i] != samples[j])
                .map(|&i| (i, j)),
        );
    }
    found.sort_unstable();
    found
        .into_iter()
        .map(|(i, j)| conflict(file, samples, lines, i, j))
        .collect()
}

/// True when every sample's key sorts before the next one's (a canonical `samples.jsonl`).
pub fn strictly_sorted<S: Fields>(samples: &[S]) -> bool {
    samples
        .par_windows(2)
        .with_min_len(1024)
        .all(|w| w[0].key_ref() < w[1].key_ref())
}

/// `samples[i]` has `samples[j]`'s key with a different answer: the first differing field.
fn conflict(file: &Path, samples: &[Sample], lines: &[usize], i: usize, j: usize) -> SampleProblem {
    let s: &Sample = &samples[i];
    let a = serde_json::to_value(&samples[j]).expect("serialises");
    let b = serde_json::to_value(s).expect("serialises");
    let field: String = a
        .as_object()
        .and_then(|o| o.iter().find(|(k, v)| b.get(k.as_str()) != Some(v)))
        .map_or("sample".to_string(), |(k, _)| k.clone());
    problem(
        file,
        Some(lines[i]),
        &field,
        format!(
            "{} is also on line {} with a different {field}; one request has one answer",
            s.key(),
            lines[j]
        ),
    )
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
    p: &Parameters,
    bench: &Benchmark,
) -> Vec<SampleProblem> {
    let list: Vec<&FrozenContext> = run_contexts(bench, p);
    // An adaptive run's pairs depend on its earlier answers: replay the design from them.
    // A fixed design's request is known from its key alone (see `planned`).
    let replayed: Option<Vec<Task>> = p.design.as_ref().map(|_| {
        let contexts: Vec<Arc<FrozenContext>> =
            list.iter().map(|c| Arc::new((*c).clone())).collect();
        super::rounds::replay(&contexts, p, samples)
    });
    against_requests(file, samples, lines, p, &list, replayed.as_deref())
}

/// Samples against the requests of a run asking the contexts `list`: `replayed`, an adaptive
/// run's tasks replayed from its answers, or (a fixed design, `None`) the plan's request of
/// each key.
pub(crate) fn against_requests<S: Fields>(
    file: &Path,
    samples: &[S],
    lines: &[usize],
    p: &Parameters,
    list: &[&FrozenContext],
    replayed: Option<&[Task]>,
) -> Vec<SampleProblem> {
    let asked: FxHashMap<&str, &FrozenContext> = list.iter().map(|c| (c.id.as_str(), *c)).collect();
    let by_key: FxHashMap<KeyRef<'_>, &Task> = replayed
        .into_iter()
        .flatten()
        .map(|t| (t.key.as_ref(), t))
        .collect();
    // Each sample on its own, in parallel; the problems in sample order.
    let check = |(i, s): (usize, &S)| -> Option<SampleProblem> {
        let line = Some(lines[i]);
        let shown: Option<Pair> = match replayed {
            Some(_) => by_key.get(&s.key_ref()).map(|t| t.shown()),
            None => planned(&asked, p, s),
        };
        let Some(want) = shown else {
            return Some(not_asked(file, line, s, p, list.len(), &asked));
        };
        (*s.options() != want).then(|| {
            problem(
                file,
                line,
                "options",
                format!(
                    "{}: {} but the frozen pair in this order is {}",
                    s.key_ref().to_key(),
                    serde_json::to_string(s.options()).unwrap_or_default(),
                    serde_json::to_string(&want).unwrap_or_default()
                ),
            )
        })
    };
    samples
        .par_iter()
        .enumerate()
        .with_min_len(1024)
        .filter_map(check)
        .collect()
}

/// The pair a fixed-design run showed for `s`'s request, the one [`super::plan::plan`]'s
/// task of that key shows; `None` when the plan has no such request.
fn planned<S: Fields>(
    asked: &FxHashMap<&str, &FrozenContext>,
    p: &Parameters,
    s: &S,
) -> Option<Pair> {
    let k: KeyRef<'_> = s.key_ref();
    let ctx: &FrozenContext = asked.get(k.context)?;
    let (n, pairs): (usize, &[Pair]) = match k.kind {
        KindKey::Choice => (p.trials, &ctx.pairs),
        KindKey::Report => (p.reports, &ctx.report_pairs),
    };
    if k.index >= n || !p.orders.contains(&k.order) {
        return None;
    }
    pairs.get(k.index).map(|pair| k.order.apply(pair))
}

/// Why `s` is not a request of the plan, as a problem.
fn not_asked<S: Fields>(
    file: &Path,
    line: Option<usize>,
    s: &S,
    p: &Parameters,
    contexts: usize,
    asked: &FxHashMap<&str, &FrozenContext>,
) -> SampleProblem {
    let k: KeyRef<'_> = s.key_ref();
    let key: SampleKey = k.to_key();
    let (kind, n) = match k.kind {
        KindKey::Choice => ("choices", p.trials),
        KindKey::Report => ("reports", p.reports),
    };
    let (field, message) = if !asked.contains_key(k.context) {
        (
            "context",
            format!(
                "{} is not one of the {contexts} contexts this run asks",
                k.context
            ),
        )
    } else if k.index >= n {
        (
            "index",
            format!(
                "{} is past the plan's {n} {kind} per context ({key})",
                k.index
            ),
        )
    } else if !p.orders.contains(&k.order) {
        ("order", format!("{key}: this run does not ask that order"))
    } else {
        // An adaptive choice after an unanswered call of its round.
        (
            "index",
            format!("{key}: its round's earlier calls are not answered"),
        )
    };
    problem(file, line, field, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::sample::Order;
    use std::collections::HashMap;

    fn quick() -> (crate::bundle::Bundle, Benchmark) {
        let root: &Path = Path::new(env!("CARGO_MANIFEST_DIR"));
        let b = crate::bundle::read(&root.join("results/sim-faithful-native-quick")).unwrap();
        let bench = Benchmark::load(&root.join("benchmark"), "v1").unwrap();
        (b, bench)
    }

    /// The check as it was before keys were sorted instead of hashed: the reference.
    fn duplicates_by_hash(file: &Path, samples: &[Sample], lines: &[usize]) -> Vec<SampleProblem> {
        let mut first: HashMap<SampleKey, usize> = HashMap::new();
        let mut out: Vec<SampleProblem> = Vec::new();
        for (i, s) in samples.iter().enumerate() {
            match first.get(&s.key()) {
                None => {
                    first.insert(s.key(), i);
                }
                Some(&j) if samples[j] == *s => {}
                Some(&j) => out.push(conflict(file, samples, lines, i, j)),
            }
        }
        out
    }

    #[test]
    fn duplicates_sorted_find_what_hashing_found_in_any_order() {
        let (b, _) = quick();
        let file: &Path = Path::new("samples.jsonl");
        let mut state: u64 = 7;
        let mut next = |n: usize| -> usize {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as usize % n
        };
        for round in 0..50 {
            // Some samples repeated identically, some with another answer, in a shuffled order.
            let mut samples: Vec<Sample> = b.samples.clone();
            for _ in 0..(round % 7) {
                let mut s: Sample = samples[next(samples.len())].clone();
                if next(2) == 0 {
                    s.response.push('x');
                }
                samples.push(s);
            }
            for i in (1..samples.len()).rev() {
                samples.swap(i, next(i + 1));
            }
            let lines: Vec<usize> = (1..=samples.len()).map(|l| l * 3).collect();
            let want = duplicates_by_hash(file, &samples, &lines);
            assert_eq!(duplicates(file, &samples, &lines), want, "round {round}");
        }
    }

    #[test]
    fn a_fixed_design_request_is_found_from_its_key_exactly_as_in_the_plan() {
        let (b, bench) = quick();
        let p: &Parameters = b.manifest.parameters.as_ref().unwrap();
        let list: Vec<&FrozenContext> = run_contexts(&bench, p);
        let asked: FxHashMap<&str, &FrozenContext> =
            list.iter().map(|c| (c.id.as_str(), *c)).collect();
        let contexts: Vec<Arc<FrozenContext>> =
            list.iter().map(|c| Arc::new((*c).clone())).collect();
        let tasks: Vec<Task> = super::super::plan::plan(&contexts, p);
        let by_key: HashMap<SampleKey, Pair> =
            tasks.iter().map(|t| (t.key.clone(), t.shown())).collect();
        let mut s: Sample = b.samples[0].clone();
        let mut checked: usize = 0;
        for kind in [KindKey::Choice, KindKey::Report] {
            for ctx in bench.contexts.iter().take(30) {
                for index in 0..(p.trials + 2) {
                    for order in [Order::Ab, Order::Ba] {
                        (s.kind, s.index, s.order) = (kind, index, order);
                        s.context = ctx.id.clone();
                        assert_eq!(planned(&asked, p, &s), by_key.get(&s.key()).copied());
                        checked += 1;
                    }
                }
            }
        }
        assert!(by_key.len() > 400 && checked > 2 * by_key.len());
    }
}
