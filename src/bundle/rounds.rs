//! Adaptive pair designs in a run (`--design adaptive`): each context's choices in rounds.
//!
//! Round j of a context asks call indices `j*b .. (j+1)*b` (b = `--design-batch`, the last
//! round shorter), in every presentation order, with the pairs
//! [`AdaptiveDesign::next_batch`] picks from the observations of the calls before it. When
//! every call of the round is answered, one [`Observation`] per call is appended in (index,
//! order) order (see [`label`]) and the next round is opened. Contexts advance
//! independently, at most one round in flight each, so the run's concurrency stays busy.
//!
//! A request that fails after every retry stalls its context (the next pairs depend on its
//! answer); the run ends `incomplete` and `--resume` retries it and continues.
//!
//! Resume: the observations are rebuilt from `samples.jsonl` round by round, each round's
//! pairs recomputed from the observations before it; the first round with an unanswered call
//! is reopened and only its unanswered calls are asked. `next_batch` is deterministic in
//! (seed, context, observations), so a resumed run asks exactly the pairs an uninterrupted
//! one would, and the response cache keeps working.

use super::parameters::{DesignParams, Parameters};
use super::plan::Task;
use super::sample::{KindKey, Order, Parsed, Sample, SampleKey};
use crate::benchmark::FrozenContext;
use crate::design::{AdaptiveDesign, Observation};
use crate::types::{Choice, ContextId, Pair};
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

/// What a choice sample tells the design: its soft label P(A) when present, else 1 or 0 for
/// a parsed letter, else `None` (unusable, but still a call).
pub fn label(s: &Sample) -> Option<f64> {
    s.p_a.or(match s.parsed {
        Some(Parsed::Choice(Choice::A)) => Some(1.0),
        Some(Parsed::Choice(Choice::B)) => Some(0.0),
        _ => None,
    })
}

/// One context's progress through its rounds.
struct CtxRounds {
    ctx: Arc<FrozenContext>,
    observed: Vec<Observation>,
    /// First call index of the open round.
    start: usize,
    /// The open round's pairs (frozen order), for indices `start..start + pairs.len()`.
    pairs: Vec<Pair>,
    /// Calls of the open round queued or in flight.
    outstanding: usize,
    /// A call of the open round failed: the context waits for a resume.
    stalled: bool,
}

/// The choice requests of an adaptive run, released round by round.
pub struct Rounds {
    design: AdaptiveDesign,
    batch: usize,
    trials: usize,
    orders: Vec<Order>,
    contexts: Vec<CtxRounds>,
    by_id: HashMap<ContextId, usize>,
    /// The label of every choice answered so far (earlier sessions and this one).
    known: HashMap<SampleKey, Option<f64>>,
    ready: VecDeque<Task>,
    /// Every choice task whose pair is known so far, answered or not (for [`replay`]).
    determined: Vec<Task>,
}

impl Rounds {
    /// The rounds of `contexts` given the samples already in the bundle: each context's first
    /// incomplete round is opened and its unanswered calls queued.
    pub fn new(
        contexts: &[Arc<FrozenContext>],
        p: &Parameters,
        d: &DesignParams,
        done: &[Sample],
    ) -> Rounds {
        let mut known: HashMap<SampleKey, Option<f64>> = HashMap::new();
        for s in done.iter().filter(|s| s.kind == KindKey::Choice) {
            known.entry(s.key()).or_insert_with(|| label(s));
        }
        let mut r = Rounds {
            design: d.design(p),
            batch: d.batch.max(1),
            trials: p.trials,
            orders: p.orders.clone(),
            contexts: contexts
                .iter()
                .map(|c| CtxRounds {
                    ctx: Arc::clone(c),
                    observed: Vec::new(),
                    start: 0,
                    pairs: Vec::new(),
                    outstanding: 0,
                    stalled: false,
                })
                .collect(),
            by_id: contexts
                .iter()
                .enumerate()
                .map(|(i, c)| (c.id.clone(), i))
                .collect(),
            known,
            ready: VecDeque::new(),
            determined: Vec::new(),
        };
        for i in 0..r.contexts.len() {
            r.open(i);
        }
        r
    }

    /// Opens context `i`'s first round that is not fully answered and queues its unanswered
    /// calls; rounds already answered are closed on the way.
    fn open(&mut self, i: usize) {
        let c: &mut CtxRounds = &mut self.contexts[i];
        loop {
            if c.start >= self.trials {
                c.pairs.clear();
                return;
            }
            let n: usize = self.batch.min(self.trials - c.start);
            c.pairs = self.design.next_batch(&c.ctx, &c.observed, n);
            let mut missing: usize = 0;
            for (k, pair) in c.pairs.iter().enumerate() {
                for &order in &self.orders {
                    let task = Task {
                        key: SampleKey {
                            kind: KindKey::Choice,
                            context: c.ctx.id.clone(),
                            index: c.start + k,
                            order,
                        },
                        ctx: Arc::clone(&c.ctx),
                        pair: Some(*pair),
                        examples: None,
                    };
                    if !self.known.contains_key(&task.key) {
                        missing += 1;
                        self.ready.push_back(task.clone());
                    }
                    self.determined.push(task);
                }
            }
            if missing > 0 {
                c.outstanding = missing;
                return;
            }
            // Every call answered: one observation per call, in (index, order) order.
            for (k, pair) in c.pairs.iter().enumerate() {
                for &order in &self.orders {
                    let key = SampleKey {
                        kind: KindKey::Choice,
                        context: c.ctx.id.clone(),
                        index: c.start + k,
                        order,
                    };
                    c.observed.push(Observation {
                        pair: order.apply(pair),
                        p_a: self.known[&key],
                    });
                }
            }
            c.start += n;
        }
    }

    /// The next request to send, if any is ready.
    pub fn next_task(&mut self) -> Option<Task> {
        self.ready.pop_front()
    }

    /// Records an answer; the last one of a round opens the next round.
    pub fn answered(&mut self, s: &Sample) {
        if s.kind != KindKey::Choice {
            return;
        }
        self.known.entry(s.key()).or_insert_with(|| label(s));
        self.settle(&s.context);
    }

    /// Records a request that failed for good: its context stops at this round.
    pub fn failed(&mut self, key: &SampleKey) {
        if key.kind != KindKey::Choice {
            return;
        }
        if let Some(&i) = self.by_id.get(&key.context) {
            self.contexts[i].stalled = true;
        }
        self.settle(&key.context);
    }

    fn settle(&mut self, id: &ContextId) {
        let Some(&i) = self.by_id.get(id) else { return };
        let c: &mut CtxRounds = &mut self.contexts[i];
        c.outstanding = c.outstanding.saturating_sub(1);
        if c.outstanding == 0 && !c.stalled {
            self.open(i);
        }
    }
}

/// The requests of a run with an adaptive design, as far as its samples determine them: the
/// choices of every round up to each context's first incomplete one (with their pairs), then
/// the reports. Without a design, `super::plan::plan`. What a validator compares a
/// bundle's samples against.
pub fn replay(contexts: &[Arc<FrozenContext>], p: &Parameters, samples: &[Sample]) -> Vec<Task> {
    let all: Vec<Task> = super::plan::plan(contexts, p);
    let Some(d) = &p.design else { return all };
    let mut rounds: Rounds = Rounds::new(contexts, p, d, samples);
    let mut tasks: Vec<Task> = std::mem::take(&mut rounds.determined);
    tasks.extend(all.into_iter().filter(|t| t.key.kind == KindKey::Report));
    tasks
}
