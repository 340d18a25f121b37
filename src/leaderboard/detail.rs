//! One page per entry with every figure the main table leaves out, as Markdown
//! (`results/details/<entry>.md`, linked from `LEADERBOARD.md`) and HTML
//! (`results/details/<entry>.html`, linked from `leaderboard.html`); both link the entry's
//! full HTML report (`results/details/<entry>.report.html`, [`super::full_report`]).

use super::board::Row;
use super::cells::{counts_cell, provenance_cell, rank_cell, reliability_mark};
use super::entry::{HTML_FILE, MD_FILE};
use super::full_report;
use super::ties::{Tie, TieMethod};
use crate::reports::html::CSP;
use crate::reports::nobreak::html_nobreak;
use crate::reports::quality::{CORRECTED_LABEL, corrected_r_with_ci};
use crate::reports::text::{MISSING, count, html, interval, md_cell, num, pct};
use std::fmt::Write;

fn with_ci(v: Option<f64>, ci: Option<[f64; 2]>) -> String {
    match ci {
        Some(_) => format!("{} {}", num(v, 3), interval(ci)),
        None => num(v, 3),
    }
}

/// How this row compares with the next ranked row of its table, in words.
/// `name` escapes the next row's name for the output format.
pub fn tie_sentence(r: &Row, next: Option<&Row>, name: fn(&str) -> String) -> String {
    let tie: Option<&Tie> = r.tie.as_ref();
    let (Some(t), Some(n)) = (tie, next) else {
        return "no next ranked row to compare with".into();
    };
    let verdict: &str = if t.tied {
        "tied: the order is not established"
    } else {
        "the order is established"
    };
    match t.method {
        TieMethod::Paired => format!(
            "{verdict} against {}: on {} shared contexts the difference in r (next row minus this \
one) is {} (95% CI {}), paired permutation p {}, Holm-adjusted p {}",
            name(&n.display_name),
            count(t.shared_contexts),
            num(t.difference, 3),
            interval(t.difference_ci),
            p_phrase(t.p),
            p_phrase(t.p_holm)
        ),
        TieMethod::IntervalOverlap => format!(
            "{verdict} against {}: fewer shared contexts than a paired comparison needs ({}), \
so the 95% bootstrap intervals were compared ({} here, {} there)",
            name(&n.display_name),
            count(t.shared_contexts),
            interval(r.ci_bootstrap),
            interval(n.ci_bootstrap)
        ),
    }
}

/// "= 0.034" or "< 0.001": a p as the reports and `compare` print it (this page printed
/// "p = 0.0005" where they print "p < 0.001").
fn p_phrase(p: Option<f64>) -> String {
    let v: String = crate::reports::text::p_value(p);
    if v.starts_with('<') {
        v
    } else {
        format!("= {v}")
    }
}

/// The provider, and the server it reached when the manifest names one: a local model's
/// provider is "openai" (the protocol), which alone does not say where it ran.
fn provider(r: &Row) -> String {
    if r.server == format!("provider {}", r.provider) {
        r.provider.clone()
    } else {
        format!("{} ({})", r.provider, r.server)
    }
}

/// A figure, or why it is undefined: a dash alone reads as a figure someone forgot.
fn or_why(v: Option<f64>, decimals: usize, why: Option<String>) -> String {
    match (v, why) {
        (None, Some(why)) => format!("{MISSING} ({why})"),
        _ => num(v, decimals),
    }
}

/// Why the score and the behavioural figures of `r` are undefined, when they are.
fn why_no_score(r: &Row) -> Option<String> {
    r.no_preference
        .then(|| "undefined: every learned weight is 0, no measurable preference".to_string())
}

/// Why the noise ceiling (and so the corrected r) of `r` is undefined, when it is.
fn why_no_ceiling(r: &Row) -> Option<String> {
    let not_positive =
        |name: &str, v: f64| format!("undefined: {name} {} is not positive", num(Some(v), 3));
    match (r.behavioural_reliability, r.report_reliability) {
        (Some(b), _) if b <= 0.0 => Some(not_positive("behavioural reliability", b)),
        (_, Some(q)) if q <= 0.0 => Some(not_positive("report reliability", q)),
        (None, _) => Some("undefined: no behavioural reliability".into()),
        (_, None) => Some("undefined: no report reliability".into()),
        _ => None,
    }
}

/// The page's (label, value) lines, shared by both formats.
pub fn lines(r: &Row, next: Option<&Row>, name: fn(&str) -> String) -> Vec<(&'static str, String)> {
    vec![
        ("entry directory", r.entry.clone()),
        ("model id", r.model_id.clone()),
        ("provider", provider(r)),
        (
            "simulated reference agent",
            if r.simulated { "yes" } else { "no" }.into(),
        ),
        ("experiment", r.experiment.clone()),
        ("comparability class (ranked within it)", r.class.clone()),
        (
            "benchmark",
            r.benchmark.clone().unwrap_or_else(|| MISSING.into()),
        ),
        ("date", r.date.clone()),
        ("harness commit", provenance_cell(r)),
        ("submitted by", r.submitted_by.clone()),
        (
            "notes",
            if r.notes.is_empty() {
                MISSING.into()
            } else {
                r.notes.clone()
            },
        ),
        ("rank in its table", rank_cell(r)),
        ("reliability", reliability_mark(r)),
        ("r, reports vs learned", or_why(r.r, 3, why_no_score(r))),
        ("95% CI, context bootstrap", interval(r.ci_bootstrap)),
        (
            "95% CI, study's formula (clamped to [-1, 1])",
            interval(r.ci_study),
        ),
        (
            "chance r (95% range)",
            with_ci(r.chance_mean, r.chance_range),
        ),
        (
            "calibration slope (reported on learned; 1 = same scale)",
            num(r.calibration_slope, 2),
        ),
        (
            "behavioural reliability",
            or_why(r.behavioural_reliability, 3, why_no_score(r)),
        ),
        ("report reliability", num(r.report_reliability, 3)),
        (
            "noise ceiling",
            or_why(r.noise_ceiling, 3, why_no_ceiling(r)),
        ),
        (
            CORRECTED_LABEL,
            match r.noise_ceiling {
                None if r.corrected_r.is_none() => format!("{MISSING} (no noise ceiling)"),
                _ => corrected_r_with_ci(r.corrected_r, r.corrected_r_ci),
            },
        ),
        ("invalid reports", pct(r.invalid_report_rate)),
        (
            "valid reports out of range (counted as given)",
            format!(
                "{} of {}",
                count(r.n_reports_out_of_range),
                count(r.n_reports_valid)
            ),
        ),
        ("invalid choices", pct(r.invalid_choice_rate)),
        (
            "P(answer A) over all parsed choices (0.5 = no preference for a position)",
            num(r.p_answer_a, 4),
        ),
        ("contexts × choices × reports", counts_cell(r)),
        ("against the next row", tie_sentence(r, next, name)),
    ]
}

/// Lines whose value is text from `entry.toml` or the manifest.
const FROM_FILE: [&str; 9] = [
    "comparability class (ranked within it)",
    "entry directory",
    "harness commit",
    "model id",
    "provider",
    "benchmark",
    "date",
    "submitted by",
    "notes",
];

/// `results/details/<entry>.md`.
pub fn markdown(r: &Row, next: Option<&Row>) -> String {
    let mut out: String = format!("# {}\n\n", md_cell(&r.display_name));
    let _ = write!(
        out,
        "Back to the [leaderboard](../{MD_FILE}). The run bundle: [{}/](../{}/).\nThe full \
report, with its plots and every context: [{}]({})\n(HTML, to open in a browser; \
`selfinterp report results/{}` prints it as Markdown).\n\n",
        md_cell(&r.entry),
        r.entry,
        md_cell(&full_report::link(&r.entry)),
        full_report::link(&r.entry),
        r.entry
    );
    for (k, v) in lines(r, next, md_cell) {
        // Figures are printed as they are; text that came from a file (or names one) is
        // escaped so it cannot become a link or markup.
        let computed: bool = !FROM_FILE.contains(&k);
        let v: String = if computed { v } else { md_cell(&v) };
        let _ = writeln!(out, "- {k}: {v}");
    }
    out
}

/// `results/details/<entry>.html`.
pub fn html_page(r: &Row, next: Option<&Row>) -> String {
    let mut out: String = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}: selfinterp leaderboard</title>\n<style>\
body{{font:15px/1.45 system-ui,sans-serif;color:#1b1b1b;background:#fafafa;margin:0;padding:24px 20px 48px;max-width:900px;overflow-wrap:break-word}}\
code span{{white-space:nowrap}}\
dl{{display:grid;grid-template-columns:fit-content(22em) minmax(0,1fr);gap:4px 16px;background:#fff;border:1px solid #ddd;border-radius:6px;padding:10px 14px}}\
dt{{color:#5f6368}}dd{{margin:0;font-variant-numeric:tabular-nums}}\
@media (max-width:600px){{dl{{grid-template-columns:minmax(0,1fr)}}dd{{margin-bottom:6px}}}}\
</style>\n</head>\n<body>\n<p><a href=\"../{HTML_FILE}\">← leaderboard</a> · <a href=\"{}\">full report →</a></p>\n<h1>{}</h1>\n<dl>\n",
        html(&r.display_name),
        html(&full_report::link(&r.entry)),
        html(&r.display_name)
    );
    for (k, v) in lines(r, next, str::to_string) {
        let _ = writeln!(
            out,
            "<dt>{}</dt><dd>{}</dd>",
            html_nobreak(k),
            html_nobreak(&v)
        );
    }
    let command: [String; 5] = [
        "selfinterp".into(),
        "report".into(),
        format!("results/{}", r.entry),
        "--format html".into(),
        "--out report.html".into(),
    ];
    let _ = write!(
        out,
        "</dl>\n<p><a href=\"{}\">The full report</a>: every plot and context of this run, as \
<code>{}</code> writes it from the raw samples.</p>\n</body>\n</html>\n",
        html(&full_report::link(&r.entry)),
        command_spans(&command)
    );
    out
}

/// A command as code that a narrow screen breaks only between its words or after a path's
/// "/" (a long entry's path is wider than a phone), never at a hyphen inside a word ("--"
/// over "format") nor between an option and its value.
fn command_spans(words: &[String]) -> String {
    words
        .iter()
        .map(|w| format!("<span>{}</span>", html(w).replace('/', "/<wbr>")))
        .collect::<Vec<_>>()
        .join(" ")
}
