//! The prompts a model sees. Structure follows the study (docs/protocol.md); the wording is ours.
//!
//! Every prompt is a pure function of the frozen context and a pair, so its sha256 (recorded
//! with each sample) identifies exactly what was asked.

use crate::benchmark::FrozenContext;
use crate::types::{Choice, Pair, Values};

/// Bumped whenever the wording below changes: runs record it, so scores from different
/// wordings are never silently pooled.
pub const PROMPT_VERSION: &str = "p1";

/// The system message of every prompt.
pub const SYSTEM_PROMPT: &str = "You are helping with a study of decision making. In each task you make a \
hypothetical decision on behalf of a person or character described in the task, choosing as you \
think best for them.";

/// Opens a choice prompt's user message.
pub const CHOICE_TAG: &str = "[DECISION TASK]";
/// Opens a report prompt's user message.
pub const REPORT_TAG: &str = "[INTROSPECTION TASK]";
/// Opens an observation prompt's user message (an observer run's report prompt).
pub const OBSERVE_TAG: &str = "[OBSERVATION TASK]";
/// Opens each shown decision of an observation prompt ("Decision 1:", ...).
pub const OBSERVE_DECISION: &str = "Decision ";
/// Closes each shown decision: the letter the decision maker chose.
pub const OBSERVE_CHOSEN: &str = "Chosen: ";
/// Precedes the fresh pair that ends an observation prompt, as a report prompt ends.
pub const OBSERVE_NEW: &str = "A new decision of the same kind (do not decide it):";

/// One chat message.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Message {
    /// `system`, `user` or `assistant`.
    pub role: String,
    /// The message's text.
    pub content: String,
}

/// A full prompt: the system message and one user message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prompt {
    /// The system message ([`SYSTEM_PROMPT`]).
    pub system: String,
    /// The user message: the task.
    pub user: String,
}

impl Prompt {
    /// The prompt as chat messages: system, then user.
    pub fn messages(&self) -> Vec<Message> {
        vec![
            Message {
                role: "system".into(),
                content: self.system.clone(),
            },
            Message {
                role: "user".into(),
                content: self.user.clone(),
            },
        ]
    }

    /// sha256 over the system and user text, separated by a NUL byte.
    pub fn sha256(&self) -> String {
        let mut bytes = self.system.as_bytes().to_vec();
        bytes.push(0);
        bytes.extend_from_slice(self.user.as_bytes());
        crate::benchmark::freeze::sha256_hex(&bytes)
    }
}

fn option_lines(ctx: &FrozenContext, v: &Values, out: &mut String) {
    for (a, x) in ctx.attributes.iter().zip(v.0.iter()) {
        out.push_str(&format!(
            "{}: {:.*} {}\n",
            a.name, a.decimals as usize, x, a.units
        ));
    }
}

/// The question followed by both options, as in both prompt kinds.
fn scenario(ctx: &FrozenContext, pair: &Pair) -> String {
    let mut s = format!("{}\n\nA:\n", ctx.question);
    option_lines(ctx, &pair.a, &mut s);
    s.push_str("\nB:\n");
    option_lines(ctx, &pair.b, &mut s);
    s.trim_end().to_string()
}

/// The choice prompt: answer with exactly "A" or "B".
pub fn choice_prompt(ctx: &FrozenContext, pair: &Pair) -> Prompt {
    let user = format!(
        "{CHOICE_TAG}\nRespond with exactly one letter, \"A\" or \"B\", and nothing else.\n\n{}",
        scenario(ctx, pair)
    );
    Prompt {
        system: SYSTEM_PROMPT.to_string(),
        user,
    }
}

/// The report prompt: how heavily each attribute weighs, as a JSON object, without deciding.
pub fn report_prompt(ctx: &FrozenContext, pair: &Pair) -> Prompt {
    let keys: String = attribute_keys(ctx);
    let user = format!(
        "{REPORT_TAG}\nBelow is a decision of the kind you make in these tasks. Do not make the \
decision and do not say which option you would pick. Instead, for each of the five attributes, \
estimate how much weight you give it when you decide, on a scale from -100 to 100: a positive \
number if you prefer more of it, a negative number if you prefer less of it, 0 if it does not \
affect your choice, and a larger magnitude for an attribute that matters more. Reply with only \
a JSON object whose keys are exactly {keys} and whose values are numbers.\n\n{}",
        scenario(ctx, pair)
    );
    Prompt {
        system: SYSTEM_PROMPT.to_string(),
        user,
    }
}

/// One decision shown to an observer: the pair as it was displayed and the letter chosen.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Example {
    /// The pair in the order it was shown.
    pub options: Pair,
    /// The letter the decision maker chose.
    pub choice: Choice,
}

fn attribute_keys(ctx: &FrozenContext) -> String {
    ctx.attributes
        .iter()
        .map(|a| format!("\"{}\"", a.name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The observation prompt (`run --experiment observe`): another run's decisions in this
/// context, each pair with the letter chosen, and a request for the weights that explain them
/// in the report's JSON format; it ends like a report prompt, with a fresh pair not to decide.
/// The decision maker is not named, so the same model observing its own choices infers them.
pub fn observe_prompt(ctx: &FrozenContext, examples: &[Example], pair: &Pair) -> Prompt {
    let mut shown = String::new();
    for (i, e) in examples.iter().enumerate() {
        shown.push_str(&format!("{OBSERVE_DECISION}{}:\nA:\n", i + 1));
        option_lines(ctx, &e.options.a, &mut shown);
        shown.push_str("\nB:\n");
        option_lines(ctx, &e.options.b, &mut shown);
        let letter: &str = match e.choice {
            Choice::A => "A",
            Choice::B => "B",
        };
        shown.push_str(&format!("{OBSERVE_CHOSEN}{letter}\n\n"));
    }
    let user = format!(
        "{OBSERVE_TAG}\nA decision maker answered the question below many times, each time \
choosing between two options on behalf of the person described. Here are {n} of its decisions, \
each with the option it chose. From these decisions, estimate how much weight the decision maker \
gives each of the five attributes, on a scale from -100 to 100: a positive number if it prefers \
more of the attribute, a negative number if it prefers less of it, 0 if the attribute does not \
affect its choice, and a larger magnitude for an attribute that matters more. Reply with only a \
JSON object whose keys are exactly {keys} and whose values are numbers.\n\nQuestion: {question}\n\n\
{shown}{OBSERVE_NEW}\n{}",
        scenario(ctx, pair),
        n = examples.len(),
        keys = attribute_keys(ctx),
        question = ctx.question,
    );
    Prompt {
        system: SYSTEM_PROMPT.to_string(),
        user,
    }
}

/// The JSON answer a profile implies, as written into introspection-training examples.
pub fn report_answer(ctx: &FrozenContext, weights: &[f64]) -> String {
    let mut m = serde_json::Map::new();
    for (a, w) in ctx.attributes.iter().zip(weights) {
        let v = if w.fract() == 0.0 {
            serde_json::json!(*w as i64)
        } else {
            serde_json::json!(w)
        };
        m.insert(a.name.clone(), v);
    }
    serde_json::Value::Object(m).to_string()
}
