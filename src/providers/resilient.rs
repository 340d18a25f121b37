//! The wrapper the runner sends every request through: a concurrency limit, requests- and
//! tokens-per-minute limits, a per-request timeout, and retries with capped exponential
//! backoff and full jitter that honour the server's `Retry-After`.
//!
//! Why each piece:
//! - the semaphore bounds work in flight (local servers slow down past their batch size);
//! - the rate limiters keep a run under a provider's published limits instead of learning
//!   them from 429s; they reserve slots in arrival order (virtual scheduling), so waiting is
//!   fair and each caller sleeps once;
//! - a 429 with `Retry-After` also closes a shared gate, because every other request in
//!   flight would hit the same limit;
//! - full jitter (a uniform draw in [0, backoff]) spreads retries of many concurrent requests;
//!   the draw is a hash of the seed, the request and the attempt, so a rerun waits the same.
//!
//! Only [`ProviderError::Retryable`] is retried; a fatal or rejected one returns at once.

use super::{ChatRequest, ChatResponse, Provider, ProviderError, SendFuture};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::time::Instant;

/// Limits and retry settings. `Default` suits a hosted API; tests use tiny delays.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Policy {
    /// Requests in flight at once (at least 1).
    pub concurrency: usize,
    /// Requests per minute; `None` for no limit.
    pub rpm: Option<u32>,
    /// Tokens per minute (prompt estimate plus `max_tokens`, corrected by reported usage).
    pub tpm: Option<u32>,
    /// Time allowed for one attempt, from sending to the full body.
    #[serde(with = "secs")]
    pub timeout: Duration,
    /// Attempts per request including the first (at least 1).
    pub max_attempts: u32,
    /// Backoff before the second attempt; doubles each attempt.
    #[serde(with = "secs")]
    pub base_delay: Duration,
    /// Cap on the backoff (not on a server's `Retry-After`).
    #[serde(with = "secs")]
    pub max_delay: Duration,
    /// Cap on a server's `Retry-After`, so a bogus value cannot stall a run for hours.
    #[serde(with = "secs")]
    pub max_retry_after: Duration,
    /// Seed of the jitter draws.
    pub jitter_seed: u64,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            concurrency: 16,
            rpm: None,
            tpm: None,
            timeout: Duration::from_secs(120),
            max_attempts: 8,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(60),
            max_retry_after: Duration::from_secs(600),
            jitter_seed: 0,
        }
    }
}

mod secs {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;
    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64())
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let v = f64::deserialize(d)?;
        Duration::try_from_secs_f64(v).map_err(serde::de::Error::custom)
    }
}

/// The wait before attempt `attempt + 1` after attempt `attempt` (1-based) failed: a full-jitter
/// draw `u * min(max_delay, base_delay * 2^(attempt-1))` with `u` in [0, 1), but never less than
/// the server's `Retry-After` (capped at `max_retry_after`).
pub fn backoff_delay(p: &Policy, attempt: u32, retry_after: Option<Duration>, u: f64) -> Duration {
    let exp = p.base_delay.as_secs_f64() * 2f64.powi(attempt.saturating_sub(1).min(60) as i32);
    let ceiling = exp.min(p.max_delay.as_secs_f64());
    let jittered = Duration::from_secs_f64(ceiling * u.clamp(0.0, 1.0));
    match retry_after {
        Some(ra) => jittered.max(ra.min(p.max_retry_after)),
        None => jittered,
    }
}

/// A rough token count for the tokens-per-minute limiter before usage is known: four
/// characters a token, a few tokens per message, plus the answer budget.
pub fn estimate_tokens(req: &ChatRequest) -> u64 {
    let chars: usize = req.messages.iter().map(|m| m.content.len()).sum();
    (chars as u64).div_ceil(4) + 4 * req.messages.len() as u64 + u64::from(req.max_tokens)
}

/// A token bucket with virtual scheduling: `reserve` takes the tokens at once, letting the
/// balance go negative, and returns how long the caller must wait for its slot.
#[derive(Debug)]
pub struct Bucket {
    rate_per_sec: f64,
    burst: f64,
    state: Mutex<(f64, Instant)>,
}

impl Bucket {
    /// `per_minute` tokens a minute with bursts of one second's worth (at least 1), so a run
    /// does not open with a whole minute's budget at once.
    pub fn per_minute(per_minute: u32) -> Bucket {
        let rate = f64::from(per_minute.max(1)) / 60.0;
        let burst = rate.max(1.0);
        Bucket {
            rate_per_sec: rate,
            burst,
            state: Mutex::new((burst, Instant::now())),
        }
    }

    pub fn reserve(&self, n: f64) -> Duration {
        let now = Instant::now();
        let mut s = self.state.lock().unwrap();
        let elapsed = now.saturating_duration_since(s.1).as_secs_f64();
        s.0 = (s.0 + elapsed * self.rate_per_sec).min(self.burst);
        s.1 = now;
        s.0 -= n;
        if s.0 >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-s.0 / self.rate_per_sec)
        }
    }

    /// Charges (positive) or refunds (negative) a correction once the true count is known.
    pub fn adjust(&self, n: f64) {
        let mut s = self.state.lock().unwrap();
        s.0 = (s.0 - n).min(self.burst);
    }
}

/// A successful request.
#[derive(Clone, Debug, PartialEq)]
pub struct Sent {
    pub response: ChatResponse,
    /// Attempts made, including the one that succeeded.
    pub attempts: u32,
    /// Duration of the successful attempt (not counting queueing or earlier attempts).
    pub latency: Duration,
}

/// A request that failed for good: a fatal error, or the last retryable one.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{error} (after {attempts} attempt(s))")]
pub struct Failed {
    pub error: ProviderError,
    pub attempts: u32,
}

impl Failed {
    pub fn is_fatal(&self) -> bool {
        matches!(self.error, ProviderError::Fatal { .. })
    }
}

/// Counters for progress display.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub succeeded: u64,
    pub failed: u64,
    pub attempts: u64,
    pub retries: u64,
    pub timeouts: u64,
    /// Retryable errors that carried a `Retry-After`.
    pub throttled: u64,
    pub in_flight: u64,
}

#[derive(Default)]
struct Counters {
    succeeded: AtomicU64,
    failed: AtomicU64,
    attempts: AtomicU64,
    retries: AtomicU64,
    timeouts: AtomicU64,
    throttled: AtomicU64,
    in_flight: AtomicU64,
}

/// How the wrapper waits; replaceable so tests can record waits instead of sleeping.
pub type SleepFn = Arc<dyn Fn(Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

/// The resilient wrapper around one provider. Share it (`Arc`) between all the runner's tasks:
/// the limits are per wrapper.
pub struct Resilient {
    inner: Arc<dyn Provider>,
    policy: Policy,
    permits: Semaphore,
    rpm: Option<Bucket>,
    tpm: Option<Bucket>,
    /// Nobody sends before this instant (set by `Retry-After`).
    gate: Mutex<Option<Instant>>,
    /// The end of the last long wait announced, so concurrent requests announce it once.
    announced: Mutex<Option<Instant>>,
    counters: Counters,
    sleep: SleepFn,
}

/// Waits longer than this are announced on stderr: what for and until when.
pub const ANNOUNCE_WAIT: Duration = Duration::from_secs(60);

impl std::fmt::Debug for Resilient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resilient")
            .field("provider", &self.inner.name())
            .field("model", &self.inner.model())
            .field("policy", &self.policy)
            .finish()
    }
}

impl Resilient {
    /// `inner` behind `policy` (a concurrency or attempt count of 0 is taken as 1).
    pub fn new(inner: Arc<dyn Provider>, policy: Policy) -> Resilient {
        let mut policy = policy;
        policy.concurrency = policy.concurrency.max(1);
        policy.max_attempts = policy.max_attempts.max(1);
        Resilient {
            permits: Semaphore::new(policy.concurrency),
            rpm: policy.rpm.map(Bucket::per_minute),
            tpm: policy.tpm.map(Bucket::per_minute),
            gate: Mutex::new(None),
            announced: Mutex::new(None),
            counters: Counters::default(),
            sleep: Arc::new(|d| Box::pin(tokio::time::sleep(d))),
            inner,
            policy,
        }
    }

    /// Replaces the sleep function (tests record the waits and return at once).
    pub fn with_sleep(mut self, sleep: SleepFn) -> Resilient {
        self.sleep = sleep;
        self
    }

    /// The wrapped provider.
    pub fn provider(&self) -> &Arc<dyn Provider> {
        &self.inner
    }

    /// The policy in force.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The counters so far.
    pub fn stats(&self) -> Stats {
        let c = &self.counters;
        Stats {
            succeeded: c.succeeded.load(Ordering::Relaxed),
            failed: c.failed.load(Ordering::Relaxed),
            attempts: c.attempts.load(Ordering::Relaxed),
            retries: c.retries.load(Ordering::Relaxed),
            timeouts: c.timeouts.load(Ordering::Relaxed),
            throttled: c.throttled.load(Ordering::Relaxed),
            in_flight: c.in_flight.load(Ordering::Relaxed),
        }
    }

    async fn pause(&self, d: Duration, what: &str) {
        if d > ANNOUNCE_WAIT {
            let until = Instant::now() + d;
            let mut a = self.announced.lock().unwrap();
            if a.is_none_or(|t| until > t + Duration::from_secs(1)) {
                *a = Some(until);
                let at = chrono::Local::now()
                    + chrono::Duration::from_std(d).unwrap_or(chrono::Duration::zero());
                eprintln!(
                    "waiting {:.0} s, until {}, for {what}",
                    d.as_secs_f64(),
                    at.format("%H:%M:%S")
                );
            }
        }
        if !d.is_zero() {
            (self.sleep)(d).await;
        }
    }

    /// One attempt: waits for a permit and the rate limits, then sends within the timeout.
    async fn attempt(
        &self,
        req: &ChatRequest,
        estimate: u64,
    ) -> Result<(ChatResponse, Duration), ProviderError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .expect("the semaphore is never closed");
        if let Some(b) = &self.rpm {
            self.pause(b.reserve(1.0), "the --rpm limit").await;
        }
        if let Some(b) = &self.tpm {
            self.pause(
                b.reserve(estimate as f64),
                "the --tpm limit (this request's tokens)",
            )
            .await;
        }
        self.counters.attempts.fetch_add(1, Ordering::Relaxed);
        self.counters.in_flight.fetch_add(1, Ordering::Relaxed);
        let started = Instant::now();
        let r = tokio::time::timeout(self.policy.timeout, self.inner.send(req)).await;
        self.counters.in_flight.fetch_sub(1, Ordering::Relaxed);
        let latency = started.elapsed();
        match r {
            Ok(Ok(resp)) => Ok((resp, latency)),
            Ok(Err(e)) => Err(e),
            Err(_) => {
                self.counters.timeouts.fetch_add(1, Ordering::Relaxed);
                Err(ProviderError::Retryable {
                    message: format!(
                        "{}: no complete response within {:.1}s",
                        self.inner.name(),
                        self.policy.timeout.as_secs_f64()
                    ),
                    retry_after: None,
                })
            }
        }
    }

    /// Sends with limits, timeout and retries. Cancel-safe: dropping the future gives back its
    /// permit (a reserved rate slot is spent).
    pub async fn send(&self, req: &ChatRequest) -> Result<Sent, Failed> {
        // Only a retry needs the request's hash (its jitter): hashed byte by byte, it was about
        // 1.5% of a fast local run's CPU when computed for every request.
        let mut req_hash: Option<u64> = None;
        let estimate = estimate_tokens(req);
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let gate = *self.gate.lock().unwrap();
            if let Some(t) = gate {
                self.pause(
                    t.saturating_duration_since(Instant::now()),
                    "the server's Retry-After",
                )
                .await;
            }
            let result = self.attempt(req, estimate).await;
            match result {
                Ok((response, latency)) => {
                    if let (Some(b), Some(i), Some(o)) =
                        (&self.tpm, response.tokens_in, response.tokens_out)
                    {
                        b.adjust((i + o) as f64 - estimate as f64);
                    }
                    self.counters.succeeded.fetch_add(1, Ordering::Relaxed);
                    return Ok(Sent {
                        response,
                        attempts: attempt,
                        latency,
                    });
                }
                Err(error @ (ProviderError::Fatal { .. } | ProviderError::Rejected { .. })) => {
                    self.counters.failed.fetch_add(1, Ordering::Relaxed);
                    return Err(Failed {
                        error,
                        attempts: attempt,
                    });
                }
                Err(error @ ProviderError::Retryable { .. }) => {
                    if attempt >= self.policy.max_attempts {
                        self.counters.failed.fetch_add(1, Ordering::Relaxed);
                        return Err(Failed {
                            error,
                            attempts: attempt,
                        });
                    }
                    let ProviderError::Retryable {
                        retry_after,
                        message,
                    } = &error
                    else {
                        unreachable!()
                    };
                    tracing::debug!(attempt, %message, "retrying");
                    if let Some(ra) = retry_after
                        && *ra > self.policy.max_retry_after
                    {
                        // Hours of Retry-After would hold every request behind the gate: this
                        // attempt fails instead, and the request goes to errors.jsonl.
                        self.counters.failed.fetch_add(1, Ordering::Relaxed);
                        return Err(Failed {
                            error: ProviderError::Retryable {
                                message: format!(
                                    "{message} (the server asked to wait {:.0} s, longer than the {:.0} s a request may wait)",
                                    ra.as_secs_f64(),
                                    self.policy.max_retry_after.as_secs_f64()
                                ),
                                retry_after: None,
                            },
                            attempts: attempt,
                        });
                    }
                    if let Some(ra) = retry_after {
                        self.counters.throttled.fetch_add(1, Ordering::Relaxed);
                        let until = Instant::now() + (*ra).min(self.policy.max_retry_after);
                        let mut g = self.gate.lock().unwrap();
                        if g.is_none_or(|t| t < until) {
                            *g = Some(until);
                        }
                    }
                    self.counters.retries.fetch_add(1, Ordering::Relaxed);
                    let h: u64 = *req_hash.get_or_insert_with(|| request_hash(req));
                    let u = unit_draw(self.policy.jitter_seed, h, attempt);
                    self.pause(
                        backoff_delay(&self.policy, attempt, *retry_after, u),
                        "a retry",
                    )
                    .await;
                }
            }
        }
    }
}

/// The wrapper is itself a provider (attempt counts are then not reported), so code that
/// only needs a response can take either.
impl Provider for Resilient {
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn model(&self) -> &str {
        self.inner.model()
    }
    fn request_body(&self, req: &ChatRequest) -> serde_json::Value {
        self.inner.request_body(req)
    }
    fn endpoint(&self) -> &str {
        self.inner.endpoint()
    }
    fn list_models(&self, timeout: std::time::Duration) -> super::ListFuture<'_> {
        self.inner.list_models(timeout)
    }
    fn send<'a>(&'a self, req: &'a ChatRequest) -> SendFuture<'a> {
        Box::pin(async move {
            Resilient::send(self, req)
                .await
                .map(|s| s.response)
                .map_err(|f| f.error)
        })
    }
}

/// FNV-1a over the messages: cheap, and stable across runs.
fn request_hash(req: &ChatRequest) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for m in &req.messages {
        for b in m
            .role
            .bytes()
            .chain([0])
            .chain(m.content.bytes())
            .chain([0])
        {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// SplitMix64 of (seed, request, attempt) mapped to [0, 1).
pub fn unit_draw(seed: u64, req_hash: u64, attempt: u32) -> f64 {
    let mut z =
        seed ^ req_hash.rotate_left(17) ^ (u64::from(attempt)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests;
