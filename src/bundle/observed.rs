//! Scoring an observer run (`run --experiment observe`): its reports against the learned
//! weights of the run it observed, found through the path its parameters record and checked
//! by the sha256 of that run's `samples.jsonl` (another file is refused, never scored).

use super::observe::ObserveParams;
use super::open::OpenError;
use super::sample::KindKey;
use super::score_input::{self, ContextTable};
use super::summary::BundleSummary;
use super::{Bundle, BundleError, RunManifest, SAMPLES};
use crate::benchmark::freeze::sha256_hex;
use crate::scoring::privileged::{AccessContext, privileged_access};
use crate::scoring::{ContextInput, score};
use crate::types::{ContextId, Weights};
use std::path::{Path, PathBuf};

/// The observed run's bundle: `of` as recorded (relative to the working directory), else
/// relative to the observer bundle's parent (the usual layout, `runs/a` observed by
/// `runs/b`), whichever holds the recorded `samples.jsonl`.
pub fn observed_bundle(observer_dir: &Path, o: &ObserveParams) -> Result<Bundle, OpenError> {
    let of = PathBuf::from(&o.of);
    let mut candidates: Vec<PathBuf> = vec![of.clone()];
    if of.is_relative()
        && let Some(parent) = observer_dir.parent()
    {
        candidates.push(parent.join(&of));
    }
    let mut seen: Vec<String> = Vec::new();
    for dir in candidates {
        match std::fs::read(dir.join(SAMPLES)) {
            Ok(bytes) if sha256_hex(&bytes) == o.of_samples_sha256 => {
                return Ok(super::read(&dir)?);
            }
            Ok(_) => seen.push(format!("{} holds other samples", dir.display())),
            Err(e) => seen.push(format!("{}: {e}", dir.join(SAMPLES).display())),
        }
    }
    Err(OpenError::Bundle(BundleError::Invalid {
        path: observer_dir.join(super::MANIFEST),
        message: format!(
            "observer run of {}: the observed run's samples (sha256 {}) are not found ({})",
            o.of,
            o.of_samples_sha256,
            seen.join("; ")
        ),
    }))
}

/// The observed run's contexts that the observer asked, each with the observer's reports in
/// place of the observed run's own.
pub fn with_observer_reports(
    observed: Vec<ContextInput>,
    own: &[ContextInput],
    o: &ObserveParams,
) -> Vec<ContextInput> {
    observed
        .into_iter()
        .filter(|c| o.shown.iter().any(|s| s.context == c.id))
        .map(|mut c| {
            c.reports = own
                .iter()
                .find(|x| x.id == c.id)
                .map(|x| x.reports.clone())
                .unwrap_or_default();
            c
        })
        .collect()
}

/// The scoring inputs of an observer bundle: the observed run's choices, its own reports.
pub fn observer_inputs(
    observer_dir: &Path,
    samples: &[super::Sample],
    manifest: &RunManifest,
    o: &ObserveParams,
    table: ContextTable<'_>,
) -> Result<Vec<ContextInput>, OpenError> {
    let observed: Bundle = observed_bundle(observer_dir, o)?;
    let theirs: Vec<ContextInput> =
        score_input::context_inputs(&observed.samples, &observed.manifest, table)
            .map_err(score_err(&observed.dir))?;
    let own: Vec<ContextInput> =
        score_input::context_inputs(samples, manifest, table).map_err(score_err(observer_dir))?;
    Ok(with_observer_reports(theirs, &own, o))
}

/// An observer bundle's summary: scored like any run, on the observed run's choices, with
/// the `privileged_access` block.
pub fn observer_summary(
    dir: &Path,
    samples: &[super::Sample],
    manifest: &RunManifest,
    o: &ObserveParams,
    table: ContextTable<'_>,
) -> Result<BundleSummary, OpenError> {
    let observed: Bundle = observed_bundle(dir, o)?;
    let theirs: Vec<ContextInput> =
        score_input::context_inputs(&observed.samples, &observed.manifest, table)
            .map_err(score_err(&observed.dir))?;
    let own: Vec<ContextInput> =
        score_input::context_inputs(samples, manifest, table).map_err(score_err(dir))?;
    let opts = score_input::score_options();
    let score: crate::scoring::Summary = score(&with_observer_reports(theirs, &own, o), &opts)
        .map_err(|e| OpenError::Score {
            dir: dir.to_path_buf(),
            source: e.into(),
        })?;
    let access: Vec<AccessContext> = access_contexts(&observed, &own, o, table)?;
    Ok(BundleSummary {
        score,
        position_bias: None,
        privileged_access: privileged_access(
            &access,
            o.examples,
            opts.seed,
            opts.bootstrap_resamples,
            opts.use_soft_labels,
        ),
    })
}

fn score_err(dir: &Path) -> impl Fn(score_input::ScoreInputError) -> OpenError {
    let dir: PathBuf = dir.to_path_buf();
    move |source| OpenError::Score {
        dir: dir.clone(),
        source,
    }
}

/// The mean of a context's valid reports.
fn mean_report(c: Option<&ContextInput>) -> Option<Weights> {
    let w: Vec<Weights> = c?
        .reports
        .iter()
        .filter_map(|r| r.valid_weights())
        .collect();
    (!w.is_empty()).then(|| {
        Weights(std::array::from_fn(|k| {
            w.iter().map(|x| x.0[k]).sum::<f64>() / w.len() as f64
        }))
    })
}

/// Per context the observer asked: the observed run's choices split into those shown and
/// the rest, its own reports, and the observer's.
fn access_contexts(
    observed: &Bundle,
    own: &[ContextInput],
    o: &ObserveParams,
    table: ContextTable<'_>,
) -> Result<Vec<AccessContext>, OpenError> {
    let keys = o.shown_keys();
    let is_shown = |s: &&super::Sample| {
        s.kind == KindKey::Choice
            && keys
                .get(&s.context)
                .is_some_and(|k| k.contains(&(s.index, s.order)))
    };
    let shown: Vec<super::Sample> = observed.samples.iter().filter(is_shown).cloned().collect();
    let rest: Vec<super::Sample> = observed
        .samples
        .iter()
        .filter(|s| !is_shown(s))
        .cloned()
        .collect();
    let m: &RunManifest = &observed.manifest;
    let err = score_err(&observed.dir);
    let shown_in: Vec<ContextInput> =
        score_input::context_inputs(&shown, m, table).map_err(&err)?;
    let rest_in: Vec<ContextInput> = score_input::context_inputs(&rest, m, table).map_err(&err)?;
    let find = |v: &[ContextInput], id: &ContextId| v.iter().position(|c| &c.id == id);
    let mut out: Vec<AccessContext> = Vec::new();
    for s in &o.shown {
        let (Some(a), Some(b)) = (find(&shown_in, &s.context), find(&rest_in, &s.context)) else {
            continue;
        };
        let held: &ContextInput = &rest_in[b];
        out.push(AccessContext {
            id: s.context.clone(),
            ranges: held.ranges,
            target: held.target,
            shown: shown_in[a].choices.clone(),
            held_out: held.choices.clone(),
            self_reported: mean_report(Some(held)),
            observer_reported: mean_report(own.iter().find(|c| c.id == s.context)),
        });
    }
    Ok(out)
}

/// The summary a finished run writes: [`BundleSummary::of`], or for an observer run its
/// reports against the observed run's choices.
pub fn summary_of(
    dir: &Path,
    samples: &[super::Sample],
    manifest: &RunManifest,
    table: ContextTable<'_>,
) -> Result<BundleSummary, OpenError> {
    match manifest
        .parameters
        .as_ref()
        .and_then(|p| p.observe.as_ref())
    {
        Some(o) => observer_summary(dir, samples, manifest, o, table),
        None => BundleSummary::of(samples, manifest, table).map_err(|source| OpenError::Score {
            dir: dir.to_path_buf(),
            source,
        }),
    }
}
