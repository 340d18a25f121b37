//! Independent random streams: one ChaCha20 generator per (seed, context id, purpose).
//!
//! The stream key is sha256 of the three parts, length-prefixed so no two different triples
//! collide. A context's draws therefore never depend on another context or on catalogue order.

use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use sha2::{Digest, Sha256};

/// What a stream is used for. Adding a purpose never changes existing streams.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    Split,
    Persona,
    Profile,
    EvalPairs,
    ReportPairs,
    /// Fine-tuning examples that teach the profile (training file).
    InstillTrain,
    /// Fine-tuning examples that teach the profile (validation file).
    InstillValidation,
    /// The report prompt's pair in introspection-training examples.
    IntrospectionTrain,
    /// Pairs chosen adaptively or for other run-time designs.
    Runtime,
}

impl Purpose {
    pub fn label(&self) -> &'static str {
        match self {
            Purpose::Split => "split",
            Purpose::Persona => "persona",
            Purpose::Profile => "profile",
            Purpose::EvalPairs => "eval_pairs",
            Purpose::ReportPairs => "report_pairs",
            Purpose::InstillTrain => "instill_train",
            Purpose::InstillValidation => "instill_validation",
            Purpose::IntrospectionTrain => "introspection_train",
            Purpose::Runtime => "runtime",
        }
    }
}

/// The 32-byte key of a stream.
pub fn stream_key(seed: &str, context: &str, purpose: Purpose) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"selfinterp-stream-v1");
    for part in [
        seed.as_bytes(),
        context.as_bytes(),
        purpose.label().as_bytes(),
    ] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part);
    }
    h.finalize().into()
}

pub fn stream(seed: &str, context: &str, purpose: Purpose) -> ChaCha20Rng {
    ChaCha20Rng::from_seed(stream_key(seed, context, purpose))
}
