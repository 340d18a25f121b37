//! Reading a run bundle back with everything a report needs: the bundle, a fresh score of its
//! raw samples, and the contexts' questions and attribute names.
//!
//! A report re-scores `samples.jsonl` rather than trusting `summary.json`, so what a reader
//! sees always follows from the raw answers (`selfinterp validate` checks that the two agree).

use crate::benchmark::Benchmark;
use crate::bundle::score_input::{self, ContextTable};
use crate::bundle::{self, Bundle, BundleContext};
use crate::scoring::Summary;
use crate::types::ContextId;
use std::collections::BTreeMap;
use std::path::Path;

/// What a report shows about one context besides its scores.
#[derive(Clone, Debug, PartialEq)]
pub struct ContextMeta {
    pub question: String,
    pub attributes: Vec<String>,
}

/// A bundle, scored.
#[derive(Debug)]
pub struct Scored {
    pub bundle: Bundle,
    pub summary: Summary,
    pub contexts: BTreeMap<ContextId, ContextMeta>,
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Bundle(#[from] bundle::BundleError),
    #[error("{0}")]
    Benchmark(String),
    #[error("{dir}: {message}")]
    Score { dir: String, message: String },
    #[error(transparent)]
    Sample(#[from] crate::bundle::check::SampleProblem),
}

/// The names of each context: (id, question, attribute names).
fn meta<'a>(
    list: impl Iterator<Item = (&'a ContextId, &'a str, Vec<String>)>,
) -> BTreeMap<ContextId, ContextMeta> {
    list.map(|(id, question, attributes)| {
        (
            id.clone(),
            ContextMeta {
                question: question.to_string(),
                attributes,
            },
        )
    })
    .collect()
}

fn meta_of_bundle(list: &[BundleContext]) -> BTreeMap<ContextId, ContextMeta> {
    meta(list.iter().map(|c| {
        let names: Vec<String> = c.attributes.iter().map(|a| a.name.clone()).collect();
        (&c.id, c.question.as_str(), names)
    }))
}

fn meta_of_benchmark(b: &Benchmark) -> BTreeMap<ContextId, ContextMeta> {
    meta(b.contexts.iter().map(|c| {
        let names: Vec<String> = c.attributes.iter().map(|a| a.name.clone()).collect();
        (&c.id, c.question.as_str(), names)
    }))
}

/// Loads the frozen benchmark a bundle names and checks the bundle's recorded hash against it.
pub fn benchmark_for(benchmark_root: &Path, b: &Bundle) -> Result<Option<Benchmark>, LoadError> {
    let Some(version) = &b.manifest.benchmark else {
        return Ok(None);
    };
    let bench: Benchmark = Benchmark::load(benchmark_root, version)
        .map_err(|e| LoadError::Benchmark(e.to_string()))?;
    if let Some(h) = b
        .manifest
        .benchmark_sha256
        .as_deref()
        .filter(|h| *h != bench.hash)
    {
        return Err(LoadError::Benchmark(format!(
            "{}: manifest.json benchmark_sha256 {h} does not match benchmark {version} ({})",
            b.dir.display(),
            bench.hash
        )));
    }
    Ok(Some(bench))
}

/// Reads and scores the bundle in `dir`; `benchmark_root` is `<root>/benchmark`.
pub fn load(benchmark_root: &Path, dir: &Path) -> Result<Scored, LoadError> {
    let b: Bundle = bundle::read(dir)?;
    let score_err = |e: score_input::ScoreInputError| LoadError::Score {
        dir: dir.display().to_string(),
        message: e.to_string(),
    };
    let (summary, contexts): (Summary, BTreeMap<ContextId, ContextMeta>) = match &b.contexts {
        Some(list) => {
            b.check(None)?;
            (
                score_input::summary(&b.samples, &b.manifest, ContextTable::Bundle(list))
                    .map_err(score_err)?,
                meta_of_bundle(list),
            )
        }
        None => {
            let bench: Benchmark =
                benchmark_for(benchmark_root, &b)?.ok_or_else(|| LoadError::Score {
                    dir: dir.display().to_string(),
                    message: "the manifest names no benchmark and there is no contexts.jsonl"
                        .into(),
                })?;
            b.check(Some(&bench))?;
            (
                score_input::summary(&b.samples, &b.manifest, ContextTable::Benchmark(&bench))
                    .map_err(score_err)?,
                meta_of_benchmark(&bench),
            )
        }
    };
    Ok(Scored {
        bundle: b,
        summary,
        contexts,
    })
}
