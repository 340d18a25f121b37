//! The report's content, computed once and independent of the output format: every exporter
//! renders the same [`ReportData`], and the JSON exporter is its serialisation.
//!
//! Nothing here depends on the clock or on timings, so the same bundle always gives the same
//! report byte for byte (the snapshot tests rely on it).

pub use super::diagnosis::Verdict;
use super::diagnosis::{Finding, Whose, diagnose};
use super::figures::{self, Histogram, Line};
use super::load::{ContextMeta, Scored};
use super::multiples::{self, Multiples};
use super::status::failures;
use super::text::{NO_PREFERENCE_SENTENCE, clamp_r, no_measurable_preference, quality_sentence};
pub use super::title::Title;
use crate::bundle::RunManifest;
use crate::bundle::position::{Intercepts, intercepts, order_counts};
use crate::bundle::sample::{Order, Sample};
use crate::scoring::privileged::PrivilegedAccess;
use crate::scoring::quality::{ContextQuality, QualityFlag};
use crate::scoring::{Comparison, ComparisonKind, ContextSummary, Summary};
use crate::types::{ContextId, N_ATTR, Weights};
use serde::Serialize;
use std::collections::BTreeMap;

/// Bumped when the JSON report's layout changes (2: the score is embedded as `summary`, with
/// its measurement-quality block, instead of copied into `comparisons`, `overview` and the
/// context rows; 3: `diagnosis`, `multiples`, scatter `limit`/`beyond`, and valid reports
/// split into in range and out of range in `failures.reports`).
pub const REPORT_FORMAT: u32 = 3;
/// Half-range of the plots' axes: weights are on the -100..100 scale.
pub const WEIGHT_LIMIT: f64 = 100.0;

/// Whether `v` lies beyond the scale [-limit, limit]. Rescaling learned weights so the largest
/// is 100 can give 100.00000000000001: that is on the scale, not beyond it, so every plot and
/// count uses this one test with a small tolerance.
pub fn beyond(v: f64, limit: f64) -> bool {
    v.abs() > limit + 1e-6
}
pub use super::status::{Failures, StatusRow};

/// Prices in US dollars per million tokens, given on the command line (never guessed).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Prices {
    /// Prompt tokens, US dollars per million.
    pub input_per_mtok: f64,
    /// Completion tokens, US dollars per million.
    pub output_per_mtok: f64,
}

/// What a report adds to the bundle's data.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ReportOptions {
    /// Prices per million tokens, for the report's cost line (never guessed).
    pub prices: Option<Prices>,
}

/// Everything a report shows, computed once from a scored bundle; each format renders it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReportData {
    /// The version of this structure (`REPORT_FORMAT`), raised when a field changes meaning.
    pub report_format: u32,
    /// Who was asked, which experiment, which benchmark and size.
    pub title: Title,
    /// What most limits the reading, most severe first (empty for a clean run).
    pub diagnosis: Vec<Finding>,
    /// The main score (reports vs learned) with its intervals and chance level.
    pub headline: Headline,
    /// The score exactly as `selfinterp score --json` gives it: the comparisons, the counts,
    /// every context's fit and the measurement-quality block.
    pub summary: Summary,
    /// The scatter plots of reported against learned (and target) weights.
    pub scatter: Vec<ScatterPanel>,
    /// Each scored context's question and attribute names, in the order of
    /// `summary.contexts`.
    pub contexts: Vec<ContextRow>,
    /// Per-attribute small multiples of reported against learned weights.
    pub multiples: Multiples,
    /// Per-context r in equal bins over [-1, 1].
    pub histogram: Histogram,
    /// Invalid answers and failed requests, by kind.
    pub failures: Failures,
    /// How much the model prefers a letter regardless of the options.
    pub position_bias: PositionBias,
    /// Observer runs only (absent otherwise, so other reports keep their bytes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub privileged_access: Option<crate::scoring::privileged::PrivilegedAccess>,
    /// Tokens used and, with prices given, their cost.
    pub tokens: Tokens,
    /// What reproduces the run: versions, seeds, settings and the command.
    pub reproducibility: Reproducibility,
}

/// The main score (reports vs learned) with its intervals and chance level.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Headline {
    pub r: Option<f64>,
    pub ci_study: Option<[f64; 2]>,
    pub ci_bootstrap: Option<[f64; 2]>,
    pub chance_mean: Option<f64>,
    pub chance_range: Option<[f64; 2]>,
    /// Least-squares line of reported on learned weights (slope 1 = reports on the same
    /// scale as behaviour), with its context-clustered standard error.
    pub calibration: Option<crate::scoring::describe::Calibration>,
    pub n_points: usize,
    pub n_contexts: usize,
    pub verdict: Verdict,
    pub sentence: String,
    /// The measurement-quality flag (null for a summary scored before it existed).
    pub flag: Option<QualityFlag>,
    /// Whether the score may be ranked against other runs.
    pub rankable: Option<bool>,
    /// The flag in plain words.
    pub quality_sentence: String,
    /// The main score's design effect (context over point jackknife variance) and what it
    /// says ([`super::quality::design_effect_reading`]).
    pub design_effect: Option<f64>,
    pub design_effect_reading: String,
}

/// One point of a scatter plot: a (context, attribute) pair.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Point {
    pub context: ContextId,
    pub attribute: String,
    /// 1 = the attribute with the largest |x| in its context.
    pub rank: usize,
    pub x: f64,
    pub y: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ScatterPanel {
    pub kind: ComparisonKind,
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub points: Vec<Point>,
    /// Least-squares line of y on x, over every point (those beyond the axes included).
    pub fit: Option<Line>,
    pub r: Option<f64>,
    /// The axes' half-range ([`WEIGHT_LIMIT`]): the plot never rescales.
    pub limit: f64,
    /// Points with a coordinate beyond `limit`, drawn on the edge.
    pub beyond: usize,
}

impl ScatterPanel {
    /// Points beyond the axes by the edge they are drawn on: (above, below, right, left). A
    /// point beyond both axes counts where its triangle is drawn, on the top or bottom edge.
    pub fn beyond_sides(&self) -> [(&'static str, usize); 4] {
        let lim: f64 = self.limit;
        let mut n: [usize; 4] = [0; 4];
        for p in &self.points {
            let side: Option<usize> = if beyond(p.y, lim) && p.y > 0.0 {
                Some(0)
            } else if beyond(p.y, lim) {
                Some(1)
            } else if beyond(p.x, lim) && p.x > 0.0 {
                Some(2)
            } else if beyond(p.x, lim) {
                Some(3)
            } else {
                None
            };
            if let Some(k) = side {
                n[k] += 1;
            }
        }
        [
            ("above", n[0]),
            ("below", n[1]),
            ("right", n[2]),
            ("left", n[3]),
        ]
    }

    /// The counts beyond each edge in words, e.g. "140 above, 6 below" (empty sides left out).
    pub fn beyond_words(&self) -> String {
        self.beyond_sides()
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(side, n)| format!("{} {side}", super::text::count(*n)))
            .collect::<Vec<String>>()
            .join(", ")
    }
}

/// A scored context's names; its figures are `summary.contexts[i]` and
/// `summary.quality.contexts[i]` (see [`ReportData::context_rows`]).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ContextRow {
    pub id: ContextId,
    pub question: Option<String>,
    pub attributes: Vec<String>,
}

/// One line of the context table: names, scores and measurement quality.
pub struct ContextLine<'a> {
    pub names: &'a ContextRow,
    pub scores: &'a ContextSummary,
    pub quality: Option<&'a ContextQuality>,
}

impl ContextLine<'_> {
    /// Learned weights, when any choice entered the fit.
    pub fn learned(&self) -> Option<&Weights> {
        self.scores.learned.as_ref()
    }

    /// Whether the fit does no better than the letter-only model on held-out choices.
    pub fn at_chance(&self) -> bool {
        self.quality.and_then(|q| q.fit.at_chance) == Some(true)
    }
}

impl ReportData {
    /// The context table's lines, in the summary's order.
    pub fn context_rows(&self) -> impl Iterator<Item = ContextLine<'_>> {
        let quality: &[ContextQuality] = self
            .summary
            .quality
            .as_ref()
            .map_or(&[], |q| q.contexts.as_slice());
        self.contexts
            .iter()
            .zip(&self.summary.contexts)
            .enumerate()
            .map(move |(i, (names, scores))| ContextLine {
                names,
                scores,
                quality: quality.get(i).filter(|q| q.id == scores.id),
            })
    }

    /// The comparisons the summary holds, with their labels, main score first.
    pub fn comparisons(&self) -> Vec<(ComparisonKind, &'static str, &Comparison)> {
        let s: &Summary = &self.summary;
        [
            (ComparisonKind::ReportsVsLearned, &s.reports_vs_learned),
            (ComparisonKind::LearnedVsTarget, &s.learned_vs_target),
            (ComparisonKind::ReportsVsTarget, &s.reports_vs_target),
        ]
        .into_iter()
        .filter_map(|(kind, c)| c.as_ref().map(|c| (kind, label(kind).0, c)))
        .collect()
    }

    /// Share of choice answers that did not parse to A or B.
    pub fn invalid_choice_rate(&self) -> Option<f64> {
        let s: &Summary = &self.summary;
        (s.n_choices > 0).then(|| (s.n_choices - s.n_choices_valid) as f64 / s.n_choices as f64)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OrderShare {
    pub order: Order,
    pub n_valid: usize,
    pub p_answer_a: Option<f64>,
}

/// How much the model prefers a letter regardless of the options.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PositionBias {
    /// Share of parsed choices that are "A" (0.5 = no preference for a position).
    pub p_answer_a: Option<f64>,
    pub by_order: Vec<OrderShare>,
    /// Mean and sd over contexts of the fitted intercept b0 (> 0 favours A).
    pub intercept_mean: Option<f64>,
    pub intercept_sd: Option<f64>,
    /// Contexts whose intercept is more than 1.96 standard errors from 0, by direction.
    pub contexts_favouring_a: usize,
    pub contexts_favouring_b: usize,
    pub contexts_fitted: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Tokens {
    pub input: u64,
    pub output: u64,
    /// Samples that carried token counts, out of all samples.
    pub samples_counted: usize,
    pub samples: usize,
    pub prices: Option<Prices>,
    /// US dollars; null when no price was given.
    pub cost_usd: Option<f64>,
    /// The host of a server on this machine (a loopback `--base-url`), which charges nothing
    /// per token, as the run's plan says (`runner::budget::local_host`); null otherwise.
    pub local_server: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Reproducibility {
    pub source: String,
    pub benchmark: Option<String>,
    pub benchmark_sha256: Option<String>,
    pub prompt_version: Option<String>,
    pub harness_name: String,
    pub harness_version: String,
    pub harness_commit: Option<String>,
    pub harness_dirty: Option<bool>,
    pub provider: String,
    pub model: String,
    pub server_model_ids: Vec<String>,
    pub system_fingerprints: Vec<String>,
    pub seed_benchmark: Option<String>,
    pub seed_provider: u64,
    pub seed_scoring: u64,
    pub temperature: Option<f64>,
    pub constraint: String,
    pub soft_labels_used: bool,
    pub bootstrap_resamples: usize,
    pub null_permutations: usize,
    pub status: String,
    pub planned: usize,
    pub samples: usize,
    pub errors: usize,
}

/// Where a comparison stands against chance.
pub fn verdict(c: Option<&Comparison>) -> Verdict {
    let Some(c) = c else { return Verdict::NoScore };
    match (c.r, c.ci_bootstrap, c.null.mean) {
        (None, _, _) => Verdict::NoScore,
        (Some(_), Some([lo, hi]), Some(chance)) => {
            if lo > chance {
                Verdict::AboveChance
            } else if hi < chance {
                Verdict::BelowChance
            } else {
                Verdict::AtChance
            }
        }
        _ => Verdict::AtChance,
    }
}

fn headline(summary: &Summary, access: Option<&PrivilegedAccess>) -> Headline {
    let c: Option<&Comparison> = summary.reports_vs_learned.as_ref();
    let v: Verdict = verdict(c);
    let no_preference: bool = no_measurable_preference(summary);
    Headline {
        r: c.and_then(|c| c.r),
        ci_study: clamp_r(c.and_then(|c| c.ci_study)),
        ci_bootstrap: c.and_then(|c| c.ci_bootstrap),
        chance_mean: c.and_then(|c| c.null.mean),
        chance_range: c.and_then(|c| c.null.range),
        calibration: c.and_then(|c| c.description.calibration),
        n_points: c.map_or(0, |c| c.n),
        n_contexts: c.map_or(0, |c| c.n_contexts),
        verdict: v,
        sentence: match no_preference {
            true if v == Verdict::NoScore => NO_PREFERENCE_SENTENCE.to_string(),
            _ => super::verdict::sentence(v, summary, access),
        },
        flag: summary.quality.as_ref().map(|q| q.flag),
        rankable: summary.quality.as_ref().map(|q| q.rankable),
        quality_sentence: match summary.quality.as_ref().map(|q| q.flag) {
            Some(QualityFlag::InsufficientData) if no_preference => {
                NO_PREFERENCE_SENTENCE.to_string()
            }
            _ => quality_sentence(summary.quality.as_ref()),
        },
        design_effect: c.and_then(|c| c.description.design_effect),
        design_effect_reading: super::quality::design_effect_reading(
            c.and_then(|c| c.description.design_effect),
            c.map_or(0, |c| c.n_contexts),
        ),
    }
}

fn label(kind: ComparisonKind) -> (&'static str, &'static str, &'static str) {
    // (title, x label, y label): x is the quantity the other is judged against.
    match kind {
        ComparisonKind::ReportsVsLearned => (
            "Reported vs learned weights",
            "learned weight (from choices)",
            "reported weight (mean of valid reports)",
        ),
        ComparisonKind::LearnedVsTarget => (
            "Learned vs target weights",
            "target weight (instilled profile)",
            "learned weight (from choices)",
        ),
        ComparisonKind::ReportsVsTarget => (
            "Reported vs target weights",
            "target weight (instilled profile)",
            "reported weight (mean of valid reports)",
        ),
    }
}

/// Ranks 1..=5 of |w| within a context, largest first (first index on ties).
fn abs_ranks(w: &[f64; N_ATTR]) -> [usize; N_ATTR] {
    let mut idx: [usize; N_ATTR] = std::array::from_fn(|i| i);
    idx.sort_by(|&a, &b| w[b].abs().total_cmp(&w[a].abs()).then(a.cmp(&b)));
    let mut out: [usize; N_ATTR] = [0; N_ATTR];
    for (rank, &i) in idx.iter().enumerate() {
        out[i] = rank + 1;
    }
    out
}

fn scatter(
    kind: ComparisonKind,
    s: &Summary,
    meta: &BTreeMap<ContextId, ContextMeta>,
) -> Option<ScatterPanel> {
    let c: &Comparison = match kind {
        ComparisonKind::ReportsVsLearned => s.reports_vs_learned.as_ref()?,
        ComparisonKind::LearnedVsTarget => s.learned_vs_target.as_ref()?,
        ComparisonKind::ReportsVsTarget => s.reports_vs_target.as_ref()?,
    };
    let mut points: Vec<Point> = Vec::new();
    for ctx in &s.contexts {
        // ContextPoints' x is the first-named side (reports, or learned); the plot puts the
        // reference side (learned, or target) on the x axis.
        let Some(p) = kind.points(ctx) else { continue };
        let ranks: [usize; N_ATTR] = abs_ranks(&p.y);
        for k in 0..N_ATTR {
            let attribute: String = meta
                .get(&ctx.id)
                .and_then(|m| m.attributes.get(k).cloned())
                .unwrap_or_else(|| format!("attribute {}", k + 1));
            points.push(Point {
                context: ctx.id.clone(),
                attribute,
                rank: ranks[k],
                x: p.y[k],
                y: p.x[k],
            });
        }
    }
    let xs: Vec<f64> = points.iter().map(|p| p.x).collect();
    let ys: Vec<f64> = points.iter().map(|p| p.y).collect();
    let (title, x_label, y_label) = label(kind);
    let beyond: usize = points
        .iter()
        .filter(|p| beyond(p.x, WEIGHT_LIMIT) || beyond(p.y, WEIGHT_LIMIT))
        .count();
    Some(ScatterPanel {
        kind,
        title: title.to_string(),
        x_label: x_label.to_string(),
        y_label: y_label.to_string(),
        fit: figures::least_squares(&xs, &ys),
        points,
        r: c.r,
        limit: WEIGHT_LIMIT,
        beyond,
    })
}

fn context_row(c: &ContextSummary, meta: Option<&ContextMeta>) -> ContextRow {
    ContextRow {
        id: c.id.clone(),
        question: meta.map(|m| m.question.clone()),
        attributes: meta.map(|m| m.attributes.clone()).unwrap_or_default(),
    }
}

/// The report's position-bias block, from the bundle's own counts and intercepts
/// ([`crate::bundle::position`]).
fn position_bias(s: &Summary, samples: &[Sample]) -> PositionBias {
    let b0: Intercepts = intercepts(s);
    PositionBias {
        p_answer_a: s.p_answer_a,
        by_order: order_counts(samples)
            .into_iter()
            .map(|(order, (n, a))| OrderShare {
                order,
                n_valid: n,
                p_answer_a: (n > 0).then(|| a as f64 / n as f64),
            })
            .collect(),
        intercept_mean: figures::mean(&b0.values),
        intercept_sd: figures::sd(&b0.values),
        contexts_favouring_a: b0.favouring_a,
        contexts_favouring_b: b0.favouring_b,
        contexts_fitted: b0.values.len(),
    }
}

fn tokens(m: &RunManifest, samples: &[Sample], prices: Option<Prices>) -> Tokens {
    let input: u64 = samples.iter().filter_map(|s| s.tokens_in).sum();
    let output: u64 = samples.iter().filter_map(|s| s.tokens_out).sum();
    let counted: usize = samples
        .iter()
        .filter(|s| s.tokens_in.is_some() || s.tokens_out.is_some())
        .count();
    let cost_usd: Option<f64> = prices.map(|p| {
        (input as f64 * p.input_per_mtok + output as f64 * p.output_per_mtok) / 1_000_000.0
    });
    Tokens {
        input,
        output,
        samples_counted: counted,
        samples: samples.len(),
        prices,
        cost_usd,
        local_server: crate::runner::budget::local_host(
            m.parameters.as_ref().and_then(|p| p.base_url.as_deref()),
        ),
    }
}

fn reproducibility(m: &RunManifest, s: &Summary) -> Reproducibility {
    let status: String = serde_json::to_value(m.status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    Reproducibility {
        source: m.source.clone(),
        benchmark: m.benchmark.clone(),
        benchmark_sha256: m.benchmark_sha256.clone(),
        prompt_version: m.prompt_version.clone(),
        harness_name: m.harness.name.clone(),
        harness_version: m.harness.version.clone(),
        harness_commit: m.harness.git_commit.clone(),
        harness_dirty: m.harness.git_dirty,
        provider: m.provider.clone(),
        model: m.model.clone(),
        server_model_ids: m.server.model_ids.clone(),
        system_fingerprints: m.server.system_fingerprints.clone(),
        seed_benchmark: m.seeds.benchmark.clone(),
        seed_provider: m.seeds.provider,
        seed_scoring: m.seeds.scoring,
        temperature: m.parameters.as_ref().map(|p| p.temperature),
        constraint: m.constraint.clone(),
        soft_labels_used: m.soft_labels.used,
        bootstrap_resamples: s.options.bootstrap_resamples,
        null_permutations: s.options.null_permutations,
        status,
        planned: m.counts.planned,
        samples: m.counts.samples,
        errors: m.counts.errors,
    }
}

/// Builds the report of a scored bundle.
pub fn build(scored: &Scored, opts: &ReportOptions) -> ReportData {
    let m: &RunManifest = &scored.bundle.manifest;
    let s: &Summary = &scored.summary;
    let samples: &[Sample] = &scored.bundle.samples;
    ReportData {
        report_format: REPORT_FORMAT,
        title: super::title::title(m, scored.preset.clone()),
        diagnosis: diagnose(
            s,
            verdict(s.reports_vs_learned.as_ref()),
            if scored.privileged_access.is_some() {
                Whose::Observed
            } else {
                Whose::Own
            },
        ),
        headline: headline(s, scored.privileged_access.as_ref()),
        summary: s.clone(),
        scatter: [
            ComparisonKind::ReportsVsLearned,
            ComparisonKind::LearnedVsTarget,
        ]
        .into_iter()
        .filter_map(|k| scatter(k, s, &scored.contexts))
        .collect(),
        contexts: s
            .contexts
            .iter()
            .map(|c| context_row(c, scored.contexts.get(&c.id)))
            .collect(),
        multiples: multiples::build(
            s,
            &scored.contexts,
            match verdict(s.reports_vs_learned.as_ref()) {
                Verdict::AtChance => Some("The score is at chance"),
                Verdict::NoScore => Some("There is no score"),
                Verdict::AboveChance | Verdict::BelowChance => None,
            },
        ),
        histogram: figures::histogram(
            &s.contexts
                .iter()
                .map(|c| c.per_context_r)
                .collect::<Vec<_>>(),
        ),
        failures: failures(s, samples),
        position_bias: position_bias(s, samples),
        privileged_access: scored.privileged_access.clone(),
        tokens: tokens(m, samples, opts.prices),
        reproducibility: reproducibility(m, s),
    }
}
