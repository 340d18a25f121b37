//! `selfinterp score DIR`: re-score a run bundle from its raw samples, with no model calls.
//!
//! `--reports-from OTHER_DIR` is the study's control: DIR's choices (the fine-tuned model's
//! learned weights) scored against OTHER_DIR's reports (the base model's). It needs no new
//! calls because both bundles already hold what it compares.

use super::Cli;
use super::exit::Failure;
use clap::Args;
use selfinterp::bundle::{self, Bundle, BundleSummary, OpenBundle, RunManifest};
use selfinterp::reports::quality::{CORRECTED_LABEL, corrected_r_with_ci};
use selfinterp::reports::text::{MISSING, clamp_r, flag_words, quality_sentence};
use selfinterp::scoring::Summary;
use selfinterp::scoring::quality::Quality;
use selfinterp::types::{ContextId, Weights};
use std::path::{Path, PathBuf};
use tabled::Table;
use tabled::settings::Style;

#[derive(Args, Debug)]
pub struct ScoreArgs {
    /// Run bundle directory
    pub dir: PathBuf,
    /// Print the summary as one JSON object
    #[arg(long)]
    pub json: bool,
    /// Also rewrite DIR/summary.json
    #[arg(long, conflicts_with = "reports_from")]
    pub write: bool,
    /// The control: score DIR's choices against the reports of the bundle in OTHER_DIR
    /// (e.g. the base model's on the same split); DIR's own reports are ignored
    #[arg(long, value_name = "OTHER_DIR")]
    pub reports_from: Option<PathBuf>,
}

/// Opens the bundle in `dir` for scoring, against the benchmark directory of `cli`.
pub(crate) fn open(cli: &Cli, dir: &Path) -> Result<OpenBundle, Failure> {
    bundle::open(&cli.benchmark_dir(), dir).map_err(Failure::from)
}

/// The control's summary ([`selfinterp::bundle::control::control_summary`]).
pub fn control_summary(
    cli: &Cli,
    choices: &Bundle,
    reports: &Bundle,
) -> Result<BundleSummary, Failure> {
    Ok(bundle::control::control_summary(
        &cli.benchmark_dir(),
        choices,
        reports,
    )?)
}

/// Reads a bundle and scores it: the benchmark it names (checked by hash) or its own contexts.
pub fn score_bundle(cli: &Cli, dir: &Path) -> Result<(Bundle, BundleSummary), Failure> {
    super::expect_bundle(dir)?;
    let opened: OpenBundle = open(cli, dir)?;
    let summary: BundleSummary = opened.summary()?;
    Ok((opened.bundle, summary))
}

pub fn run(cli: &Cli, a: &ScoreArgs) -> anyhow::Result<()> {
    super::expect_bundle(&a.dir)?;
    // What was read (the full way or the lean way), left to the process's end (freeing every
    // sample one by one would only cost time).
    let mut held: Option<Bundle> = None;
    let mut lean: Option<bundle::LeanRead> = None;
    let (manifest, summary): (RunManifest, BundleSummary) = match &a.reports_from {
        // A plain run's canonical bundle is read the lean way (the same checks and summary).
        None => match bundle::lean_summary(&cli.benchmark_dir(), &a.dir) {
            Some((m, s, read)) => {
                lean = Some(read);
                (m, s)
            }
            None => {
                let (b, s) = score_bundle(cli, &a.dir)?;
                (held.insert(b).manifest.clone(), s)
            }
        },
        Some(other) => {
            super::expect_bundle(other)?;
            let b: Bundle = bundle::read(&a.dir)?;
            let o: Bundle = bundle::read(other)?;
            let s: BundleSummary = control_summary(cli, &b, &o)?;
            if !a.json {
                eprintln!(
                    "control: choices of {} ({}), reports of {} ({})",
                    b.manifest.model,
                    a.dir.display(),
                    o.manifest.model,
                    other.display()
                );
            }
            (held.insert(b).manifest.clone(), s)
        }
    };
    if a.write {
        bundle::write_summary(&a.dir, &summary)?;
    }
    let text: String = if a.json {
        serde_json::to_string(&summary)?
    } else {
        let mut t: String = human(&manifest, &summary);
        if let Some(p) = &summary.privileged_access {
            t.push_str(&format!(
                "\nprivileged access: own reports r {}, observer model r {}, ideal observer r {} ({} choices shown, {} contexts, held-out choices)\n{}",
                num(p.self_report.r),
                num(p.observer_model.r),
                num(p.ideal_observer.r),
                p.examples,
                p.n_contexts,
                p.reading
            ));
        }
        t
    };
    let printed = print_stdout(&text);
    std::mem::forget((held, lean));
    printed
}

/// Prints a line to stdout; a closed pipe (`| head`) ends quietly (exit 141).
fn print_stdout(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            Err(Failure::new(super::exit::Exit::BrokenPipe, "").into())
        }
        Err(e) => Err(e.into()),
        Ok(()) => Ok(()),
    }
}

/// A figure to three decimals; "–" when undefined (null in the JSON), as in the reports.
fn num(v: Option<f64>) -> String {
    match v.filter(|x| x.is_finite()) {
        Some(x) => format!("{x:.3}"),
        None => MISSING.to_string(),
    }
}

fn interval(v: Option<[f64; 2]>) -> String {
    match v.filter(|[a, b]| a.is_finite() && b.is_finite()) {
        Some([a, b]) => format!("[{a:.3}, {b:.3}]"),
        None => MISSING.to_string(),
    }
}

/// The measurement-quality lines: both reliabilities, the ceiling, the corrected score, the
/// flag in plain words, and the contexts fitted at chance.
fn quality(q: &Quality) -> String {
    let f = num;
    // An interval after its value, or nothing when there is none.
    let ci = |v: Option<[f64; 2]>| match v {
        Some(_) => format!(" {}", interval(v)),
        None => String::new(),
    };
    let mut out: String = format!(
        "\nmeasurement quality: {}{}\n  behavioural reliability {}{}, report reliability {}{}\n  \
noise ceiling {}; {CORRECTED_LABEL} {}\n  {}\n",
        flag_words(Some(q.flag)),
        if q.rankable { "" } else { " (not rankable)" },
        f(q.behavioural_reliability.value),
        ci(q.behavioural_reliability.ci),
        f(q.report_reliability.value),
        ci(q.report_reliability.ci),
        f(q.ceiling.noise_ceiling),
        corrected_r_with_ci(q.ceiling.corrected_r, q.ceiling.corrected_r_ci),
        quality_sentence(Some(q)),
    );
    let chance: &[ContextId] = &q.fit.at_chance;
    out.push_str(&format!(
        "  fit: {} of {} contexts at chance{}\n",
        q.fit.n_at_chance,
        q.fit.n_contexts,
        if chance.is_empty() {
            String::new()
        } else {
            let shown: Vec<&str> = chance.iter().take(5).map(ContextId::as_str).collect();
            let more: usize = chance.len().saturating_sub(shown.len());
            format!(
                " ({}{})",
                shown.join(", "),
                if more > 0 {
                    format!(", and {more} more")
                } else {
                    String::new()
                }
            )
        }
    ));
    out
}

/// A readable summary: the comparisons, the measurement quality, then the per-context table.
fn human(m: &RunManifest, summary: &BundleSummary) -> String {
    let s: &Summary = &summary.score;
    let mut out: String = format!(
        "{} {} on {} ({} samples, {} invalid choices, {} invalid reports)\n\n",
        m.provider,
        m.model,
        m.benchmark.as_deref().unwrap_or(&m.source),
        m.counts.samples,
        m.counts.invalid_choices,
        m.counts.invalid_reports_text()
    );
    let mut rows: Vec<[String; 6]> = vec![[
        "comparison".into(),
        "r".into(),
        "95% CI (study, clamped to [-1, 1])".into(),
        "95% CI (bootstrap)".into(),
        "n".into(),
        "chance r".into(),
    ]];
    for (key, c) in [
        ("reports_vs_learned", &s.reports_vs_learned),
        ("learned_vs_target", &s.learned_vs_target),
        ("reports_vs_target", &s.reports_vs_target),
    ] {
        let Some(c) = c else { continue };
        rows.push([
            key.replace('_', " "),
            num(c.r),
            interval(clamp_r(c.ci_study)),
            interval(c.ci_bootstrap),
            c.n.to_string(),
            num(c.null.mean),
        ]);
    }
    out.push_str(&Table::from_iter(rows).with(Style::rounded()).to_string());
    out.push('\n');
    for (key, v) in [
        ("choice_agreement", s.choice_agreement),
        ("invalid_report_rate", s.invalid_report_rate),
        ("p_answer_a", s.p_answer_a),
    ] {
        if v.is_some_and(f64::is_finite) {
            out.push_str(&format!("{}: {}\n", key.replace('_', " "), num(v)));
        }
    }
    if let Some(pb) = &summary.position_bias {
        out.push_str(&format!(
            "position bias (pairs asked both ways: {}): P(A) as frozen {}, swapped {}; same option both times {}; \
             A both times {}; mean intercept {}\n",
            pb.n_pairs,
            num(pb.p_answer_a_ab),
            num(pb.p_answer_a_ba),
            num(pb.consistency),
            num(pb.always_a),
            num(pb.mean_intercept),
        ));
    }
    if let Some(q) = &s.quality {
        out.push_str(&quality(q));
    }
    let mut rows: Vec<[String; 5]> = vec![[
        "context".into(),
        "learned".into(),
        "reported".into(),
        "choices".into(),
        "valid reports".into(),
    ]];
    let fmt5 = |v: Option<&Weights>| match v {
        Some(w) => {
            w.0.iter()
                .map(|x| {
                    if x.is_finite() {
                        format!("{x:.0}")
                    } else {
                        String::new()
                    }
                })
                .collect::<Vec<_>>()
                .join(" ")
        }
        None => MISSING.to_string(),
    };
    for c in &s.contexts {
        rows.push([
            c.id.as_str().to_string(),
            fmt5(c.learned.as_ref()),
            fmt5(c.reported.as_ref()),
            c.n_choices.to_string(),
            c.n_reports_valid.to_string(),
        ]);
    }
    out.push('\n');
    out.push_str(&Table::from_iter(rows).with(Style::psql()).to_string());
    out
}
