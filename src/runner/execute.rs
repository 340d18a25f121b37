//! The run loop: plan, skip what is done, ask the rest with bounded concurrency, record.
//!
//! With `--design adaptive` the choices come from [`crate::bundle::rounds::Rounds`], which
//! releases each context's next round when its current one is answered.
//!
//! A session has three phases: [`open`] the bundle (refuse what is not ours to write, lock,
//! read what is done), ask each kind's outstanding requests ([`super::ask`]), and [`finish`]
//! (when the last request is answered `samples.jsonl` is rewritten in canonical order and
//! scored; that is what makes an interrupted-and-resumed run byte-identical to an
//! uninterrupted one).

use super::ask::{Journals, Plan, Progress, Shared, ask_phase, cache_key, policy};
use super::cache::ResponseCache;
use super::config::RunConfig;
use super::events::{Reporter, RunEvent, Silent};
use super::recheck::recheck;
use super::spend::{self, Spend};
use crate::benchmark::{Benchmark, FrozenContext};
use crate::bundle::finish::Finished;
use crate::bundle::journal::{self, Appender, ReadJournal};
use crate::bundle::lock::BundleLock;
use crate::bundle::plan::{Task, plan};
use crate::bundle::sample::{KindKey, Sample, SampleKey, Timing};
use crate::bundle::score_input::ContextTable;
use crate::bundle::time::now_rfc3339;
use crate::bundle::{self, RunManifest, RunStatus, ServerInfo, harness};
use crate::providers::preflight::ServerIdentity;
use crate::providers::resilient::Resilient;
use crate::providers::{ChatRequest, Provider};
use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::sync::watch;

/// Why a run could not start or could not write its bundle.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Bad input: an existing bundle without `--resume`, mismatched parameters, bad files.
    #[error("{0}")]
    Usage(String),
    /// The bundle's directory could not be made: an I/O failure (exit 5), not bad input.
    #[error("{}: cannot create: {source}", dir.display())]
    Create {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Bundle(#[from] bundle::BundleError),
    #[error(transparent)]
    Journal(#[from] journal::JournalError),
}

/// How a run ended.
#[derive(Debug)]
pub struct RunOutcome {
    /// The status written to the manifest.
    pub status: RunStatus,
    /// The manifest's counts of samples, invalid answers and errors.
    pub counts: bundle::Counts,
    /// The provider's fatal message, when it stopped the run.
    pub fatal: Option<String>,
    /// Set when the invalid-answer rate is over `--max-invalid-rate`.
    pub invalid_exceeded: Option<String>,
    /// The score written to `summary.json`, when one was.
    pub summary: Option<crate::scoring::Summary>,
    /// Why no summary was written (e.g. too few samples to score), when none was.
    pub score_error: Option<String>,
    /// Set when the circuit breaker stopped the run (the error every recent request hit), or
    /// `--max-cost`/`--max-requests` did (which limit, and what was spent).
    pub stopped_early: Option<String>,
}

/// The name of some entry of `dir`, when it exists and is not empty.
fn first_entry(dir: &Path) -> Option<String> {
    let mut read = std::fs::read_dir(dir).ok()?;
    read.next()
        .and_then(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
}

/// Runs (or resumes) the run described by `cfg` into `cfg.out`, telling no one.
pub async fn execute(
    cfg: &RunConfig,
    bench: &Benchmark,
    provider: Arc<dyn Provider>,
    cancel: watch::Receiver<bool>,
) -> Result<RunOutcome, RunError> {
    execute_with(cfg, bench, provider, cancel, &mut Silent).await
}

/// [`execute`], telling `reporter` what happens as it happens.
pub async fn execute_with(
    cfg: &RunConfig,
    bench: &Benchmark,
    provider: Arc<dyn Provider>,
    mut cancel: watch::Receiver<bool>,
    reporter: &mut dyn Reporter,
) -> Result<RunOutcome, RunError> {
    let mut opened: Opened = open(cfg, bench)?;
    let contexts: Vec<Arc<FrozenContext>> =
        crate::bundle::parameters::run_contexts(bench, &cfg.params)
            .into_iter()
            .map(|c| Arc::new(c.clone()))
            .collect();
    let all: Vec<Task> = plan(&contexts, &cfg.params);
    let done_keys: HashSet<SampleKey> = opened.done.records.iter().map(Sample::key).collect();
    reporter.event(&RunEvent::Planned {
        planned: all.len(),
        done: all.iter().filter(|t| done_keys.contains(&t.key)).count(),
    });
    let shared: Arc<Shared> =
        Arc::new(connect(cfg, provider, &all, &done_keys, &mut opened.manifest).await);
    let spend: Spend = spend::of_bundle(&cfg.limits, &all, &opened.done.records, &opened.timings);
    let mut progress: Progress = Progress::new(cfg, std::mem::take(&mut opened.timings), spend);
    let plan: Plan = Plan {
        cfg,
        contexts: &contexts,
        all: &all,
        done_keys: &done_keys,
        done: &opened.done.records,
    };
    for kind in [KindKey::Choice, KindKey::Report] {
        if progress.stopped() {
            break;
        }
        let journals: &mut Journals = &mut opened.journals;
        ask_phase(
            kind,
            &plan,
            &shared,
            &mut cancel,
            reporter,
            &mut progress,
            journals,
        )
        .await?;
    }
    opened.journals.samples.sync()?;
    opened.journals.timings.sync()?;
    if let Some(c) = &shared.cache {
        c.sync();
    }
    finish(cfg, bench, opened, progress, all.len(), reporter)
}

/// The bundle opened for writing by this session.
struct Opened {
    lock: BundleLock,
    /// Its manifest, marked running (a resumed run's, updated).
    manifest: RunManifest,
    /// The samples of earlier sessions (checked against this run's plan).
    done: ReadJournal<Sample>,
    /// The timings of earlier sessions.
    timings: Vec<Timing>,
    journals: Journals,
}

/// Whether `cfg.out` can take this run, checked before the plan is printed or anything sent
/// (`run` calls it first; [`open`] again): a bundle there needs `--resume` with the same
/// parameters, and a directory holding anything else is refused. Returns whether it holds a
/// bundle to resume.
pub fn check_out(cfg: &RunConfig) -> Result<bool, RunError> {
    let dir: &Path = &cfg.out;
    let has_manifest: bool = dir.join(bundle::MANIFEST).exists();
    if has_manifest && !cfg.resume {
        return Err(RunError::Usage(format!(
            "{}: already holds a run; add --resume to continue it, or choose another --out",
            dir.display()
        )));
    }
    // Files of something else (another run's samples without its manifest, a summary) would
    // be taken for this run's or overwritten: only an empty directory starts a run.
    if !has_manifest && let Some(name) = first_entry(dir) {
        return Err(RunError::Usage(format!(
            "{}: not empty ({name}) and holds no run to resume (no {}); choose an empty or new --out",
            dir.display(),
            bundle::MANIFEST
        )));
    }
    if has_manifest {
        check_resumable(dir, &bundle::read_manifest(dir)?, cfg)?;
    }
    Ok(has_manifest)
}

/// Opens `cfg.out` for this session: refuses a bundle without `--resume`, a directory holding
/// something else, a resume with other parameters or samples this run could not have made;
/// locks it, writes the running manifest and opens the journals past any torn last line.
fn open(cfg: &RunConfig, bench: &Benchmark) -> Result<Opened, RunError> {
    let dir: &Path = &cfg.out;
    let has_manifest: bool = check_out(cfg)?;
    std::fs::create_dir_all(dir).map_err(|source| RunError::Create {
        dir: dir.to_path_buf(),
        source,
    })?;
    // One writer at a time; a second `run --resume` on this bundle is refused here.
    let mut lock: BundleLock = bundle::lock::acquire(dir)?;

    let mut manifest: RunManifest = if has_manifest {
        let old: RunManifest = bundle::read_manifest(dir)?;
        check_resumable(dir, &old, cfg)?;
        let mut m: RunManifest = old;
        m.resumed_at.push(now_rfc3339());
        m.settings = Some(cfg.settings.clone());
        m.harness = harness::harness();
        m.finished_at = None;
        m
    } else {
        new_manifest(cfg, bench)
    };
    manifest.status = RunStatus::Running;

    // What is already done. A torn last line (killed mid-write) is cut off before appending.
    let samples_path: PathBuf = dir.join(bundle::SAMPLES);
    let timings_path: PathBuf = dir.join(bundle::TIMINGS);
    let done: ReadJournal<Sample> = journal::read(&samples_path)?;
    if !done.records.is_empty() {
        // Samples this run's plan could not have produced are refused, not skipped or kept.
        let lines: Vec<usize> = crate::bundle::check::in_file_order(done.records.len());
        crate::bundle::check::check(
            &samples_path,
            &done.records,
            &lines,
            &manifest,
            crate::bundle::check::Against::Benchmark(bench),
        )
        .map_err(|e| RunError::Usage(e.to_string()))?;
    }
    bundle::write_manifest(dir, &manifest)?;
    lock.running();
    let timings: ReadJournal<Timing> = journal::read(&timings_path)?;
    let journals: Journals = Journals {
        samples: Appender::open(&samples_path, done.good_len)?,
        timings: Appender::open(&timings_path, timings.good_len)?,
        // Failed requests are retried by this session, so the old error list is cleared.
        errors: Appender::open(&dir.join(bundle::ERRORS), 0)?,
    };
    Ok(Opened {
        lock,
        manifest,
        done,
        timings: timings.records,
        journals,
    })
}

/// What the workers share: the resilient provider, the response cache (kept only when the
/// re-check of what it would answer trusts it; recorded in the manifest) and the cache keys'
/// material.
async fn connect(
    cfg: &RunConfig,
    provider: Arc<dyn Provider>,
    all: &[Task],
    done_keys: &HashSet<SampleKey>,
    manifest: &mut RunManifest,
) -> Shared {
    // The agents' version too: answers cached before their behaviour changed are not theirs.
    let cache_salt: Option<String> = (provider.name() == "sim")
        .then(|| format!("{} seed {}", crate::sim::SIM_VERSION, cfg.params.seed));
    let server: ServerIdentity = cfg
        .server
        .clone()
        .unwrap_or_else(|| ServerIdentity::endpoint_only(provider.endpoint()));
    let mut shared: Shared = Shared {
        server,
        empty_retries: cfg.settings.max_retries,
        provider: Resilient::new(provider, policy(cfg)),
        params: cfg.params.clone(),
        cache: cfg.cache_dir.as_deref().map(ResponseCache::new),
        cache_salt,
    };
    // A model re-served under the same name is caught by re-asking what the cache would answer.
    if let Some(c) = &shared.cache {
        let todo: Vec<&Task> = all.iter().filter(|t| !done_keys.contains(&t.key)).collect();
        let key = |r: &ChatRequest| cache_key(&shared, r);
        let (sh, live) = (&shared, &shared.provider);
        manifest.cache_check = recheck(c, &todo, &sh.params, live, &sh.server.endpoint, key).await;
        let trusted: bool = manifest.cache_check.as_ref().is_none_or(|c| c.trusted);
        shared.cache = shared.cache.take().filter(|_| trusted);
    }
    shared
}

/// Ends the session: every session's samples in canonical order, the counts, the score
/// (when the run is not interrupted or refused), the final manifest; releases the lock.
fn finish(
    cfg: &RunConfig,
    bench: &Benchmark,
    opened: Opened,
    progress: Progress,
    planned: usize,
    reporter: &mut dyn Reporter,
) -> Result<RunOutcome, RunError> {
    let dir: &Path = &cfg.out;
    let Opened {
        mut lock,
        mut manifest,
        done,
        ..
    } = opened;
    let Progress {
        fatal,
        stopped_early,
        interrupted,
        n_errors,
        answered,
        timings,
        spend,
        ..
    } = progress;
    // Everything known now: every session's samples and timings.
    let samples: Vec<Sample> =
        bundle::canonical(done.records.into_iter().chain(answered).collect());
    manifest.server = server_info(&timings);
    let mut scored: Finished = Finished {
        summary: None,
        score_error: None,
    };
    let mut invalid_exceeded: Option<String> = None;
    manifest.spending = spend.record();
    // A run stopped at --max-cost/--max-requests is finished by the resume that asks the rest.
    if interrupted || fatal.is_some() || spend.stopped() {
        let status: RunStatus = if interrupted {
            RunStatus::Interrupted
        } else if fatal.is_some() {
            RunStatus::Failed
        } else {
            RunStatus::Incomplete
        };
        bundle::finish::stop(dir, &samples, planned, n_errors, &mut manifest, status)?;
    } else {
        let table: ContextTable = ContextTable::Benchmark(bench);
        scored = bundle::finish::finish(dir, &samples, planned, n_errors, &mut manifest, table)?;
        invalid_exceeded = invalid_check(&manifest.counts, cfg.settings.max_invalid_rate);
    }
    lock.finished();
    reporter.event(&RunEvent::Finished {
        status: manifest.status,
        counts: manifest.counts.clone(),
    });
    Ok(RunOutcome {
        status: manifest.status,
        counts: manifest.counts.clone(),
        fatal,
        invalid_exceeded,
        summary: scored.summary.map(|s| s.score),
        score_error: scored.score_error,
        stopped_early,
    })
}

fn server_info(timings: &[Timing]) -> ServerInfo {
    let ids: BTreeSet<String> = timings
        .iter()
        .filter_map(|t| t.server_model.clone())
        .collect();
    let fps: BTreeSet<String> = timings
        .iter()
        .filter_map(|t| t.system_fingerprint.clone())
        .collect();
    ServerInfo {
        model_ids: ids.into_iter().collect(),
        system_fingerprints: fps.into_iter().collect(),
    }
}

/// The invalid-answer check: each kind's invalid rate against the threshold.
fn invalid_check(c: &bundle::Counts, max_rate: f64) -> Option<String> {
    let rate = |bad: usize, n: usize| if n == 0 { 0.0 } else { bad as f64 / n as f64 };
    let choices: f64 = rate(c.invalid_choices, c.choices);
    // A run counts every report it asked, so its invalid count is known.
    let invalid_reports: usize = c.invalid_reports.unwrap_or_default();
    let reports: f64 = rate(invalid_reports, c.reports);
    (choices > max_rate || reports > max_rate).then(|| {
        format!(
            "invalid answers over --max-invalid-rate {max_rate}: choices {:.1}% ({}/{}), reports {:.1}% ({}/{})",
            100.0 * choices,
            c.invalid_choices,
            c.choices,
            100.0 * reports,
            invalid_reports,
            c.reports
        )
    })
}

fn new_manifest(cfg: &RunConfig, bench: &Benchmark) -> RunManifest {
    bundle::new_manifest(
        "run",
        &cfg.params,
        Some(cfg.settings.clone()),
        bench,
        now_rfc3339(),
    )
}

/// A resume must measure the same thing: same parameters, same benchmark file.
fn check_resumable(dir: &Path, old: &RunManifest, cfg: &RunConfig) -> Result<(), RunError> {
    let Some(old_p) = &old.parameters else {
        return Err(RunError::Usage(format!(
            "{}: this bundle was not made by `run` and cannot be resumed",
            dir.display()
        )));
    };
    let a: serde_json::Value = serde_json::to_value(old_p).expect("serialises");
    let b: serde_json::Value = serde_json::to_value(&cfg.params).expect("serialises");
    let mut diffs: Vec<String> = Vec::new();
    if let (Some(a), Some(b)) = (a.as_object(), b.as_object()) {
        // Both sides' keys: an optional parameter (`half`, `context_ids`) is absent when
        // unset, so adding it on resume shows only on the command's side.
        let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
        let null = serde_json::Value::Null;
        for k in keys {
            let (va, vb) = (a.get(k).unwrap_or(&null), b.get(k).unwrap_or(&null));
            if va != vb {
                diffs.push(format!("{k}: bundle has {va}, this command has {vb}"));
            }
        }
    }
    if diffs.is_empty() {
        Ok(())
    } else {
        Err(RunError::Usage(format!(
            "{}: --resume with different parameters ({}); use the original command or a new --out",
            dir.display(),
            diffs.join("; ")
        )))
    }
}
