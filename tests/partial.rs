//! The partial r of reports and learned weights given the target
//! (`partial_reports_learned_given_target`) on a stored instilled bundle, against an
//! independent computation from the bundle's raw samples
//! (scripts/reference/partial_bundle_reference.py), and the words the reports give it.

use crate::support::{assert_ok, bin, score_json};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn close(a: f64, b: f64, tol: f64, what: &str) {
    assert!((a - b).abs() <= tol, "{what}: {a} vs reference {b}");
}

#[test]
fn partial_r_of_a_stored_bundle_matches_an_independent_computation() {
    let fixture: Value = serde_json::from_str(
        &std::fs::read_to_string(
            root().join("tests/fixtures/scoring/partial_bundle_reference.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let bundle: PathBuf = root().join(fixture["bundle"].as_str().unwrap());
    // The reference was computed from these very samples.
    let samples: Vec<u8> = std::fs::read(bundle.join("samples.jsonl")).unwrap();
    assert_eq!(
        hex::encode(Sha256::digest(&samples)),
        fixture["samples_sha256"].as_str().unwrap(),
        "the bundle changed: rerun scripts/reference/partial_bundle_reference.py"
    );
    let s: Value = score_json(bin(), &[&bundle]);
    let p: &Value = &s["partial_reports_learned_given_target"];
    assert_eq!(p["n_clusters"], fixture["n_contexts"]);
    close(
        p["r"].as_f64().unwrap(),
        fixture["partial_r"].as_f64().unwrap(),
        1e-6,
        "partial r",
    );
    close(
        p["se"].as_f64().unwrap(),
        fixture["partial_se_jackknife"].as_f64().unwrap(),
        1e-6,
        "jackknife se",
    );
    close(
        s["reports_vs_learned"]["r"].as_f64().unwrap(),
        fixture["reports_vs_learned_r"].as_f64().unwrap(),
        1e-6,
        "r",
    );
    // Per context: the learned weights (an independent MAP fit, scipy) and the mean reports.
    let contexts: &Vec<Value> = s["contexts"].as_array().unwrap();
    for want in fixture["contexts"].as_array().unwrap() {
        let got: &Value = contexts
            .iter()
            .find(|c| c["id"] == want["id"])
            .unwrap_or_else(|| panic!("{} not scored", want["id"]));
        for side in ["learned", "reported"] {
            for k in 0..5 {
                close(
                    got[side][k].as_f64().unwrap(),
                    want[side][k].as_f64().unwrap(),
                    1e-4,
                    &format!("{} {side}[{k}]", want["id"]),
                );
            }
        }
    }
}

/// The stored faithful instilled run (agent seed 0) drew a partial r of -0.211 with an
/// interval just below 0; faithful agents give about 0 (docs/statistics.md). The verdict
/// says what the interval shows and does not call the reports a restated profile.
#[test]
fn the_partial_r_verdict_says_no_more_than_the_interval() {
    let bundle: PathBuf = root().join("results/sim-faithful-instilled-quick");
    let out = bin()
        .args(["report", bundle.to_str().unwrap(), "--format", "md"])
        .output()
        .unwrap();
    assert_ok(&out);
    let md: String = String::from_utf8(out.stdout).unwrap();
    assert!(
        md.contains("its choices follow it at r = 0.943."),
        "the verdict gives how closely behaviour follows the target: {md}"
    );
    assert!(
        md.contains("no sign that they track its behaviour beyond the profile"),
        "{md}"
    );
    assert!(
        !md.contains("restate the training rather than read"),
        "{md}"
    );
}
