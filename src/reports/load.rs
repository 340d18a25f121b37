//! Reading a run bundle back with everything a report needs: the bundle, a fresh score of its
//! raw samples, and the contexts' questions and attribute names.
//!
//! A report re-scores `samples.jsonl` rather than trusting `summary.json`, so what a reader
//! sees always follows from the raw answers (`selfinterp validate` checks that the two agree).

use crate::benchmark::Benchmark;
use crate::bundle::{self, Bundle, BundleContext, OpenBundle, OpenError};
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
    /// The bundle as read.
    pub bundle: Bundle,
    /// Its fresh score.
    pub summary: Summary,
    /// Each context's question and attribute names.
    pub contexts: BTreeMap<ContextId, ContextMeta>,
    /// Observer runs only: the privileged-access block of their summary.
    pub privileged_access: Option<crate::scoring::privileged::PrivilegedAccess>,
    /// "quick", "full" or "custom" as the run's counts read against its benchmark's presets;
    /// null for an import without run parameters.
    pub preset: Option<String>,
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

/// Reads, opens ([`crate::bundle::open`]) and scores the bundle in `dir`; `benchmark_root`
/// is `<root>/benchmark`.
pub fn load(benchmark_root: &Path, dir: &Path) -> Result<Scored, OpenError> {
    let opened: OpenBundle = bundle::open(benchmark_root, dir)?;
    let scored = opened.summary()?;
    let summary: Summary = scored.score;
    let contexts: BTreeMap<ContextId, ContextMeta> =
        match (&opened.bundle.contexts, &opened.benchmark) {
            (Some(list), _) => meta_of_bundle(list),
            (None, Some(bench)) => meta_of_benchmark(bench),
            (None, None) => BTreeMap::new(),
        };
    let preset: Option<String> = opened
        .bundle
        .manifest
        .parameters
        .as_ref()
        .map(|p| crate::runner::config::preset_of(p, opened.benchmark.as_ref()).to_string());
    Ok(Scored {
        bundle: opened.bundle,
        summary,
        contexts,
        privileged_access: scored.privileged_access,
        preset,
    })
}
