//! Sentences and lines of a report that the Markdown and HTML exporters share, so that the
//! two formats cannot word a figure differently (neither borrows from the other).

use super::data::ReportData;
use super::status::reports_sentence;
use super::text::{MISSING, count, num, order_label, pct, proportion};

/// P(answer A) per presentation order.
pub fn order_shares(r: &ReportData) -> String {
    r.position_bias
        .by_order
        .iter()
        .map(|o| {
            format!(
                " Order {}: {} of {} parsed choices.",
                order_label(o.order),
                proportion(o.p_answer_a),
                count(o.n_valid)
            )
        })
        .collect()
}

/// The fitted intercepts in one sentence.
pub fn intercept_sentence(r: &ReportData) -> String {
    let p = &r.position_bias;
    format!(
        "Fitted intercept b0 (> 0 favours A): mean {}, sd {} over {} contexts; {} contexts favour A \
and {} favour B beyond 1.96 standard errors.",
        num(p.intercept_mean, 2),
        num(p.intercept_sd, 2),
        p.contexts_fitted,
        p.contexts_favouring_a,
        p.contexts_favouring_b
    )
}

/// Counts and invalid rates in one sentence.
pub fn overview_sentence(r: &ReportData) -> String {
    let o = &r.summary;
    let mut s: String = format!(
        "Contexts {}; choices {} ({} parsed, invalid {}); {}.",
        count(o.n_contexts),
        count(o.n_choices),
        count(o.n_choices_valid),
        pct(r.invalid_choice_rate()),
        reports_sentence(o)
    );
    if let Some(m) = &o.missingness {
        let (no_report, no_choices) = (
            m.contexts_without_valid_report.len(),
            m.contexts_without_choices.len(),
        );
        if no_report > 0 {
            s.push_str(&format!(
                " {} of the contexts have choices but no valid report and are left out of the score.",
                count(no_report)
            ));
        }
        if no_choices > 0 {
            s.push_str(&format!(
                " {} have no usable choice and are left out of the score.",
                count(no_choices)
            ));
        }
        if let Some(reason) = &m.invalid_report_rate_reason {
            s.push_str(&format!(" The invalid-report rate is unknown: {reason}."));
        }
    }
    if o.choice_agreement.is_some() {
        s.push_str(&format!(
            " Choices agreeing with the target profile's rule: {}.",
            pct(o.choice_agreement)
        ));
    }
    s
}

/// The calibration slope with its standard error, or a dash.
pub fn calibration(h: &super::data::Headline) -> String {
    match h.calibration {
        Some(c) => match c.slope_se {
            Some(se) => format!(
                "{} (SE {}; 1 = same scale)",
                num(Some(c.slope), 2),
                num(Some(se), 2)
            ),
            None => format!("{} (1 = same scale)", num(Some(c.slope), 2)),
        },
        None => MISSING.to_string(),
    }
}

/// (label, value) lines of the reproducibility block.
pub fn reproducibility_lines(r: &ReportData) -> Vec<(&'static str, String)> {
    let p = &r.reproducibility;
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| MISSING.to_string());
    let list = |v: &[String]| {
        if v.is_empty() {
            MISSING.to_string()
        } else {
            v.join(", ")
        }
    };
    vec![
        ("source", p.source.clone()),
        ("benchmark", opt(&p.benchmark)),
        ("benchmark sha256", opt(&p.benchmark_sha256)),
        ("prompt version", opt(&p.prompt_version)),
        (
            "harness",
            format!("{} {}", p.harness_name, p.harness_version),
        ),
        (
            "harness commit",
            format!(
                "{}{}",
                opt(&p.harness_commit),
                if p.harness_dirty == Some(true) {
                    " (uncommitted changes)"
                } else {
                    ""
                }
            ),
        ),
        ("provider", p.provider.clone()),
        ("model id", p.model.clone()),
        ("server model ids", list(&p.server_model_ids)),
        ("system fingerprints", list(&p.system_fingerprints)),
        (
            "seeds",
            format!(
                "benchmark {}, provider {}, scoring {}",
                opt(&p.seed_benchmark),
                p.seed_provider,
                p.seed_scoring
            ),
        ),
        ("temperature", num(p.temperature, 1)),
        ("constraint", p.constraint.clone()),
        (
            "soft labels (log-probabilities)",
            if p.soft_labels_used {
                "used"
            } else {
                "not used"
            }
            .to_string(),
        ),
        (
            "resampling",
            format!(
                "{} bootstrap resamples, {} null permutations",
                count(p.bootstrap_resamples),
                count(p.null_permutations)
            ),
        ),
        (
            "run",
            if p.source.starts_with("import:") {
                // No requests were made: the release's rows are all there is to count.
                format!(
                    "imported: {} rows of a data release (no requests; what the release \
dropped, invalid answers included, is unknown)",
                    count(p.samples)
                )
            } else {
                format!(
                    "{}: {} of {} requests answered, {} failed",
                    p.status,
                    count(p.samples),
                    count(p.planned),
                    count(p.errors)
                )
            },
        ),
    ]
}
