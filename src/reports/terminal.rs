//! The answer a finished `run` ends with, in a few lines for the terminal: the score with its
//! interval, the chance level, whether the measurement can be trusted, and the command that
//! writes the full HTML report.

use super::text::{flag_words, interval, num};
use crate::scoring::Summary;
use std::path::Path;

/// Quotes a path for a shell command line when it needs it.
fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=+,@".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// The headline lines for the bundle in `dir`, scored as `summary`.
pub fn run_headline(summary: &Summary, dir: &Path) -> String {
    let mut out = String::new();
    match summary.reports_vs_learned.as_ref() {
        Some(c) if c.r.is_some() => out.push_str(&format!(
            "score     r = {} {} (95%, contexts resampled); chance {}; {} contexts\n",
            num(c.r, 3),
            interval(c.ci_bootstrap),
            num(c.null.mean, 3),
            c.n_contexts,
        )),
        _ => out.push_str(
            "score     none: too few contexts with both valid reports and usable choices\n",
        ),
    }
    let quality = summary.quality.as_ref();
    let flag = quality.map(|q| q.flag);
    let rel = quality.and_then(|q| q.behavioural_reliability.value);
    let ranked = match quality.map(|q| q.rankable) {
        Some(true) => "",
        Some(false) => ": NOT RANKED, the score says little",
        None => "",
    };
    out.push_str(&format!(
        "quality   {} (behavioural reliability {}){ranked}\n",
        flag_words(flag),
        num(rel, 3),
    ));
    let d = dir.display().to_string();
    out.push_str(&format!(
        "report    selfinterp report {} --format html --out {}\n",
        shell_word(&d),
        shell_word(&dir.join("report.html").display().to_string()),
    ));
    out
}

/// The same headline as one JSON object (`run --json`): the score with its interval and chance
/// level, the quality flag, and the command that writes the HTML report; `score` is null when
/// no score could be computed.
pub fn run_headline_json(summary: &Summary, dir: &Path) -> serde_json::Value {
    let score = summary
        .reports_vs_learned
        .as_ref()
        .filter(|c| c.r.is_some())
        .map(|c| {
            serde_json::json!({
                "r": c.r,
                "ci": c.ci_bootstrap,
                "chance": c.null.mean,
                "contexts": c.n_contexts,
            })
        });
    let quality = summary.quality.as_ref().map(|q| {
        serde_json::json!({
            "flag": q.flag,
            "behavioural_reliability": q.behavioural_reliability.value,
            "rankable": q.rankable,
        })
    });
    let d = dir.display().to_string();
    serde_json::json!({
        "score": score,
        "quality": quality,
        "report_command": format!(
            "selfinterp report {} --format html --out {}",
            shell_word(&d),
            shell_word(&dir.join("report.html").display().to_string()),
        ),
    })
}
