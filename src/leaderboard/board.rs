//! The leaderboard's rows: one per entry, grouped by comparability class (experiment,
//! benchmark version, protocol size, constraint mode: docs/comparability.md), models apart
//! from the simulated reference agents, ranked by score within their class's table, with
//! "tied with the next row" decided by a paired comparison (see [`super::ties`]).
//!
//! Only runs whose measurement quality is `rankable` get a rank; the others follow their
//! table's ranked rows with the reason and no rank.

use super::entry::Entry;
use super::ties::{Tie, adjacent_ties};
use crate::scoring::Comparison;
use crate::scoring::quality::{Quality, QualityFlag};
use serde::Serialize;
use std::collections::BTreeMap;

/// One entry's figures as the leaderboard shows them.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Row {
    pub experiment: String,
    /// The comparability class, in words ([`class`]): rows are ranked only within one.
    pub class: String,
    /// 1 = best within its table; `None` for a run that is not rankable.
    pub rank: Option<usize>,
    pub entry: String,
    pub display_name: String,
    pub model_id: String,
    pub provider: String,
    /// Where the model ran, in words, as a report's header says it ("llama.cpp server at
    /// 127.0.0.1:8765"; "provider sim" when the manifest names no server).
    #[serde(skip)]
    pub server: String,
    pub simulated: bool,
    pub benchmark: Option<String>,
    pub date: String,
    pub submitted_by: String,
    pub notes: String,
    /// The harness's commit, and whether its working tree had uncommitted changes
    /// (`manifest.json` `harness`; `None` when not recorded).
    pub harness_commit: Option<String>,
    pub git_dirty: Option<bool>,
    pub r: Option<f64>,
    pub ci_bootstrap: Option<[f64; 2]>,
    pub ci_study: Option<[f64; 2]>,
    pub chance_mean: Option<f64>,
    pub chance_range: Option<[f64; 2]>,
    pub calibration_slope: Option<f64>,
    pub invalid_report_rate: Option<f64>,
    pub invalid_choice_rate: Option<f64>,
    pub n_reports_out_of_range: usize,
    /// Reports that parsed (what `n_reports_out_of_range` is a part of).
    #[serde(skip)]
    pub n_reports_valid: usize,
    pub p_answer_a: Option<f64>,
    pub n_contexts: usize,
    pub n_choices: usize,
    pub n_reports: usize,
    pub behavioural_reliability: Option<f64>,
    pub report_reliability: Option<f64>,
    pub noise_ceiling: Option<f64>,
    pub corrected_r: Option<f64>,
    pub corrected_r_ci: Option<[f64; 2]>,
    /// `None` for a summary scored before measurement quality existed.
    pub flag: Option<QualityFlag>,
    /// Whether the score may be ranked (false when quality is missing).
    pub rankable: bool,
    /// The comparison with the next ranked row of the same table (ranked rows but the last).
    pub tie: Option<Tie>,
    /// Every learned weight is 0: why the run has no reliability (not shown in the rows'
    /// JSON; the reason cell says it).
    #[serde(skip)]
    pub no_preference: bool,
}

impl Row {
    /// Whether the data do not establish the order of this row and the next.
    pub fn tied_with_next(&self) -> bool {
        self.tie.as_ref().is_some_and(|t| t.tied)
    }
}

/// A comparability class's two tables: models, then simulated reference agents. Each holds
/// its ranked rows by score, then the rows that cannot be ranked.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Board {
    /// The experiment of every row (`native`, `instilled`, ...).
    pub experiment: String,
    /// The comparability class (`leaderboard::class`) of every row in it.
    pub class: String,
    /// Rows of models.
    pub models: Vec<Row>,
    /// Rows of the simulated reference agents.
    pub simulated: Vec<Row>,
}

/// How a constraint mode reads in a class's name.
fn constraint_words(mode: &str) -> String {
    match mode {
        "none" => "unconstrained".into(),
        "letters" => "choices constrained to A/B".into(),
        "json" => "reports JSON-constrained".into(),
        "both" => "choices and reports constrained".into(),
        other => format!("constraint {other}"),
    }
}

/// An entry's comparability class in words: the settings that must be equal for two scores
/// to be ranked against each other (docs/comparability.md): experiment, benchmark version,
/// protocol size (contexts, pairs per context, reports per context; a half or a chosen subset
/// of contexts is said) and constraint mode. An import without run parameters is its own
/// class, named by its source.
pub fn class(e: &Entry) -> String {
    let bench: &str = e.manifest.benchmark.as_deref().unwrap_or("unknown");
    let size: String = match &e.manifest.parameters {
        Some(p) => crate::reports::title::size_words(p),
        None => format!("imported ({})", e.manifest.source),
    };
    format!(
        "{} · benchmark {bench} · {size} · {}",
        experiment(e),
        constraint_words(&e.manifest.constraint)
    )
}

/// The experiment an entry belongs to ("native", "instilled", "observe", or an import's
/// source), as a report's title names it.
pub fn experiment(e: &Entry) -> String {
    crate::reports::title::experiment_words(&e.manifest)
}

fn row(e: &Entry) -> Row {
    let c: Option<&Comparison> = e.summary.reports_vs_learned.as_ref();
    let s = &e.summary;
    let q: Option<&Quality> = s.quality.as_ref();
    Row {
        experiment: experiment(e),
        class: class(e),
        rank: None,
        entry: e.name.clone(),
        display_name: e.meta.display_name.clone(),
        model_id: e.meta.model_id.clone(),
        provider: e.meta.provider.clone(),
        server: crate::reports::title::server_words(&e.manifest),
        simulated: e.meta.simulated,
        benchmark: e.manifest.benchmark.clone(),
        date: e.meta.date.clone(),
        submitted_by: e.meta.submitted_by.clone(),
        notes: e.meta.notes.clone(),
        harness_commit: e.manifest.harness.git_commit.clone(),
        git_dirty: e.manifest.harness.git_dirty,
        r: c.and_then(|c| c.r),
        ci_bootstrap: c.and_then(|c| c.ci_bootstrap),
        ci_study: crate::reports::text::clamp_r(c.and_then(|c| c.ci_study)),
        chance_mean: c.and_then(|c| c.null.mean),
        chance_range: c.and_then(|c| c.null.range),
        calibration_slope: c.and_then(|c| c.description.calibration.map(|k| k.slope)),
        invalid_report_rate: s.invalid_report_rate,
        invalid_choice_rate: (s.n_choices > 0)
            .then(|| (s.n_choices - s.n_choices_valid) as f64 / s.n_choices as f64),
        n_reports_out_of_range: s.n_reports_out_of_range,
        n_reports_valid: s.n_reports_valid,
        p_answer_a: s.p_answer_a,
        n_contexts: s.n_contexts,
        n_choices: s.n_choices,
        n_reports: s.n_reports,
        behavioural_reliability: q.and_then(|q| q.behavioural_reliability.value),
        report_reliability: q.and_then(|q| q.report_reliability.value),
        noise_ceiling: q.and_then(|q| q.ceiling.noise_ceiling),
        corrected_r: q.and_then(|q| q.ceiling.corrected_r),
        corrected_r_ci: q.and_then(|q| q.ceiling.corrected_r_ci),
        flag: q.map(|q| q.flag),
        rankable: q.is_some_and(|q| q.rankable),
        tie: None,
        no_preference: crate::reports::text::no_measurable_preference(s),
    }
}

/// Ranked rows by r (undefined last, then by entry name so the order never depends on the
/// file system), then the unrankable ones in the same order; ties between adjacent ranked
/// rows from their entries' summaries.
fn order(rows: &mut [Row], entries: &BTreeMap<&str, &Entry>) {
    rows.sort_by(|a, b| {
        b.rankable.cmp(&a.rankable).then(match (a.r, b.r) {
            (Some(x), Some(y)) => y.total_cmp(&x).then_with(|| a.entry.cmp(&b.entry)),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => a.entry.cmp(&b.entry),
        })
    });
    let ranked: usize = rows.iter().filter(|r| r.rankable).count();
    for (i, r) in rows.iter_mut().take(ranked).enumerate() {
        r.rank = Some(i + 1);
    }
    let summaries: Vec<super::ties::Side<'_>> = rows[..ranked]
        .iter()
        .map(|r| {
            (
                &entries[r.entry.as_str()].summary,
                r.ci_bootstrap,
                r.benchmark.as_deref(),
            )
        })
        .collect();
    let ties: Vec<super::ties::Tie> = adjacent_ties(&summaries);
    for (i, t) in ties.into_iter().enumerate() {
        rows[i].tie = Some(t);
    }
}

/// Rows grouped by comparability class, models apart from simulated agents. Classes are
/// ordered by what they hold: those with model entries first (most ranked models, then most
/// models), then those with simulated agents only (most agents first); ties by name.
pub fn board(entries: &[Entry]) -> Vec<Board> {
    let by_name: BTreeMap<&str, &Entry> = entries.iter().map(|e| (e.name.as_str(), e)).collect();
    let mut classes: BTreeMap<String, Board> = BTreeMap::new();
    for e in entries {
        let r: Row = row(e);
        let b: &mut Board = classes.entry(r.class.clone()).or_insert_with(|| Board {
            experiment: r.experiment.clone(),
            class: r.class.clone(),
            ..Board::default()
        });
        if r.simulated {
            b.simulated.push(r);
        } else {
            b.models.push(r);
        }
    }
    let mut out: Vec<Board> = classes.into_values().collect();
    for b in &mut out {
        order(&mut b.models, &by_name);
        order(&mut b.simulated, &by_name);
    }
    let ranked = |rows: &[Row]| rows.iter().filter(|r| r.rankable).count();
    out.sort_by(|a, b| {
        (a.models.is_empty().cmp(&b.models.is_empty()))
            .then(ranked(&b.models).cmp(&ranked(&a.models)))
            .then(b.models.len().cmp(&a.models.len()))
            .then(ranked(&b.simulated).cmp(&ranked(&a.simulated)))
            .then(b.simulated.len().cmp(&a.simulated.len()))
            .then_with(|| a.class.cmp(&b.class))
    });
    out
}
