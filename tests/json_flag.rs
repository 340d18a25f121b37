//! One way to ask for JSON: `--json` on every command that prints a result (including `run`,
//! `check-finetune`, `domains check`, `export table` and `report`), and a usage error naming the
//! right flag where `--json` or `--format` means nothing.

use crate::support::{RunArgs, bin, bin_in, json_of, stderr};
use serde_json::Value;

#[test]
fn result_commands_print_one_json_object_with_json() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let run = bin_in(
        d,
        &RunArgs::sizes(4, 20, 2).out("b").args(&["--json"]).to_vec(),
    );
    let v = json_of(&run);
    assert_eq!(v["status"], "complete");
    assert_eq!(v["counts"]["planned"], 4 * 20 + 4 * 2);
    assert_eq!(v["counts"]["samples"], v["counts"]["planned"]);
    assert!(v["headline"]["score"]["r"].as_f64().unwrap() > 0.5, "{v}");
    assert_eq!(v["headline"]["score"]["contexts"], 4);
    // The human headline is not mixed into the JSON.
    assert!(!String::from_utf8_lossy(&run.stdout).contains("score     r ="));

    let report = json_of(&bin_in(d, &["report", "b", "--json"]));
    let same = json_of(&bin_in(d, &["report", "b", "--format", "json"]));
    assert_eq!(report, same);

    let table = json_of(&bin_in(d, &["export", "table", "b", "--json"]));
    assert_eq!(table["weight_rows"], 4 * 5);
    assert_eq!(table["sample_rows"], 4 * 20 + 4 * 2);
    assert!(d.join(table["weights"].as_str().unwrap()).is_file());

    std::fs::write(d.join("bad.jsonl"), "{\"messages\": []}\nnot json\n").unwrap();
    let check = bin_in(d, &["check-finetune", "bad.jsonl", "--json"]);
    assert_eq!(check.status.code(), Some(1), "{}", stderr(&check));
    let line: Value = serde_json::from_slice(&check.stdout).unwrap();
    assert_eq!(line["ok"], false);
    assert!(line["problem_count"].as_u64().unwrap() >= 2, "{line}");
    assert_eq!(line["problems"][0]["line"], 1);
}

#[test]
fn domains_check_prints_json_with_json() {
    let o = bin()
        .args([
            "--root",
            env!("CARGO_MANIFEST_DIR"),
            "domains",
            "check",
            "--json",
        ])
        .output()
        .unwrap();
    let v = json_of(&o);
    assert_eq!(v["ok"], true);
    assert!(v["contexts"].as_u64().unwrap() > 200);
    assert_eq!(v["problems"].as_array().unwrap().len(), 0);
}

#[test]
fn json_where_it_means_nothing_names_the_right_flag() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let view = bin_in(d, &["view", "runs/first", "--json"]);
    assert_eq!(view.status.code(), Some(2));
    let e = stderr(&view);
    assert!(
        e.contains("`selfinterp view` prints no result") && e.contains("report DIR --json"),
        "{e}"
    );

    let freeze = bin_in(d, &["freeze", "--version", "v9", "--json"]);
    assert_eq!(freeze.status.code(), Some(2));
    assert!(
        stderr(&freeze).contains("benchmark show VERSION --json"),
        "{}",
        stderr(&freeze)
    );

    let score = bin_in(d, &["score", "x", "--format", "json"]);
    assert_eq!(score.status.code(), Some(2));
    assert!(stderr(&score).contains("with --json"), "{}", stderr(&score));

    let both = bin_in(d, &["report", "x", "--json", "--format", "html"]);
    assert_eq!(both.status.code(), Some(2));
    assert!(stderr(&both).contains("--json"), "{}", stderr(&both));
}
