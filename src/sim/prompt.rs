//! Reading a prompt back: the task, the context's question and the option values, exactly
//! as a model would see them in the text.

use crate::benchmark::FrozenContext;
use crate::prompts::{
    CHOICE_TAG, Message, OBSERVE_CHOSEN, OBSERVE_DECISION, OBSERVE_NEW, OBSERVE_TAG, REPORT_TAG,
};
use crate::providers::RequestKind;
use crate::types::{Choice, ContextId, N_ATTR, Pair, Values};

/// Why a prompt could not be answered. A runner bug, not a model failure: fatal.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum SimError {
    /// The request has no user message.
    #[error("sim: the request has no user message")]
    NoUserMessage,
    /// The user message is neither a choice nor a report prompt.
    #[error("sim: the user message starts with neither {CHOICE_TAG} nor {REPORT_TAG}")]
    UnknownTask,
    /// The question matches no context the agent knows.
    #[error("sim: no context of the benchmark has the question {0:?}")]
    UnknownQuestion(String),
    /// The options could not be read back from the prompt.
    #[error("sim: cannot read the options: {0}")]
    BadOptions(String),
}

/// What a prompt asks, as the agent understood it.
#[derive(Clone, Debug, PartialEq)]
pub enum Prompted {
    /// A choice prompt.
    Choice {
        /// The context asked about.
        context: ContextId,
        /// The pair as shown.
        pair: Pair,
    },
    /// A report prompt.
    Report {
        /// The context asked about.
        context: ContextId,
        /// The report pair as shown.
        pair: Pair,
    },
}

/// A prompt's last user message, split up to its options.
pub(super) struct Read<'m> {
    pub kind: RequestKind,
    /// The context's question (the paragraph before the "A:" block).
    pub question: &'m str,
    /// The option blocks, after "A:".
    pub rest: &'m str,
    pub user: &'m str,
}

/// The task and the question of a prompt.
pub(super) fn read(messages: &[Message]) -> Result<Read<'_>, SimError> {
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
    Ok(Read {
        kind,
        question,
        rest: &user[a_at + "\n\nA:\n".len()..],
        user,
    })
}

/// The "A" and "B" option blocks.
pub(super) fn split_options(rest: &str) -> Result<(&str, &str), SimError> {
    rest.split_once("\n\nB:\n")
        .ok_or_else(|| SimError::BadOptions("no \"B:\" block".into()))
}

/// Reads five "name: value units" lines into attribute order.
pub(super) fn parse_values(ctx: &FrozenContext, block: &str) -> Result<Values, SimError> {
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

/// An observation prompt read back: the question, each shown decision's option blocks and
/// letter, and the fresh pair's option text at its end.
pub(super) struct Observed<'m> {
    pub question: &'m str,
    pub decisions: Vec<(&'m str, &'m str, Choice)>,
    pub user: &'m str,
}

/// Reads an observation prompt ([`crate::prompts::observe_prompt`]); `None` when the user
/// message is not one.
pub(super) fn read_observe(messages: &[Message]) -> Option<Result<Observed<'_>, SimError>> {
    let user: &str = messages
        .iter()
        .rev()
        .find(|m| m.role == "user")?
        .content
        .as_str();
    if !user.starts_with(OBSERVE_TAG) {
        return None;
    }
    Some(parse_observe(user))
}

fn parse_observe(user: &str) -> Result<Observed<'_>, SimError> {
    let bad = |m: &str| SimError::BadOptions(format!("observation prompt: {m}"));
    let q_at: usize = user
        .find("\n\nQuestion: ")
        .ok_or_else(|| bad("no question"))?;
    let rest: &str = &user[q_at + "\n\nQuestion: ".len()..];
    let q_end: usize = rest.find('\n').ok_or_else(|| bad("no decisions"))?;
    let question: &str = rest[..q_end].trim();
    let new_at: usize = rest.find(OBSERVE_NEW).ok_or_else(|| bad("no final pair"))?;
    let body: &str = &rest[q_end..new_at];
    let mut decisions = Vec::new();
    for chunk in body.split(&format!("\n{OBSERVE_DECISION}")).skip(1) {
        let a_at: usize = chunk.find("A:\n").ok_or_else(|| bad("no \"A:\" block"))?;
        let (a, rest) = split_options(&chunk[a_at + "A:\n".len()..])?;
        let (b, letter) = rest
            .split_once(&format!("\n{OBSERVE_CHOSEN}"))
            .ok_or_else(|| bad("a decision without its letter"))?;
        let choice: Choice = match letter.trim() {
            "A" => Choice::A,
            "B" => Choice::B,
            other => return Err(bad(&format!("chosen {other:?}"))),
        };
        decisions.push((a, b, choice));
    }
    Ok(Observed {
        question,
        decisions,
        user,
    })
}
