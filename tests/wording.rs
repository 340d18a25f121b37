//! Words and counts that say no more than the numbers: the out-of-range treatment's context
//! counts.

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
