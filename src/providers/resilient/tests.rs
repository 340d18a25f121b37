//! Unit tests of the retry policy, the rate limiters and the wrapper (loopback-free: a
//! scripted provider stands in for the server).

use super::*;
use crate::prompts::Message;
use crate::providers::RequestKind;
use std::collections::VecDeque;

/// A provider that plays back a script of results, then succeeds. It counts calls and
/// the most requests it ever had in flight; `hang` never answers (timeouts), `delay`
/// holds each answer back that long.
struct Scripted {
    script: Mutex<VecDeque<Result<ChatResponse, ProviderError>>>,
    calls: AtomicU64,
    hang: bool,
    delay: Duration,
    in_flight: AtomicU64,
    peak: AtomicU64,
}

impl Scripted {
    fn new(script: Vec<Result<ChatResponse, ProviderError>>) -> Arc<Scripted> {
        Scripted::with(script, false, Duration::ZERO)
    }

    fn with(
        script: Vec<Result<ChatResponse, ProviderError>>,
        hang: bool,
        delay: Duration,
    ) -> Arc<Scripted> {
        Arc::new(Scripted {
            script: Mutex::new(script.into()),
            calls: AtomicU64::new(0),
            hang,
            delay,
            in_flight: AtomicU64::new(0),
            peak: AtomicU64::new(0),
        })
    }
}

impl Provider for Scripted {
    fn name(&self) -> &str {
        "scripted"
    }
    fn model(&self) -> &str {
        "m"
    }
    fn request_body(&self, _: &ChatRequest) -> serde_json::Value {
        serde_json::json!({})
    }
    fn send<'a>(&'a self, _: &'a ChatRequest) -> SendFuture<'a> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let next = self.script.lock().unwrap().pop_front();
        Box::pin(async move {
            let n = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            self.peak.fetch_max(n, Ordering::SeqCst);
            if self.hang {
                std::future::pending::<()>().await;
            }
            if !self.delay.is_zero() {
                tokio::time::sleep(self.delay).await;
            }
            self.in_flight.fetch_sub(1, Ordering::SeqCst);
            next.unwrap_or_else(|| {
                Ok(ChatResponse {
                    text: "A".into(),
                    ..Default::default()
                })
            })
        })
    }
}

fn req() -> ChatRequest {
    ChatRequest {
        kind: RequestKind::Choice,
        messages: vec![Message {
            role: "user".into(),
            content: "x".repeat(400),
        }],
        max_tokens: 1,
        temperature: 0.0,
        top_logprobs: None,
        constraint: None,
    }
}

fn retryable(ra: Option<u64>) -> Result<ChatResponse, ProviderError> {
    Err(ProviderError::Retryable {
        message: "busy".into(),
        retry_after: ra.map(Duration::from_secs),
    })
}

fn recorder() -> (SleepFn, Arc<Mutex<Vec<Duration>>>) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let l = log.clone();
    (
        Arc::new(move |d| {
            l.lock().unwrap().push(d);
            Box::pin(async {})
        }),
        log,
    )
}

#[test]
fn backoff_is_capped_full_jitter_and_honours_retry_after() {
    let p = Policy {
        base_delay: Duration::from_secs(1),
        max_delay: Duration::from_secs(8),
        ..Policy::default()
    };
    assert_eq!(backoff_delay(&p, 1, None, 0.999_999).as_millis(), 999);
    assert_eq!(backoff_delay(&p, 3, None, 0.5), Duration::from_secs(2));
    assert_eq!(backoff_delay(&p, 10, None, 0.5), Duration::from_secs(4));
    assert_eq!(
        backoff_delay(&p, 1, Some(Duration::from_secs(30)), 0.1),
        Duration::from_secs(30)
    );
    assert_eq!(
        backoff_delay(&p, 1, Some(Duration::from_secs(9999)), 0.1),
        p.max_retry_after
    );
    assert_eq!(backoff_delay(&p, 100, None, 1.0), Duration::from_secs(8));
    let draws: Vec<f64> = (0..1000).map(|i| unit_draw(7, i, 1)).collect();
    assert!(draws.iter().all(|u| (0.0..1.0).contains(u)));
    let mean = draws.iter().sum::<f64>() / 1000.0;
    assert!((mean - 0.5).abs() < 0.05, "{mean}");
    assert_eq!(unit_draw(7, 3, 2), unit_draw(7, 3, 2));
}

#[tokio::test]
async fn retries_then_succeeds_with_attempt_count() {
    let p = Scripted::new(vec![retryable(None), retryable(Some(3)), retryable(None)]);
    let (sleep, log) = recorder();
    let r = Resilient::new(
        p.clone(),
        Policy {
            base_delay: Duration::from_millis(100),
            ..Policy::default()
        },
    )
    .with_sleep(sleep);
    let sent = r.send(&req()).await.unwrap();
    assert_eq!(sent.attempts, 4);
    assert_eq!(p.calls.load(Ordering::SeqCst), 4);
    let waits = log.lock().unwrap().clone();
    // Retry-After of 3 s is honoured both as the backoff and by the shared gate.
    assert!(
        waits
            .iter()
            .filter(|d| **d >= Duration::from_secs(3))
            .count()
            >= 1,
        "{waits:?}"
    );
    assert!(
        waits.iter().all(|d| *d <= Duration::from_secs(3)),
        "{waits:?}"
    );
    let s = r.stats();
    assert_eq!(
        (s.attempts, s.retries, s.succeeded, s.throttled, s.in_flight),
        (4, 3, 1, 1, 0)
    );
}

#[tokio::test]
async fn fatal_is_not_retried_and_attempts_are_bounded() {
    let p = Scripted::new(vec![Err(ProviderError::Fatal {
        message: "HTTP 401".into(),
    })]);
    let (sleep, _) = recorder();
    let r = Resilient::new(p.clone(), Policy::default()).with_sleep(sleep.clone());
    let f = r.send(&req()).await.unwrap_err();
    assert!(f.is_fatal());
    assert_eq!((f.attempts, p.calls.load(Ordering::SeqCst)), (1, 1));

    let p = Scripted::new((0..10).map(|_| retryable(None)).collect());
    let r = Resilient::new(
        p.clone(),
        Policy {
            max_attempts: 3,
            ..Policy::default()
        },
    )
    .with_sleep(sleep);
    let f = r.send(&req()).await.unwrap_err();
    assert!(!f.is_fatal());
    assert_eq!((f.attempts, p.calls.load(Ordering::SeqCst)), (3, 3));
    assert!(f.to_string().contains("after 3 attempt"));
}

#[tokio::test]
async fn timeout_is_retryable() {
    let p = Scripted::with(vec![], true, Duration::ZERO);
    let (sleep, _) = recorder();
    let pol = Policy {
        timeout: Duration::from_millis(20),
        max_attempts: 2,
        ..Policy::default()
    };
    let r = Resilient::new(p.clone(), pol).with_sleep(sleep);
    let f = r.send(&req()).await.unwrap_err();
    assert_eq!(f.attempts, 2);
    assert!(
        f.error.to_string().contains("within 0.0s")
            || f.error.to_string().contains("no complete response")
    );
    assert_eq!(r.stats().timeouts, 2);
}

#[tokio::test]
async fn rate_limits_space_requests() {
    let p = Scripted::new(vec![]);
    let (sleep, log) = recorder();
    // 60 rpm: one a second, burst 1. Ten requests need about nine seconds of waits in all.
    let r = Resilient::new(
        p,
        Policy {
            rpm: Some(60),
            ..Policy::default()
        },
    )
    .with_sleep(sleep);
    for _ in 0..10 {
        r.send(&req()).await.unwrap();
    }
    let waits = log.lock().unwrap().clone();
    let total: f64 = waits.iter().map(|d| d.as_secs_f64()).sum();
    // The recorder does not advance the clock, so the k-th request waits k seconds.
    assert_eq!(waits.len(), 9, "{waits:?}");
    assert!((total - 45.0).abs() < 0.1, "{total}");
}

#[test]
fn bucket_charges_and_refunds() {
    let b = Bucket::per_minute(6000); // 100 a second
    assert_eq!(b.reserve(100.0), Duration::ZERO);
    let d = b.reserve(50.0);
    assert!((d.as_secs_f64() - 0.5).abs() < 0.01, "{d:?}");
    b.adjust(-50.0);
    assert!(b.reserve(0.0) < Duration::from_millis(10));
    assert!(estimate_tokens(&req()) >= 100);
}

#[tokio::test]
async fn concurrency_is_bounded() {
    let p = Scripted::with(vec![], false, Duration::from_millis(5));
    let r = Arc::new(Resilient::new(
        p.clone(),
        Policy {
            concurrency: 3,
            ..Policy::default()
        },
    ));
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let r = r.clone();
            tokio::spawn(async move { r.send(&req()).await.unwrap() })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(p.peak.load(Ordering::SeqCst), 3);
}
