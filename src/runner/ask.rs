//! Asking: one phase's requests (choices, then reports) with bounded concurrency, each
//! worker building the prompt, consulting the cache, sending with retries and parsing; the
//! phase loop alone appends to the journals, one line per result, so files never interleave.

use super::breaker::{BREAKER_FAILURES, Breaker};
use super::cache::ResponseCache;
use super::config::RunConfig;
use super::events::{Reporter, RunEvent};
use super::execute::RunError;
use super::spend::Spend;
use crate::benchmark::FrozenContext;
use crate::bundle::journal::Appender;
use crate::bundle::plan::{Task, to_sample};
use crate::bundle::rounds::Rounds;
use crate::bundle::sample::{ErrorRecord, KindKey, Sample, SampleKey, Timing};
use crate::bundle::time::now_rfc3339;
use crate::prompts::Prompt;
use crate::providers::preflight::ServerIdentity;
use crate::providers::resilient::Resilient;
use crate::providers::resilient::{Failed, Policy, Sent};
use crate::providers::{ChatRequest, ChatResponse, Provider, ProviderError};
use std::collections::HashSet;
use std::sync::Arc;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::Instant;

/// What every worker shares.
pub(super) struct Shared {
    pub(super) provider: Resilient,
    pub(super) params: crate::bundle::Parameters,
    pub(super) cache: Option<ResponseCache>,
    /// Who answers: cache-key material, so one server's answers never serve another.
    pub(super) server: ServerIdentity,
    /// Extra cache-key material for answers the request body does not determine.
    pub(super) cache_salt: Option<String>,
    /// How often an empty answer is asked again (`--max-retries`).
    pub(super) empty_retries: u32,
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
pub(super) fn policy(cfg: &RunConfig) -> Policy {
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

/// The three journals a session appends to.
pub(super) struct Journals {
    pub(super) samples: Appender,
    pub(super) timings: Appender,
    pub(super) errors: Appender,
}

/// Where the asking stands after each answer; the phases update it.
pub(super) struct Progress {
    /// The provider's fatal message, when it stopped the run.
    pub(super) fatal: Option<String>,
    /// The circuit breaker's reason, or the `--max-cost`/`--max-requests` one, when it
    /// stopped the run.
    pub(super) stopped_early: Option<String>,
    pub(super) interrupted: bool,
    /// Requests whose retries ran out (in `errors.jsonl`).
    pub(super) n_errors: usize,
    /// This session's answers and timings (with the earlier ones: the journals' contents).
    pub(super) answered: Vec<Sample>,
    pub(super) timings: Vec<Timing>,
    /// What the run has spent, against `--max-cost`/`--max-requests`.
    pub(super) spend: Spend,
    breaker: Breaker,
    threshold: usize,
}

impl Progress {
    pub(super) fn new(cfg: &RunConfig, timings: Vec<Timing>, spend: Spend) -> Progress {
        Progress {
            fatal: None,
            stopped_early: None,
            interrupted: false,
            n_errors: 0,
            answered: Vec::new(),
            timings,
            spend,
            breaker: Breaker::default(),
            threshold: BREAKER_FAILURES + cfg.settings.concurrency,
        }
    }

    /// No more requests are started (fatal, interrupted or stopped early).
    pub(super) fn stopped(&self) -> bool {
        self.fatal.is_some() || self.interrupted || self.stopped_early.is_some()
    }
}

/// What every phase of a session asks from.
pub(super) struct Plan<'a> {
    pub(super) cfg: &'a RunConfig,
    pub(super) contexts: &'a [Arc<FrozenContext>],
    pub(super) all: &'a [Task],
    pub(super) done_keys: &'a HashSet<SampleKey>,
    /// The samples of earlier sessions (an adaptive design continues from them).
    pub(super) done: &'a [Sample],
}

impl Plan<'_> {
    /// The phase's requests (a fixed list, or the adaptive design's rounds), or `None` when
    /// all are done; tells `reporter` the phase starts.
    fn feed(&self, kind: KindKey, reporter: &mut dyn Reporter) -> Option<Feed> {
        let phase: Vec<&Task> = self.all.iter().filter(|t| t.key.kind == kind).collect();
        let total: usize = phase.len();
        let todo: Vec<Task> = phase
            .into_iter()
            .filter(|t| !self.done_keys.contains(&t.key))
            .cloned()
            .collect();
        if todo.is_empty() {
            return None;
        }
        // The reports still to ask after this phase, so a reporter's ETA can cover the run.
        let reports_after: usize = match kind {
            KindKey::Choice => self
                .all
                .iter()
                .filter(|t| t.key.kind == KindKey::Report && !self.done_keys.contains(&t.key))
                .count(),
            KindKey::Report => 0,
        };
        reporter.event(&RunEvent::Phase {
            kind,
            total,
            done: total - todo.len(),
            reports_after,
        });
        Some(match (&self.cfg.params.design, kind) {
            (Some(d), KindKey::Choice) => Feed::Rounds(Box::new(Rounds::new(
                self.contexts,
                &self.cfg.params,
                d,
                self.done,
            ))),
            _ => Feed::Queue(todo.into_iter()),
        })
    }
}

/// Asks one phase's outstanding requests, at most `concurrency` in flight, until they are
/// answered, the run is cancelled, the provider refuses for good or the breaker trips.
pub(super) async fn ask_phase(
    kind: KindKey,
    plan: &Plan<'_>,
    shared: &Arc<Shared>,
    cancel: &mut watch::Receiver<bool>,
    reporter: &mut dyn Reporter,
    progress: &mut Progress,
    journals: &mut Journals,
) -> Result<(), RunError> {
    let Some(mut feed) = plan.feed(kind, reporter) else {
        return Ok(());
    };
    let mut set: JoinSet<Done> = JoinSet::new();
    loop {
        while set.len() < plan.cfg.settings.concurrency && !progress.stopped() {
            let Some(task) = feed.next() else { break };
            // A request over --max-cost/--max-requests is left for a resume to ask.
            if let Some(why) = progress.spend.start(&task, &plan.cfg.params) {
                progress.stopped_early = Some(why);
                break;
            }
            set.spawn(work(task, Arc::clone(shared)));
        }
        if set.is_empty() {
            break;
        }
        let joined = tokio::select! {
            biased;
            _ = cancelled(cancel) => {
                progress.interrupted = true;
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
        if record(done, &mut feed, reporter, progress, journals)? {
            set.abort_all();
        }
    }
    reporter.event(&RunEvent::PhaseEnd { kind });
    Ok(())
}

/// Records one worker's result; `true` when the provider refused for good (the run stops).
fn record(
    done: Done,
    feed: &mut Feed,
    reporter: &mut dyn Reporter,
    progress: &mut Progress,
    journals: &mut Journals,
) -> Result<bool, RunError> {
    match done {
        Done::Answered(sample, timing) => {
            progress.spend.answered(&sample, timing.cached);
            journals.samples.append(&*sample)?;
            journals.timings.append(&timing)?;
            reporter.event(&RunEvent::Answered {
                key: sample.key(),
                valid: sample.parsed.is_some(),
            });
            feed.answered(&sample);
            progress.breaker.answered();
            progress.answered.push(*sample);
            progress.timings.push(timing);
            Ok(false)
        }
        Done::Failed(key, SendFailure::Exhausted { message, attempts }) => {
            let message: String = capped(&message);
            progress.n_errors += 1;
            progress.spend.failed(&key);
            feed.failed(&key);
            reporter.event(&RunEvent::Failed {
                key: key.clone(),
                error: message.clone(),
            });
            let threshold: usize = progress.threshold;
            if progress.stopped_early.is_none() && progress.breaker.failed(&message, threshold) {
                // In-flight requests are let finish (their answers are kept).
                progress.stopped_early = Some(format!(
                    "the last {threshold} requests all failed the same way: {message}"
                ));
            }
            journals.errors.append(&ErrorRecord {
                key,
                attempts,
                error: message,
                at: now_rfc3339(),
            })?;
            Ok(false)
        }
        Done::Failed(key, SendFailure::Fatal { message }) => {
            if progress.fatal.is_none() {
                progress.fatal = Some(format!("{key}: {message}"));
            }
            Ok(true)
        }
    }
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
pub(super) fn cache_key(sh: &Shared, req: &ChatRequest) -> String {
    let body = sh.provider.request_body(req);
    let (name, model) = (sh.provider.name(), sh.provider.model());
    ResponseCache::key(&sh.server, name, model, &body, sh.cache_salt.as_deref())
}

#[cfg(test)]
mod cap_tests {
    use super::{MAX_ERROR_CHARS, capped};

    /// An error message kept in `errors.jsonl` is at most 500 characters (and the marker),
    /// cut on a character boundary; a shorter one is kept whole (README, "Keys").
    #[test]
    fn a_stored_error_message_is_capped_at_500_characters() {
        let long: String = "é".repeat(10_000);
        let c: String = capped(&long);
        assert_eq!(c.chars().count(), MAX_ERROR_CHARS + 3);
        assert!(c.ends_with("..."));
        assert_eq!(capped("HTTP 500: upstream down"), "HTTP 500: upstream down");
        let exact: String = "x".repeat(MAX_ERROR_CHARS);
        assert_eq!(capped(&exact), exact);
    }
}
