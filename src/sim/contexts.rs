//! Synthetic contexts for tests and benches that have no frozen benchmark version on disk.

use super::sim_stream;
use crate::benchmark::sampling::draw_profile;
use crate::benchmark::{FrozenContext, Split};
use crate::types::{ContextId, N_ATTR};

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
