//! The measurement-quality rows every format shows beside the raw score: how reliable each
//! measurement is, the noise ceiling, and the score corrected for attenuation (see
//! [`crate::scoring::quality`] for the method).

use super::data::{ContextLine, ReportData};
use super::text::{MISSING, clamp_r, count, interval, num, pct};
use crate::scoring::quality::Quality;

/// Heading of the corrected score wherever it is shown.
pub const CORRECTED_LABEL: &str = "corrected r (corrected for attenuation)";

/// A corrected (disattenuated) r as `score`, the reports and the leaderboard's pages print it:
/// within [-1, 1]. Raw r / noise ceiling passes ±1 when sampling error, or a reliability
/// estimated low, puts the raw r above the estimated ceiling; beyond ±1 it is no correlation,
/// so it is printed as ±1.000 "at the ceiling" (the raw r reaches what the noise allows). The
/// JSON keeps the raw value (`quality.corrected_r`; docs/statistics.md, *The corrected r as
/// shown*).
pub fn corrected_r(v: Option<f64>) -> String {
    match v {
        Some(x) if x > 1.0 => "1.000 (at the ceiling)".to_string(),
        Some(x) if x < -1.0 => "-1.000 (at the ceiling)".to_string(),
        other => num(other, 3),
    }
}

/// The interval of a corrected r as printed: an end beyond ±1 is printed at ±1 and the
/// clamping said; the JSON keeps the raw ends (`quality.corrected_r_ci`).
pub fn corrected_r_interval(ci: Option<[f64; 2]>) -> String {
    if ci.is_some_and(|[lo, hi]| lo < -1.0 || hi > 1.0) {
        format!("{} (clamped to [-1, 1])", interval(clamp_r(ci)))
    } else {
        interval(ci)
    }
}

/// A corrected r and its interval as one phrase, for prose and single cells: "0.712, 95% CI
/// [0.503, 0.881]", or at the ceiling "1.000 at the ceiling, 95% CI [0.965, 1.000] clamped to
/// [-1, 1]" (it read "1.000 (at the ceiling) (95% CI [0.965, 1.000] (clamped to [-1, 1]))").
/// The quality table keeps value and interval in their own cells.
pub fn corrected_r_with_ci(v: Option<f64>, ci: Option<[f64; 2]>) -> String {
    let value: String = match v {
        Some(x) if x > 1.0 => "1.000 at the ceiling".to_string(),
        Some(x) if x < -1.0 => "-1.000 at the ceiling".to_string(),
        other => num(other, 3),
    };
    match ci {
        Some([lo, hi]) if lo < -1.0 || hi > 1.0 => format!(
            "{value}, 95% CI {} clamped to [-1, 1]",
            interval(clamp_r(ci))
        ),
        Some(_) => format!("{value}, 95% CI {}", interval(ci)),
        None => value,
    }
}

/// One row of the quality table: (measure, value, 95% CI, what it means).
pub type QualityRow = [String; 4];

/// The quality table, or nothing for a summary scored before quality existed.
pub fn quality_rows(r: &ReportData) -> Vec<QualityRow> {
    let Some(q) = &r.summary.quality else {
        return Vec::new();
    };
    let b = &q.behavioural_reliability;
    let p = &q.report_reliability;
    let f = &q.fit;
    vec![
        [
            "raw r (reports vs learned)".into(),
            num(r.headline.r, 3),
            interval(r.headline.ci_bootstrap),
            "the score as measured (context bootstrap interval)".into(),
        ],
        [
            "design effect".into(),
            num(r.headline.design_effect, 2),
            MISSING.into(),
            design_effect_reading(r.headline.design_effect, r.headline.n_contexts),
        ],
        [
            "behavioural reliability".into(),
            num(b.value, 3),
            interval(b.ci),
            format!(
                "agreement of weights learned from two halves of each context's choices \
(split-half r {}, {} splits, Spearman-Brown to all choices; the interval reaches up to the \
length-extrapolated estimate, as the projection runs low) over {} contexts; below {} the \
run is not ranked",
                num(b.split_half_r, 3),
                b.splits,
                b.n_contexts,
                num(Some(b.threshold), 1)
            ),
        ],
        [
            "report reliability".into(),
            num(p.value, 3),
            interval(p.ci),
            format!(
                "agreement between a context's reports (single report r {}, mean of {} reports) \
over {} contexts{}",
                num(p.single_report_r, 3),
                num(p.mean_reports, 1),
                p.n_contexts,
                match p.n_contexts_single_report {
                    0 => String::new(),
                    n => format!(
                        "; {n} scored contexts with a single report have no agreement to \
measure and count as 1 report in that mean"
                    ),
                }
            ),
        ],
        [
            "noise ceiling".into(),
            num(q.ceiling.noise_ceiling, 3),
            MISSING.into(),
            "the largest r these two measurements could show: sqrt(behavioural × report reliability)"
                .into(),
        ],
        [
            CORRECTED_LABEL.into(),
            corrected_r(q.ceiling.corrected_r),
            corrected_r_interval(q.ceiling.corrected_r_ci),
            format!(
                "raw r / noise ceiling, an estimate of the agreement free of measurement noise; \
sampling error, and a split-half reliability that runs up to 0.08 low at low signal, can put \
it beyond 1, where it is no correlation: it is then shown as 1.000 at the ceiling (the raw r \
reaches what the noise allows) and its interval clamped to [-1, 1]{}",
                match (q.ceiling.corrected_r_resamples, q.ceiling.corrected_r_undefined) {
                    (0, _) => "; undefined without both reliabilities above 0".to_string(),
                    (n, 0) => format!("; interval from {} context-bootstrap resamples", count(n)),
                    (n, u) => format!(
                        "; interval from {} context-bootstrap resamples, {} of them undefined",
                        count(n),
                        count(u)
                    ),
                }
            ),
        ],
        [
            "fit of the choice model".into(),
            format!("{} of {} at chance", f.n_at_chance, f.n_contexts),
            MISSING.into(),
            format!(
                "contexts whose options do not predict choices significantly better than the \
letter alone (likelihood-ratio test at 5%); mean held-out R² {}, mean McFadden R² {}, choices \
predicted {} (letter alone {})",
                num(f.mean_heldout_r2, 3),
                num(f.mean_mcfadden_r2, 3),
                pct(f.mean_accuracy),
                pct(f.mean_accuracy_letter)
            ),
        ],
    ]
}

/// What the design effect of the main score says, in words (the quality table's row, and the
/// JSON headline's `design_effect_reading`); docs/statistics.md defines it.
pub fn design_effect_reading(design_effect: Option<f64>, contexts: usize) -> String {
    let Some(d) = design_effect else {
        return "undefined: too few contexts or points for the two jackknife variances".into();
    };
    let base: &str = "variance of r leaving out one context at a time over that leaving out one \
point at a time";
    if d >= 1.0 {
        return format!(
            "{base}: a context's points move together, so the N points carry about the \
information of N / {} independent ones; the bootstrap interval resamples contexts and allows \
for this, the study's interval does not",
            num(Some(d), 2)
        );
    }
    // "A little below 1 may be noise" read oddly beside 0.44 (seen in the screenshots).
    let caveat: &str = if d >= 0.9 {
        "so a value a little below 1 may be noise"
    } else {
        "so the value is itself uncertain"
    };
    format!(
        "{base}; below 1: r varies less between contexts than its number of points implies (a \
context's points partly cancel in their effect on r), so the points carry at least the \
information of as many independent ones. It does not make the study's point-based interval \
the right one, and both variances are estimated from {contexts} contexts, {caveat}"
    )
}

/// The headline's second line: the corrected score beside the raw one.
pub fn corrected_summary(q: &Quality) -> String {
    let reliabilities: String = format!(
        "behavioural reliability {}, report reliability {}",
        num(q.behavioural_reliability.value, 3),
        num(q.report_reliability.value, 3)
    );
    match (q.ceiling.corrected_r, q.ceiling.noise_ceiling) {
        (Some(_), Some(ceiling)) => format!(
            "Corrected for attenuation: r = {}; the raw r over a noise ceiling of {} \
({reliabilities})",
            corrected_r_with_ci(q.ceiling.corrected_r, q.ceiling.corrected_r_ci),
            num(Some(ceiling), 3)
        ),
        // "r = –; the raw r over a noise ceiling of –" said nothing.
        _ => format!(
            "Corrected for attenuation: none, as it needs both reliabilities defined and above \
0 ({reliabilities})"
        ),
    }
}

/// The context table's quality cells: behavioural reliability, held-out R², fit verdict.
pub fn context_cells(c: &ContextLine<'_>) -> [String; 3] {
    let q = c.quality;
    [
        num(q.and_then(|q| q.behavioural_reliability), 2),
        num(q.and_then(|q| q.fit.heldout_r2), 3),
        match q.and_then(|q| q.fit.at_chance) {
            Some(true) => AT_CHANCE.into(),
            Some(false) => "ok".into(),
            None => MISSING.into(),
        },
    ]
}

/// Marks a context whose choices the model answers at random as far as the fit can tell.
pub const AT_CHANCE: &str = "at chance";

/// Headers of [`context_cells`].
pub const CONTEXT_HEADERS: [&str; 3] = ["behav. reliability", "held-out R²", "fit"];

#[cfg(test)]
mod tests {
    use super::{corrected_r, corrected_r_interval, corrected_r_with_ci, design_effect_reading};

    /// The SmolLM2-135M observer run's corrected r printed "0.191 [-0.171, 1.322]", the
    /// stored faithful quick run's "1.032 [0.996, 1.049]".
    #[test]
    fn a_corrected_r_is_printed_within_minus_1_and_1() {
        assert_eq!(corrected_r(Some(1.0321)), "1.000 (at the ceiling)");
        assert_eq!(corrected_r(Some(-1.2)), "-1.000 (at the ceiling)");
        assert_eq!(corrected_r(Some(1.0)), "1.000");
        assert_eq!(corrected_r(Some(0.1908)), "0.191");
        assert_eq!(corrected_r(None), super::MISSING);
        assert_eq!(
            corrected_r_interval(Some([-0.1714, 1.3224])),
            "[-0.171, 1.000] (clamped to [-1, 1])"
        );
        assert_eq!(
            corrected_r_interval(Some([-1.5, 0.2])),
            "[-1.000, 0.200] (clamped to [-1, 1])"
        );
        assert_eq!(corrected_r_interval(Some([0.276, 0.849])), "[0.276, 0.849]");
        assert_eq!(corrected_r_interval(None), super::MISSING);
    }

    /// The headline and the leaderboard's page read "1.000 (at the ceiling) (95% CI [0.965,
    /// 1.000] (clamped to [-1, 1]))": parentheses inside parentheses.
    #[test]
    fn a_corrected_r_and_its_interval_read_as_one_phrase() {
        assert_eq!(
            corrected_r_with_ci(Some(1.0321), Some([0.9651, 1.049])),
            "1.000 at the ceiling, 95% CI [0.965, 1.000] clamped to [-1, 1]"
        );
        assert_eq!(
            corrected_r_with_ci(Some(0.1908), Some([-0.1714, 1.3224])),
            "0.191, 95% CI [-0.171, 1.000] clamped to [-1, 1]"
        );
        assert_eq!(
            corrected_r_with_ci(Some(0.7123), Some([0.503, 0.881])),
            "0.712, 95% CI [0.503, 0.881]"
        );
        assert_eq!(
            corrected_r_with_ci(Some(-1.2), None),
            "-1.000 at the ceiling"
        );
        assert_eq!(corrected_r_with_ci(None, None), super::MISSING);
        for s in [
            corrected_r_with_ci(Some(1.0321), Some([0.9651, 1.049])),
            corrected_r_with_ci(Some(0.1908), Some([-0.1714, 1.3224])),
        ] {
            assert!(!s.contains('('), "{s}");
        }
    }

    #[test]
    fn a_design_effect_below_1_is_read_as_such() {
        let below: String = design_effect_reading(Some(0.8), 20);
        assert!(below.contains("below 1"), "{below}");
        assert!(below.contains("from 20 contexts"), "{below}");
        assert!(below.contains("does not make the study's point-based interval"));
        assert!(below.ends_with("the value is itself uncertain"), "{below}");
        let near: String = design_effect_reading(Some(0.95), 20);
        assert!(
            near.ends_with("a value a little below 1 may be noise"),
            "{near}"
        );
        let above: String = design_effect_reading(Some(2.5), 100);
        assert!(above.contains("N / 2.50 independent ones"), "{above}");
        assert!(!above.contains("below 1"));
        assert!(design_effect_reading(None, 2).starts_with("undefined"));
    }
}
