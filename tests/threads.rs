//! Scoring gives byte-identical summaries on any number of threads: contexts, split halves,
//! comparisons and the quality block run in parallel (rayon), each from seeded streams
//! fixed in input order.

use crate::quality::Agent;
use selfinterp::scoring::{ContextInput, ScoreOptions, score};
use selfinterp::types::Weights;

fn summary_json(inputs: &[ContextInput], threads: usize) -> String {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let summary = pool.install(|| score(inputs, &ScoreOptions::default()).unwrap());
    serde_json::to_string(&summary).unwrap()
}

#[test]
fn summaries_do_not_depend_on_the_number_of_threads() {
    // Reports, soft labels and targets: all three comparisons, the ceiling and the partial
    // correlation are computed.
    let agent: Agent = Agent::new(40, 0.7, 1.0, 15.0, 31);
    let mut inputs: Vec<ContextInput> = agent.run(24, 3, true, 32);
    for (input, truth) in inputs.iter_mut().zip(&agent.truth) {
        input.target = Some(Weights(*truth));
    }
    let one: String = summary_json(&inputs, 1);
    assert!(one.contains("\"reports_vs_target\":{"), "{}", &one[..200]);
    assert!(one.contains("\"partial_reports_learned_given_target\":{"));
    for threads in [2, 3] {
        assert!(
            summary_json(&inputs, threads) == one,
            "{threads} threads differ from one"
        );
    }
}
