//! Before a run trusts the response cache, it re-asks a few of the requests the cache would
//! answer and compares. A server cannot always say that its weights changed: a model
//! fine-tuned and served again under the same name, by the same build, with the same size
//! has the same cache key (every part of [`crate::providers::preflight::ServerIdentity`]),
//! and without this check every answer of the new model came from the old one's cache.
//!
//! Runs ask at temperature 0, so the same model gives the same answer. A few choices and a
//! few reports are re-asked (a fine-tune may change only what a model reports). Two answers
//! agree when their trimmed texts are equal, or both are the same JSON value, and, when both
//! have log-probabilities, their P(A) differ by at most [`P_A_TOLERANCE`]. A server whose
//! answers vary at temperature 0 (some hosted APIs' reports do) therefore loses its cache;
//! that costs calls, never a wrong answer. One answer
//! that differs, or no answer to compare at all, turns the cache off for the run (no reads,
//! no writes); the check is recorded in the manifest ([`CacheCheck`]).

use super::cache::ResponseCache;
use crate::bundle::CacheCheck;
use crate::bundle::Parameters;
use crate::bundle::plan::Task;
use crate::bundle::sample::KindKey;
use crate::prompts::Prompt;
use crate::providers::resilient::Resilient;
use crate::providers::{ChatRequest, ChatResponse};

/// Cached choices and reports re-asked live before the cache is trusted: both, since a
/// fine-tune may change what a model reports and not what it chooses.
pub const RECHECK_CHOICES: usize = 4;
pub const RECHECK_REPORTS: usize = 2;

/// The largest difference in P(A) between a cached and a live answer of the same model
/// (servers batch requests differently from run to run, which moves log-probabilities a
/// little; another model's weights move them more).
pub const P_A_TOLERANCE: f64 = 0.1;

/// Whether a live answer is the one the cache holds for the same request.
pub fn same_answer(cached: &ChatResponse, live: &ChatResponse) -> bool {
    let (a, b) = (cached.text.trim(), live.text.trim());
    let json = |t: &str| serde_json::from_str::<serde_json::Value>(t).ok();
    if a != b && json(a).is_none_or(|x| Some(x) != json(b)) {
        return false;
    }
    match (cached.p_a(), live.p_a()) {
        (Some(a), Some(b)) => (a - b).abs() <= P_A_TOLERANCE,
        (None, None) => true,
        _ => false,
    }
}

/// The first `n` requests of `tasks` that `cache` would answer, with the cached answers.
fn cached<'a>(
    cache: &ResponseCache,
    tasks: impl Iterator<Item = &'a &'a Task>,
    n: usize,
    params: &Parameters,
    key: &impl Fn(&ChatRequest) -> String,
) -> Vec<(ChatRequest, ChatResponse)> {
    let mut out: Vec<(ChatRequest, ChatResponse)> = Vec::new();
    for t in tasks {
        if out.len() >= n {
            break;
        }
        let prompt: Prompt = t.prompt();
        let req: ChatRequest = t.request(&prompt, params);
        if let Some(r) = cache.get(&key(&req)).filter(|r| !r.text.trim().is_empty()) {
            out.push((req, r));
        }
    }
    out
}

/// Re-asks up to [`RECHECK_CHOICES`] choices and [`RECHECK_REPORTS`] reports of `todo` that
/// `cache` would answer (`key` gives a request's cache key) through `provider`, and
/// compares. `None` when the cache would answer none of them (nothing to trust); otherwise
/// the check, whose `trusted` says whether the run may use the cache (a warning naming
/// `endpoint` is logged when not).
pub async fn recheck(
    cache: &ResponseCache,
    todo: &[&Task],
    params: &Parameters,
    provider: &Resilient,
    endpoint: &str,
    key: impl Fn(&ChatRequest) -> String,
) -> Option<CacheCheck> {
    if cache.is_empty() {
        return None;
    }
    let is = |k: KindKey| move |t: &&&Task| t.key.kind == k;
    // Plan order puts choices first: choices are looked for from the start, reports from the end.
    let mut picked = cached(
        cache,
        todo.iter().filter(is(KindKey::Choice)),
        RECHECK_CHOICES,
        params,
        &key,
    );
    picked.extend(cached(
        cache,
        todo.iter().rev().filter(is(KindKey::Report)),
        RECHECK_REPORTS,
        params,
        &key,
    ));
    if picked.is_empty() {
        return None;
    }
    let (mut compared, mut differed): (usize, usize) = (0, 0);
    for (req, old) in &picked {
        if let Ok(sent) = provider.send(req).await {
            compared += 1;
            if !same_answer(old, &sent.response) {
                differed += 1;
            }
        }
    }
    let check = CacheCheck {
        asked: picked.len(),
        compared,
        differed,
        trusted: compared > 0 && differed == 0,
    };
    if !check.trusted {
        tracing::warn!("{}", warning(&check, endpoint));
    }
    Some(check)
}

/// The one line a run prints (a warning) when the check turns the cache off.
pub fn warning(c: &CacheCheck, endpoint: &str) -> String {
    if c.compared == 0 {
        format!(
            "response cache off for this run: none of {} cached requests re-asked at {endpoint} could be compared",
            c.asked
        )
    } else {
        format!(
            "response cache off for this run: {} of {} cached requests re-asked at {endpoint} got another answer \
             (the model changed behind the same name?); every request is asked live",
            c.differed, c.compared
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::TokenLogprob;

    fn answer(text: &str, a: f64) -> ChatResponse {
        ChatResponse {
            text: text.to_string(),
            top_logprobs: Some(vec![
                TokenLogprob {
                    token: "A".into(),
                    logprob: a.ln(),
                },
                TokenLogprob {
                    token: "B".into(),
                    logprob: (1.0 - a).ln(),
                },
            ]),
            ..ChatResponse::default()
        }
    }

    #[test]
    fn answers_agree_on_text_and_p_a_within_the_tolerance() {
        assert!(same_answer(&answer("A", 0.8), &answer(" A\n", 0.85)));
        assert!(!same_answer(&answer("A", 0.8), &answer("B", 0.8)));
        assert!(!same_answer(&answer("A", 0.8), &answer("A", 0.6)));
        let plain = ChatResponse {
            text: "A".into(),
            ..ChatResponse::default()
        };
        assert!(same_answer(&plain, &plain.clone()));
        assert!(!same_answer(&plain, &answer("A", 0.9)));
    }
}
