//! `selfinterp view`: the reports of one bundle or of a results directory, and a browser of
//! every sample, served on loopback. This module loads and prepares what is shown; the HTTP
//! side is in `server`, the page's markup and script in `page`.
//!
//! Everything shown is computed from the raw samples when the viewer starts (the HTML report
//! re-scores them, as `report` does), and each prompt is rendered from the frozen benchmark
//! on request, with its sha256 compared against the one the sample recorded.

pub(crate) mod page;
pub(crate) mod server;

use crate::benchmark::{Benchmark, FrozenContext};
use crate::bundle::sample::{KindKey, Parsed, Sample};
use crate::prompts::{Prompt, choice_prompt, observe_prompt, report_prompt};
use crate::reports::{self, ReportOptions, Scored};
use crate::types::{Choice, N_ATTR};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// One bundle as the viewer serves it.
pub struct ViewBundle {
    /// URL-safe name: the bundle directory's name.
    pub name: String,
    /// The bundle directory.
    pub dir: PathBuf,
    /// The self-contained HTML report.
    pub report_html: String,
    /// `data.js` for the sample browser (see `page::SAMPLES_JS`).
    pub data_js: String,
    /// One-line description for the index.
    pub title: String,
    /// The main score in one line (r, its interval and the chance level), for the index.
    pub headline: String,
    /// "native", "instilled", "observe" or an import's source, and the preset and size.
    pub experiment: String,
    /// "ranked", or "not ranked: " and why (the measurement-quality flag).
    pub ranking: String,
    samples: Vec<Sample>,
    contexts: HashMap<String, FrozenContext>,
    /// An observer run's shown choices, which its report prompts show.
    observe: Option<crate::bundle::observe::ObserveParams>,
}

/// Why the viewer could not serve a directory.
#[derive(Debug, thiserror::Error)]
pub enum ViewError {
    /// Neither the directory nor its subdirectories hold a bundle.
    #[error("{0}: no run bundle (manifest.json) in it or in its subdirectories")]
    Empty(PathBuf),
    /// A directory could not be listed.
    #[error("{0}: cannot read: {1}")]
    Io(PathBuf, #[source] std::io::Error),
    /// A bundle could not be opened.
    #[error("{0}")]
    Load(#[from] crate::bundle::OpenError),
}

/// The bundle directories of `dir`: itself when it holds a `manifest.json`, else its
/// subdirectories that do, sorted by name.
pub fn bundle_dirs(dir: &Path) -> Result<Vec<PathBuf>, ViewError> {
    if dir.join("manifest.json").is_file() {
        return Ok(vec![dir.to_path_buf()]);
    }
    let read = std::fs::read_dir(dir).map_err(|e| ViewError::Io(dir.to_path_buf(), e))?;
    let mut dirs: Vec<PathBuf> = read
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.join("manifest.json").is_file())
        .collect();
    dirs.sort();
    if dirs.is_empty() {
        return Err(ViewError::Empty(dir.to_path_buf()));
    }
    Ok(dirs)
}

/// Loads and scores every bundle under `dir` (see [`bundle_dirs`]).
pub fn load_all(benchmark_root: &Path, dir: &Path) -> Result<Vec<ViewBundle>, ViewError> {
    bundle_dirs(dir)?
        .iter()
        .map(|d| load(benchmark_root, d))
        .collect()
}

/// Whether the leaderboard would rank the run, in words for the index (the leaderboard's
/// reasons: a run choosing at random has no measurable preference, not too little data).
fn ranking(s: &crate::scoring::Summary) -> String {
    use crate::scoring::quality::QualityFlag;
    match s.quality.as_ref() {
        None => "not known (scored before measurement quality)".into(),
        Some(q) if q.rankable => "ranked".into(),
        Some(q) => match q.flag {
            QualityFlag::InsufficientData if reports::text::no_measurable_preference(s) => {
                "not ranked: no measurable preference".into()
            }
            QualityFlag::InsufficientData => "not ranked: too little usable choice data".into(),
            QualityFlag::UnreliableBehaviour => "not ranked: behaviour unreliable".into(),
            QualityFlag::Ok | QualityFlag::UnreliableReports => "not ranked".into(),
        },
    }
}

fn fmt2(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.3}")).unwrap_or_else(|| "–".into())
}

/// Loads one bundle: scores it, renders its report and prepares the browser's data.
pub fn load(benchmark_root: &Path, dir: &Path) -> Result<ViewBundle, ViewError> {
    let scored: Scored = reports::load(benchmark_root, dir)?;
    let bench: Option<Benchmark> = crate::bundle::open::benchmark_of(
        benchmark_root,
        &scored.bundle.manifest,
        &scored.bundle.dir,
    )?;
    let data = reports::build(&scored, &ReportOptions { prices: None });
    let report_html = reports::exporter(reports::Format::Html).render(&data);
    let name: String = dir
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "run".into());
    let m = &scored.bundle.manifest;
    // Where the model ran: "llama.cpp server at 127.0.0.1:8765" says more than "openai".
    let title = format!(
        "{} ({}, {name})",
        m.model,
        reports::title::server_words(m).trim_start_matches("provider ")
    );
    let rvl = scored.summary.reports_vs_learned.as_ref();
    let headline = match rvl {
        // No r to print, and no interval or chance level either: say why, not "r = – [–, –]".
        Some(c) if c.r.is_none() && reports::text::no_measurable_preference(&scored.summary) => {
            "no score: no measurable preference (every learned weight is 0)".to_string()
        }
        Some(c) if c.r.is_none() => "no score: r is undefined".to_string(),
        Some(c) => format!(
            "r = {} [{}, {}], chance\u{a0}{}",
            fmt2(c.r),
            fmt2(c.ci_bootstrap.map(|x| x[0])),
            fmt2(c.ci_bootstrap.map(|x| x[1])),
            fmt2(c.null.mean),
        ),
        None => "no score".into(),
    };
    let contexts: HashMap<String, FrozenContext> = bench
        .map(|b| {
            b.contexts
                .into_iter()
                .map(|c| (c.id.as_str().to_string(), c))
                .collect()
        })
        .unwrap_or_default();
    let experiment: String = match (&data.title.preset, &data.title.size) {
        (Some(p), Some(size)) => format!("{} · {p}: {size}", data.title.experiment),
        _ => data.title.experiment.clone(),
    };
    let ranking: String = ranking(&scored.summary);
    let payload = browser_data(&scored, &name, &title, &headline, !contexts.is_empty());
    let data_js = format!(
        "window.VIEW_DATA = {};\n",
        serde_json::to_string(&payload).expect("serialises")
    );
    Ok(ViewBundle {
        name,
        dir: dir.to_path_buf(),
        report_html,
        data_js,
        title,
        headline,
        experiment,
        ranking,
        observe: scored
            .bundle
            .manifest
            .parameters
            .as_ref()
            .and_then(|p| p.observe.clone()),
        samples: scored.bundle.samples,
        contexts,
    })
}

#[derive(Serialize)]
struct SampleView<'a> {
    i: usize,
    context: &'a str,
    kind: &'static str,
    index: usize,
    order: &'static str,
    status: String,
    /// "A"/"B" for a choice, the five weights for a report, null when it did not parse.
    parsed: Value,
    p_a: Option<f64>,
    response: &'a str,
}

/// The sample browser's data: the bundle's identity, every context's weights side by side
/// and every sample (prompts are fetched one at a time: a full run's would be megabytes).
fn browser_data(s: &Scored, name: &str, title: &str, headline: &str, prompts: bool) -> Value {
    let contexts: Vec<Value> = s
        .summary
        .contexts
        .iter()
        .map(|c| {
            let meta = s.contexts.get(&c.id);
            json!({
                "id": c.id.as_str(),
                "question": meta.map(|m| m.question.as_str()),
                "attributes": meta.map(|m| m.attributes.clone())
                    .unwrap_or_else(|| (1..=N_ATTR).map(|k| format!("attribute_{k}")).collect()),
                "learned": c.learned.as_ref().map(|w| w.0),
                "reported": c.reported.as_ref().map(|w| w.0),
                "target": c.target.as_ref().map(|w| w.0),
                "context_r": c.per_context_r,
                "n_choices": c.n_choices,
                "n_reports_valid": c.n_reports_valid,
                "n_reports": c.n_reports,
            })
        })
        .collect();
    let samples: Vec<SampleView> = s
        .bundle
        .samples
        .iter()
        .enumerate()
        .map(|(i, x)| SampleView {
            i,
            context: x.context.as_str(),
            kind: x.kind.as_str(),
            index: x.index,
            order: x.order.as_str(),
            // A valid report outside -100..100 is kept and scored; say so beside its status.
            status: match x.out_of_range {
                Some(true) => format!("{} (out of range)", x.status),
                _ => x.status.clone(),
            },
            parsed: match &x.parsed {
                Some(Parsed::Choice(Choice::A)) => json!("A"),
                Some(Parsed::Choice(Choice::B)) => json!("B"),
                Some(Parsed::Weights(w)) => json!(w.0),
                None => Value::Null,
            },
            p_a: x.p_a,
            response: &x.response,
        })
        .collect();
    let m = &s.bundle.manifest;
    json!({
        "name": name,
        "title": title,
        "headline": headline,
        "model": m.model,
        "provider": m.provider,
        "prompts": prompts,
        "contexts": contexts,
        "samples": samples,
    })
}

impl ViewBundle {
    /// Sample `i`'s prompt rendered from the benchmark, with its sha256 and whether it matches
    /// the one recorded; `None` when there is no such sample.
    pub fn prompt(&self, i: usize) -> Option<Value> {
        let x: &Sample = self.samples.get(i)?;
        let Some(ctx) = self.contexts.get(x.context.as_str()) else {
            return Some(json!({
                "available": false,
                "why": "the prompt is not known: the bundle names no frozen benchmark holding this context (imported data)",
            }));
        };
        // The options as recorded are the ones shown (already in the asked order).
        let p: Prompt = match x.kind {
            KindKey::Choice => choice_prompt(ctx, &x.options),
            KindKey::Report => match self
                .observe
                .as_ref()
                .and_then(|o| o.examples_of(&x.context))
            {
                Some(e) => observe_prompt(ctx, &e, &x.options),
                None => report_prompt(ctx, &x.options),
            },
        };
        let sha = p.sha256();
        Some(json!({
            "available": true,
            "system": p.system,
            "user": p.user,
            "sha256": sha,
            "recorded_sha256": x.prompt_sha256,
            "matches": x.prompt_sha256.as_deref().map(|h| h == sha),
        }))
    }
}
