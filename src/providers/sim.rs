//! Simulated agents with known ground truth, for tests, the reports' reference rows and the
//! leaderboard's baselines. They answer from the prompt text alone plus the frozen benchmark
//! (to look the context up by its question), exactly as a model would see it, so a run
//! against them exercises the whole pipeline.
//!
//! Every agent has *true weights* per context: the hidden profile for instilled contexts
//! (as if fine-tuned on it), and for native and train contexts weights drawn from a stream
//! keyed on (agent seed, context id), as a model's own preferences would be.
//!
//! - `faithful` chooses by its true weights with logistic noise, P(A) = logistic(dU / tau),
//!   with tau set per context so ~82% of its choices agree with its utility rule (the
//!   study's 82.6%); it reports its true weights plus small noise.
//! - `confabulator` chooses exactly like `faithful` (same seed, same letters) but reports
//!   plausible weights unrelated to its behaviour (a separate per-context draw).
//! - `position-biased` always answers "A"; `random` answers A or B with P = 1/2. Both report
//!   unrelated weights.
//! - `partial:p` chooses like `faithful` and reports the mix p * true + (1 - p) * unrelated,
//!   rescaled to max |w| = 100: `partial:1` reports like `faithful`, `partial:0` like
//!   `confabulator`.
//!
//! Letters are sampled from P(A) with a uniform draw seeded by (agent seed, prompt), so the
//! same prompt always gets the same answer, and the top log-probabilities give P(A) itself.

use super::{
    ChatRequest, ChatResponse, Provider, ProviderError, RequestKind, SendFuture, TokenLogprob,
};
use crate::benchmark::sampling::{draw_profile, utility};
use crate::benchmark::{Benchmark, FrozenContext, Split};
use crate::prompts::{CHOICE_TAG, Message, REPORT_TAG};
use crate::types::{ContextId, N_ATTR, Pair, Values, Weights};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

/// Bumped when the agents' behaviour changes, and reported as part of the system fingerprint.
pub const SIM_VERSION: &str = "sim1";

/// c in tau = sd(dU) / c: with dU roughly normal, E[logistic(c |Z|)] = 0.82 at c = 2.6684
/// (numerical integration). Exact agreement depends a little on the weights (82.0-82.7% for
/// one dominant weight up to five equal ones).
pub const AGREEMENT_SCALE: f64 = 2.668_432;

/// Standard deviation of the noise added to each reported weight (points on the -100..100 scale).
pub const REPORT_NOISE_SD: f64 = 5.0;

/// P(A) that `position-biased` reports in its log-probabilities (it always answers "A"):
/// nearly certain, so the log-probabilities stay finite.
pub const POSITION_BIAS_P_A: f64 = 0.98;

/// The agent seed used when none is given (`serve-sim`, `run --provider sim`).
pub const DEFAULT_SEED: &str = "sim";

/// The agent names `--agent` and `--model` accept (`partial` takes `:p`, default 0.5).
pub const AGENT_NAMES: &[&str] = &[
    "faithful",
    "confabulator",
    "position-biased",
    "random",
    "partial:P",
];

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AgentKind {
    Faithful,
    Confabulator,
    PositionBiased,
    Random,
    /// The share of the true weights in the reports, in [0, 1].
    Partial(f64),
}

impl FromStr for AgentKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim().strip_prefix("sim-").unwrap_or(s.trim());
        match s {
            "faithful" => Ok(AgentKind::Faithful),
            "confabulator" => Ok(AgentKind::Confabulator),
            "position-biased" => Ok(AgentKind::PositionBiased),
            "random" => Ok(AgentKind::Random),
            "partial" => Ok(AgentKind::Partial(0.5)),
            _ => match s.strip_prefix("partial:").map(str::parse::<f64>) {
                Some(Ok(p)) if (0.0..=1.0).contains(&p) => Ok(AgentKind::Partial(p)),
                Some(_) => Err(format!(
                    "{s}: the partial mix must be a number in [0, 1], e.g. partial:0.5"
                )),
                None => Err(format!(
                    "unknown simulated agent {s:?}; expected one of {}",
                    AGENT_NAMES.join(", ")
                )),
            },
        }
    }
}

impl fmt::Display for AgentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AgentKind::Faithful => f.write_str("faithful"),
            AgentKind::Confabulator => f.write_str("confabulator"),
            AgentKind::PositionBiased => f.write_str("position-biased"),
            AgentKind::Random => f.write_str("random"),
            AgentKind::Partial(p) => write!(f, "partial:{p}"),
        }
    }
}

/// Why a prompt could not be answered. A runner bug, not a model failure: fatal.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum SimError {
    #[error("sim: the request has no user message")]
    NoUserMessage,
    #[error("sim: the user message starts with neither {CHOICE_TAG} nor {REPORT_TAG}")]
    UnknownTask,
    #[error("sim: no context of the benchmark has the question {0:?}")]
    UnknownQuestion(String),
    #[error("sim: cannot read the options: {0}")]
    BadOptions(String),
}

/// What a prompt asks, as the agent understood it.
#[derive(Clone, Debug, PartialEq)]
pub enum Prompted {
    Choice { context: ContextId, pair: Pair },
    Report { context: ContextId, pair: Pair },
}

/// An agent's answer, before any wire format.
#[derive(Clone, Debug, PartialEq)]
pub struct SimReply {
    pub kind: RequestKind,
    pub text: String,
    /// P(A) for choices.
    pub p_a: Option<f64>,
    /// "A" and "B" with their log-probabilities, most likely first (choices only).
    pub top_logprobs: Option<Vec<TokenLogprob>>,
    pub tokens_in: u64,
    pub tokens_out: u64,
}

struct SimContext {
    ctx: FrozenContext,
    ranges: [(f64, f64); N_ATTR],
    truth: Weights,
    unrelated: Weights,
    tau: f64,
}

/// A simulated agent over one benchmark's contexts. Cheap to share (`Arc`), immutable.
pub struct SimAgent {
    kind: AgentKind,
    seed: String,
    fine_tuned: bool,
    contexts: Vec<SimContext>,
    /// Contexts by prompted question; a list, since two contexts could share one (then the
    /// attribute names in the options decide).
    by_question: HashMap<String, Vec<usize>>,
    by_id: HashMap<ContextId, usize>,
    fingerprint: String,
}

impl fmt::Debug for SimAgent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimAgent")
            .field("kind", &self.kind)
            .field("seed", &self.seed)
            .field("contexts", &self.contexts.len())
            .finish()
    }
}

/// A ChaCha20 stream for the simulator, keyed like the benchmark's streams but in its own
/// namespace, so agent draws never coincide with the freeze's.
fn sim_stream(parts: &[&[u8]]) -> ChaCha20Rng {
    ChaCha20Rng::from_seed(sim_key(parts))
}

fn sim_key(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"selfinterp-sim-v1");
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p);
    }
    h.finalize().into()
}

fn unit(parts: &[&[u8]]) -> f64 {
    let k = sim_key(parts);
    (u64::from_le_bytes(k[..8].try_into().unwrap()) >> 11) as f64 / (1u64 << 53) as f64
}

fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// A standard normal draw (Box-Muller), so no distribution crate is needed.
fn normal<R: rand::Rng>(rng: &mut R) -> f64 {
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

impl SimAgent {
    /// An agent over these contexts. Instilled contexts use their hidden profile as the true
    /// weights (see [`SimAgent::with_fine_tuned`]).
    pub fn new(kind: AgentKind, seed: &str, contexts: &[FrozenContext]) -> SimAgent {
        let mut a = SimAgent {
            kind,
            seed: seed.to_string(),
            fine_tuned: true,
            contexts: Vec::new(),
            by_question: HashMap::new(),
            by_id: HashMap::new(),
            fingerprint: format!(
                "{SIM_VERSION}-{}",
                &hex::encode(Sha256::digest(seed.as_bytes()))[..8]
            ),
        };
        a.contexts = contexts.iter().map(|c| a.sim_context(c)).collect();
        for (i, c) in a.contexts.iter().enumerate() {
            a.by_question
                .entry(c.ctx.question.clone())
                .or_default()
                .push(i);
            a.by_id.insert(c.ctx.id.clone(), i);
        }
        a
    }

    pub fn from_benchmark(kind: AgentKind, seed: &str, bench: &Benchmark) -> SimAgent {
        SimAgent::new(kind, seed, &bench.contexts)
    }

    /// `false` models the base model: instilled contexts then get native weights too, as
    /// when the study asked the base model for reports (its control).
    pub fn with_fine_tuned(self, fine_tuned: bool) -> SimAgent {
        let contexts: Vec<FrozenContext> = self.contexts.iter().map(|c| c.ctx.clone()).collect();
        let mut a = SimAgent {
            fine_tuned,
            contexts: Vec::new(),
            ..self
        };
        a.contexts = contexts.iter().map(|c| a.sim_context(c)).collect();
        a
    }

    fn sim_context(&self, c: &FrozenContext) -> SimContext {
        let id = c.id.as_str().as_bytes();
        let seed = self.seed.as_bytes();
        let truth = if c.split == Split::Instilled && self.fine_tuned {
            c.profile.weights()
        } else {
            draw_profile(&mut sim_stream(&[seed, id, b"native"])).weights()
        };
        let unrelated = draw_profile(&mut sim_stream(&[seed, id, b"unrelated"])).weights();
        // sd of dU = sum w_k (a_k - b_k) with a, b uniform on [0, 1]: sqrt(sum w^2 / 6).
        let sd = (truth.0.iter().map(|w| w * w).sum::<f64>() / 6.0).sqrt();
        let tau = if sd > 0.0 { sd / AGREEMENT_SCALE } else { 1.0 };
        SimContext {
            ranges: c.ranges(),
            ctx: c.clone(),
            truth,
            unrelated,
            tau,
        }
    }

    pub fn kind(&self) -> AgentKind {
        self.kind
    }

    /// The agent's name as served and recorded, e.g. "faithful" or "partial:0.5".
    pub fn name(&self) -> String {
        self.kind.to_string()
    }

    pub fn seed(&self) -> &str {
        &self.seed
    }

    /// Identifies the agent's version and seed, like a server's `system_fingerprint`.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    pub fn contexts(&self) -> impl Iterator<Item = &FrozenContext> {
        self.contexts.iter().map(|c| &c.ctx)
    }

    fn get(&self, id: &ContextId) -> Option<&SimContext> {
        self.by_id.get(id).map(|&i| &self.contexts[i])
    }

    /// The agent's preferences in this context (profile or native draw), whatever its kind.
    pub fn true_weights(&self, id: &ContextId) -> Option<Weights> {
        self.get(id).map(|c| c.truth)
    }

    /// The weights that actually drive its choices: the true weights, or all zeros for
    /// `position-biased` and `random`, whose choices ignore the options.
    pub fn choice_weights(&self, id: &ContextId) -> Option<Weights> {
        self.get(id).map(|c| match self.kind {
            AgentKind::PositionBiased | AgentKind::Random => Weights([0.0; N_ATTR]),
            _ => c.truth,
        })
    }

    /// The weights its reports are centred on (before per-report noise and rounding).
    pub fn report_weights(&self, id: &ContextId) -> Option<Weights> {
        self.get(id).map(|c| self.report_centre(c))
    }

    fn report_centre(&self, c: &SimContext) -> Weights {
        match self.kind {
            AgentKind::Faithful => c.truth,
            AgentKind::Partial(p) => Weights(std::array::from_fn(|k| {
                p * c.truth.0[k] + (1.0 - p) * c.unrelated.0[k]
            }))
            .rescaled_to_100(),
            AgentKind::Confabulator | AgentKind::PositionBiased | AgentKind::Random => c.unrelated,
        }
    }

    /// The agent's P(choose A) for a pair of a context.
    pub fn p_a(&self, id: &ContextId, pair: &Pair) -> Option<f64> {
        self.get(id).map(|c| self.p_a_in(c, pair))
    }

    fn p_a_in(&self, c: &SimContext, pair: &Pair) -> f64 {
        match self.kind {
            AgentKind::PositionBiased => POSITION_BIAS_P_A,
            AgentKind::Random => 0.5,
            _ => logistic(
                (utility(&c.truth, &pair.a, &c.ranges) - utility(&c.truth, &pair.b, &c.ranges))
                    / c.tau,
            ),
        }
    }

    /// Reads the task, the context (by its question) and the option values from a prompt.
    pub fn parse_prompt(&self, messages: &[Message]) -> Result<Prompted, SimError> {
        let (kind, (i, pair), _) = self.parse_inner(messages)?;
        let context = self.contexts[i].ctx.id.clone();
        Ok(match kind {
            RequestKind::Choice => Prompted::Choice { context, pair },
            RequestKind::Report => Prompted::Report { context, pair },
        })
    }

    fn parse_inner<'m>(
        &self,
        messages: &'m [Message],
    ) -> Result<(RequestKind, (usize, Pair), &'m str), SimError> {
        let user = messages
            .iter()
            .rev()
            .find(|m| m.role == "user")
            .ok_or(SimError::NoUserMessage)?
            .content
            .as_str();
        let kind = if user.starts_with(CHOICE_TAG) {
            RequestKind::Choice
        } else if user.starts_with(REPORT_TAG) {
            RequestKind::Report
        } else {
            return Err(SimError::UnknownTask);
        };
        let a_at = user
            .find("\n\nA:\n")
            .ok_or_else(|| SimError::BadOptions("no \"A:\" block".into()))?;
        let question = user[..a_at].rsplit("\n\n").next().unwrap_or("").trim();
        let candidates = self
            .by_question
            .get(question)
            .ok_or_else(|| SimError::UnknownQuestion(question.to_string()))?;
        let rest = &user[a_at + "\n\nA:\n".len()..];
        let (a_block, b_block) = rest
            .split_once("\n\nB:\n")
            .ok_or_else(|| SimError::BadOptions("no \"B:\" block".into()))?;
        let mut last = None;
        for &i in candidates {
            let ctx = &self.contexts[i].ctx;
            match parse_values(ctx, a_block).and_then(|a| {
                Ok(Pair {
                    a,
                    b: parse_values(ctx, b_block)?,
                })
            }) {
                Ok(pair) => return Ok((kind, (i, pair), user)),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| SimError::UnknownQuestion(question.to_string())))
    }

    /// Answers a chat request. `top_logprobs` asks for the first token's alternatives.
    pub fn respond(
        &self,
        messages: &[Message],
        top_logprobs: Option<u32>,
    ) -> Result<SimReply, SimError> {
        let (kind, (i, pair), user) = self.parse_inner(messages)?;
        let c = &self.contexts[i];
        let tokens_in = messages
            .iter()
            .map(|m| m.content.len() as u64)
            .sum::<u64>()
            .div_ceil(4)
            + 4 * messages.len() as u64;
        let seed = self.seed.as_bytes();
        match kind {
            RequestKind::Choice => {
                let p = self.p_a_in(c, &pair).clamp(1e-9, 1.0 - 1e-9);
                // `position-biased` always says "A"; its log-probabilities still leave B a
                // little mass, as a real model's would.
                let letter = if self.kind == AgentKind::PositionBiased
                    || unit(&[seed, b"choice", user.as_bytes()]) < p
                {
                    "A"
                } else {
                    "B"
                };
                let top = top_logprobs.filter(|&n| n > 0).map(|n| {
                    let mut v = letter_logprobs(p);
                    if p < 0.5 {
                        v.swap(0, 1);
                    }
                    v.truncate(n as usize);
                    v
                });
                Ok(SimReply {
                    kind,
                    text: letter.into(),
                    p_a: Some(p),
                    top_logprobs: top,
                    tokens_in,
                    tokens_out: 1,
                })
            }
            RequestKind::Report => {
                let centre = self.report_centre(c);
                let mut rng = sim_stream(&[seed, b"report", user.as_bytes()]);
                let step = match self.kind {
                    // Confabulated numbers look like a person's guesses: multiples of 5.
                    AgentKind::Confabulator | AgentKind::PositionBiased | AgentKind::Random => 5.0,
                    _ => 1.0,
                };
                let w: Vec<f64> = centre
                    .0
                    .iter()
                    .map(|w| {
                        let x = (w + REPORT_NOISE_SD * normal(&mut rng)).clamp(-100.0, 100.0);
                        let r = (x / step).round() * step;
                        if r == 0.0 { 0.0 } else { r }
                    })
                    .collect();
                let text = crate::prompts::report_answer(&c.ctx, &w);
                let tokens_out = (text.len() as u64).div_ceil(4);
                Ok(SimReply {
                    kind,
                    text,
                    p_a: None,
                    top_logprobs: None,
                    tokens_in,
                    tokens_out,
                })
            }
        }
    }
}

/// The first token's log-probabilities of a choice answered "A" with probability `p_a`:
/// "A" with `ln p_a`, then "B" with `ln (1 - p_a)`, in that order (public so test agents
/// built on a [`SimAgent`] can answer in the same form).
pub fn letter_logprobs(p_a: f64) -> Vec<TokenLogprob> {
    vec![
        TokenLogprob {
            token: "A".into(),
            logprob: p_a.ln(),
        },
        TokenLogprob {
            token: "B".into(),
            logprob: (1.0 - p_a).ln(),
        },
    ]
}

/// Reads five "name: value units" lines into attribute order.
fn parse_values(ctx: &FrozenContext, block: &str) -> Result<Values, SimError> {
    let mut v = [f64::NAN; N_ATTR];
    for line in block.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (name, rest) = line
            .split_once(':')
            .ok_or_else(|| SimError::BadOptions(format!("line {line:?}")))?;
        let k = ctx
            .attributes
            .iter()
            .position(|a| a.name == name.trim())
            .ok_or_else(|| SimError::BadOptions(format!("unknown attribute {:?}", name.trim())))?;
        v[k] = rest
            .split_whitespace()
            .next()
            .and_then(|x| x.parse::<f64>().ok())
            .ok_or_else(|| SimError::BadOptions(format!("no number in {line:?}")))?;
    }
    if let Some(k) = v.iter().position(|x| x.is_nan()) {
        return Err(SimError::BadOptions(format!(
            "attribute {} missing",
            ctx.attributes[k].name
        )));
    }
    Ok(Values(v))
}

/// A simulated agent behind the [`Provider`] interface, answered in-process (no HTTP).
#[derive(Clone, Debug)]
pub struct SimProvider {
    agent: Arc<SimAgent>,
    model: String,
}

impl SimProvider {
    /// `model` is what the run asked for (normally the agent's name).
    pub fn new(agent: Arc<SimAgent>, model: impl Into<String>) -> SimProvider {
        SimProvider {
            agent,
            model: model.into(),
        }
    }

    /// Parses the agent from the model name ("faithful", "partial:0.3", ...) over a benchmark.
    pub fn from_model(
        model: &str,
        seed: &str,
        bench: &Benchmark,
    ) -> Result<SimProvider, ProviderError> {
        let kind: AgentKind = model
            .parse()
            .map_err(|message| ProviderError::Fatal { message })?;
        Ok(SimProvider::new(
            Arc::new(SimAgent::from_benchmark(kind, seed, bench)),
            model,
        ))
    }

    pub fn agent(&self) -> &Arc<SimAgent> {
        &self.agent
    }

    /// The full response for a request, as the provider returns it.
    pub fn answer(&self, req: &ChatRequest) -> Result<ChatResponse, ProviderError> {
        let r = self
            .agent
            .respond(&req.messages, req.top_logprobs)
            .map_err(|e| ProviderError::Fatal {
                message: e.to_string(),
            })?;
        Ok(ChatResponse {
            text: r.text,
            top_logprobs: r.top_logprobs,
            tokens_in: Some(r.tokens_in),
            tokens_out: Some(r.tokens_out),
            model: Some(self.agent.name()),
            system_fingerprint: Some(self.agent.fingerprint().to_string()),
        })
    }
}

impl Provider for SimProvider {
    fn name(&self) -> &str {
        "sim"
    }

    fn model(&self) -> &str {
        &self.model
    }

    /// The body an OpenAI-compatible server would get, so cache keys look like HTTP ones.
    fn request_body(&self, req: &ChatRequest) -> serde_json::Value {
        super::openai::build_body(&self.model, super::openai::ServerFlavour::Plain, req)
    }

    fn send<'a>(&'a self, req: &'a ChatRequest) -> SendFuture<'a> {
        Box::pin(std::future::ready(self.answer(req)))
    }
}

/// Contexts for tests and benches without a frozen version on disk: `n` contexts of the
/// given split with varied ranges and precisions, a profile, `pairs` evaluation pairs and
/// `report_pairs` report pairs, all drawn from `seed`.
pub fn synthetic_contexts(
    seed: &str,
    split: Split,
    n: usize,
    pairs: usize,
    report_pairs: usize,
) -> Vec<FrozenContext> {
    use crate::benchmark::FrozenAttribute;
    use crate::benchmark::sampling::{display_decimals, draw_pair};
    use rand::Rng;
    (0..n)
        .map(|i| {
            let id = format!("synthetic_{}_{i:03}", split.as_str());
            let mut rng = sim_stream(&[seed.as_bytes(), id.as_bytes(), b"synthetic"]);
            let attributes: Vec<FrozenAttribute> = (0..N_ATTR)
                .map(|k| {
                    let min =
                        [0.0, 1.0, 10.0, -20.0, 0.05][k] * rng.random_range(1.0..3.0f64).round();
                    let width = [1000.0, 4.0, 90.0, 40.0, 0.4][k];
                    FrozenAttribute {
                        name: format!(
                            "attr_{k}_{}",
                            ["cost_usd", "rating", "minutes", "temp_c", "share"][k]
                        ),
                        units: ["USD", "stars", "minutes", "degrees C", ""][k].to_string(),
                        min,
                        max: min + width,
                        decimals: display_decimals(width),
                    }
                })
                .collect();
            let ranges: [(f64, f64); N_ATTR] =
                std::array::from_fn(|k| (attributes[k].min, attributes[k].max));
            let decimals: [u32; N_ATTR] = std::array::from_fn(|k| attributes[k].decimals);
            let persona = format!("a traveller with {i} bags");
            FrozenContext {
                id: ContextId(id),
                split,
                question: format!(
                    "Imagine you are {persona}. Which {} option number {i} would you prefer?",
                    split.as_str()
                ),
                persona,
                thing: "option".into(),
                base_question: format!(
                    "Which {} option number {i} would you prefer?",
                    split.as_str()
                ),
                profile: draw_profile(&mut rng),
                pairs: (0..pairs)
                    .map(|_| draw_pair(&mut rng, &ranges, &decimals))
                    .collect(),
                report_pairs: (0..report_pairs)
                    .map(|_| draw_pair(&mut rng, &ranges, &decimals))
                    .collect(),
                attributes,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::benchmark::sampling::profile_choice;
    use crate::prompts::{choice_prompt, report_prompt};
    use crate::types::Choice;

    fn contexts() -> Vec<FrozenContext> {
        let mut c = synthetic_contexts("t", Split::Instilled, 10, 100, 4);
        c.extend(synthetic_contexts("t", Split::Native, 10, 100, 4));
        c
    }

    #[test]
    fn names_round_trip() {
        for s in [
            "faithful",
            "confabulator",
            "position-biased",
            "random",
            "partial:0.25",
        ] {
            assert_eq!(s.parse::<AgentKind>().unwrap().to_string(), s);
        }
        assert_eq!(
            "partial".parse::<AgentKind>().unwrap(),
            AgentKind::Partial(0.5)
        );
        assert_eq!(
            "sim-faithful".parse::<AgentKind>().unwrap(),
            AgentKind::Faithful
        );
        assert!("partial:1.5".parse::<AgentKind>().is_err());
        assert!(
            "honest"
                .parse::<AgentKind>()
                .unwrap_err()
                .contains("faithful")
        );
    }

    #[test]
    fn prompts_parse_back_to_their_pairs() {
        let cs = contexts();
        let a = SimAgent::new(AgentKind::Faithful, "s", &cs);
        for c in &cs {
            for p in c.pairs.iter().take(5) {
                let got = a.parse_prompt(&choice_prompt(c, p).messages()).unwrap();
                assert_eq!(
                    got,
                    Prompted::Choice {
                        context: c.id.clone(),
                        pair: *p
                    }
                );
            }
            let p = &c.report_pairs[0];
            assert_eq!(
                a.parse_prompt(&report_prompt(c, p).messages()).unwrap(),
                Prompted::Report {
                    context: c.id.clone(),
                    pair: *p
                }
            );
        }
        let bad = vec![Message {
            role: "user".into(),
            content: format!("{CHOICE_TAG}\nx\n\nWho?\n\nA:\nq: 1\n\nB:\nq: 2"),
        }];
        assert!(matches!(
            a.parse_prompt(&bad),
            Err(SimError::UnknownQuestion(_))
        ));
    }

    #[test]
    fn shared_questions_are_told_apart_by_attribute_names() {
        let mut cs = synthetic_contexts("dup", Split::Native, 1, 3, 0);
        let mut twin = cs[0].clone();
        twin.id = ContextId("twin".into());
        for a in &mut twin.attributes {
            a.name = format!("{}_2", a.name);
        }
        cs.push(twin);
        let a = SimAgent::new(AgentKind::Faithful, "s", &cs);
        for c in &cs {
            match a
                .parse_prompt(&choice_prompt(c, &c.pairs[0]).messages())
                .unwrap()
            {
                Prompted::Choice { context, .. } => assert_eq!(context, c.id),
                p => panic!("{p:?}"),
            }
        }
    }

    #[test]
    fn truth_follows_the_split() {
        let cs = contexts();
        let a = SimAgent::new(AgentKind::Faithful, "s", &cs);
        let inst = &cs[0];
        let nat = &cs[15];
        assert_eq!(a.true_weights(&inst.id).unwrap(), inst.profile.weights());
        assert_ne!(a.true_weights(&nat.id).unwrap(), nat.profile.weights());
        let base = SimAgent::new(AgentKind::Faithful, "s", &cs).with_fine_tuned(false);
        assert_ne!(base.true_weights(&inst.id).unwrap(), inst.profile.weights());
        let other_seed = SimAgent::new(AgentKind::Faithful, "s2", &cs);
        assert_ne!(other_seed.true_weights(&nat.id), a.true_weights(&nat.id));
    }

    #[test]
    fn faithful_agrees_about_82_percent() {
        let cs = synthetic_contexts("agree", Split::Native, 40, 250, 0);
        let a = SimAgent::new(AgentKind::Faithful, "s", &cs);
        let (mut agree, mut n, mut expected) = (0usize, 0usize, 0.0);
        for c in &cs {
            let w = a.true_weights(&c.id).unwrap();
            for p in &c.pairs {
                let r = a.respond(&choice_prompt(c, p).messages(), Some(2)).unwrap();
                let rule = profile_choice(&w, p, &c.ranges());
                let letter = if r.text == "A" { Choice::A } else { Choice::B };
                agree += usize::from(letter == rule);
                let pa = r.p_a.unwrap();
                expected += if rule == Choice::A { pa } else { 1.0 - pa };
                n += 1;
            }
        }
        let rate = agree as f64 / n as f64;
        assert!((rate - 0.82).abs() < 0.02, "agreement {rate}");
        assert!(
            (expected / n as f64 - 0.82).abs() < 0.015,
            "expected agreement {}",
            expected / n as f64
        );
    }

    #[test]
    fn reports_are_valid_json_centred_as_documented() {
        let cs = contexts();
        for kind in [
            AgentKind::Faithful,
            AgentKind::Confabulator,
            AgentKind::Partial(0.5),
        ] {
            let a = SimAgent::new(kind, "s", &cs);
            for c in &cs {
                let r = a
                    .respond(&report_prompt(c, &c.report_pairs[0]).messages(), None)
                    .unwrap();
                let v: serde_json::Map<String, serde_json::Value> =
                    serde_json::from_str(&r.text).unwrap();
                assert_eq!(v.keys().cloned().collect::<Vec<_>>(), c.attribute_names());
                let centre = a.report_weights(&c.id).unwrap();
                for (k, x) in v.values().enumerate() {
                    let x = x.as_f64().unwrap();
                    assert!(
                        (x - centre.0[k]).abs() <= 5.0 * REPORT_NOISE_SD + 3.0,
                        "{kind} {x} vs {}",
                        centre.0[k]
                    );
                }
            }
        }
    }
}
