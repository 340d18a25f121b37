//! What a run will ask and what it may cost, worked out before the first request: requests
//! by kind, tokens estimated from the rendered prompts, and a cost where a price is known.
//!
//! Prompt tokens are estimated as characters / 4 plus 4 per message (the usual rule of thumb
//! for English text with GPT-style tokenizers; no tokenizer is bundled). Completion tokens are
//! the requests' `max_tokens`, an upper bound. The cost is therefore an estimate, not a bill:
//! the run itself records the tokens the provider counted.

use crate::benchmark::{Benchmark, FrozenContext};
use crate::bundle::parameters::{Parameters, ProviderKind, run_contexts};
use crate::bundle::plan::{Task, plan};
use crate::bundle::sample::KindKey;
use crate::prompts::Prompt;
use serde::Serialize;
use std::sync::Arc;

/// When [`LIST_PRICES`] were copied from the providers' price pages.
pub const PRICES_AS_OF: &str = "2025-05";

/// US dollars per million input and output tokens, by model id (the longest matching
/// prefix wins, so dated snapshots such as `gpt-4o-2024-08-06` find their model).
pub const LIST_PRICES: &[(&str, &str, f64, f64)] = &[
    ("openai", "gpt-4o-mini", 0.15, 0.60),
    ("openai", "gpt-4o", 2.50, 10.00),
    ("openai", "gpt-4.1-nano", 0.10, 0.40),
    ("openai", "gpt-4.1-mini", 0.40, 1.60),
    ("openai", "gpt-4.1", 2.00, 8.00),
    ("openai", "gpt-3.5-turbo", 0.50, 1.50),
    ("anthropic", "claude-3-5-haiku", 0.80, 4.00),
    ("anthropic", "claude-3-haiku", 0.25, 1.25),
    ("anthropic", "claude-3-5-sonnet", 3.00, 15.00),
    ("anthropic", "claude-3-7-sonnet", 3.00, 15.00),
    ("anthropic", "claude-sonnet-4", 3.00, 15.00),
    ("anthropic", "claude-3-opus", 15.00, 75.00),
    ("anthropic", "claude-opus-4", 15.00, 75.00),
];

/// A price per million tokens and where it came from.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Price {
    pub input_per_million: f64,
    pub output_per_million: f64,
    /// "list prices as of 2025-05" or "--price-in/--price-out".
    pub source: String,
}

/// The list price of `model` at `provider`'s own API; `None` for other servers (a local
/// server or a proxy at another base URL bills differently, or not at all).
pub fn list_price(provider: ProviderKind, model: &str, base_url: Option<&str>) -> Option<Price> {
    if !is_hosted(provider, base_url) {
        return None;
    }
    LIST_PRICES
        .iter()
        .filter(|(p, m, _, _)| *p == provider.as_str() && model.starts_with(m))
        .max_by_key(|(_, m, _, _)| m.len())
        .map(|&(_, _, i, o)| Price {
            input_per_million: i,
            output_per_million: o,
            source: format!("list prices as of {PRICES_AS_OF}"),
        })
}

/// Requests and tokens of one kind of request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct KindPlan {
    pub requests: usize,
    /// Already answered in the bundle (a resume asks only the rest).
    pub done: usize,
    pub prompt_tokens: u64,
    /// At most this many: the requests' `max_tokens`.
    pub completion_tokens_max: u64,
}

/// A run's plan as printed before it starts (and by `run --dry-run`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunPlan {
    pub provider: String,
    pub model: String,
    pub contexts: usize,
    pub choices: KindPlan,
    pub reports: KindPlan,
    pub price: Option<Price>,
    /// The host of a server on this machine (a `--base-url` at a loopback address or
    /// `localhost`, [`local_host`]): it charges nothing per token.
    pub local_server: Option<String>,
    /// Estimated cost of the requests still to ask, in US dollars, completion tokens at
    /// their maximum; 0 for a server on this machine without a price given; `None` without a
    /// price otherwise.
    pub cost_usd_max: Option<f64>,
    pub token_estimate: &'static str,
    /// `--max-cost` and `--max-requests` as given (`null` when not).
    pub max_cost_usd: Option<f64>,
    pub max_requests: Option<u64>,
}

impl RunPlan {
    pub fn requests_to_ask(&self) -> usize {
        (self.choices.requests - self.choices.done) + (self.reports.requests - self.reports.done)
    }
}

/// Tokens of a prompt, estimated (module docs).
pub fn prompt_tokens(p: &Prompt) -> u64 {
    let chars: usize = p.system.chars().count() + p.user.chars().count();
    (chars as u64).div_ceil(4) + 8
}

/// The plan of `params` against `bench`; `done(task)` says which requests a resumed bundle
/// already holds. Adaptive designs' pairs depend on the answers: their prompts are estimated
/// from the frozen pairs, which have the same length.
pub fn run_plan(
    bench: &Benchmark,
    params: &Parameters,
    price: Option<Price>,
    done: &dyn Fn(&Task) -> bool,
) -> RunPlan {
    let contexts: Vec<Arc<FrozenContext>> = run_contexts(bench, params)
        .into_iter()
        .map(|c| Arc::new(c.clone()))
        .collect();
    let mut choices = KindPlan::default();
    let mut reports = KindPlan::default();
    for task in plan(&contexts, params) {
        let (k, max) = match task.key.kind {
            KindKey::Choice => (&mut choices, params.choice_max_tokens),
            KindKey::Report => (&mut reports, params.report_max_tokens),
        };
        k.requests += 1;
        if done(&task) {
            k.done += 1;
            continue;
        }
        k.prompt_tokens += prompt_tokens(&task.prompt());
        k.completion_tokens_max += u64::from(max);
    }
    let local_server: Option<String> = match params.provider {
        ProviderKind::Sim => None,
        _ => local_host(params.base_url.as_deref()),
    };
    let cost_usd_max = price
        .as_ref()
        .map(|p| {
            let input = (choices.prompt_tokens + reports.prompt_tokens) as f64;
            let output = (choices.completion_tokens_max + reports.completion_tokens_max) as f64;
            (input * p.input_per_million + output * p.output_per_million) / 1e6
        })
        .or(local_server.as_ref().map(|_| 0.0));
    RunPlan {
        provider: params.provider.as_str().to_string(),
        model: params.model.clone(),
        contexts: contexts.len(),
        choices,
        reports,
        price,
        local_server,
        cost_usd_max,
        token_estimate: "prompt: characters / 4 + 8 per request; completion: max_tokens (an upper bound)",
        max_cost_usd: None,
        max_requests: None,
    }
}

/// The plan as the lines `run` prints before its first request.
pub fn describe(p: &RunPlan) -> String {
    let kind = |name: &str, k: &KindPlan| {
        let resumed = if k.done > 0 {
            format!(" ({} already answered)", k.done)
        } else {
            String::new()
        };
        format!(
            "  {name:<8}{:>7} requests{resumed}, ~{} prompt tokens, at most {} completion tokens\n",
            k.requests, k.prompt_tokens, k.completion_tokens_max
        )
    };
    let mut s = format!(
        "plan: {} {} over {} contexts, {} requests to ask\n",
        p.provider,
        p.model,
        p.contexts,
        p.requests_to_ask()
    );
    s += &kind("choices", &p.choices);
    s += &kind("reports", &p.reports);
    s += &match (&p.price, p.cost_usd_max, &p.local_server) {
        _ if p.provider == "sim" => "  cost    none (simulated agents)\n".to_string(),
        (Some(price), Some(cost), _) => format!(
            "  cost    at most ~${cost:.2} (${}/M in, ${}/M out: {}; completion at max_tokens)\n",
            price.input_per_million, price.output_per_million, price.source
        ),
        (None, _, Some(host)) => {
            format!("  cost    none per token (a server on this machine, {host})\n")
        }
        _ => "  cost    unknown (no price for this model; give --price-in and --price-out)\n"
            .to_string(),
    };
    let limits: Vec<String> = [
        p.max_cost_usd.map(|c| format!("--max-cost ${c}")),
        p.max_requests.map(|n| format!("--max-requests {n}")),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !limits.is_empty() {
        s += &format!("  limits  stops before {}\n", limits.join(" or "));
    }
    s
}

/// The host of `base_url` when it is this machine: a loopback address (127.0.0.0/8, ::1) or
/// `localhost` (and names under `.localhost`, which resolve to loopback). A server there
/// charges nothing per token. Any other host, a private network's included, may be a paid
/// proxy or gateway: `None`, and its cost stays unknown without a price.
pub fn local_host(base_url: Option<&str>) -> Option<String> {
    let url = reqwest::Url::parse(base_url?).ok()?;
    let host: &str = url.host_str()?;
    let bare: &str = host.trim_start_matches('[').trim_end_matches(']');
    let local: bool = match bare.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => bare == "localhost" || bare.ends_with(".localhost"),
    };
    local.then(|| host.to_string())
}

/// Whether the run goes to a provider's own paid API (not a local server, not simulated).
pub fn is_hosted(provider: ProviderKind, base_url: Option<&str>) -> bool {
    match (provider, base_url) {
        (ProviderKind::Sim, _) => false,
        (_, None) => true,
        (_, Some(u)) => u.contains("api.openai.com") || u.contains("api.anthropic.com"),
    }
}

/// The plan of a validated run: `price` as given (`--price-in/--price-out`), else the list
/// price; a resumed run counts what its bundle already holds as done.
pub fn plan_of_config(
    cfg: &crate::runner::RunConfig,
    bench: &Benchmark,
    price: Option<Price>,
) -> Result<RunPlan, crate::bundle::journal::JournalError> {
    let p: &Parameters = &cfg.params;
    let price = price.or_else(|| list_price(p.provider, &p.model, p.base_url.as_deref()));
    let samples = cfg.out.join(crate::bundle::SAMPLES);
    let done: std::collections::HashSet<crate::bundle::sample::SampleKey> =
        if cfg.resume && samples.exists() {
            crate::bundle::journal::read::<crate::bundle::sample::Sample>(&samples)?
                .records
                .iter()
                .map(crate::bundle::sample::Sample::key)
                .collect()
        } else {
            Default::default()
        };
    let mut plan: RunPlan = run_plan(bench, p, price, &|t: &Task| done.contains(&t.key));
    plan.max_cost_usd = cfg.limits.max_cost_usd;
    plan.max_requests = cfg.limits.max_requests;
    Ok(plan)
}
