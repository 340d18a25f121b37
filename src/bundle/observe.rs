//! An observer run (`run --experiment observe --of DIR --examples K`): which run it observes
//! and which of that run's choices it shows, recorded in the parameters so the prompts (and a
//! resume) are a pure function of the manifest.
//!
//! The shown choices are drawn per context from the observed run's valid choices, without
//! replacement, by a ChaCha20 stream keyed on (seed, context id): the same seed and observed
//! samples show the same choices, and one context's draw does not depend on another's.

use super::sample::{KindKey, Order, Parsed, Sample};
use crate::prompts::Example;
use crate::types::{Choice, ContextId, Pair};
use rand::SeedableRng;
use rand::seq::index::sample as sample_indices;
use rand_chacha::ChaCha20Rng;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// One choice of the observed run shown to the observer: its key in the observed run's
/// `samples.jsonl`, the pair as displayed and the letter chosen.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShownChoice {
    pub index: usize,
    pub order: Order,
    pub options: Pair,
    pub choice: Choice,
}

impl ShownChoice {
    pub fn example(&self) -> Example {
        Example {
            options: self.options,
            choice: self.choice,
        }
    }
}

/// The choices shown in one context, in the order the prompt shows them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShownContext {
    pub context: ContextId,
    pub choices: Vec<ShownChoice>,
}

/// What an observer run observes (`Parameters::observe`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ObserveParams {
    /// The observed bundle's directory as given on the command line.
    pub of: String,
    /// The observed run's model and provider, for the reader.
    pub of_model: String,
    pub of_provider: String,
    /// sha256 of the observed bundle's `samples.jsonl`: scoring refuses another file.
    pub of_samples_sha256: String,
    /// Choices shown per context (`--examples`); a context with fewer valid choices is not
    /// asked.
    pub examples: usize,
    /// Seed of the draw of shown choices.
    pub seed: u64,
    /// The shown choices, per context asked, in the observed run's context order.
    pub shown: Vec<ShownContext>,
}

impl ObserveParams {
    /// The shown choices of a context, as the prompt's examples.
    pub fn examples_of(&self, id: &ContextId) -> Option<Vec<Example>> {
        self.shown
            .iter()
            .find(|s| &s.context == id)
            .map(|s| s.choices.iter().map(ShownChoice::example).collect())
    }

    /// Keys (index, order) of the shown choices of each context, for holding them out.
    pub fn shown_keys(&self) -> BTreeMap<ContextId, BTreeSet<(usize, Order)>> {
        self.shown
            .iter()
            .map(|s| {
                (
                    s.context.clone(),
                    s.choices.iter().map(|c| (c.index, c.order)).collect(),
                )
            })
            .collect()
    }
}

/// The observed run's valid choices of each context, in `samples.jsonl` order.
fn valid_choices(samples: &[Sample]) -> BTreeMap<&ContextId, Vec<ShownChoice>> {
    let mut out: BTreeMap<&ContextId, Vec<ShownChoice>> = BTreeMap::new();
    for s in samples.iter().filter(|s| s.kind == KindKey::Choice) {
        if let Some(Parsed::Choice(c)) = s.parsed {
            out.entry(&s.context).or_default().push(ShownChoice {
                index: s.index,
                order: s.order,
                options: s.options,
                choice: c,
            });
        }
    }
    out
}

fn stream(seed: u64, context: &ContextId) -> ChaCha20Rng {
    let mut h = Sha256::new();
    h.update(b"selfinterp-observe-v1");
    h.update(seed.to_le_bytes());
    h.update(context.as_str().as_bytes());
    ChaCha20Rng::from_seed(h.finalize().into())
}

/// Draws `k` shown choices per context of `contexts` (the observed run's, in its order) from
/// its valid choices. Contexts with fewer than `k + 2` valid choices are left out: the
/// privileged-access comparison needs choices the observer was not shown.
pub fn draw_shown(
    samples: &[Sample],
    contexts: &[ContextId],
    k: usize,
    seed: u64,
) -> Vec<ShownContext> {
    let valid = valid_choices(samples);
    let mut out: Vec<ShownContext> = Vec::new();
    for id in contexts {
        let Some(all) = valid.get(id).filter(|v| v.len() >= k + 2) else {
            continue;
        };
        let mut picked: Vec<usize> = sample_indices(&mut stream(seed, id), all.len(), k).into_vec();
        // Shown in the order the run asked them, so the prompt does not depend on the draw's.
        picked.sort_unstable();
        out.push(ShownContext {
            context: id.clone(),
            choices: picked.into_iter().map(|i| all[i]).collect(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Values;

    fn choice(ctx: &str, index: usize, letter: Option<Choice>) -> Sample {
        let v = Values([index as f64; 5]);
        Sample {
            kind: KindKey::Choice,
            context: ContextId(ctx.to_string()),
            index,
            order: Order::Ab,
            prompt_sha256: None,
            options: Pair { a: v, b: v },
            response: String::new(),
            parsed: letter.map(Parsed::Choice),
            status: "valid".into(),
            out_of_range: None,
            logprobs: None,
            p_a: None,
            p_a_status: None,
            tokens_in: None,
            tokens_out: None,
        }
    }

    #[test]
    fn the_draw_is_seeded_per_context_and_skips_invalid_and_short_contexts() {
        let mut samples: Vec<Sample> = (0..20).map(|i| choice("c1", i, Some(Choice::A))).collect();
        samples.extend((0..20).map(|i| choice("c2", i, (i % 2 == 0).then_some(Choice::B))));
        samples.extend((0..4).map(|i| choice("c3", i, Some(Choice::A))));
        let ids: Vec<ContextId> = ["c1", "c2", "c3"]
            .map(|s| ContextId(s.to_string()))
            .to_vec();
        let a = draw_shown(&samples, &ids, 5, 7);
        assert_eq!(a, draw_shown(&samples, &ids, 5, 7));
        assert_ne!(a, draw_shown(&samples, &ids, 5, 8));
        // c3 has 4 valid choices, fewer than 5 + 2.
        assert_eq!(
            a.iter().map(|s| s.context.as_str()).collect::<Vec<_>>(),
            ["c1", "c2"]
        );
        assert!(a.iter().all(|s| s.choices.len() == 5));
        // Only valid choices, no repeats, in the run's order.
        assert!(a[1].choices.iter().all(|c| c.index % 2 == 0));
        let idx: Vec<usize> = a[0].choices.iter().map(|c| c.index).collect();
        assert!(idx.windows(2).all(|w| w[0] < w[1]));
        // One context's draw does not depend on the others.
        let alone = draw_shown(&samples[..20], &ids[..1], 5, 7);
        assert_eq!(alone[0], a[0]);
    }
}
