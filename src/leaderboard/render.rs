//! Rendering the leaderboard: one table per experiment, ranked by score, as Markdown
//! (`results/LEADERBOARD.md`) and a self-contained HTML page (`results/leaderboard.html`).
//!
//! Only runs whose measurement quality is `rankable` get a rank. The others (behaviour too
//! unreliable, or too little data to tell) are listed below the ranked table with the reason
//! and no rank: their score does not say how well the model introspects.
//!
//! Both are pure functions of the entries (no date, no timing), so `validate` can require the
//! committed files to equal a fresh render.

use super::entry::Entry;
use crate::reports::html::{CSP, SCRIPT};
use crate::reports::markdown::table;
use crate::reports::quality::CORRECTED_LABEL;
use crate::reports::text::{flag_words, html, interval, md_cell, num, pct};
use crate::scoring::Comparison;
use crate::scoring::quality::{BEHAVIOUR_THRESHOLD, Quality, QualityFlag};
use std::collections::BTreeMap;
use std::fmt::Write;

pub const MD_FILE: &str = "LEADERBOARD.md";
pub const HTML_FILE: &str = "leaderboard.html";
/// Marks a row whose bootstrap interval overlaps the next row's: the order of the two is not
/// established by the data.
pub const OVERLAP_MARK: &str = "≈";

/// One row of an experiment's table.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// 1 = best; `None` for a run that is not rankable.
    pub rank: Option<usize>,
    pub entry: String,
    pub display_name: String,
    pub model_id: String,
    pub provider: String,
    pub simulated: bool,
    pub date: String,
    pub submitted_by: String,
    pub r: Option<f64>,
    pub ci_bootstrap: Option<[f64; 2]>,
    pub ci_study: Option<[f64; 2]>,
    pub chance_mean: Option<f64>,
    pub chance_range: Option<[f64; 2]>,
    pub invalid_report_rate: Option<f64>,
    pub invalid_choice_rate: Option<f64>,
    pub n_contexts: usize,
    pub n_choices: usize,
    pub n_reports: usize,
    pub behavioural_reliability: Option<f64>,
    pub noise_ceiling: Option<f64>,
    pub corrected_r: Option<f64>,
    pub corrected_r_ci: Option<[f64; 2]>,
    /// `None` for a summary scored before measurement quality existed.
    pub flag: Option<QualityFlag>,
    /// Whether the score may be ranked (false when quality is missing).
    pub rankable: bool,
    pub overlaps_next: bool,
}

/// An experiment's rows: ranked by score, then the runs whose score cannot be ranked.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Board {
    pub ranked: Vec<Row>,
    pub unranked: Vec<Row>,
}

/// The experiment an entry belongs to ("native", "instilled", or an import's source).
pub fn experiment(e: &Entry) -> String {
    match &e.manifest.parameters {
        Some(p) => serde_json::to_value(p.experiment)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        None => e.manifest.source.clone(),
    }
}

fn row(e: &Entry) -> Row {
    let c: Option<&Comparison> = e.summary.reports_vs_learned.as_ref();
    let s = &e.summary;
    let q: Option<&Quality> = s.quality.as_ref();
    Row {
        rank: None,
        entry: e.name.clone(),
        display_name: e.meta.display_name.clone(),
        model_id: e.meta.model_id.clone(),
        provider: e.meta.provider.clone(),
        simulated: e.meta.simulated,
        date: e.meta.date.clone(),
        submitted_by: e.meta.submitted_by.clone(),
        r: c.and_then(|c| c.r),
        ci_bootstrap: c.and_then(|c| c.ci_bootstrap),
        ci_study: c.and_then(|c| c.ci_study),
        chance_mean: c.and_then(|c| c.null.mean),
        chance_range: c.and_then(|c| c.null.range),
        invalid_report_rate: s.invalid_report_rate,
        invalid_choice_rate: (s.n_choices > 0)
            .then(|| (s.n_choices - s.n_choices_valid) as f64 / s.n_choices as f64),
        n_contexts: s.n_contexts,
        n_choices: s.n_choices,
        n_reports: s.n_reports,
        behavioural_reliability: q.and_then(|q| q.behavioural_reliability.value),
        noise_ceiling: q.and_then(|q| q.ceiling.noise_ceiling),
        corrected_r: q.and_then(|q| q.ceiling.corrected_r),
        corrected_r_ci: q.and_then(|q| q.ceiling.corrected_r_ci),
        flag: q.map(|q| q.flag),
        rankable: q.is_some_and(|q| q.rankable),
        overlaps_next: false,
    }
}

fn overlap(a: Option<[f64; 2]>, b: Option<[f64; 2]>) -> bool {
    matches!((a, b), (Some([a0, a1]), Some([b0, b1])) if a0 <= b1 && b0 <= a1)
}

/// Rows grouped by experiment (sorted by name). Rankable rows are ranked by r (undefined
/// last, then by entry name so the order never depends on the file system); the others keep
/// the same order, unranked.
pub fn board(entries: &[Entry]) -> BTreeMap<String, Board> {
    let mut out: BTreeMap<String, Board> = BTreeMap::new();
    for e in entries {
        let r: Row = row(e);
        let b: &mut Board = out.entry(experiment(e)).or_default();
        if r.rankable {
            b.ranked.push(r);
        } else {
            b.unranked.push(r);
        }
    }
    for b in out.values_mut() {
        for rows in [&mut b.ranked, &mut b.unranked] {
            rows.sort_by(|a, b| match (a.r, b.r) {
                (Some(x), Some(y)) => y.total_cmp(&x).then_with(|| a.entry.cmp(&b.entry)),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => a.entry.cmp(&b.entry),
            });
        }
        let rows: &mut Vec<Row> = &mut b.ranked;
        for i in 0..rows.len() {
            rows[i].rank = Some(i + 1);
            rows[i].overlaps_next =
                i + 1 < rows.len() && overlap(rows[i].ci_bootstrap, rows[i + 1].ci_bootstrap);
        }
    }
    out
}

fn intro() -> String {
    format!(
        "{INTRO_START}{}{INTRO_END}",
        num(Some(BEHAVIOUR_THRESHOLD), 1)
    )
}

const INTRO_START: &str = "The score is Pearson's r between the attribute weights a model reports and the weights \
learned from its own A/B choices (logistic regression), pooled over (context, attribute) points. \
Intervals are 95%: the context bootstrap (contexts resampled, the honest one) and the study's \
normal formula. Chance is r with contexts mismatched at random. Rows marked ≈ have a bootstrap \
interval that overlaps the next row's: their order is not established. Beside the raw score: \
behavioural reliability (split-half agreement of the learned weights), the noise ceiling (the \
largest r both measurements' noise allows) and r corrected for attenuation (raw r / ceiling). \
Runs whose behaviour was measured too unreliably (behavioural reliability below ";

const INTRO_END: &str = ", or too little \
data to tell) are listed under their experiment's table without a rank: their score does not \
say how well the model can report what drives its choices.";

const FOOTER: &str = "Generated by `selfinterp leaderboard` from the entries in `results/`; do not edit by hand. \
`selfinterp validate` re-scores every entry from its raw samples. Simulated rows are reference \
agents with known behaviour (`selfinterp run --provider sim`), not models.";

fn chance(r: &Row) -> String {
    match r.chance_range {
        Some(_) => format!("{} {}", num(r.chance_mean, 3), interval(r.chance_range)),
        None => num(r.chance_mean, 3),
    }
}

fn counts(r: &Row) -> String {
    format!("{} / {} / {}", r.n_contexts, r.n_choices, r.n_reports)
}

fn corrected(r: &Row) -> String {
    match r.corrected_r_ci {
        Some(_) => format!("{} {}", num(r.corrected_r, 3), interval(r.corrected_r_ci)),
        None => num(r.corrected_r, 3),
    }
}

/// Why a row has no rank.
fn not_ranked_because(r: &Row) -> String {
    match r.flag {
        Some(QualityFlag::UnreliableBehaviour) => format!(
            "{} (reliability {}, below {})",
            flag_words(r.flag),
            num(r.behavioural_reliability, 2),
            num(Some(BEHAVIOUR_THRESHOLD), 1)
        ),
        Some(_) => flag_words(r.flag).to_string(),
        None => format!(
            "{}: re-score with `selfinterp score DIR --write`",
            flag_words(None)
        ),
    }
}

/// Columns after the first (the rank, or why there is none), in both formats.
const COLUMNS: [&str; 17] = [
    "entry",
    "model id",
    "provider",
    "r",
    "95% CI bootstrap",
    "95% CI study",
    "chance r",
    "behavioural reliability",
    "noise ceiling",
    CORRECTED_LABEL,
    "invalid reports",
    "invalid choices",
    "contexts / choices / reports",
    "≈ next",
    "simulated",
    "date",
    "by",
];

/// Index in [`COLUMNS`] of "≈ next", which only ranked tables have.
const OVERLAP_COLUMN: usize = 13;

/// The columns of a ranked or an unranked table.
fn columns(ranked: bool) -> impl Iterator<Item = &'static str> {
    COLUMNS
        .into_iter()
        .enumerate()
        .filter(move |(i, _)| ranked || *i != OVERLAP_COLUMN)
        .map(|(_, c)| c)
}

fn md_row(first: String, r: &Row) -> Vec<String> {
    let score: String = num(r.r, 3);
    let mut v: Vec<String> = vec![
        first,
        md_cell(&r.display_name),
        format!("`{}`", md_cell(&r.model_id)),
        md_cell(&r.provider),
        // Only a ranked score is shown as the row's result.
        if r.rank.is_some() {
            format!("**{score}**")
        } else {
            score
        },
        interval(r.ci_bootstrap),
        interval(r.ci_study),
        chance(r),
        num(r.behavioural_reliability, 3),
        num(r.noise_ceiling, 3),
        corrected(r),
        pct(r.invalid_report_rate),
        pct(r.invalid_choice_rate),
        counts(r),
        if r.overlaps_next {
            OVERLAP_MARK.into()
        } else {
            String::new()
        },
        if r.simulated {
            "yes".into()
        } else {
            "no".into()
        },
        md_cell(&r.date),
        md_cell(&r.submitted_by),
    ];
    if r.rank.is_none() {
        v.remove(OVERLAP_COLUMN + 1);
    }
    v
}

fn md_table(first: &str, ranked: bool, rows: Vec<Vec<String>>) -> String {
    let mut header: Vec<&str> = vec![first];
    for c in columns(ranked) {
        header.push(c);
    }
    table(&header, rows)
}

/// `results/LEADERBOARD.md`.
pub fn markdown(board: &BTreeMap<String, Board>) -> String {
    let mut out: String = format!("# selfinterp leaderboard\n\n{}\n\n", intro());
    if board.is_empty() {
        out.push_str("No entries yet.\n\n");
    }
    for (exp, b) in board {
        let _ = write!(out, "## {}\n\n", md_cell(exp));
        if b.ranked.is_empty() {
            out.push_str("No run of this experiment can be ranked.\n\n");
        } else {
            let body: Vec<Vec<String>> = b
                .ranked
                .iter()
                .map(|r| md_row(r.rank.map_or(String::new(), |k| k.to_string()), r))
                .collect();
            out.push_str(&md_table("#", true, body));
            out.push_str("\n\n");
        }
        if !b.unranked.is_empty() {
            let _ = write!(out, "### {}: {UNRANKED}\n\n", md_cell(exp));
            let body: Vec<Vec<String>> = b
                .unranked
                .iter()
                .map(|r| md_row(md_cell(&not_ranked_because(r)), r))
                .collect();
            out.push_str(&md_table(NOT_RANKED_COLUMN, false, body));
            out.push_str("\n\n");
        }
    }
    let _ = writeln!(out, "{FOOTER}");
    out
}

/// Heading of the rows without a rank.
const UNRANKED: &str = "not ranked (measurement too unreliable for the score to mean much)";
const NOT_RANKED_COLUMN: &str = "not ranked because";

const STYLE: &str = r#"
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1b1b;background:#fafafa;margin:0;padding:24px 32px 48px}
.wrap{overflow-x:auto;max-width:100%}
h1{font-size:1.6em;margin:0 0 .4em}h2{font-size:1.2em;margin:1.6em 0 .5em}
p{max-width:62em}
table{border-collapse:collapse;background:#fff;font-variant-numeric:tabular-nums}
th,td{border:1px solid #ddd;padding:4px 9px;text-align:left;white-space:nowrap}
th{background:#f0f0f0}td.n{text-align:right}td.r{font-weight:700}
th[data-sort]{cursor:pointer;user-select:none}th[data-sort]:after{content:" ⇅";color:#aaa}
th[aria-sort=ascending]:after{content:" ▲";color:#1b1b1b}th[aria-sort=descending]:after{content:" ▼";color:#1b1b1b}
tr.sim td{color:#555;background:#f7f7fb}
.tag{font-size:.78em;border:1px solid #99a;border-radius:4px;padding:0 4px;margin-left:6px;color:#446}
.ov{color:#9a6700;font-weight:700}
h3{font-size:1em;margin:1.2em 0 .4em;color:#5f6368}
table.unranked td{color:#5f6368}td.why{color:#cf222e;white-space:normal;min-width:16em}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em}
footer{margin-top:2em;color:#5f6368}
"#;

fn td_num(v: Option<f64>, text: String, class: &str) -> String {
    let data: String = v
        .filter(|x| x.is_finite())
        .map(|x| x.to_string())
        .unwrap_or_default();
    format!("<td class=\"{class}\" data-v=\"{data}\">{text}</td>")
}

fn html_header(first: &str, ranked: bool) -> String {
    let mut out: String = format!("<thead><tr>{first}");
    for (i, c) in COLUMNS.iter().enumerate() {
        if i == OVERLAP_COLUMN && !ranked {
            continue;
        }
        let attrs: &str = match i {
            0 | 15 => " data-sort=\"text\"",
            3 | 7 | 8 | 9 | 10 | 11 => " data-sort=\"num\"",
            13 => " title=\"interval overlaps the next row's\"",
            _ => "",
        };
        let _ = write!(out, "<th{attrs}>{}</th>", html(c));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    out
}

fn html_row(first: String, r: &Row) -> String {
    let overlap_cell: String = match r.rank {
        None => String::new(),
        Some(_) => format!(
            "<td class=\"ov\">{}</td>",
            if r.overlaps_next { OVERLAP_MARK } else { "" }
        ),
    };
    format!(
        "<tr{}>{first}<td title=\"{}\">{}{}</td><td><code>{}</code></td><td>{}</td>{}<td>{}</td><td>{}</td><td>{}</td>{}{}{}{}{}<td class=\"n\">{}</td>{}<td>{}</td><td>{}</td><td>{}</td></tr>\n",
        if r.simulated { " class=\"sim\"" } else { "" },
        html(&r.entry),
        html(&r.display_name),
        if r.simulated {
            "<span class=\"tag\">simulated</span>"
        } else {
            ""
        },
        html(&r.model_id),
        html(&r.provider),
        // Only a ranked score is shown as the row's result.
        td_num(r.r, num(r.r, 3), if r.rank.is_some() { "n r" } else { "n" }),
        interval(r.ci_bootstrap),
        interval(r.ci_study),
        chance(r),
        td_num(
            r.behavioural_reliability,
            num(r.behavioural_reliability, 3),
            "n"
        ),
        td_num(r.noise_ceiling, num(r.noise_ceiling, 3), "n"),
        td_num(r.corrected_r, corrected(r), "n"),
        td_num(r.invalid_report_rate, pct(r.invalid_report_rate), "n"),
        td_num(r.invalid_choice_rate, pct(r.invalid_choice_rate), "n"),
        counts(r),
        overlap_cell,
        if r.simulated { "yes" } else { "no" },
        html(&r.date),
        html(&r.submitted_by)
    )
}

/// `results/leaderboard.html`: self-contained, every value from an entry escaped.
pub fn html_page(board: &BTreeMap<String, Board>) -> String {
    let mut out: String = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>selfinterp leaderboard</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
<h1>selfinterp leaderboard</h1>\n<p>{}</p>\n",
        html(&intro())
    );
    if board.is_empty() {
        out.push_str("<p>No entries yet.</p>\n");
    }
    for (exp, b) in board {
        let _ = writeln!(out, "<h2>{}</h2>", html(exp));
        if b.ranked.is_empty() {
            out.push_str("<p>No run of this experiment can be ranked.</p>\n");
        } else {
            out.push_str("<div class=\"wrap\"><table class=\"sortable\">\n");
            out.push_str(&html_header("<th data-sort=\"num\">#</th>", true));
            for r in &b.ranked {
                let rank: String = r.rank.map_or(String::new(), |k| k.to_string());
                out.push_str(&html_row(
                    format!("<td class=\"n\" data-v=\"{rank}\">{rank}</td>"),
                    r,
                ));
            }
            out.push_str("</tbody>\n</table></div>\n");
        }
        if !b.unranked.is_empty() {
            let _ = write!(
                out,
                "<h3>{}: {}</h3>\n<div class=\"wrap\"><table class=\"sortable unranked\">\n",
                html(exp),
                html(UNRANKED)
            );
            out.push_str(&html_header(
                &format!("<th>{NOT_RANKED_COLUMN}</th>"),
                false,
            ));
            for r in &b.unranked {
                let why: String = html(&not_ranked_because(r)).replace('`', "");
                out.push_str(&html_row(format!("<td class=\"why\">{why}</td>"), r));
            }
            out.push_str("</tbody>\n</table></div>\n");
        }
    }
    let _ = write!(
        out,
        "<footer>{}</footer>\n<script>{SCRIPT}</script>\n</body>\n</html>\n",
        html(FOOTER).replace('`', "")
    );
    out
}

/// The two files `selfinterp leaderboard` writes: (file name, content).
pub fn render(entries: &[Entry]) -> Vec<(&'static str, String)> {
    let b = board(entries);
    vec![(MD_FILE, markdown(&b)), (HTML_FILE, html_page(&b))]
}
