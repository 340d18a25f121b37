//! The sentence under the headline, phrased by what was actually compared. Chance (the
//! reports against *other* contexts' learned weights) is always the comparison of the
//! verdict; beating it shows the reports carry context-specific information about the
//! model's choices, not where that information comes from. What else the run allows is
//! added in its own words: the target profile (instilled runs: partial r given the target
//! and the reports against the target), the ideal observer (how many of its own choices an
//! observer needs to do as well), and another model shown the same choices (observer runs).

use super::diagnosis::Verdict;
use super::text::{num, with_interval};
use crate::scoring::privileged::PrivilegedAccess;
use crate::scoring::{Comparison, ObserverScale, Summary};

/// The verdict against chance, then what the other comparisons of the run add.
pub fn sentence(v: Verdict, s: &Summary, access: Option<&PrivilegedAccess>) -> String {
    let c: Option<&Comparison> = s.reports_vs_learned.as_ref();
    // An observer run's reports are about another model's choices.
    let whose: &str = if access.is_some() {
        "the observed model's"
    } else {
        "its"
    };
    let mut out: String = against_chance(v, c, whose);
    if v == Verdict::NoScore {
        return out;
    }
    // An observer's reports are scored against all the observed run's choices, the shown ones
    // included, so its partial r given the target is not about the observed model: the
    // privileged-access section gives the partial r on the held-out choices instead.
    for more in [
        access.is_none().then(|| target(s)).flatten(),
        s.observer.as_ref().and_then(|o| observer(o, whose)),
        access.map(other_model),
    ]
    .into_iter()
    .flatten()
    {
        out.push(' ');
        out.push_str(&more);
    }
    out
}

fn against_chance(v: Verdict, c: Option<&Comparison>, whose: &str) -> String {
    // The headline's and the Scores table's precision: "r = 1.00" beside a table's 0.998
    // reads as another figure.
    let r: String = num(c.and_then(|c| c.r), 3);
    let chance: String = num(c.and_then(|c| c.null.mean), 3);
    match v {
        Verdict::AboveChance => format!(
            "The weights the model reports agree with the weights behind {whose} choices (r = {r}) \
clearly more than with other contexts' weights (chance, about {chance}): its reports carry \
information about what drives {whose} decisions in each context. Beating chance does not say where \
that information comes from (introspection, or inference from the persona and the options)."
        ),
        Verdict::AtChance => format!(
            "The weights the model reports agree with the weights behind {whose} choices (r = {r}) no \
better than with other contexts' weights (chance, about {chance}) at this sample size: no \
evidence that it can say what drives {whose} decisions."
        ),
        Verdict::BelowChance => format!(
            "The weights the model reports run against the weights behind {whose} choices (r = {r}, \
chance from other contexts' weights about {chance}): its account of {whose} decisions is \
systematically wrong."
        ),
        Verdict::NoScore => {
            "No score: too few contexts have both valid reports and usable choices to compare them."
                .to_string()
        }
    }
}

/// Instilled runs: what the reports add to the trained profile. The partial r can only show
/// agreement beyond the profile; near 0 it cannot tell a model that restates its training
/// from one that reads behaviour which itself follows the profile (a faithful reporter of
/// instilled weights gives about 0: docs/statistics.md), so the words say no more than that.
fn target(s: &Summary) -> Option<String> {
    let p = s.partial_reports_learned_given_target.as_ref()?;
    let rt: String = num(s.reports_vs_target.as_ref().and_then(|c| c.r), 3);
    let lt: String = num(s.learned_vs_target.as_ref().and_then(|c| c.r), 3);
    let partial: String = format!("partial r {}", with_interval(p.r, p.ci_bootstrap));
    let head: String = format!(
        "Against the target profile it was trained on: the reports match the target at r = {rt} \
and its choices follow it at r = {lt}."
    );
    let tail: String = match p.ci_bootstrap {
        Some([lo, _]) if lo > 0.0 => format!(
            "Given the target, the reports still agree with its choices ({partial}): they carry \
information about its behaviour beyond the profile."
        ),
        Some([_, hi]) if hi < 0.0 => format!(
            "Given the target, the reports' departures from the profile run against its \
choices' ({partial}): no sign that they track its behaviour beyond the profile."
        ),
        _ => format!(
            "Given the target, no agreement with its choices beyond the profile is shown \
({partial}). Restating the training and faithfully reading choices that follow the profile \
both give this, so it does not tell them apart."
        ),
    };
    Some(format!("{head} {tail}"))
}

/// The ideal observer: how many of its own choices match the reports.
fn observer(o: &ObserverScale, whose: &str) -> Option<String> {
    if !super::observer::defined(o) {
        return None;
    }
    Some(if super::observer::unplaced(o) {
        format!(
            "Against an ideal observer: the reports cannot be given a worth in {whose} choices \
(95% CI of K* from 0 to more than {}).",
            o.k_max
        )
    } else if o.k_star_beyond {
        format!(
            "Against an ideal observer: none the run can show (up to {} of {whose} choices per \
context) does as well as the reports.",
            o.k_max
        )
    } else if o.k_star == Some(0.0) {
        format!(
            "Against an ideal observer: one that has seen none of {whose} choices does as well \
as the reports."
        )
    } else {
        format!(
            "Against an ideal observer: one shown {} of {whose} choices per context does as \
well as the reports.",
            num(o.k_star, 1)
        )
    })
}

/// An observer run: this run's model was shown some of the observed model's choices; the
/// observed model's own reports against it on the held-out choices.
fn other_model(p: &PrivilegedAccess) -> String {
    let k: usize = p.examples;
    let words: &str = match p.self_minus_observer.ci_bootstrap {
        Some([lo, _]) if lo > 0.0 => "the observed model's own reports did better",
        Some([_, hi]) if hi < 0.0 => {
            "this observer did better than the observed model's own reports"
        }
        _ => "no difference from the observed model's own reports was shown",
    };
    format!(
        "Against the observed model itself (this observer was shown {k} of its choices per \
context): {words} on its held-out choices (own minus observer {}).",
        with_interval(
            p.self_minus_observer.difference,
            p.self_minus_observer.ci_bootstrap
        )
    )
}
