//! `export table`: tidy rows that agree with the summary they come from.

use crate::support::{assert_ok, bin_in as bin, pearson};

#[test]
fn weight_rows_reproduce_the_score_and_sample_rows_the_bundle() {
    let tmp = tempfile::tempdir().unwrap();
    let run = bin(
        tmp.path(),
        &[
            "run",
            "--provider",
            "sim",
            "--model",
            "partial:0.5",
            "--experiment",
            "instilled",
            "--contexts",
            "6",
            "--trials",
            "15",
            "--reports",
            "2",
            "--out",
            "r",
        ],
    );
    assert_ok(&run);
    let out = bin(tmp.path(), &["export", "table", "r"]);
    assert_ok(&out);

    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("r/summary.json")).unwrap())
            .unwrap();
    let mut rd = csv::Reader::from_path(tmp.path().join("r/table/weights.csv")).unwrap();
    let header: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
    for col in [
        "context",
        "attribute",
        "learned",
        "reported",
        "target",
        "slope_se",
        "context_r",
    ] {
        assert!(
            header.iter().any(|h| h == col),
            "missing column {col}: {header:?}"
        );
    }
    let rows: Vec<csv::StringRecord> = rd.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 6 * 5);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let f = |r: &csv::StringRecord, name: &str| r[col(name)].parse::<f64>().unwrap();
    let learned: Vec<f64> = rows.iter().map(|r| f(r, "learned")).collect();
    let reported: Vec<f64> = rows.iter().map(|r| f(r, "reported")).collect();
    let r = pearson(&learned, &reported);
    let expected = summary["reports_vs_learned"]["r"].as_f64().unwrap();
    assert!((r - expected).abs() < 1e-9, "{r} vs {expected}");
    // The run identity on every row: 6 contexts is no preset's count.
    for r in &rows {
        let id: Vec<&str> = [
            "run_id",
            "provider",
            "model",
            "experiment",
            "preset",
            "benchmark",
        ]
        .iter()
        .map(|c| &r[col(c)])
        .collect();
        assert_eq!(id, ["r", "sim", "partial:0.5", "instilled", "custom", "v1"]);
    }
    // Instilled: every row has its profile weight, and the first context's match the summary.
    let first = &summary["contexts"][0];
    for k in 0..5 {
        assert_eq!(&rows[k][col("context")], first["id"].as_str().unwrap());
        assert_eq!(f(&rows[k], "target"), first["target"][k].as_f64().unwrap());
        assert_eq!(
            f(&rows[k], "slope_se"),
            first["slope_se"][k].as_f64().unwrap()
        );
    }

    let samples = std::fs::read_to_string(tmp.path().join("r/samples.jsonl")).unwrap();
    let mut rd = csv::Reader::from_path(tmp.path().join("r/table/samples.csv")).unwrap();
    let header: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
    let rows: Vec<csv::StringRecord> = rd.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), samples.lines().count());
    let first: serde_json::Value = serde_json::from_str(samples.lines().next().unwrap()).unwrap();
    let c = |name: &str| header.iter().position(|h| h == name).unwrap();
    assert_eq!(&rows[0][c("response")], first["response"].as_str().unwrap());
    assert_eq!(
        rows[0][c("p_a")].parse::<f64>().unwrap(),
        first["p_a"].as_f64().unwrap()
    );
    assert_eq!(
        rows[0][c("a1")].parse::<f64>().unwrap(),
        first["options"]["A"][0].as_f64().unwrap()
    );
    // A choice has no report weights: empty cells, not zeros.
    assert_eq!(&rows[0][c("w1")], "");

    let out = bin(
        tmp.path(),
        &["export", "table", "r", "--format", "jsonl", "--out", "t"],
    );
    assert_ok(&out);
    let jl = std::fs::read_to_string(tmp.path().join("t/weights.jsonl")).unwrap();
    assert_eq!(jl.lines().count(), 30);
    let row: serde_json::Value = serde_json::from_str(jl.lines().next().unwrap()).unwrap();
    assert_eq!(row["learned"].as_f64().unwrap(), learned[0]);
}
