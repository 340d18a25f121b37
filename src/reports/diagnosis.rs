//! What most limits the reading of a run, said first: one plain sentence per finding, in
//! order of severity, shown above every table.
//!
//! Order (the first makes the later ones hard to interpret):
//! 1. one letter dominates the choices (P(answer A) outside [`LETTER_BOUNDS`]): the choices
//!    follow the position, not the options, so the learned weights carry little signal;
//! 2. behaviour is unreliable (the measurement-quality flag says so, or there is too little
//!    data to tell);
//! 3. most valid reports are out of range (a weight outside -100..100, e.g. an option's
//!    value copied): they count in the score as given;
//! 4. the score is at chance (the context-bootstrap interval contains the chance level).

use super::text::{NO_PREFERENCE_SENTENCE, count, no_measurable_preference, num, pct};
use crate::scoring::Summary;
use crate::scoring::quality::{BEHAVIOUR_THRESHOLD, QualityFlag};
use serde::Serialize;

/// Where the score stands against chance: whether the context-bootstrap interval excludes
/// the chance level (the mean r of the mismatched-context null).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    AboveChance,
    AtChance,
    BelowChance,
    NoScore,
}

pub use crate::scoring::quality::LETTER_BOUNDS;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    LetterDominates,
    UnreliableBehaviour,
    ReportsOutOfRange,
    AtChance,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    pub kind: FindingKind,
    pub sentence: String,
}

/// Whose choices the findings speak of: the model's own, or (an observer run) the observed
/// model's, which this run's reports are about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Whose {
    Own,
    Observed,
}

impl Whose {
    fn model(self) -> &'static str {
        match self {
            Whose::Own => "The model",
            Whose::Observed => "The observed model",
        }
    }
}

fn letter(s: &Summary, who: Whose) -> Option<Finding> {
    let p: f64 = s.p_answer_a?;
    if (LETTER_BOUNDS.0..=LETTER_BOUNDS.1).contains(&p) {
        return None;
    }
    let (letter, share) = if p > 0.5 { ("A", p) } else { ("B", 1.0 - p) };
    // Two decimals of a percentage so 99.96% does not read as 100%.
    let share: String = format!("{:.2}%", 100.0 * share);
    Some(Finding {
        kind: FindingKind::LetterDominates,
        sentence: format!(
            "{} answered \"{letter}\" to {share} of its {} parsed choices, so its choices \
follow the letter's position rather than the options and the weights learned from them carry \
little signal.",
            who.model(),
            count(s.n_choices_valid)
        ),
    })
}

fn unreliable(s: &Summary, who: Whose) -> Option<Finding> {
    let q = s.quality.as_ref()?;
    let sentence: String = match q.flag {
        QualityFlag::UnreliableBehaviour => format!(
            "{} is too unreliable to score: weights learned from two halves of the same \
choices agree at only {} (below {}), so the run is not ranked.",
            match who {
                Whose::Own => "Behaviour",
                Whose::Observed => "The observed model's behaviour",
            },
            num(q.behavioural_reliability.value, 3),
            num(Some(BEHAVIOUR_THRESHOLD), 1)
        ),
        QualityFlag::InsufficientData if no_measurable_preference(s) => {
            NO_PREFERENCE_SENTENCE.to_string()
        }
        QualityFlag::InsufficientData => "There is too little usable choice data to tell how \
reliable the learned weights are, so the score cannot be interpreted and the run is not ranked."
            .to_string(),
        QualityFlag::Ok | QualityFlag::UnreliableReports => return None,
    };
    Some(Finding {
        kind: FindingKind::UnreliableBehaviour,
        sentence,
    })
}

fn out_of_range(s: &Summary) -> Option<Finding> {
    let valid: usize = s.n_reports_valid;
    let oor: usize = s.n_reports_out_of_range;
    if valid == 0 || 2 * oor <= valid {
        return None;
    }
    Some(Finding {
        kind: FindingKind::ReportsOutOfRange,
        sentence: format!(
            "{} of the {} valid reports ({}) give a weight outside -100..100, as when an option's \
value is copied; they count in the score as given, and the plots draw them on the edge.",
            count(oor),
            count(valid),
            pct(Some(oor as f64 / valid as f64))
        ),
    })
}

fn at_chance(s: &Summary, v: Verdict, who: Whose) -> Option<Finding> {
    if v != Verdict::AtChance {
        return None;
    }
    let c = s.reports_vs_learned.as_ref()?;
    Some(Finding {
        kind: FindingKind::AtChance,
        sentence: format!(
            "The score, r = {}, is no better than chance (about {}): no evidence that {}.",
            num(c.r, 3),
            num(c.null.mean, 3),
            match who {
                Whose::Own => "the model can say what drives its choices",
                Whose::Observed => "this observer can say what drives the observed model's choices",
            }
        ),
    })
}

/// The findings that apply, most severe first (empty for a clean run).
pub fn diagnose(s: &Summary, v: Verdict, who: Whose) -> Vec<Finding> {
    [
        letter(s, who),
        unreliable(s, who),
        out_of_range(s),
        at_chance(s, v, who),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Whether the findings include `kind`.
pub fn has(findings: &[Finding], kind: FindingKind) -> bool {
    findings.iter().any(|f| f.kind == kind)
}

/// Whether a finding already says `sentence` word for word (the card then leaves it out).
pub fn says(findings: &[Finding], sentence: &str) -> bool {
    findings.iter().any(|f| f.sentence == sentence)
}
