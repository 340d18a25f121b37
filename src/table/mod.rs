//! Tidy tables of a scored run for pandas, polars or R: one row per (context, attribute) with
//! both measurements of a weight side by side, and one row per sample. Columns are documented
//! in docs/data.md; a column is empty (CSV) or null (JSONL) where it does not apply, never 0.

use crate::bundle::sample::{KindKey, Parsed, Sample};
use crate::reports::load::Scored;

mod identity;
use crate::scoring::quality::ContextQuality;
use crate::types::{Choice, N_ATTR};
pub use identity::RunIdentity;
use serde::Serialize;
use std::io::Write;

/// One (context, attribute): the learned and reported weight, the target, their spread, and
/// the context's quality figures (repeated on each of its five rows, as tidy data does).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WeightRow {
    /// Which run the row belongs to (docs/data.md), repeated on every row so that tables of
    /// several runs concatenate without a join.
    pub run_id: String,
    /// The manifest's provider (`openai`, `anthropic`, `sim`, ...).
    pub provider: String,
    /// The model asked.
    pub model: String,
    /// `native` or `instilled` (the split asked); empty for an import without parameters.
    pub experiment: Option<String>,
    /// `quick`, `full` or `custom`; empty for an import.
    pub preset: Option<String>,
    /// The benchmark version; empty for an import.
    pub benchmark: Option<String>,
    /// The context id.
    pub context: String,
    /// 1 to 5, the attribute's position in the context.
    pub attribute_index: usize,
    /// The attribute's name.
    pub attribute: String,
    /// 100 * slope / max |slope| of the context's fit; empty when no choice was usable.
    pub learned: Option<f64>,
    /// Mean of the context's valid reports; empty without one.
    pub reported: Option<f64>,
    /// Standard deviation over the valid reports (n - 1); empty with fewer than two.
    pub reported_sd: Option<f64>,
    /// The hidden profile's weight (instilled runs); empty for native runs.
    pub target: Option<f64>,
    /// The fitted logistic slope (log-odds per full attribute range) and its standard error.
    pub slope: f64,
    /// The slope's standard error (from the fit's curvature, prior included).
    pub slope_se: f64,
    /// The fit's intercept (lean towards "A").
    pub intercept: f64,
    /// The intercept's standard error.
    pub intercept_se: f64,
    /// Whether the fit converged.
    pub converged: bool,
    /// Choices in the fit (valid answers).
    pub n_choices: usize,
    /// Reports asked of the context.
    pub n_reports: usize,
    /// Reports that parsed.
    pub n_reports_valid: usize,
    /// Pearson r of this context's five reported against learned weights.
    pub context_r: Option<f64>,
    /// Split-half reliability of this context's learned weights.
    pub context_behavioural_reliability: Option<f64>,
    /// Agreement between this context's reports.
    pub context_report_reliability: Option<f64>,
    /// Whether the context's choices are indistinguishable from coin flips.
    pub context_at_chance: Option<bool>,
    /// The fit's held-out pseudo-R² (how well it predicts choices it was not fitted on).
    pub context_heldout_r2: Option<f64>,
}

/// One sample of `samples.jsonl`, flattened.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SampleRow {
    /// Which run the row belongs to (docs/data.md), repeated on every row so that tables of
    /// several runs concatenate without a join.
    pub run_id: String,
    /// The manifest's provider (`openai`, `anthropic`, `sim`, ...).
    pub provider: String,
    /// The model asked.
    pub model: String,
    /// `native` or `instilled` (the split asked); empty for an import without parameters.
    pub experiment: Option<String>,
    /// `quick`, `full` or `custom`; empty for an import.
    pub preset: Option<String>,
    /// The benchmark version; empty for an import.
    pub benchmark: Option<String>,
    /// The context id.
    pub context: String,
    /// `choice` or `report`.
    pub kind: &'static str,
    /// The pair's index in the context's evaluation pairs (choices) or report pairs (reports).
    pub index: usize,
    /// `ab` as frozen, `ba` swapped (counterbalanced runs).
    pub order: &'static str,
    /// The parser's verdict (`exact`, `invalid`, `valid`, `missing_keys`, ...; docs/data.md).
    pub status: String,
    /// "A" or "B" for a parsed choice; empty otherwise.
    pub choice: Option<&'static str>,
    /// P(A) from log-probabilities, when the provider gave them.
    pub p_a: Option<f64>,
    /// Option A's first attribute value as shown (already swapped for `ba`).
    pub a1: f64,
    /// Option A's second attribute value.
    pub a2: f64,
    /// Option A's third attribute value.
    pub a3: f64,
    /// Option A's fourth attribute value.
    pub a4: f64,
    /// Option A's fifth attribute value.
    pub a5: f64,
    /// Option B's first attribute value as shown (already swapped for `ba`).
    pub b1: f64,
    /// Option B's second attribute value.
    pub b2: f64,
    /// Option B's third attribute value.
    pub b3: f64,
    /// Option B's fourth attribute value.
    pub b4: f64,
    /// Option B's fifth attribute value.
    pub b5: f64,
    /// A parsed report's first weight (`w1`..`w5`: its five weights, in attribute order).
    pub w1: Option<f64>,
    /// The report's second weight.
    pub w2: Option<f64>,
    /// The report's third weight.
    pub w3: Option<f64>,
    /// The report's fourth weight.
    pub w4: Option<f64>,
    /// The report's fifth weight.
    pub w5: Option<f64>,
    /// A valid report with a value outside -100..100 (kept, not clipped).
    pub out_of_range: Option<bool>,
    /// Prompt tokens the provider counted.
    pub tokens_in: Option<u64>,
    /// Completion tokens the provider counted.
    pub tokens_out: Option<u64>,
    /// sha256 of the exact prompt (empty for imported data).
    pub prompt_sha256: Option<String>,
    /// The raw response text.
    pub response: String,
}

/// Output format of [`write()`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated values with a header row.
    Csv,
    /// One JSON object per line.
    Jsonl,
}

/// Why a table could not be written.
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    /// Writing failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The CSV writer failed.
    #[error("{0}")]
    Csv(#[from] csv::Error),
    /// A row could not be serialised as JSON.
    #[error("{0}")]
    Json(#[from] serde_json::Error),
}

fn mean_sd(values: &[f64]) -> (Option<f64>, Option<f64>) {
    let n = values.len();
    if n == 0 {
        return (None, None);
    }
    let mean: f64 = values.iter().sum::<f64>() / n as f64;
    let sd = (n >= 2).then(|| {
        let ss: f64 = values.iter().map(|v| (v - mean).powi(2)).sum();
        (ss / (n - 1) as f64).sqrt()
    });
    (Some(mean), sd)
}

/// Five rows per scored context, in the summary's context order.
pub fn weight_rows(s: &Scored, id: &RunIdentity) -> Vec<WeightRow> {
    let quality: Vec<&ContextQuality> = s
        .summary
        .quality
        .as_ref()
        .map(|q| q.contexts.iter().collect())
        .unwrap_or_default();
    let mut rows = Vec::with_capacity(s.summary.contexts.len() * N_ATTR);
    for c in &s.summary.contexts {
        let q = quality.iter().find(|q| q.id == c.id);
        let names: Vec<String> = s
            .contexts
            .get(&c.id)
            .map(|m| m.attributes.clone())
            .unwrap_or_else(|| (1..=N_ATTR).map(|k| format!("attribute_{k}")).collect());
        // Valid reports of this context, for their spread (the summary keeps only the mean).
        let reports: Vec<[f64; N_ATTR]> = s
            .bundle
            .samples
            .iter()
            .filter(|x| x.kind == KindKey::Report && x.context == c.id)
            .filter_map(|x| match &x.parsed {
                Some(Parsed::Weights(w)) => Some(w.0),
                _ => None,
            })
            .collect();
        for k in 0..N_ATTR {
            let values: Vec<f64> = reports.iter().map(|w| w[k]).collect();
            let (_, sd) = mean_sd(&values);
            rows.push(WeightRow {
                run_id: id.run_id.clone(),
                provider: id.provider.clone(),
                model: id.model.clone(),
                experiment: id.experiment.clone(),
                preset: id.preset.clone(),
                benchmark: id.benchmark.clone(),
                context: c.id.as_str().to_string(),
                attribute_index: k + 1,
                attribute: names.get(k).cloned().unwrap_or_default(),
                learned: c.learned.as_ref().map(|w| w.0[k]),
                reported: c.reported.as_ref().map(|w| w.0[k]),
                reported_sd: sd,
                target: c.target.as_ref().map(|w| w.0[k]),
                slope: c.slopes[k],
                slope_se: c.slope_se[k],
                intercept: c.intercept,
                intercept_se: c.intercept_se,
                converged: c.converged,
                n_choices: c.n_choices,
                n_reports: c.n_reports,
                n_reports_valid: c.n_reports_valid,
                context_r: c.per_context_r,
                context_behavioural_reliability: q.and_then(|q| q.behavioural_reliability),
                context_report_reliability: q.and_then(|q| q.report_reliability),
                context_at_chance: q.and_then(|q| q.fit.at_chance),
                context_heldout_r2: q.and_then(|q| q.fit.heldout_r2),
            });
        }
    }
    rows
}

/// One row per sample, in file order.
pub fn sample_rows(samples: &[Sample], id: &RunIdentity) -> Vec<SampleRow> {
    samples.iter().map(|x| sample_row(x, id)).collect()
}

fn sample_row(x: &Sample, id: &RunIdentity) -> SampleRow {
    let (a, b) = (x.options.a.0, x.options.b.0);
    let w: Option<[f64; N_ATTR]> = match &x.parsed {
        Some(Parsed::Weights(w)) => Some(w.0),
        _ => None,
    };
    SampleRow {
        run_id: id.run_id.clone(),
        provider: id.provider.clone(),
        model: id.model.clone(),
        experiment: id.experiment.clone(),
        preset: id.preset.clone(),
        benchmark: id.benchmark.clone(),
        context: x.context.as_str().to_string(),
        kind: x.kind.as_str(),
        index: x.index,
        order: x.order.as_str(),
        status: x.status.clone(),
        choice: match &x.parsed {
            Some(Parsed::Choice(Choice::A)) => Some("A"),
            Some(Parsed::Choice(Choice::B)) => Some("B"),
            _ => None,
        },
        p_a: x.p_a,
        a1: a[0],
        a2: a[1],
        a3: a[2],
        a4: a[3],
        a5: a[4],
        b1: b[0],
        b2: b[1],
        b3: b[2],
        b4: b[3],
        b5: b[4],
        w1: w.map(|w| w[0]),
        w2: w.map(|w| w[1]),
        w3: w.map(|w| w[2]),
        w4: w.map(|w| w[3]),
        w5: w.map(|w| w[4]),
        out_of_range: x.out_of_range,
        tokens_in: x.tokens_in,
        tokens_out: x.tokens_out,
        prompt_sha256: x.prompt_sha256.clone(),
        response: x.response.clone(),
    }
}

/// Writes `rows` as CSV (a header line, then one line per row, text cells made inert by
/// `inert`) or JSON Lines (as they are).
pub fn write<T: Serialize, W: Write>(rows: &[T], format: Format, out: W) -> Result<(), TableError> {
    match format {
        Format::Csv => {
            let mut plain = csv::Writer::from_writer(Vec::new());
            for r in rows {
                plain.serialize(r)?;
            }
            let plain: Vec<u8> = plain.into_inner().map_err(|e| e.into_error())?;
            let mut read = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(plain.as_slice());
            let mut w = csv::Writer::from_writer(out);
            for record in read.records() {
                let record: csv::StringRecord = record?;
                w.write_record(record.iter().map(|c| inert(c).into_owned()))?;
            }
            w.flush()?;
        }
        Format::Jsonl => {
            let mut out = std::io::BufWriter::new(out);
            for r in rows {
                serde_json::to_writer(&mut out, r)?;
                out.write_all(b"\n")?;
            }
            out.flush()?;
        }
    }
    Ok(())
}

/// A CSV cell a spreadsheet will not run: text starting with `=`, `+`, `-`, `@`, a tab or a
/// carriage return (a formula to Excel, LibreOffice and Google Sheets) gets a leading `'`;
/// numbers (`-0.5`, `+1e3`) and all other text are kept as they are.
pub fn inert(cell: &str) -> std::borrow::Cow<'_, str> {
    let risky: bool = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && cell.parse::<f64>().is_err() {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// Creates (or truncates) `path` for writing without following a symbolic link there: a link
/// planted at the output's name fails with `ELOOP` instead of redirecting the write.
pub fn create_no_follow(path: &std::path::Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
}
