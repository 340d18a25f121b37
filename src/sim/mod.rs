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
//!
//! # Files
//! - `agent`: the agents ([`SimAgent`], [`AgentKind`]) and how they choose and report;
//! - `prompt`: reading a prompt back into its task, context question and option values;
//! - `provider`: an agent behind the [`crate::providers::Provider`] interface, in process;
//! - `server`: an agent behind an OpenAI-compatible HTTP server (`selfinterp serve-sim`);
//! - `wire`: that server's request fields, JSON answers and server-sent events;
//! - `contexts`: synthetic contexts for tests and benches;
//! - `efficiency`: the pair-design efficiency study, run on these agents.

pub(crate) mod agent;
pub(crate) mod contexts;
pub(crate) mod efficiency;
pub(crate) mod prompt;
pub(crate) mod provider;
pub(crate) mod server;
pub(crate) mod wire;

pub use efficiency::{
    Arm, CurvePoint, LabelModel, Setup, efficiency_table, pairs_to_reach, pairs_to_width,
    precision_curve, standard_arms,
};
pub use server::{SimServer, chat_completion, error_body};

pub use agent::{
    AGENT_NAMES, AgentKind, AgentNameError, DEFAULT_SEED, POSITION_BIAS_P_A, REPORT_NOISE_SD,
    SIM_VERSION, SimAgent, SimReply, letter_logprobs,
};
pub use contexts::synthetic_contexts;
pub use prompt::{Prompted, SimError};
pub use provider::SimProvider;

use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use sha2::{Digest, Sha256};

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

#[cfg(test)]
mod tests;
#[cfg(test)]
mod wire_tests;
