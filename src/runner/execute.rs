//! The run loop: plan, skip what is done, ask the rest with bounded concurrency, record.
//!
//! With `--design adaptive` the choices come from [`super::adaptive::Rounds`], which releases
//! each context's next round when its current one is answered.
//!
//! Workers (tokio tasks, at most `concurrency` in flight) build the prompt, consult the cache,
//! send with retries and parse; the loop alone writes, one line per result, so files never
//! interleave. When the last request is answered `samples.jsonl` is rewritten in canonical
//! order and scored; that is what makes an interrupted-and-resumed run byte-identical to an
//! uninterrupted one.

use super::cache::ResponseCache;
use super::config::RunConfig;
use super::events::{Reporter, RunEvent, Silent};
use super::recheck::recheck;
use crate::benchmark::{Benchmark, FrozenContext};
use crate::bundle::journal::{self, Appender, ReadJournal};
use crate::bundle::plan::{Task, plan, to_sample};
use crate::bundle::rounds::Rounds;
use crate::bundle::sample::{ErrorRecord, KindKey, Sample, SampleKey, Timing};
use crate::bundle::score_input::ContextTable;
use crate::bundle::{self, RunManifest, RunStatus, ServerInfo, harness};
use crate::prompts::Prompt;
use crate::providers::preflight::ServerIdentity;
use crate::providers::resilient::{Failed, Policy, Resilient, Sent};
use crate::providers::{ChatRequest, ChatResponse, Provider, ProviderError};
use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::Instant;

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
    pub status: RunStatus,
    pub counts: bundle::Counts,
    /// The provider's fatal message, when it stopped the run.
    pub fatal: Option<String>,
    /// Set when the invalid-answer rate is over `--max-invalid-rate`.
    pub invalid_exceeded: Option<String>,
    /// The score written to `summary.json`, when one was.
    pub summary: Option<crate::scoring::Summary>,
    /// Why no summary was written (e.g. too few samples to score), when none was.
    pub score_error: Option<String>,
    /// Set when the circuit breaker stopped the run: the error every recent request hit.
    pub stopped_early: Option<String>,
}

pub use super::breaker::BREAKER_FAILURES;
use super::breaker::Breaker;

/// What every worker shares.
struct Shared {
    provider: Resilient,
    params: crate::bundle::Parameters,
    cache: Option<ResponseCache>,
    /// Who answers: cache-key material, so one server's answers never serve another.
    server: ServerIdentity,
    /// Extra cache-key material for answers the request body does not determine.
    cache_salt: Option<String>,
    /// How often an empty answer is asked again (`--max-retries`).
    empty_retries: u32,
}

/// A send that did not succeed.
#[derive(Clone, Debug, PartialEq)]
enum SendFailure {
    /// The provider refused for good; the run stops.
    Fatal { message: String },
    /// Retryable failures until the retries ran out; the request goes to `errors.jsonl`.
    Exhausted { message: String, attempts: u32 },
}

impl From<Failed> for SendFailure {
    fn from(f: Failed) -> SendFailure {
        match f.error {
            ProviderError::Fatal { message } => SendFailure::Fatal { message },
            ProviderError::Retryable { message, .. } | ProviderError::Rejected { message } => {
                SendFailure::Exhausted {
                    message,
                    attempts: f.attempts,
                }
            }
        }
    }
}

/// The retry and limit policy of the settings.
fn policy(cfg: &RunConfig) -> Policy {
    Policy {
        concurrency: cfg.settings.concurrency,
        rpm: cfg.settings.rpm,
        tpm: cfg.settings.tpm,
        timeout: cfg.timeout,
        max_attempts: cfg.settings.max_retries.saturating_add(1),
        // The longest Retry-After a request waits for: the time its attempts may take.
        max_retry_after: cfg
            .timeout
            .saturating_mul(cfg.settings.max_retries.saturating_add(1))
            .max(std::time::Duration::from_secs(60)),
        ..Policy::default()
    }
}

/// Where a phase's requests come from: a fixed list, or an adaptive design's rounds (which
/// release the next requests of a context as the answers of its current round come in).
enum Feed {
    Queue(std::vec::IntoIter<Task>),
    Rounds(Box<Rounds>),
}

impl Feed {
    fn next(&mut self) -> Option<Task> {
        match self {
            Feed::Queue(q) => q.next(),
            Feed::Rounds(r) => r.next_task(),
        }
    }
    fn answered(&mut self, s: &Sample) {
        if let Feed::Rounds(r) = self {
            r.answered(s);
        }
    }
    fn failed(&mut self, key: &SampleKey) {
        if let Feed::Rounds(r) = self {
            r.failed(key);
        }
    }
}

/// A worker's result.
enum Done {
    Answered(Box<Sample>, Timing),
    Failed(SampleKey, SendFailure),
}

/// Resolves once `cancel` turns true; never if its sender is gone.
async fn cancelled(cancel: &mut watch::Receiver<bool>) {
    loop {
        if *cancel.borrow_and_update() {
            return;
        }
        if cancel.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// Longest error message kept in `errors.jsonl`: enough to diagnose, not a whole body.
pub const MAX_ERROR_CHARS: usize = 500;

fn capped(message: &str) -> String {
    match message.char_indices().nth(MAX_ERROR_CHARS) {
        Some((i, _)) => format!("{}...", &message[..i]),
        None => message.to_string(),
    }
}

/// The name of some entry of `dir`, when it exists and is not empty.
fn first_entry(dir: &Path) -> Option<String> {
    let mut read = std::fs::read_dir(dir).ok()?;
    read.next()
        .and_then(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
}

fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
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
    std::fs::create_dir_all(dir).map_err(|source| RunError::Create {
        dir: dir.to_path_buf(),
        source,
    })?;
    // One writer at a time; a second `run --resume` on this bundle is refused here.
    let mut lock: bundle::lock::BundleLock = bundle::lock::acquire(dir)?;

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
    let mut timings: ReadJournal<Timing> = journal::read(&timings_path)?;
    let done_keys: HashSet<SampleKey> = done.records.iter().map(Sample::key).collect();
    let mut samples_out: Appender = Appender::open(&samples_path, done.good_len)?;
    let mut timings_out: Appender = Appender::open(&timings_path, timings.good_len)?;
    // This session's answers: with the earlier ones, the journals' contents (not read back).
    let mut answered: Vec<Sample> = Vec::new();
    // Failed requests are retried by this session, so the old error list is cleared.
    let mut errors_out: Appender = Appender::open(&dir.join(bundle::ERRORS), 0)?;

    let contexts: Vec<Arc<FrozenContext>> =
        crate::bundle::parameters::run_contexts(bench, &cfg.params)
            .into_iter()
            .map(|c| Arc::new(c.clone()))
            .collect();
    let all: Vec<Task> = plan(&contexts, &cfg.params);
    let planned: usize = all.len();
    reporter.event(&RunEvent::Planned {
        planned,
        done: all.iter().filter(|t| done_keys.contains(&t.key)).count(),
    });
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
    let shared: Arc<Shared> = Arc::new(shared);

    let mut fatal: Option<String> = None;
    let mut stopped_early: Option<String> = None;
    let mut breaker: Breaker = Breaker::default();
    let threshold: usize = BREAKER_FAILURES + cfg.settings.concurrency;
    let mut interrupted: bool = false;
    let mut n_errors: usize = 0;
    for kind in [KindKey::Choice, KindKey::Report] {
        if fatal.is_some() || interrupted || stopped_early.is_some() {
            break;
        }
        let phase_tasks: Vec<Task> = all.iter().filter(|t| t.key.kind == kind).cloned().collect();
        let total: usize = phase_tasks.len();
        let todo: Vec<Task> = phase_tasks
            .into_iter()
            .filter(|t| !done_keys.contains(&t.key))
            .collect();
        if todo.is_empty() {
            continue;
        }
        // The reports still to ask after this phase, so a reporter's ETA can cover the run.
        let reports_after: usize = match kind {
            KindKey::Choice => all
                .iter()
                .filter(|t| t.key.kind == KindKey::Report && !done_keys.contains(&t.key))
                .count(),
            KindKey::Report => 0,
        };
        reporter.event(&RunEvent::Phase {
            kind,
            total,
            done: total - todo.len(),
            reports_after,
        });
        let mut feed: Feed = match (&cfg.params.design, kind) {
            (Some(d), KindKey::Choice) => Feed::Rounds(Box::new(Rounds::new(
                &contexts,
                &cfg.params,
                d,
                &done.records,
            ))),
            _ => Feed::Queue(todo.into_iter()),
        };
        let mut set: JoinSet<Done> = JoinSet::new();
        loop {
            while set.len() < cfg.settings.concurrency
                && fatal.is_none()
                && stopped_early.is_none()
                && !interrupted
            {
                let Some(task) = feed.next() else { break };
                set.spawn(work(task, Arc::clone(&shared)));
            }
            if set.is_empty() {
                break;
            }
            let joined = tokio::select! {
                biased;
                _ = cancelled(&mut cancel) => {
                    interrupted = true;
                    set.abort_all();
                    break;
                }
                j = set.join_next() => j,
            };
            let Some(joined) = joined else { break };
            let done: Done = match joined {
                Ok(d) => d,
                Err(e) if e.is_cancelled() => continue,
                Err(e) => std::panic::resume_unwind(e.into_panic()),
            };
            match done {
                Done::Answered(sample, timing) => {
                    samples_out.append(&*sample)?;
                    timings_out.append(&timing)?;
                    reporter.event(&RunEvent::Answered {
                        key: sample.key(),
                        valid: sample.parsed.is_some(),
                    });
                    feed.answered(&sample);
                    breaker.answered();
                    answered.push(*sample);
                    timings.records.push(timing);
                }
                Done::Failed(key, SendFailure::Exhausted { message, attempts }) => {
                    let message: String = capped(&message);
                    n_errors += 1;
                    feed.failed(&key);
                    reporter.event(&RunEvent::Failed {
                        key: key.clone(),
                        error: message.clone(),
                    });
                    if stopped_early.is_none() && breaker.failed(&message, threshold) {
                        // In-flight requests are let finish (their answers are kept).
                        stopped_early = Some(format!(
                            "the last {threshold} requests all failed the same way: {message}"
                        ));
                    }
                    errors_out.append(&ErrorRecord {
                        key,
                        attempts,
                        error: message,
                        at: now_rfc3339(),
                    })?;
                }
                Done::Failed(key, SendFailure::Fatal { message }) => {
                    if fatal.is_none() {
                        fatal = Some(format!("{key}: {message}"));
                    }
                    set.abort_all();
                }
            }
        }
        reporter.event(&RunEvent::PhaseEnd { kind });
    }
    samples_out.sync()?;
    timings_out.sync()?;
    if let Some(c) = &shared.cache {
        c.sync();
    }

    // Everything known now: every session's samples and timings.
    let samples: Vec<Sample> =
        bundle::canonical(done.records.into_iter().chain(answered).collect());
    let timings: Vec<Timing> = timings.records;
    manifest.server = server_info(&timings);
    manifest.counts = bundle::count(&samples, planned, n_errors);
    manifest.soft_labels.used = manifest.counts.soft_labels > 0;
    let mut score_error: Option<String> = None;
    let mut scored: Option<crate::scoring::Summary> = None;
    let mut invalid_exceeded: Option<String> = None;
    manifest.status = if interrupted {
        RunStatus::Interrupted
    } else if fatal.is_some() {
        RunStatus::Failed
    } else {
        // Canonical order, then the summary: both pure functions of the answers.
        bundle::write_samples(dir, &samples)?;
        match bundle::observed::summary_of(dir, &samples, &manifest, ContextTable::Benchmark(bench))
        {
            Ok(summary) => {
                bundle::write_summary(dir, &summary)?;
                scored = Some(summary.score);
            }
            Err(e) => score_error = Some(e.to_string()),
        }
        invalid_exceeded = invalid_check(&manifest.counts, cfg.settings.max_invalid_rate);
        if n_errors > 0 {
            RunStatus::Incomplete
        } else {
            RunStatus::Complete
        }
    };
    manifest.finished_at = Some(now_rfc3339());
    bundle::write_manifest(dir, &manifest)?;
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
        summary: scored,
        score_error,
        stopped_early,
    })
}

/// One request, from prompt to parsed sample.
async fn work(task: Task, sh: Arc<Shared>) -> Done {
    let prompt: Prompt = task.prompt();
    let req: ChatRequest = task.request(&prompt, &sh.params);
    let t0: Instant = Instant::now();
    let cache_key: Option<String> = sh.cache.as_ref().map(|_| cache_key(&sh, &req));
    let cached: Option<ChatResponse> = match (&sh.cache, &cache_key) {
        (Some(c), Some(k)) => c.get(k),
        _ => None,
    };
    let (response, attempts, was_cached): (ChatResponse, u32, bool) = match cached {
        Some(r) if !r.text.trim().is_empty() => (r, 0, true),
        _ => {
            // A 200 with empty content (`content: null`) is asked again like a truncated
            // body, up to the retry budget, and never cached; only then is it kept (invalid).
            let mut total: u32 = 0;
            let mut empty_left: u32 = sh.empty_retries;
            loop {
                match sh.provider.send(&req).await {
                    Ok(Sent {
                        response, attempts, ..
                    }) => {
                        total = total.saturating_add(attempts);
                        let empty: bool = response.text.trim().is_empty();
                        if empty && empty_left > 0 {
                            empty_left -= 1;
                            continue;
                        }
                        if !empty && let (Some(c), Some(k)) = (&sh.cache, &cache_key) {
                            c.put(k, &response);
                        }
                        break (response, total, false);
                    }
                    Err(f) => return Done::Failed(task.key, f.into()),
                }
            }
        }
    };
    let latency_ms: u64 = t0.elapsed().as_millis() as u64;
    let timing: Timing = Timing {
        key: task.key.clone(),
        latency_ms,
        attempts,
        cached: was_cached,
        server_model: response.model.clone(),
        system_fingerprint: response.system_fingerprint.clone(),
    };
    Done::Answered(Box::new(to_sample(&task, &prompt, response)), timing)
}

/// The response cache key of a request: who answers, and the exact body.
fn cache_key(sh: &Shared, req: &ChatRequest) -> String {
    let body = sh.provider.request_body(req);
    let (name, model) = (sh.provider.name(), sh.provider.model());
    ResponseCache::key(&sh.server, name, model, &body, sh.cache_salt.as_deref())
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
    let reports: f64 = rate(c.invalid_reports, c.reports);
    (choices > max_rate || reports > max_rate).then(|| {
        format!(
            "invalid answers over --max-invalid-rate {max_rate}: choices {:.1}% ({}/{}), reports {:.1}% ({}/{})",
            100.0 * choices,
            c.invalid_choices,
            c.choices,
            100.0 * reports,
            c.invalid_reports,
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
