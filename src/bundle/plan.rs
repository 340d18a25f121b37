//! The requests a run makes, in the order it makes them: every choice, then every report.

use super::parameters::Parameters;
use super::sample::{KindKey, Parsed, Sample, SampleKey};
use crate::benchmark::FrozenContext;
use crate::parsing::{parse_choice, parse_report};
use crate::prompts::{Example, Prompt, choice_prompt, observe_prompt, report_prompt};
use crate::providers::{ChatRequest, ChatResponse, RequestKind};
use crate::types::Pair;
use std::sync::Arc;

/// One planned request.
#[derive(Clone, Debug)]
pub struct Task {
    pub key: SampleKey,
    pub ctx: Arc<FrozenContext>,
    /// The pair to ask, in frozen order, when it is not the context's frozen pair at
    /// `key.index` (an adaptive design's pick, see [`super::rounds`]).
    pub pair: Option<Pair>,
    /// An observer run's report: the observed choices its prompt shows.
    pub examples: Option<Arc<[Example]>>,
}

impl Task {
    /// The pair as shown (frozen order or swapped).
    pub fn shown(&self) -> Pair {
        let frozen: &Pair = match (&self.pair, self.key.kind) {
            (Some(p), _) => p,
            (None, KindKey::Choice) => &self.ctx.pairs[self.key.index],
            (None, KindKey::Report) => &self.ctx.report_pairs[self.key.index],
        };
        self.key.order.apply(frozen)
    }

    pub fn prompt(&self) -> Prompt {
        let shown: Pair = self.shown();
        match self.key.kind {
            KindKey::Choice => choice_prompt(&self.ctx, &shown),
            KindKey::Report => match &self.examples {
                Some(e) => observe_prompt(&self.ctx, e, &shown),
                None => report_prompt(&self.ctx, &shown),
            },
        }
    }

    /// The request exactly as the parameters say to ask it.
    pub fn request(&self, prompt: &Prompt, p: &Parameters) -> ChatRequest {
        let (kind, max_tokens, top_logprobs, constraint) = match self.key.kind {
            KindKey::Choice => (
                RequestKind::Choice,
                p.choice_max_tokens,
                p.top_logprobs,
                p.constrain.choice(),
            ),
            KindKey::Report => (
                RequestKind::Report,
                p.report_max_tokens,
                None,
                p.constrain.report(&self.ctx),
            ),
        };
        ChatRequest {
            kind,
            messages: prompt.messages(),
            max_tokens,
            temperature: p.temperature,
            top_logprobs,
            constraint,
        }
    }
}

/// Every request of a run, choices then reports, each in context then index order. With an
/// adaptive design (`p.design`) the choices' pairs depend on the answers, so they are left
/// unset here: [`super::rounds::replay`] fills them from a bundle's samples.
pub fn plan(contexts: &[Arc<FrozenContext>], p: &Parameters) -> Vec<Task> {
    let mut tasks: Vec<Task> = Vec::new();
    for (kind, n) in [(KindKey::Choice, p.trials), (KindKey::Report, p.reports)] {
        for ctx in contexts {
            let examples: Option<Arc<[Example]>> = match (&p.observe, kind) {
                (Some(o), KindKey::Report) => o.examples_of(&ctx.id).map(Arc::from),
                _ => None,
            };
            for index in 0..n {
                for &order in &p.orders {
                    let key = SampleKey {
                        kind,
                        context: ctx.id.clone(),
                        index,
                        order,
                    };
                    tasks.push(Task {
                        key,
                        ctx: Arc::clone(ctx),
                        pair: None,
                        examples: examples.clone(),
                    });
                }
            }
        }
    }
    tasks
}

/// Parses a response into a sample (also used by batch imports, so both agree).
pub fn to_sample(task: &Task, prompt: &Prompt, r: ChatResponse) -> Sample {
    let mut p_a_status: Option<String> = None;
    let (parsed, status, out_of_range, p_a): (Option<Parsed>, String, Option<bool>, Option<f64>) =
        match task.key.kind {
            KindKey::Choice => {
                let c = parse_choice(&r.text);
                let (p_a, why) = super::softlabel::label(&r, c.choice);
                p_a_status = why.map(str::to_string);
                (
                    c.choice.map(Parsed::Choice),
                    c.status.as_str().to_string(),
                    None,
                    p_a,
                )
            }
            KindKey::Report => {
                let names: Vec<&str> = task.ctx.attribute_names();
                let rep = parse_report(&r.text, &names);
                let oor: Option<bool> = rep.weights.map(|_| rep.out_of_range);
                (
                    rep.weights.map(Parsed::Weights),
                    rep.status.as_str().to_string(),
                    oor,
                    None,
                )
            }
        };
    Sample {
        kind: task.key.kind,
        context: task.key.context.clone(),
        index: task.key.index,
        order: task.key.order,
        prompt_sha256: Some(prompt.sha256()),
        options: task.shown(),
        response: r.text,
        parsed,
        status,
        out_of_range,
        logprobs: r.top_logprobs,
        p_a,
        p_a_status,
        tokens_in: r.tokens_in,
        tokens_out: r.tokens_out,
    }
}
