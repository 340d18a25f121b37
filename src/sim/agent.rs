//! The simulated agents: their true weights per context, and how they choose and report
//! (see the [module documentation](super)).

use super::prompt::{self, Prompted, SimError};
use super::{sim_stream, unit};
use crate::benchmark::sampling::{draw_profile, utility};
use crate::benchmark::{Benchmark, FrozenContext, Split};
use crate::estimation::{Trial, fit};
use crate::probability::{logistic, standard_normal};
use crate::prompts::Message;
use crate::providers::{RequestKind, TokenLogprob};
use crate::types::{Choice, ContextId, N_ATTR, Pair, Weights};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

/// Bumped when the agents' behaviour changes, and reported as part of the system fingerprint
/// and the response cache's key. sim2: report noise drawn by `rand_distr`'s ziggurat, not
/// Box-Muller.
pub const SIM_VERSION: &str = "sim2";

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

/// How a simulated agent reports, given the weights it chooses by.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AgentKind {
    /// Reports the weights it chooses by (with noise).
    Faithful,
    /// Chooses by its weights, reports unrelated ones.
    Confabulator,
    /// Always answers "A"; reports unrelated weights.
    PositionBiased,
    /// Chooses at random; reports unrelated weights.
    Random,
    /// The share of the true weights in the reports, in [0, 1].
    Partial(f64),
}

/// A simulated agent's name that names none.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AgentNameError {
    /// `partial:P` with a P that is not a number in [0, 1].
    #[error("{0}: the partial mix must be a number in [0, 1], e.g. partial:0.5")]
    BadMix(String),
    /// A name that is no agent's.
    #[error("unknown simulated agent {0:?}{hint}; the agents are {names}", hint = closest_hint(.0), names = AGENT_NAMES.join(", "))]
    Unknown(String),
}

/// The known agent closest to a mistyped name, as " (did you mean \"faithful\"?)", or nothing
/// when none is close (Jaro similarity above 0.7, clap's rule for subcommands).
fn closest_hint(typed: &str) -> String {
    let typed: &str = typed.split(':').next().unwrap_or(typed);
    AGENT_NAMES
        .iter()
        .map(|n| n.split(':').next().unwrap_or(n))
        .map(|n| (strsim::jaro(typed, n), n))
        .filter(|(similarity, _)| *similarity > 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, n)| format!(" (did you mean {n:?}?)"))
        .unwrap_or_default()
}

impl FromStr for AgentKind {
    type Err = AgentNameError;
    fn from_str(s: &str) -> Result<Self, AgentNameError> {
        let s = s.trim().strip_prefix("sim-").unwrap_or(s.trim());
        match s {
            "faithful" => Ok(AgentKind::Faithful),
            "confabulator" => Ok(AgentKind::Confabulator),
            "position-biased" => Ok(AgentKind::PositionBiased),
            "random" => Ok(AgentKind::Random),
            "partial" => Ok(AgentKind::Partial(0.5)),
            _ => match s.strip_prefix("partial:").map(str::parse::<f64>) {
                Some(Ok(p)) if (0.0..=1.0).contains(&p) => Ok(AgentKind::Partial(p)),
                Some(_) => Err(AgentNameError::BadMix(s.to_string())),
                None => Err(AgentNameError::Unknown(s.to_string())),
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

/// An agent's answer, before any wire format.
#[derive(Clone, Debug, PartialEq)]
pub struct SimReply {
    /// Choice or report, as the prompt asked.
    pub kind: RequestKind,
    /// The answer: a letter, or a report's JSON object.
    pub text: String,
    /// P(A) for choices.
    pub p_a: Option<f64>,
    /// "A" and "B" with their log-probabilities, most likely first (choices only).
    pub top_logprobs: Option<Vec<TokenLogprob>>,
    /// Prompt tokens, estimated (a quarter of the characters, plus 4 a message).
    pub tokens_in: u64,
    /// Completion tokens.
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

    /// [`SimAgent::new`] over every context of `bench`.
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

    /// Which agent this is.
    pub fn kind(&self) -> AgentKind {
        self.kind
    }

    /// The agent's name as served and recorded, e.g. "faithful" or "partial:0.5".
    pub fn name(&self) -> String {
        self.kind.to_string()
    }

    /// The seed its true weights, noise and reports are drawn from.
    pub fn seed(&self) -> &str {
        &self.seed
    }

    /// Identifies the agent's version and seed, like a server's `system_fingerprint`.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The contexts it knows, in the order it was given them.
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

    /// The task, the context (index) and the pair of a prompt, and its user message.
    fn parse_inner<'m>(
        &self,
        messages: &'m [Message],
    ) -> Result<(RequestKind, (usize, Pair), &'m str), SimError> {
        let read: prompt::Read<'m> = prompt::read(messages)?;
        let candidates = self
            .by_question
            .get(read.question)
            .ok_or_else(|| SimError::UnknownQuestion(read.question.to_string()))?;
        let (a_block, b_block) = prompt::split_options(read.rest)?;
        let mut last = None;
        for &i in candidates {
            let ctx = &self.contexts[i].ctx;
            match prompt::parse_values(ctx, a_block).and_then(|a| {
                Ok(Pair {
                    a,
                    b: prompt::parse_values(ctx, b_block)?,
                })
            }) {
                Ok(pair) => return Ok((read.kind, (i, pair), read.user)),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| SimError::UnknownQuestion(read.question.to_string())))
    }

    /// Answers a chat request. `top_logprobs` asks for the first token's alternatives.
    pub fn respond(
        &self,
        messages: &[Message],
        top_logprobs: Option<u32>,
    ) -> Result<SimReply, SimError> {
        self.respond_sample(messages, top_logprobs, 0)
    }

    /// The `sample`-th of several answers to one request (an OpenAI `n > 1`): the same
    /// choice probabilities and report centre, with the letter draw and the report noise
    /// drawn again for each sample. Sample 0 is [`SimAgent::respond`]'s answer.
    pub fn respond_sample(
        &self,
        messages: &[Message],
        top_logprobs: Option<u32>,
        sample: u32,
    ) -> Result<SimReply, SimError> {
        // Sample 0 keys its draws exactly as before samples existed (cached answers stay valid).
        let nth: Vec<u8> = if sample == 0 {
            Vec::new()
        } else {
            sample.to_le_bytes().to_vec()
        };
        let tokens_in = messages
            .iter()
            .map(|m| m.content.len() as u64)
            .sum::<u64>()
            .div_ceil(4)
            + 4 * messages.len() as u64;
        if let Some(observed) = prompt::read_observe(messages) {
            let (i, centre, user) = self.observe(observed?)?;
            return Ok(self.report_reply(&self.contexts[i], centre, user, &nth, tokens_in));
        }
        let (kind, (i, pair), user) = self.parse_inner(messages)?;
        let c = &self.contexts[i];
        let seed = self.seed.as_bytes();
        match kind {
            RequestKind::Choice => {
                let p = self.p_a_in(c, &pair).clamp(1e-9, 1.0 - 1e-9);
                // `position-biased` always says "A"; its log-probabilities still leave B a
                // little mass, as a real model's would.
                let letter = if self.kind == AgentKind::PositionBiased
                    || unit(&draw_key(&[seed, b"choice", user.as_bytes()], &nth)) < p
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
                Ok(self.report_reply(c, self.report_centre(c), user, &nth, tokens_in))
            }
        }
    }

    /// A report centred on `centre`: per-weight noise seeded by the prompt, rounded (to
    /// multiples of 5 for the agents whose reports are unrelated to anything).
    fn report_reply(
        &self,
        c: &SimContext,
        centre: Weights,
        user: &str,
        nth: &[u8],
        tokens_in: u64,
    ) -> SimReply {
        let mut rng = sim_stream(&draw_key(
            &[self.seed.as_bytes(), b"report", user.as_bytes()],
            nth,
        ));
        let step = match self.kind {
            // Confabulated numbers look like a person's guesses: multiples of 5.
            AgentKind::Confabulator | AgentKind::PositionBiased | AgentKind::Random => 5.0,
            _ => 1.0,
        };
        let w: Vec<f64> = centre
            .0
            .iter()
            .map(|w| {
                let x = (w + REPORT_NOISE_SD * standard_normal(&mut rng)).clamp(-100.0, 100.0);
                let r = (x / step).round() * step;
                if r == 0.0 { 0.0 } else { r }
            })
            .collect();
        let text = crate::prompts::report_answer(&c.ctx, &w);
        let tokens_out = (text.len() as u64).div_ceil(4);
        SimReply {
            kind: RequestKind::Report,
            text,
            p_a: None,
            top_logprobs: None,
            tokens_in,
            tokens_out,
        }
    }

    /// An observer's estimate from the decisions an observation prompt shows: the weights a
    /// logistic fit (the scoring's own, [`crate::estimation::fit()`]) gives them, mixed with
    /// unrelated weights as the agent's reports are mixed with its true ones (`faithful`
    /// reports the fit, `partial:p` p of it, `confabulator` none).
    fn observe<'m>(&self, o: prompt::Observed<'m>) -> Result<(usize, Weights, &'m str), SimError> {
        let i: usize = *self
            .by_question
            .get(o.question)
            .and_then(|v| v.first())
            .ok_or_else(|| SimError::UnknownQuestion(o.question.to_string()))?;
        let c: &SimContext = &self.contexts[i];
        let mut trials: Vec<Trial> = Vec::with_capacity(o.decisions.len());
        for (a, b, choice) in &o.decisions {
            let pair = Pair {
                a: prompt::parse_values(&c.ctx, a)?,
                b: prompt::parse_values(&c.ctx, b)?,
            };
            let label: f64 = if *choice == Choice::A { 1.0 } else { 0.0 };
            trials.push(
                Trial::from_pair(&pair, &c.ranges, label, 1.0)
                    .map_err(|e| SimError::BadOptions(e.to_string()))?,
            );
        }
        let fitted: Weights = fit(&trials).learned;
        let centre: Weights = match self.kind {
            AgentKind::Faithful => fitted,
            AgentKind::Partial(p) => Weights(std::array::from_fn(|k| {
                p * fitted.0[k] + (1.0 - p) * c.unrelated.0[k]
            }))
            .rescaled_to_100(),
            AgentKind::Confabulator | AgentKind::PositionBiased | AgentKind::Random => c.unrelated,
        };
        Ok((i, centre, o.user))
    }
}

/// The parts of a draw's key, with the sample's index appended after the first sample.
fn draw_key<'a>(parts: &[&'a [u8]], nth: &'a [u8]) -> Vec<&'a [u8]> {
    let mut v: Vec<&[u8]> = parts.to_vec();
    if !nth.is_empty() {
        v.push(nth);
    }
    v
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
