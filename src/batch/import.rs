//! A provider's batch results read back (any order, errors inline) and written into a run
//! bundle in the runner's format.

use super::{BatchError, BatchFormat, BatchManifest, custom_id, planned_tasks};
use crate::benchmark::Benchmark;
use crate::benchmark::freeze::sha256_hex;
use crate::bundle::InputFile;
use crate::bundle::open::load_benchmark;
use crate::bundle::plan::{Task, to_sample};
use crate::bundle::sample::{ErrorRecord, Sample, SampleKey};
use crate::bundle::time::now_rfc3339;
use crate::providers::common::{self, ApiKey};
use crate::providers::{ChatResponse, anthropic, openai, sanitise};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// What one result line says about its request.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// The request's answer, sanitised as a live answer is.
    Answered(ChatResponse),
    /// The request failed; the provider's error, in one line.
    Failed(String),
}

/// Where a result line is: file name and 1-based line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    /// The results file's name.
    pub file: String,
    /// The line, from 1.
    pub line: usize,
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// How a second line for one custom id relates to the line kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Repeat {
    /// The same answer again (a results file given twice, say): harmless.
    Same,
    /// A failure and an answer: the request was retried; the answer is kept.
    Retried,
    /// Failed twice: the first failure is kept.
    FailedAgain,
    /// Two different answers to one request: which one the model gave is unknown, so the
    /// import is refused rather than decided by file order.
    Conflict,
}

/// A custom id seen on more than one line.
#[derive(Clone, Debug, PartialEq)]
pub struct Duplicate {
    /// The custom id.
    pub id: String,
    /// The line kept.
    pub first: Place,
    /// The later line.
    pub again: Place,
    /// How the two relate.
    pub kind: Repeat,
}

impl std::fmt::Display for Duplicate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what: &str = match self.kind {
            Repeat::Same => "the same answer as",
            Repeat::Retried => "a retry of",
            Repeat::FailedAgain => "a second failure after",
            Repeat::Conflict => "a different answer from",
        };
        write!(
            f,
            "{}: custom_id {}: {what} line {} of {}",
            self.again, self.id, self.first.line, self.first.file
        )
    }
}

/// Results files read: outcomes by custom id, and lines that could not be read at all.
#[derive(Debug, Default)]
pub struct Results {
    /// The outcome kept for each custom id.
    pub by_id: HashMap<String, Outcome>,
    /// Where each id's kept outcome was read.
    pub place: HashMap<String, Place>,
    /// (place, message) of lines without a custom id or not JSON.
    pub unreadable: Vec<(Place, String)>,
    /// Ids seen more than once, in reading order.
    pub duplicates: Vec<Duplicate>,
}

fn one_line(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 300 {
        format!("{}...", s.chars().take(300).collect::<String>())
    } else {
        s
    }
}

/// The key of `var` (read once per process), for redacting what a batch's results echo.
fn key_of(var: &str) -> Option<&'static ApiKey> {
    static OPENAI: OnceLock<Option<ApiKey>> = OnceLock::new();
    static ANTHROPIC: OnceLock<Option<ApiKey>> = OnceLock::new();
    let cell = if var == openai::KEY_VAR {
        &OPENAI
    } else {
        &ANTHROPIC
    };
    cell.get_or_init(|| ApiKey::from_env(var)).as_ref()
}

/// An outcome with every string the server wrote redacted as a live answer's is.
fn cleaned(o: Outcome, var: &str) -> Outcome {
    match o {
        Outcome::Answered(r) => Outcome::Answered(sanitise::answer(r, key_of(var))),
        Outcome::Failed(m) => Outcome::Failed(common::redact(&m, key_of(var))),
    }
}

/// One OpenAI Batch output or error line: `{custom_id, response: {status_code, body}, error}`.
fn openai_outcome(v: &Value) -> Outcome {
    cleaned(openai_raw(v), openai::KEY_VAR)
}

fn openai_raw(v: &Value) -> Outcome {
    if let Some(e) = v.get("error").filter(|e| !e.is_null()) {
        return Outcome::Failed(
            e.get("message")
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| one_line(e)),
        );
    }
    let Some(resp) = v.get("response").filter(|r| !r.is_null()) else {
        return Outcome::Failed("no response and no error".into());
    };
    let status = resp.get("status_code").and_then(Value::as_u64).unwrap_or(0);
    let body = resp.get("body").cloned().unwrap_or(Value::Null);
    if status != 200 {
        let msg = body
            .pointer("/error/message")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| one_line(&body));
        return Outcome::Failed(format!("status {status}: {msg}"));
    }
    match openai::parse_response(body.to_string().as_bytes()) {
        Ok(r) => Outcome::Answered(r),
        Err(e) => Outcome::Failed(format!("malformed body: {e}")),
    }
}

/// One Anthropic Message Batches result line: `{custom_id, result: {type, message | error}}`.
fn anthropic_outcome(v: &Value) -> Outcome {
    cleaned(anthropic_raw(v), anthropic::KEY_VAR)
}

fn anthropic_raw(v: &Value) -> Outcome {
    let result = v.get("result").cloned().unwrap_or(Value::Null);
    match result.get("type").and_then(Value::as_str) {
        Some("succeeded") => {
            let msg = result.get("message").cloned().unwrap_or(Value::Null);
            match anthropic::parse_response(msg.to_string().as_bytes()) {
                Ok(r) => Outcome::Answered(r),
                Err(e) => Outcome::Failed(format!("malformed message: {e}")),
            }
        }
        Some("errored") => {
            let e = result.get("error").cloned().unwrap_or(Value::Null);
            let msg = e
                .pointer("/error/message")
                .or_else(|| e.get("message"))
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| one_line(&e));
            Outcome::Failed(format!("errored: {msg}"))
        }
        Some(other) => Outcome::Failed(other.to_string()),
        None => Outcome::Failed(format!("no result type: {}", one_line(&result))),
    }
}

impl Results {
    /// Adds the lines of one results file `file` (OpenAI output and error files, or
    /// Anthropic's results), in any order. An id answered in one line and failed in another
    /// counts as answered: a retried request's success is what matters. Every repeated id is
    /// recorded in [`Results::duplicates`]; two different answers are a [`Repeat::Conflict`].
    pub fn add_text(&mut self, format: BatchFormat, file: &str, text: &str) {
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let here = Place {
                file: file.to_string(),
                line: i + 1,
            };
            let v: Value = match serde_json::from_str(line) {
                Ok(v) => v,
                Err(e) => {
                    self.unreadable.push((here, format!("not JSON: {e}")));
                    continue;
                }
            };
            let Some(id) = v
                .get("custom_id")
                .and_then(Value::as_str)
                .map(str::to_string)
            else {
                self.unreadable.push((here, "no custom_id".into()));
                continue;
            };
            let outcome = match format {
                BatchFormat::Openai => openai_outcome(&v),
                BatchFormat::Anthropic => anthropic_outcome(&v),
            };
            let Some(prev) = self.by_id.get(&id) else {
                self.place.insert(id.clone(), here);
                self.by_id.insert(id, outcome);
                continue;
            };
            let kind: Repeat = match (prev, &outcome) {
                (Outcome::Answered(a), Outcome::Answered(b)) if a.text == b.text => Repeat::Same,
                (Outcome::Answered(_), Outcome::Answered(_)) => Repeat::Conflict,
                (Outcome::Failed(_), Outcome::Failed(_)) => Repeat::FailedAgain,
                _ => Repeat::Retried,
            };
            let first: Place = self.place[&id].clone();
            if matches!(prev, Outcome::Failed(_)) && matches!(outcome, Outcome::Answered(_)) {
                self.place.insert(id.clone(), here.clone());
                self.by_id.insert(id.clone(), outcome);
            }
            self.duplicates.push(Duplicate {
                id,
                first,
                again: here,
                kind,
            });
        }
    }

    /// The first pair of lines giving one request two different answers, if any.
    pub fn conflict(&self) -> Option<&Duplicate> {
        self.duplicates.iter().find(|d| d.kind == Repeat::Conflict)
    }
}

/// The results matched against the plan.
#[derive(Debug, Default)]
pub struct Imported {
    /// The answered requests, as samples.
    pub samples: Vec<Sample>,
    /// The failed requests, as `errors.jsonl` records.
    pub failed: Vec<ErrorRecord>,
    /// Planned requests with no line in the results.
    pub missing: Vec<SampleKey>,
    /// Ids in the results that the plan does not have (another run's file?).
    pub unknown: Vec<String>,
    /// The server-reported model ids, for the manifest.
    pub server_models: BTreeSet<String>,
    /// The server-reported fingerprints, for the manifest.
    pub system_fingerprints: BTreeSet<String>,
}

/// Matches results to the planned tasks; `at` stamps the error records.
pub fn match_results(tasks: &[Task], results: &Results, at: &str) -> Imported {
    let mut out = Imported::default();
    let mut planned: BTreeMap<String, &Task> = BTreeMap::new();
    for t in tasks {
        planned.insert(custom_id(&t.key), t);
    }
    for t in tasks {
        match results.by_id.get(&custom_id(&t.key)) {
            Some(Outcome::Answered(r)) => {
                out.server_models.extend(r.model.clone());
                out.system_fingerprints.extend(r.system_fingerprint.clone());
                out.samples.push(to_sample(t, &t.prompt(), r.clone()));
            }
            Some(Outcome::Failed(m)) => out.failed.push(ErrorRecord {
                key: t.key.clone(),
                attempts: 1,
                error: m.clone(),
                at: at.into(),
            }),
            None => out.missing.push(t.key.clone()),
        }
    }
    let mut unknown: Vec<String> = results
        .by_id
        .keys()
        .filter(|id| !planned.contains_key(*id))
        .cloned()
        .collect();
    unknown.sort();
    out.unknown = unknown;
    out.samples = crate::bundle::canonical(out.samples);
    out
}

/// The batch manifest beside a request file: `F.json` has `F.manifest.json`, any other `F`
/// has `F.manifest.json` beside it with `F`'s extension replaced.
pub fn manifest_path(requests: &Path) -> PathBuf {
    let name: String = requests
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    match name.strip_suffix(".json") {
        Some(stem) => requests.with_file_name(format!("{stem}.manifest.json")),
        None => crate::experiments::finetune::sibling(requests, "manifest.json"),
    }
}

/// What `batch import` reads: the request file `batch export` wrote (its manifest beside it
/// says what was asked) and the provider's result files.
#[derive(Clone, Debug, Default)]
pub struct BatchImportSpec {
    /// The request file `batch export` wrote.
    pub requests: PathBuf,
    /// OpenAI's output and error files, or Anthropic's results JSONL, in any order.
    pub results: Vec<PathBuf>,
}

fn read_text(path: &Path) -> Result<String, BatchError> {
    std::fs::read_to_string(path).map_err(|source| BatchError::Read {
        path: path.to_path_buf(),
        source,
    })
}

fn input(role: &str, path: &Path, text: &str) -> InputFile {
    InputFile {
        role: role.into(),
        path: path.display().to_string(),
        sha256: sha256_hex(text.as_bytes()),
    }
}

/// Reads a provider's batch results into the run bundle `out` (created, or an earlier
/// import or partial run of the same parameters extended), against the frozen benchmark
/// under `benchmark_dir` that the batch manifest names: the results are matched to the
/// requests, failed and missing requests go to `errors.jsonl`, and the bundle is finished as
/// a run's. Two different answers to one request are refused before anything is written.
pub fn import(
    spec: &BatchImportSpec,
    benchmark_dir: &Path,
    out: &Path,
) -> Result<ImportSummary, BatchError> {
    let mp: PathBuf = manifest_path(&spec.requests);
    let bm: BatchManifest =
        serde_json::from_str(&read_text(&mp)?).map_err(|source| BatchError::NotAManifest {
            path: mp.clone(),
            source,
        })?;
    let p = &bm.parameters;
    let bench: Benchmark =
        load_benchmark(benchmark_dir, &p.benchmark, Some(&p.benchmark_sha256), &mp)?;
    let mut results: Results = Results::default();
    let mut inputs: Vec<InputFile> = vec![input(
        "batch_requests",
        &spec.requests,
        &read_text(&spec.requests)?,
    )];
    for f in &spec.results {
        let text: String = read_text(f)?;
        results.add_text(bm.format, &f.display().to_string(), &text);
        inputs.push(input("batch_results", f, &text));
    }
    if let Some(d) = results.conflict() {
        return Err(BatchError::Conflict(d.to_string()));
    }
    let tasks: Vec<Task> = planned_tasks(&bench, p);
    let imported: Imported = match_results(&tasks, &results, &now_rfc3339());
    let unknown: Vec<String> = imported.unknown.clone();
    let mut summary: ImportSummary = write_bundle(out, &bench, &bm, imported, inputs)?;
    summary.unreadable = results.unreadable;
    summary.duplicates = results.duplicates;
    summary.unknown = unknown;
    Ok(summary)
}

/// What an import wrote.
#[derive(Debug)]
pub struct ImportSummary {
    /// The manifest written.
    pub manifest: crate::bundle::RunManifest,
    /// Samples already in the bundle before this import (a second batch for the missing ids).
    pub kept: usize,
    /// Samples this import added.
    pub added: usize,
    /// Requests whose result was a failure (written to `errors.jsonl`).
    pub failed: Vec<ErrorRecord>,
    /// Planned requests with no result yet (a later batch can ask them).
    pub missing: Vec<SampleKey>,
    /// Why no `summary.json` was written, when none was.
    pub score_error: Option<String>,
    /// Result lines that could not be read: (file and line, why).
    pub unreadable: Vec<(Place, String)>,
    /// Ids seen more than once (the same answer again is kept once).
    pub duplicates: Vec<Duplicate>,
    /// Result ids that are no request of this run.
    pub unknown: Vec<String>,
}

/// Writes the matched results into the run bundle `dir` in the runner's format, merging with
/// the samples of an earlier import or a partial live run of the same parameters. Failed and
/// missing requests go to `errors.jsonl`, so `selfinterp run --resume` asks exactly those.
pub fn write_bundle(
    dir: &std::path::Path,
    bench: &Benchmark,
    bm: &BatchManifest,
    imported: Imported,
    inputs: Vec<crate::bundle::InputFile>,
) -> Result<ImportSummary, BatchError> {
    use crate::bundle::journal;
    use crate::bundle::{self, RunManifest, ServerInfo};
    let params = &bm.parameters;
    std::fs::create_dir_all(dir).map_err(|source| BatchError::Create {
        dir: dir.to_path_buf(),
        source,
    })?;
    let now = now_rfc3339();
    let old: Option<RunManifest> = if dir.join(bundle::MANIFEST).exists() {
        Some(bundle::read_manifest(dir)?)
    } else {
        None
    };
    let mut earlier: Vec<Sample> = Vec::new();
    if let Some(m) = &old {
        if m.parameters.as_ref() != Some(params) {
            return Err(BatchError::OtherParameters {
                dir: dir.to_path_buf(),
            });
        }
        earlier = journal::read::<Sample>(&dir.join(bundle::SAMPLES))?.records;
    }
    let kept = earlier.len();
    let have: BTreeSet<SampleKey> = earlier.iter().map(Sample::key).collect();
    let added_samples: Vec<Sample> = imported
        .samples
        .into_iter()
        .filter(|s| !have.contains(&s.key()))
        .collect();
    let added = added_samples.len();
    earlier.extend(added_samples);
    let samples = bundle::canonical(earlier);
    let done: BTreeSet<SampleKey> = samples.iter().map(Sample::key).collect();
    let failed: Vec<ErrorRecord> = imported
        .failed
        .into_iter()
        .filter(|e| !done.contains(&e.key))
        .collect();
    let missing: Vec<SampleKey> = imported
        .missing
        .into_iter()
        .filter(|k| !done.contains(k))
        .collect();
    let mut errors: Vec<ErrorRecord> = failed.clone();
    errors.extend(missing.iter().map(|k| ErrorRecord {
        key: k.clone(),
        attempts: 0,
        error: "no result in the batch output".into(),
        at: now.clone(),
    }));
    errors.sort_by(|a, b| a.key.cmp(&b.key));
    let planned = planned_tasks(bench, params).len();
    let mut server = old.as_ref().map(|m| m.server.clone()).unwrap_or_default();
    let models: BTreeSet<String> = server
        .model_ids
        .drain(..)
        .chain(imported.server_models)
        .collect();
    let fps: BTreeSet<String> = server
        .system_fingerprints
        .drain(..)
        .chain(imported.system_fingerprints)
        .collect();
    server = ServerInfo {
        model_ids: models.into_iter().collect(),
        system_fingerprints: fps.into_iter().collect(),
    };
    let mut manifest = match old {
        Some(mut m) => {
            m.resumed_at.push(now.clone());
            m.inputs.extend(inputs);
            m
        }
        None => RunManifest {
            inputs,
            ..bundle::new_manifest(
                &format!("batch:{}", bm.format.as_str()),
                params,
                None,
                bench,
                now.clone(),
            )
        },
    };
    manifest.server = server;
    journal::write_atomic(&dir.join(bundle::ERRORS), &journal::to_jsonl(&errors))?;
    let table = crate::bundle::score_input::ContextTable::Benchmark(bench);
    let finished =
        crate::bundle::finish::finish(dir, &samples, planned, errors.len(), &mut manifest, table)?;
    let score_error: Option<String> = finished.score_error;
    Ok(ImportSummary {
        manifest,
        kept,
        added,
        failed,
        missing,
        score_error,
        unreadable: Vec::new(),
        duplicates: Vec::new(),
        unknown: Vec::new(),
    })
}
