//! Validating a chat-format fine-tuning file before anyone pays to train on it.
//!
//! Checks every line against the format the exports write and OpenAI's fine-tuning accepts:
//! a JSON object with `messages`; roles only system/user/assistant, an optional system first,
//! exactly one assistant turn and it last; non-empty string contents; a task tag on the user
//! turn; a choice answer exactly "A" or "B"; a report answer a JSON object of exactly the
//! prompt's five attribute names with numeric values. Token counts are approximate (no
//! tokenizer is bundled): about four characters a token plus a few per message, close
//! enough to estimate a training bill.

use super::tokens::approx_message_tokens;
use crate::parsing::{ReportStatus, parse_report};
use crate::prompts::{CHOICE_TAG, Message, REPORT_TAG, SYSTEM_PROMPT};
use crate::types::N_ATTR;
use serde_json::Value;
use std::path::Path;

/// One problem, at a 1-based line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub message: String,
}

/// What a check found in one file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CheckReport {
    pub examples: usize,
    pub choice_examples: usize,
    pub report_examples: usize,
    pub answers_a: usize,
    pub answers_b: usize,
    pub approx_tokens: u64,
    pub max_tokens: u64,
    pub problems: Vec<Problem>,
    /// Not errors, but worth a look (e.g. a system prompt other than the runner's).
    pub warnings: Vec<Problem>,
}

impl CheckReport {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// The kind of task a user turn asks for, from its tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Task {
    Choice,
    Report,
}

/// The attribute names listed under "A:" in a prompt, when there are exactly five.
fn prompt_attribute_names(user: &str) -> Option<Vec<String>> {
    let start = user.find("\nA:\n")? + 4;
    let names: Vec<String> = user[start..]
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_once(": ").map(|(n, _)| n.to_string()))
        .collect();
    (names.len() == N_ATTR).then_some(names)
}

/// What is wrong with a training example's report answer, if anything.
fn report_answer_problem(answer: &str, user: &str) -> Option<String> {
    if let Some(names) = prompt_attribute_names(user) {
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let p = parse_report(answer, &refs);
        // A training answer must be the bare object: no code fence, nothing around it.
        return match p.status {
            ReportStatus::Valid if answer.trim_start().starts_with('{') => None,
            ReportStatus::Valid => {
                Some("report answer must be a bare JSON object (no code fence)".into())
            }
            s => Some(format!(
                "report answer is {} (keys must be exactly {})",
                s.as_str(),
                names.join(", ")
            )),
        };
    }
    match serde_json::from_str::<Value>(answer) {
        Ok(Value::Object(m))
            if m.len() == N_ATTR && m.values().all(|v| v.as_f64().is_some_and(f64::is_finite)) =>
        {
            None
        }
        Ok(Value::Object(m)) => Some(format!(
            "report answer must have {N_ATTR} numeric values, has {} keys",
            m.len()
        )),
        _ => Some("report answer is not a JSON object".into()),
    }
}

/// Checks one line; returns its messages when they are well-formed enough to count tokens.
fn check_line(line: &str, no: usize, r: &mut CheckReport) -> Option<Vec<Message>> {
    macro_rules! bad {
        ($m:expr) => {
            r.problems.push(Problem {
                line: no,
                message: $m,
            })
        };
    }
    if line.trim().is_empty() {
        bad!("empty line".into());
        return None;
    }
    let v: Value = match serde_json::from_str(line) {
        Ok(v) => v,
        Err(e) => {
            bad!(format!("not JSON: {e}"));
            return None;
        }
    };
    let Some(list) = v.get("messages").and_then(Value::as_array) else {
        bad!("expected an object with a \"messages\" array".into());
        return None;
    };
    let mut messages = Vec::new();
    for (i, m) in list.iter().enumerate() {
        let role = m.get("role").and_then(Value::as_str);
        let content = m.get("content").and_then(Value::as_str);
        match (role, content) {
            (Some(role), Some(content)) => messages.push(Message {
                role: role.into(),
                content: content.into(),
            }),
            _ => {
                bad!(format!(
                    "message {}: needs string \"role\" and \"content\"",
                    i + 1
                ));
                return None;
            }
        }
    }
    let mut ok = true;
    for (i, m) in messages.iter().enumerate() {
        if !matches!(m.role.as_str(), "system" | "user" | "assistant") {
            bad!(format!("message {}: unknown role {:?}", i + 1, m.role));
            ok = false;
        }
        if m.content.trim().is_empty() {
            bad!(format!("message {} ({}): empty content", i + 1, m.role));
            ok = false;
        }
        if m.role == "system" && i != 0 {
            bad!(format!(
                "message {}: a system message must come first",
                i + 1
            ));
            ok = false;
        }
    }
    let assistants = messages.iter().filter(|m| m.role == "assistant").count();
    if assistants != 1 {
        bad!(format!(
            "expected exactly one assistant turn, found {assistants}"
        ));
        ok = false;
    } else if messages.last().map(|m| m.role.as_str()) != Some("assistant") {
        bad!("the assistant turn must be the last message".into());
        ok = false;
    }
    let users: Vec<&Message> = messages.iter().filter(|m| m.role == "user").collect();
    if users.len() != 1 {
        bad!(format!(
            "expected exactly one user turn, found {}",
            users.len()
        ));
        ok = false;
    }
    if !ok {
        return Some(messages);
    }
    let user = users[0].content.as_str();
    let answer = messages.last().map(|m| m.content.as_str()).unwrap_or("");
    let task = if user.starts_with(CHOICE_TAG) {
        Some(Task::Choice)
    } else if user.starts_with(REPORT_TAG) {
        Some(Task::Report)
    } else {
        None
    };
    match task {
        None => bad!(format!(
            "user turn starts with neither {CHOICE_TAG} nor {REPORT_TAG}"
        )),
        Some(Task::Choice) => match answer {
            "A" => {
                r.choice_examples += 1;
                r.answers_a += 1;
            }
            "B" => {
                r.choice_examples += 1;
                r.answers_b += 1;
            }
            other => bad!(format!(
                "choice answer must be exactly \"A\" or \"B\", found {other:?}"
            )),
        },
        Some(Task::Report) => match report_answer_problem(answer, user) {
            None => r.report_examples += 1,
            Some(m) => bad!(m),
        },
    }
    if messages[0].role == "system" && messages[0].content != SYSTEM_PROMPT {
        r.warnings.push(Problem {
            line: no,
            message: "system prompt differs from the one runs send".into(),
        });
    }
    Some(messages)
}

/// Checks the text of a JSONL fine-tuning file.
pub fn check_text(text: &str) -> CheckReport {
    let mut r = CheckReport::default();
    for (i, line) in text.lines().enumerate() {
        if let Some(messages) = check_line(line, i + 1, &mut r) {
            let t = approx_message_tokens(&messages);
            r.approx_tokens += t;
            r.max_tokens = r.max_tokens.max(t);
        }
        r.examples += 1;
    }
    if r.examples == 0 {
        r.problems.push(Problem {
            line: 0,
            message: "the file has no examples".into(),
        });
    } else if r.examples < 10 {
        r.warnings.push(Problem {
            line: 0,
            message: format!(
                "only {} example{}; OpenAI requires at least 10",
                r.examples,
                if r.examples == 1 { "" } else { "s" }
            ),
        });
    }
    r
}

/// Checks a file; an unreadable file is an `Err` (a usage error, not a failed check).
pub fn check_file(path: &Path) -> std::io::Result<CheckReport> {
    Ok(check_text(&std::fs::read_to_string(path)?))
}
