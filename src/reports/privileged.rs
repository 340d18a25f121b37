//! The privileged-access section of an observer run's report (Markdown and HTML): the
//! observed model's own reports, the observer model's and an ideal observer's, each against
//! the observed run's held-out choices, and their paired differences. Absent for other runs.

use super::data::ReportData;
use super::markdown::table;
use super::text::{html, html_prose, interval, num, p_value};
use crate::scoring::privileged::{AccessDifference, AccessRow, PrivilegedAccess};
use std::fmt::Write;

/// A partial correlation's controls in words ("observer_model" is a field name, not a word).
fn controls(names: &[String]) -> String {
    names
        .iter()
        .map(|n| match n.as_str() {
            "self_report" => "own reports".to_string(),
            other => other.replace('_', " "),
        })
        .collect::<Vec<String>>()
        .join(" and ")
}

fn rows(p: &PrivilegedAccess) -> Vec<Vec<String>> {
    let k: usize = p.examples;
    let row = |name: String, x: &AccessRow| vec![name, num(x.r, 3), interval(x.ci_bootstrap)];
    let diff = |name: &str, d: &AccessDifference| {
        vec![
            name.to_string(),
            num(d.difference, 3),
            format!(
                "{} (p {})",
                interval(d.ci_bootstrap),
                p_value(d.p_permutation)
            ),
        ]
    };
    vec![
        row("own reports".to_string(), &p.self_report),
        row(
            format!("observer model shown {k} choices"),
            &p.observer_model,
        ),
        row(
            format!("ideal observer fitting the same {k} choices"),
            &p.ideal_observer,
        ),
        diff("own - observer model", &p.self_minus_observer),
        diff("own - ideal observer", &p.self_minus_ideal),
        diff("observer model - ideal observer", &p.observer_minus_ideal),
        vec![
            format!(
                "partial r, own given {}",
                controls(&p.partial_self.controls)
            ),
            num(p.partial_self.r, 3),
            interval(p.partial_self.ci_bootstrap),
        ],
        vec![
            format!(
                "partial r, observer given {}",
                controls(&p.partial_observer.controls)
            ),
            num(p.partial_observer.r, 3),
            interval(p.partial_observer.ci_bootstrap),
        ],
    ]
}

const INTRO: &str = "Each estimate is scored against the weights learned from the observed run's choices that the observer was not shown; differences are paired over the same contexts.";

/// The Markdown section.
pub fn markdown(r: &ReportData, out: &mut String) {
    let Some(p) = &r.privileged_access else {
        return;
    };
    out.push_str("## Privileged access\n\n");
    out.push_str(INTRO);
    out.push_str("\n\n");
    out.push_str(&table(
        &["estimate", "r", "95% CI (contexts resampled)"],
        rows(p),
    ));
    let _ = write!(out, "\n\n{}\n\n", p.reading);
}

/// The HTML section.
pub fn html_section(r: &ReportData, out: &mut String) {
    let Some(p) = &r.privileged_access else {
        return;
    };
    out.push_str("<section id=\"privileged\">\n<h2>Privileged access</h2>\n<p>");
    out.push_str(&html_prose(INTRO));
    out.push_str("</p>\n<div class=\"scroll\"><table>\n<thead><tr><th>estimate</th><th>r</th><th>95% CI (contexts resampled)</th></tr></thead>\n<tbody>\n");
    for row in rows(p) {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            html(&row[0]),
            html(&row[1]),
            html_prose(&row[2])
        );
    }
    let _ = write!(
        out,
        "</tbody>\n</table></div>\n<p>{}</p>\n</section>\n",
        html_prose(&p.reading)
    );
}
