//! The leaderboard's rows for other tools: `selfinterp leaderboard --format csv|json`, and
//! `--json`'s report of the pages it wrote with the same rows. Every row of every table, with
//! every figure the detail pages show.

use super::board::{Board, Row};
use serde::Serialize;
use std::path::Path;

/// Output formats of `selfinterp leaderboard`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    /// One CSV row per leaderboard row.
    Csv,
    /// A JSON array of the rows.
    Json,
}

fn rows(board: &[Board]) -> Vec<&Row> {
    board
        .iter()
        .flat_map(|b| b.models.iter().chain(&b.simulated))
        .collect()
}

/// One JSON array of rows (the `Row` fields; ties with their method and p-values).
pub fn json(board: &[Board]) -> String {
    let mut s: String = serde_json::to_string_pretty(&rows(board)).expect("rows serialise");
    s.push('\n');
    s
}

/// What `selfinterp leaderboard --json` prints after writing the pages.
#[derive(Debug, Serialize)]
pub struct Written<'a> {
    /// The files written, `LEADERBOARD.md` and `leaderboard.html` first.
    pub written: Vec<String>,
    /// The rows, exactly as [`json`] prints them.
    pub rows: Vec<&'a Row>,
}

/// One JSON object `{written, rows}`: the pages written and every row of `board`.
pub fn written_json(written: &[impl AsRef<Path>], board: &[Board]) -> String {
    let w = Written {
        written: written
            .iter()
            .map(|p| p.as_ref().display().to_string())
            .collect(),
        rows: rows(board),
    };
    let mut s: String = serde_json::to_string_pretty(&w).expect("rows serialise");
    s.push('\n');
    s
}

const CSV_HEADER: [&str; 34] = [
    "experiment",
    "class",
    "table",
    "rank",
    "tied_with_next",
    "tie_method",
    "tie_p",
    "tie_p_holm",
    "entry",
    "display_name",
    "model_id",
    "provider",
    "simulated",
    "benchmark",
    "date",
    "submitted_by",
    "r",
    "ci_bootstrap_low",
    "ci_bootstrap_high",
    "ci_study_low",
    "ci_study_high",
    "chance_mean",
    "calibration_slope",
    "behavioural_reliability",
    "report_reliability",
    "noise_ceiling",
    "corrected_r",
    "invalid_report_rate",
    "invalid_choice_rate",
    "n_reports_out_of_range",
    "n_contexts",
    "n_choices",
    "n_reports",
    "rankable",
];

fn f(v: Option<f64>) -> String {
    v.filter(|x| x.is_finite())
        .map(|x| x.to_string())
        .unwrap_or_default()
}

/// One CSV table with a header line; empty cells for undefined figures.
pub fn csv(board: &[Board]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(CSV_HEADER).expect("in-memory write");
    for r in rows(board) {
        let tie = r.tie.as_ref();
        let method: String = tie
            .and_then(|t| serde_json::to_value(t.method).ok())
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let lo_hi = |ci: Option<[f64; 2]>| (f(ci.map(|c| c[0])), f(ci.map(|c| c[1])));
        let (bl, bh) = lo_hi(r.ci_bootstrap);
        let (sl, sh) = lo_hi(r.ci_study);
        let record: [String; 34] = [
            r.experiment.clone(),
            r.class.clone(),
            if r.simulated { "simulated" } else { "models" }.into(),
            r.rank.map(|k| k.to_string()).unwrap_or_default(),
            r.tied_with_next().to_string(),
            method,
            f(tie.and_then(|t| t.p)),
            f(tie.and_then(|t| t.p_holm)),
            r.entry.clone(),
            r.display_name.clone(),
            r.model_id.clone(),
            r.provider.clone(),
            r.simulated.to_string(),
            r.benchmark.clone().unwrap_or_default(),
            r.date.clone(),
            r.submitted_by.clone(),
            f(r.r),
            bl,
            bh,
            sl,
            sh,
            f(r.chance_mean),
            f(r.calibration_slope),
            f(r.behavioural_reliability),
            f(r.report_reliability),
            f(r.noise_ceiling),
            f(r.corrected_r),
            f(r.invalid_report_rate),
            f(r.invalid_choice_rate),
            r.n_reports_out_of_range.to_string(),
            r.n_contexts.to_string(),
            r.n_choices.to_string(),
            r.n_reports.to_string(),
            r.rankable.to_string(),
        ];
        w.write_record(&record).expect("in-memory write");
    }
    String::from_utf8(w.into_inner().expect("in-memory flush")).expect("CSV of UTF-8 fields")
}
