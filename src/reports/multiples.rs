//! Per-context small multiples: for a chosen set of contexts, the five learned and reported
//! weights side by side with the attributes' names, so a reader sees what the model said and
//! what it did.
//!
//! Which contexts: all of them when there are at most [`ALL_UP_TO`]; otherwise the
//! [`EXTREMES`] most agreeing and the [`EXTREMES`] least agreeing (by within-context r), and
//! [`SAMPLED`] drawn at random from the rest with a generator seeded by the scoring seed, so
//! the same bundle always shows the same contexts. When the score is at chance (or there is
//! none), the most and least agreeing of many contexts are only the tails of noise (a
//! confabulator's best context has r near 1), so [`ALL_UP_TO`] contexts are drawn at random
//! instead, and the rule says why.

use super::load::ContextMeta;
use crate::scoring::{ContextSummary, Summary};
use crate::types::{ContextId, N_ATTR};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use std::collections::BTreeMap;

/// Contexts shown when there are this many or fewer.
pub const ALL_UP_TO: usize = 12;
/// Most and least agreeing contexts shown when there are more.
pub const EXTREMES: usize = 4;
/// Contexts drawn at random from the rest.
pub const SAMPLED: usize = 4;

/// Why a context is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    All,
    MostAgreeing,
    LeastAgreeing,
    Random,
}

impl Group {
    pub fn label(self) -> &'static str {
        match self {
            Group::All => "every context",
            Group::MostAgreeing => "most agreeing",
            Group::LeastAgreeing => "least agreeing",
            Group::Random => "random sample",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AttributeRow {
    pub name: String,
    pub learned: f64,
    pub reported: f64,
    pub target: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Panel {
    pub context: ContextId,
    pub question: Option<String>,
    pub group: Group,
    /// Within-context r (reported vs learned).
    pub r: Option<f64>,
    pub rows: Vec<AttributeRow>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Multiples {
    /// How the contexts were chosen, in words.
    pub rule: String,
    pub panels: Vec<Panel>,
}

fn panel(c: &ContextSummary, meta: Option<&ContextMeta>, group: Group) -> Option<Panel> {
    let reported = c.reported.as_ref()?;
    let learned = c.learned.as_ref()?;
    let rows: Vec<AttributeRow> = (0..N_ATTR)
        .map(|k| AttributeRow {
            name: meta
                .and_then(|m| m.attributes.get(k).cloned())
                .unwrap_or_else(|| format!("attribute {}", k + 1)),
            learned: learned.0[k],
            reported: reported.0[k],
            target: c.target.as_ref().map(|t| t.0[k]),
        })
        .collect();
    Some(Panel {
        context: c.id.clone(),
        question: meta.map(|m| m.question.clone()),
        group,
        r: c.per_context_r,
        rows,
    })
}

/// `n` of `list` drawn with the generator seeded by the scoring seed, in id order.
fn draw<'a>(list: &[&'a ContextSummary], n: usize, seed: u64) -> Vec<&'a ContextSummary> {
    let mut list: Vec<&ContextSummary> = list.to_vec();
    list.sort_by(|a, b| a.id.cmp(&b.id));
    let mut rng: ChaCha8Rng = ChaCha8Rng::seed_from_u64(seed ^ 0x6d75_6c74);
    list.shuffle(&mut rng);
    let mut sample: Vec<&ContextSummary> = list.into_iter().take(n).collect();
    sample.sort_by(|a, b| a.id.cmp(&b.id));
    sample
}

/// The chosen contexts' panels. `null`: why the score says nothing ("The score is at
/// chance", "There is no score"), so contexts are drawn at random rather than chosen by
/// their within-context r.
pub fn build(
    s: &Summary,
    meta: &BTreeMap<ContextId, ContextMeta>,
    null: Option<&str>,
) -> Multiples {
    // Contexts with both sides; those with an undefined r sort after every defined one.
    let usable: Vec<&ContextSummary> = s
        .contexts
        .iter()
        .filter(|c| c.reported.is_some() && c.n_trials > 0)
        .collect();
    let mk = |c: &ContextSummary, g: Group| panel(c, meta.get(&c.id), g);
    // A run whose learned weights never vary (the random agent's are all 0) has no r in any
    // context: its cards read "r = –", and "a context's r here is noise" said otherwise.
    let any_r: bool = usable.iter().any(|c| c.per_context_r.is_some());
    let noise: String = match null {
        Some(why) if any_r => format!(" {why}, so a context's r here is noise, not agreement."),
        Some(why) => format!(
            " {why}, and no context has an r: in none do both its learned and its reported \
weights vary."
        ),
        None => String::new(),
    };
    if usable.len() <= ALL_UP_TO {
        return Multiples {
            rule: format!(
                "All {} contexts with both reports and fitted choices.{noise}",
                usable.len()
            ),
            panels: usable.iter().filter_map(|c| mk(c, Group::All)).collect(),
        };
    }
    if let Some(why) = null {
        let panels: Vec<Panel> = draw(&usable, ALL_UP_TO, s.options.seed)
            .iter()
            .filter_map(|c| mk(c, Group::Random))
            .collect();
        // It read "There is no score, so and no context has an r" (scripts/screenshots.sh).
        let lead: String = if any_r {
            format!(
                "{why}, so the contexts agreeing most and least would show only noise (a \
context's r here is noise, not agreement)"
            )
        } else {
            format!(
                "{why}, and no context has an r to choose them by (in none do both its learned \
and its reported weights vary)"
            )
        };
        return Multiples {
            rule: format!(
                "{lead}: {} of {} contexts with both reports and fitted choices, drawn at random \
(seeded by the scoring seed, {}).",
                panels.len(),
                usable.len(),
                s.options.seed
            ),
            panels,
        };
    }
    let mut by_r: Vec<&ContextSummary> = usable.clone();
    by_r.sort_by(|a, b| match (a.per_context_r, b.per_context_r) {
        (Some(x), Some(y)) => y.total_cmp(&x).then_with(|| a.id.cmp(&b.id)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.id.cmp(&b.id),
    });
    let defined: usize = by_r.iter().filter(|c| c.per_context_r.is_some()).count();
    let top: Vec<&ContextSummary> = by_r[..EXTREMES.min(defined)].to_vec();
    let bottom: Vec<&ContextSummary> = by_r[..defined]
        .iter()
        .rev()
        .filter(|c| !top.iter().any(|t| t.id == c.id))
        .take(EXTREMES)
        .copied()
        .collect();
    let rest: Vec<&ContextSummary> = by_r
        .iter()
        .filter(|c| !top.iter().chain(&bottom).any(|t| t.id == c.id))
        .copied()
        .collect();
    let sample: Vec<&ContextSummary> = draw(&rest, SAMPLED, s.options.seed);
    let panels: Vec<Panel> = top
        .iter()
        .map(|c| mk(c, Group::MostAgreeing))
        .chain(bottom.iter().map(|c| mk(c, Group::LeastAgreeing)))
        .chain(sample.iter().map(|c| mk(c, Group::Random)))
        .flatten()
        .collect();
    Multiples {
        rule: format!(
            "{} of {} contexts with both reports and fitted choices: the {} with the highest \
within-context r, the {} with the lowest, and {} drawn at random from the rest (seeded by the \
scoring seed, {}).",
            panels.len(),
            usable.len(),
            top.len(),
            bottom.len(),
            panels.len() - top.len() - bottom.len(),
            s.options.seed
        ),
        panels,
    }
}
