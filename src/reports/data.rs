//! The report's content, computed once and independent of the output format: every exporter
//! renders the same [`ReportData`], and the JSON exporter is its serialisation.
//!
//! Nothing here depends on the clock or on timings, so the same bundle always gives the same
//! report byte for byte (the snapshot tests rely on it).

use super::figures::{self, Histogram, Line};
use super::load::{ContextMeta, Scored};
use super::text::quality_sentence;
use crate::bundle::RunManifest;
use crate::bundle::sample::{KindKey, Order, Sample};
use crate::scoring::quality::{ContextQuality, QualityFlag};
use crate::scoring::{Comparison, ComparisonKind, ContextSummary, Summary};
use crate::types::{ContextId, N_ATTR, Weights};
use serde::Serialize;
use std::collections::BTreeMap;

/// Bumped when the JSON report's layout changes (2: the score is embedded as `summary`, with
/// its measurement-quality block, instead of copied into `comparisons`, `overview` and the
/// context rows).
pub const REPORT_FORMAT: u32 = 2;
/// Raw answers shown per parse status.
pub const EXAMPLES_PER_STATUS: usize = 3;
/// Longest raw answer shown, in characters (longer ones are cut and marked).
pub const EXAMPLE_CHARS: usize = 240;

/// Prices in US dollars per million tokens, given on the command line (never guessed).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Prices {
    pub input_per_mtok: f64,
    pub output_per_mtok: f64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ReportOptions {
    pub prices: Option<Prices>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReportData {
    pub report_format: u32,
    pub title: Title,
    pub headline: Headline,
    /// The score exactly as `selfinterp score --json` gives it: the comparisons, the counts,
    /// every context's fit and the measurement-quality block.
    pub summary: Summary,
    pub scatter: Vec<ScatterPanel>,
    /// Each scored context's question and attribute names, in the order of
    /// `summary.contexts`.
    pub contexts: Vec<ContextRow>,
    pub histogram: Histogram,
    pub failures: Failures,
    pub position_bias: PositionBias,
    pub tokens: Tokens,
    pub reproducibility: Reproducibility,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Title {
    pub model: String,
    pub provider: String,
    /// "native", "instilled", or the bundle's source for imports.
    pub experiment: String,
    pub benchmark: Option<String>,
}

/// The main score (reports vs learned) with its intervals and chance level.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Headline {
    pub r: Option<f64>,
    pub ci_study: Option<[f64; 2]>,
    pub ci_bootstrap: Option<[f64; 2]>,
    pub chance_mean: Option<f64>,
    pub chance_range: Option<[f64; 2]>,
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
}

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
    /// Least-squares line of y on x.
    pub fit: Option<Line>,
    pub r: Option<f64>,
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
        (self.scores.n_trials > 0).then_some(&self.scores.learned)
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
pub struct Example {
    pub context: ContextId,
    pub index: usize,
    pub order: Order,
    /// The raw answer, cut to [`EXAMPLE_CHARS`] characters.
    pub response: String,
    pub truncated: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StatusRow {
    pub status: String,
    pub count: usize,
    pub share: Option<f64>,
    /// Whether answers with this status are used.
    pub usable: bool,
    /// Up to [`EXAMPLES_PER_STATUS`] raw answers (none for the exact forms).
    pub examples: Vec<Example>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Failures {
    pub choices: Vec<StatusRow>,
    pub reports: Vec<StatusRow>,
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

fn experiment_of(m: &RunManifest) -> String {
    match &m.parameters {
        Some(p) => serde_json::to_value(p.experiment)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        None => m.source.clone(),
    }
}

fn verdict(c: Option<&Comparison>) -> Verdict {
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

/// The one sentence under the headline: what the score means for this run.
fn sentence(v: Verdict, c: Option<&Comparison>) -> String {
    let r: String = c
        .and_then(|c| c.r)
        .map_or("-".into(), |r| format!("{r:.2}"));
    let chance: String = c
        .and_then(|c| c.null.mean)
        .map_or("-".into(), |m| format!("{m:.2}"));
    match v {
        Verdict::AboveChance => format!(
            "The weights the model reports agree with the weights behind its choices (r = {r}) clearly more \
than chance (about {chance}): it has some accurate access to what drives its decisions."
        ),
        Verdict::AtChance => format!(
            "The weights the model reports agree with the weights behind its choices (r = {r}) no better than \
chance (about {chance}) at this sample size: no evidence that it can say what drives its decisions."
        ),
        Verdict::BelowChance => format!(
            "The weights the model reports run against the weights behind its choices (r = {r}, chance about \
{chance}): its account of its decisions is systematically wrong."
        ),
        Verdict::NoScore => {
            "No score: too few contexts have both valid reports and usable choices to compare them."
                .to_string()
        }
    }
}

fn headline(summary: &Summary) -> Headline {
    let c: Option<&Comparison> = summary.reports_vs_learned.as_ref();
    let v: Verdict = verdict(c);
    Headline {
        r: c.and_then(|c| c.r),
        ci_study: c.and_then(|c| c.ci_study),
        ci_bootstrap: c.and_then(|c| c.ci_bootstrap),
        chance_mean: c.and_then(|c| c.null.mean),
        chance_range: c.and_then(|c| c.null.range),
        n_points: c.map_or(0, |c| c.n),
        n_contexts: c.map_or(0, |c| c.n_contexts),
        verdict: v,
        sentence: sentence(v, c),
        flag: summary.quality.as_ref().map(|q| q.flag),
        rankable: summary.quality.as_ref().map(|q| q.rankable),
        quality_sentence: quality_sentence(summary.quality.as_ref()),
    }
}

fn label(kind: ComparisonKind) -> (&'static str, &'static str, &'static str) {
    // (title, x label, y label): x is the quantity the other is judged against.
    match kind {
        ComparisonKind::ReportsVsLearned => (
            "Reported vs learned weights",
            "learned (from choices)",
            "reported",
        ),
        ComparisonKind::LearnedVsTarget => (
            "Learned vs target weights",
            "target (instilled profile)",
            "learned (from choices)",
        ),
        ComparisonKind::ReportsVsTarget => (
            "Reported vs target weights",
            "target (instilled profile)",
            "reported",
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
    Some(ScatterPanel {
        kind,
        title: title.to_string(),
        x_label: x_label.to_string(),
        y_label: y_label.to_string(),
        fit: figures::least_squares(&xs, &ys),
        points,
        r: c.r,
    })
}

fn context_row(c: &ContextSummary, meta: Option<&ContextMeta>) -> ContextRow {
    ContextRow {
        id: c.id.clone(),
        question: meta.map(|m| m.question.clone()),
        attributes: meta.map(|m| m.attributes.clone()).unwrap_or_default(),
    }
}

fn cut(text: &str) -> (String, bool) {
    match text.char_indices().nth(EXAMPLE_CHARS) {
        Some((i, _)) => (text[..i].to_string(), true),
        None => (text.to_string(), false),
    }
}

fn status_rows(
    counts: &BTreeMap<String, usize>,
    order: &[(&str, bool)],
    samples: &[Sample],
    kind: KindKey,
) -> Vec<StatusRow> {
    let total: usize = counts.values().sum();
    order
        .iter()
        .map(|&(status, usable)| {
            let exact: bool = status == "exact" || status == "valid";
            let examples: Vec<Example> = if exact {
                Vec::new()
            } else {
                samples
                    .iter()
                    .filter(|s| s.kind == kind && s.status == status)
                    .take(EXAMPLES_PER_STATUS)
                    .map(|s| {
                        let (response, truncated) = cut(&s.response);
                        Example {
                            context: s.context.clone(),
                            index: s.index,
                            order: s.order,
                            response,
                            truncated,
                        }
                    })
                    .collect()
            };
            let count: usize = counts.get(status).copied().unwrap_or(0);
            StatusRow {
                status: status.to_string(),
                count,
                share: (total > 0).then(|| count as f64 / total as f64),
                usable,
                examples,
            }
        })
        .collect()
}

fn failures(s: &Summary, samples: &[Sample]) -> Failures {
    use crate::parsing::{ChoiceStatus, ReportStatus};
    let choice_order: Vec<(&str, bool)> = ChoiceStatus::ALL
        .iter()
        .map(|c| (c.as_str(), c.is_valid()))
        .collect();
    let report_order: Vec<(&str, bool)> = ReportStatus::ALL
        .iter()
        .map(|r| (r.as_str(), *r == ReportStatus::Valid))
        .collect();
    Failures {
        choices: status_rows(
            &s.choice_status_counts,
            &choice_order,
            samples,
            KindKey::Choice,
        ),
        reports: status_rows(
            &s.report_status_counts,
            &report_order,
            samples,
            KindKey::Report,
        ),
    }
}

fn position_bias(s: &Summary, samples: &[Sample]) -> PositionBias {
    let mut by: BTreeMap<Order, (usize, usize)> = BTreeMap::new();
    for smp in samples.iter().filter(|x| x.kind == KindKey::Choice) {
        if let Some(crate::bundle::sample::Parsed::Choice(c)) = smp.parsed {
            let e = by.entry(smp.order).or_default();
            e.0 += 1;
            e.1 += usize::from(c == crate::types::Choice::A);
        }
    }
    let fitted: Vec<&ContextSummary> = s.contexts.iter().filter(|c| c.n_trials > 0).collect();
    let b0: Vec<f64> = fitted.iter().map(|c| c.intercept).collect();
    let significant = |sign: f64| {
        fitted
            .iter()
            .filter(|c| c.intercept_se > 0.0 && sign * c.intercept / c.intercept_se > 1.96)
            .count()
    };
    PositionBias {
        p_answer_a: s.p_answer_a,
        by_order: by
            .into_iter()
            .map(|(order, (n, a))| OrderShare {
                order,
                n_valid: n,
                p_answer_a: (n > 0).then(|| a as f64 / n as f64),
            })
            .collect(),
        intercept_mean: figures::mean(&b0),
        intercept_sd: figures::sd(&b0),
        contexts_favouring_a: significant(1.0),
        contexts_favouring_b: significant(-1.0),
        contexts_fitted: fitted.len(),
    }
}

fn tokens(samples: &[Sample], prices: Option<Prices>) -> Tokens {
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
        title: Title {
            model: m.model.clone(),
            provider: m.provider.clone(),
            experiment: experiment_of(m),
            benchmark: m.benchmark.clone(),
        },
        headline: headline(s),
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
        histogram: figures::histogram(
            &s.contexts
                .iter()
                .map(|c| c.per_context_r)
                .collect::<Vec<_>>(),
        ),
        failures: failures(s, samples),
        position_bias: position_bias(s, samples),
        tokens: tokens(samples, opts.prices),
        reproducibility: reproducibility(m, s),
    }
}
