//! `--max-cost` and `--max-requests`: what a run has spent, and whether the next request
//! still fits.
//!
//! Spend is counted over every session of a bundle (a resume starts from what the earlier
//! sessions spent), from the tokens the provider reported for each answer; an answer without
//! usage is counted at the plan's estimate (prompt characters / 4 + 8, the answer's characters
//! / 4) and counted as estimated. Answers from the response cache cost nothing. A request is
//! started only when the spend so far, the most the requests in flight may cost, and the most
//! it may cost (its estimated prompt and its `max_tokens`) stay within the limits, so a run
//! stops before a limit rather than after it.
//!
//! The characters / 4 estimate falls short of real tokenizers (on SmolLM2's, 0.80 of the
//! reported tokens for choice prompts, docs/cli.md), and a request started on a short estimate
//! could pass the limit. So the estimate of a request not yet answered is scaled up: by
//! [`PROMPT_MARGIN`], or by the largest ratio of reported to estimated tokens this session has
//! seen, whichever is larger (likewise its `max_tokens`, for a server that answers past it).
//! Not counted: retries of a failed attempt (a
//! provider does not bill a 429 or a 5xx), the re-asking of an empty answer, the pre-flight's
//! one-token probe of each session, and the few requests the cache re-check sends before the
//! run (`recheck`).

use super::budget::{Price, prompt_tokens};
use crate::bundle::manifest::Spending;
use crate::bundle::parameters::Parameters;
use crate::bundle::plan::Task;
use crate::bundle::sample::{KindKey, Sample, SampleKey, Timing};
use std::collections::{HashMap, HashSet};

/// How far the estimate of a prompt not yet answered is scaled up at least: the largest ratio of
/// reported to estimated prompt tokens over every request of the SmolLM2-135M-Instruct full run
/// in `results/`: 1.40 for a choice prompt, 1.22 for a report prompt, against 1.25 and 1.13 over
/// all of them (a unit test below checks it on that bundle).
pub const PROMPT_MARGIN: f64 = 1.4;

/// The limits of a run; both `None` is a run without limits.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Limits {
    /// `--max-cost`: stop before the counted cost (US dollars) would pass this.
    pub max_cost_usd: Option<f64>,
    /// `--max-requests`: stop before more requests than this are asked live (answers from the
    /// response cache are not counted).
    pub max_requests: Option<u64>,
    /// The price the cost is counted at (needed by `max_cost_usd`).
    pub price: Option<Price>,
}

impl Limits {
    /// Whether either limit is set.
    pub fn any(&self) -> bool {
        self.max_cost_usd.is_some() || self.max_requests.is_some()
    }
}

/// Tokens of one request: prompt and completion.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Tokens {
    prompt: u64,
    completion: u64,
}

/// The spend of a run so far and the requests in flight.
#[derive(Debug)]
pub struct Spend {
    limits: Limits,
    requests: u64,
    tokens: Tokens,
    estimated: u64,
    /// Requests in flight, with their prompt estimate and their `max_tokens`.
    in_flight: HashMap<SampleKey, Tokens>,
    /// Why a request was refused, once one was.
    stopped: Option<String>,
    /// The factors a request's prompt estimate and its `max_tokens` are scaled by: at least
    /// [`PROMPT_MARGIN`] and 1, raised to the largest shortfall an answer showed.
    prompt_scale: f64,
    completion_scale: f64,
}

/// The most a request may cost: its estimated prompt and its `max_tokens`.
fn most(task: &Task, params: &Parameters) -> Tokens {
    let completion: u32 = match task.key.kind {
        KindKey::Choice => params.choice_max_tokens,
        KindKey::Report => params.report_max_tokens,
    };
    Tokens {
        prompt: prompt_tokens(&task.prompt()),
        completion: u64::from(completion),
    }
}

impl Spend {
    /// The spend of the bundle's earlier sessions: its samples not answered from the cache
    /// (`cached` holds those that were), each counted at its usage or at `estimate(key)`.
    pub fn new(
        limits: Limits,
        earlier: &[Sample],
        cached: &dyn Fn(&SampleKey) -> bool,
        estimate: &dyn Fn(&SampleKey) -> Option<u64>,
    ) -> Spend {
        let mut s = Spend {
            limits,
            requests: 0,
            tokens: Tokens::default(),
            estimated: 0,
            in_flight: HashMap::new(),
            stopped: None,
            prompt_scale: PROMPT_MARGIN,
            completion_scale: 1.0,
        };
        for sample in earlier {
            let key: SampleKey = sample.key();
            if !cached(&key) {
                s.count(sample, estimate(&key).unwrap_or(0));
            }
        }
        s
    }

    fn cost(&self, t: Tokens) -> Option<f64> {
        self.limits.price.as_ref().map(|p| {
            (t.prompt as f64 * p.input_per_million + t.completion as f64 * p.output_per_million)
                / 1e6
        })
    }

    fn count(&mut self, sample: &Sample, prompt_estimate: u64) {
        self.requests += 1;
        if sample.tokens_in.is_none() || sample.tokens_out.is_none() {
            self.estimated += 1;
        }
        self.tokens.prompt += sample.tokens_in.unwrap_or(prompt_estimate);
        self.tokens.completion += sample
            .tokens_out
            .unwrap_or_else(|| (sample.response.chars().count() as u64).div_ceil(4));
    }

    /// Why `task` may not start, or `None` when it fits; when it fits it is in flight.
    pub fn start(&mut self, task: &Task, params: &Parameters) -> Option<String> {
        if !self.limits.any() {
            return None;
        }
        let refused: Option<String> = self.refusal(task, params);
        if refused.is_some() {
            self.stopped.clone_from(&refused);
        }
        refused
    }

    /// The most `t` (a request's estimate) may cost in tokens, at the scales seen so far.
    fn scaled(&self, t: Tokens) -> Tokens {
        Tokens {
            prompt: (t.prompt as f64 * self.prompt_scale).ceil() as u64,
            completion: (t.completion as f64 * self.completion_scale).ceil() as u64,
        }
    }

    fn refusal(&mut self, task: &Task, params: &Parameters) -> Option<String> {
        let estimate: Tokens = most(task, params);
        let next: Tokens = self.scaled(estimate);
        if let Some(max) = self.limits.max_requests {
            let after: u64 = self.requests + self.in_flight.len() as u64 + 1;
            if after > max {
                return Some(format!(
                    "--max-requests {max} reached: {} requests asked live; raise it to continue",
                    self.requests + self.in_flight.len() as u64
                ));
            }
        }
        if let Some(max) = self.limits.max_cost_usd {
            let flying: Tokens =
                self.in_flight
                    .values()
                    .map(|t| self.scaled(*t))
                    .fold(Tokens::default(), |a, t| Tokens {
                        prompt: a.prompt + t.prompt,
                        completion: a.completion + t.completion,
                    });
            let spent: f64 = self.cost(self.tokens).unwrap_or(0.0);
            let worst: f64 =
                spent + self.cost(flying).unwrap_or(0.0) + self.cost(next).unwrap_or(0.0);
            if worst > max {
                return Some(format!(
                    "--max-cost ${max} reached: ${spent:.4} spent on {} answered requests ({}), {} more in flight, and the next may cost up to ${:.4}; raise it to continue",
                    self.requests,
                    self.usage_note(),
                    self.in_flight.len(),
                    self.cost(next).unwrap_or(0.0)
                ));
            }
        }
        self.in_flight.insert(task.key.clone(), estimate);
        None
    }

    /// How the tokens were counted.
    fn usage_note(&self) -> String {
        match self.estimated {
            0 => "tokens as the provider reported them".to_string(),
            n if n == self.requests => {
                "the provider reported no usage: tokens estimated".to_string()
            }
            n => format!("{n} without reported usage, estimated"),
        }
    }

    /// A request in flight was answered; `cached` answers cost nothing.
    pub fn answered(&mut self, sample: &Sample, cached: bool) {
        let key: SampleKey = sample.key();
        let flying: Option<Tokens> = self.in_flight.remove(&key);
        if let (Some(est), false) = (flying, cached) {
            self.learn(sample, est);
        }
        if !cached && self.limits.any() {
            self.count(sample, flying.map_or(0, |t| t.prompt));
        }
    }

    /// Raises the scales to what `sample`'s reported usage shows of its estimate `est`.
    fn learn(&mut self, sample: &Sample, est: Tokens) {
        let ratio = |reported: Option<u64>, estimated: u64| {
            reported.map_or(0.0, |r| r as f64 / estimated.max(1) as f64)
        };
        self.prompt_scale = self.prompt_scale.max(ratio(sample.tokens_in, est.prompt));
        self.completion_scale = self
            .completion_scale
            .max(ratio(sample.tokens_out, est.completion));
    }

    /// A request in flight failed: nothing is billed.
    pub fn failed(&mut self, key: &SampleKey) {
        self.in_flight.remove(key);
    }

    /// Whether a request was refused at a limit.
    pub fn stopped(&self) -> bool {
        self.stopped.is_some()
    }

    /// The manifest's record, when the run has limits.
    pub fn record(&self) -> Option<Spending> {
        if !self.limits.any() {
            return None;
        }
        let price = self.limits.price.as_ref();
        Some(Spending {
            max_cost_usd: self.limits.max_cost_usd,
            max_requests: self.limits.max_requests,
            price_in_per_million: price.map(|p| p.input_per_million),
            price_out_per_million: price.map(|p| p.output_per_million),
            price_source: price.map(|p| p.source.clone()),
            requests: self.requests,
            prompt_tokens: self.tokens.prompt,
            completion_tokens: self.tokens.completion,
            cost_usd: self.cost(self.tokens),
            estimated: self.estimated,
            stopped: self.stopped.clone(),
        })
    }
}

/// The spend of a bundle's earlier sessions (`samples`, with `timings` saying which came from
/// the cache) under `limits`; nothing is counted for a run without limits.
pub fn of_bundle(limits: &Limits, plan: &[Task], samples: &[Sample], timings: &[Timing]) -> Spend {
    if !limits.any() {
        return Spend::new(limits.clone(), &[], &|_| true, &|_| None);
    }
    let cached: HashSet<&SampleKey> = timings
        .iter()
        .filter(|t| t.cached)
        .map(|t| &t.key)
        .collect();
    let unreported: HashSet<SampleKey> = samples
        .iter()
        .filter(|s| s.tokens_in.is_none())
        .map(Sample::key)
        .collect();
    // Prompts are rendered only for the answers whose usage is missing.
    let estimates: HashMap<&SampleKey, u64> = plan
        .iter()
        .filter(|t| unreported.contains(&t.key))
        .map(|t| (&t.key, prompt_tokens(&t.prompt())))
        .collect();
    Spend::new(limits.clone(), samples, &|k| cached.contains(k), &|k| {
        estimates.get(k).copied()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::benchmark::FrozenContext;
    use crate::bundle::parameters::run_contexts;
    use crate::bundle::plan::plan;
    use std::path::Path;
    use std::sync::Arc;

    /// Every request of the SmolLM2-135M-Instruct full run (10,000 choices, 1,000 reports):
    /// the reported prompt tokens over the characters / 4 + 8 estimate stay within
    /// [`PROMPT_MARGIN`], so a limit check that scales the estimate by it does not start a
    /// request that costs more than it counted.
    #[test]
    fn the_prompt_margin_covers_every_request_of_the_smollm2_full_run() {
        let root: &Path = Path::new(env!("CARGO_MANIFEST_DIR"));
        let dir = root.join("results/smollm2-135m-instruct-native-full");
        let opened = crate::bundle::open(&root.join("benchmark"), &dir).unwrap();
        let params: Parameters = opened.bundle.manifest.parameters.clone().unwrap();
        let bench = opened.benchmark.as_ref().unwrap();
        let contexts: Vec<Arc<FrozenContext>> = run_contexts(bench, &params)
            .into_iter()
            .map(|c| Arc::new(c.clone()))
            .collect();
        let estimate: HashMap<SampleKey, u64> = plan(&contexts, &params)
            .iter()
            .map(|t| (t.key.clone(), prompt_tokens(&t.prompt())))
            .collect();
        let mut worst: [f64; 2] = [0.0, 0.0];
        let mut n: usize = 0;
        for s in &opened.bundle.samples {
            let est: u64 = estimate[&s.key()];
            let ratio: f64 = s.tokens_in.unwrap() as f64 / est as f64;
            let k: usize = usize::from(s.key().kind == KindKey::Report);
            worst[k] = worst[k].max(ratio);
            n += 1;
        }
        assert_eq!(n, 11_000);
        // Choices 1.40, reports 1.22.
        assert!(worst.iter().all(|w| *w <= PROMPT_MARGIN), "{worst:?}");
        assert!(
            worst[0] > 1.35,
            "the margin is wider than the data needs: {worst:?}"
        );
    }
}
