//! Words and counts that say no more than the numbers: the out-of-range treatment's context
//! counts.

use crate::support::{assert_ok, bin, score_json};
use selfinterp::parsing::{ChoiceStatus, ReportStatus};
use selfinterp::scoring::{ChoiceObs, ContextInput, ReportObs, ScoreOptions, score};
use selfinterp::types::{Choice, ContextId, N_ATTR, Pair, Values, Weights};
use serde_json::Value;

fn context(i: usize, report: [f64; N_ATTR]) -> ContextInput {
    let choices: Vec<ChoiceObs> = (0..12)
        .map(|j| {
            let v = |s: f64| {
                Values(std::array::from_fn(|k| {
                    ((i + j * 7 + k * 3) % 10) as f64 * s
                }))
            };
            ChoiceObs {
                pair: Pair {
                    a: v(0.1),
                    b: v(0.07),
                },
                p_a: None,
                choice: Some(if (i + j).is_multiple_of(3) {
                    Choice::A
                } else {
                    Choice::B
                }),
                status: ChoiceStatus::Exact,
            }
        })
        .collect();
    ContextInput {
        id: ContextId(format!("c{i}")),
        ranges: [(0.0, 1.0); N_ATTR],
        target: None,
        choices,
        reports: vec![ReportObs {
            status: ReportStatus::Valid,
            weights: Some(Weights(report)),
            out_of_range: report.iter().any(|v| v.abs() > 100.0),
        }],
    }
}

#[test]
fn out_of_range_counts_the_contexts_kept_and_the_contexts_dropped() {
    // Six contexts; two have only an out-of-range report, so excluding those reports leaves
    // four contexts in the score and drops two.
    let mut inputs: Vec<ContextInput> = (0..4)
        .map(|i| context(i, [10.0 * i as f64, -50.0, 30.0, 0.0, 100.0]))
        .collect();
    inputs.push(context(4, [250.0, 0.0, 0.0, 0.0, 0.0]));
    inputs.push(context(5, [0.0, -300.0, 0.0, 10.0, 0.0]));
    let opts = ScoreOptions {
        bootstrap_resamples: 20,
        null_permutations: 5,
        ..ScoreOptions::default()
    };
    let v: Value = serde_json::to_value(score(&inputs, &opts).unwrap()).unwrap();
    let oor: &Value = &v["missingness"]["out_of_range"];
    assert_eq!(oor["n_reports"], 2, "{oor}");
    assert_eq!(oor["n_contexts_when_excluded"], 4, "{oor}");
    assert_eq!(oor["n_contexts_dropped_when_excluded"], 2, "{oor}");
    assert!(oor.get("n_contexts_excluded").is_none(), "{oor}");
}

#[test]
fn report_reliability_counts_contexts_with_a_single_report() {
    // Six contexts with three reports each and three with one: the score averages 3 reports
    // in six contexts and 1 in three, so the reliability is that of means of the harmonic
    // mean 9 / (6/3 + 3) = 1.8 reports, not of 3 (the contexts with two or more alone).
    let mut inputs: Vec<ContextInput> = (0..9)
        .map(|i| {
            context(
                i,
                [10.0 * i as f64, -50.0, 30.0, 0.0, 100.0 - 5.0 * i as f64],
            )
        })
        .collect();
    for (i, c) in inputs.iter_mut().enumerate().take(6) {
        let base: Weights = c.reports[0].weights.unwrap();
        for j in 1..3 {
            let mut w: Weights = base;
            w.0[j] += 7.0 * j as f64 - 3.0 * i as f64;
            c.reports.push(ReportObs {
                status: ReportStatus::Valid,
                weights: Some(w),
                out_of_range: false,
            });
        }
    }
    let opts = ScoreOptions {
        bootstrap_resamples: 20,
        null_permutations: 5,
        ..ScoreOptions::default()
    };
    let v: Value = serde_json::to_value(score(&inputs, &opts).unwrap()).unwrap();
    let rr: &Value = &v["quality"]["report_reliability"];
    assert_eq!(rr["n_contexts"], 6, "{rr}");
    assert_eq!(rr["n_contexts_single_report"], 3, "{rr}");
    let k: f64 = rr["mean_reports"].as_f64().unwrap();
    assert!((k - 1.8).abs() < 1e-12, "{rr}");
    let r1: f64 = rr["single_report_r"].as_f64().unwrap();
    let want: f64 = k * r1 / (1.0 + (k - 1.0) * r1);
    assert!((rr["value"].as_f64().unwrap() - want).abs() < 1e-12, "{rr}");
}

#[test]
fn an_import_counts_only_the_contexts_it_holds() {
    // A contexts file listing a scenario the selections never ask: the run holds two
    // contexts, not three, and its report says so (it read "Contexts 3" with one
    // "undefined" per-context r for the context never asked).
    let t = tempfile::tempdir().unwrap();
    let fixtures = std::path::Path::new("tests/fixtures/import");
    let listed: String = std::fs::read_to_string(fixtures.join("contexts.csv")).unwrap();
    let extra: String = listed
        .lines()
        .nth(1)
        .unwrap()
        .replacen("kettle", "toaster", 1);
    let contexts = t.path().join("contexts.csv");
    std::fs::write(&contexts, format!("{listed}{extra}\n")).unwrap();
    let out = t.path().join("imp");
    let o = bin()
        .args(["import", "csv", "--model", "gpt-4o-mini", "--contexts"])
        .arg(&contexts)
        .arg("--selections")
        .arg(fixtures.join("selections.csv"))
        .arg("--reports")
        .arg(fixtures.join("reports.csv"))
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_ok(&o);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("the invalid-report rate is unknown"), "{err}");
    let v: Value = score_json(bin(), &[&out]);
    let score = &v["score"];
    let s: &Value = if score.is_object() { score } else { &v };
    assert_eq!(s["n_contexts"], 2, "{}", s["n_contexts"]);
    assert!(s["invalid_report_rate"].is_null());
    let md = t.path().join("r.md");
    let o = bin()
        .args(["report", "--format", "md", "--out"])
        .arg(&md)
        .arg(&out)
        .output()
        .unwrap();
    assert_ok(&o);
    let md: String = std::fs::read_to_string(&md).unwrap();
    assert!(md.contains("Contexts 2;"), "{md}");
    assert!(md.contains("The invalid-report rate is unknown"), "{md}");
    assert!(md.contains("undefined      0"), "{md}");
    // No requests were made: the run line does not say "complete: N of N requests answered".
    assert!(md.contains("imported: 130 rows of a data release"), "{md}");
    assert!(!md.contains("requests answered"), "{md}");
}
