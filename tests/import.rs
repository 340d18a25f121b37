//! `selfinterp import csv`: the study's data-release layout becomes a bundle `score` accepts.

use crate::support::{assert_ok, bin, json_of, score_json};
use selfinterp::bundle::Sample;
use selfinterp::bundle::{self, RunStatus};
use selfinterp::import::{ImportSpec, import};
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(name)
}

fn spec() -> ImportSpec {
    ImportSpec {
        contexts: fixture("contexts.csv"),
        selections: fixture("selections.csv"),
        reports: Some(fixture("reports.csv")),
        targets: Some(fixture("targets.csv")),
        model: Some("gpt-4o".into()),
        ..ImportSpec::default()
    }
}

#[test]
fn an_import_is_a_bundle_that_score_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let out: &Path = &dir.path().join("imported");
    let imported = import(&spec(), out).unwrap();
    // Finished as a run is: the summary is written by the library, before the manifest.
    assert_eq!(imported.score_error, None);
    assert!(out.join(bundle::SUMMARY).exists());
    let m = imported.manifest;
    assert_eq!(m.status, RunStatus::Complete);
    assert_eq!(m.model, "gpt-4o");
    assert_eq!((m.counts.choices, m.counts.invalid_choices), (120, 1));
    // The release lists only the reports it kept: how many were invalid is unknown.
    assert_eq!((m.counts.reports, m.counts.invalid_reports), (10, None));
    assert_eq!(m.counts.invalid_reports_among_present, Some(1));
    assert_eq!(m.inputs.len(), 4);
    let b = bundle::read(out).unwrap();
    let invalid: Vec<&Sample> = b.samples.iter().filter(|s| s.parsed.is_none()).collect();
    assert_eq!(invalid[0].status, "invalid");
    assert_eq!(invalid[0].response, "I would pick A");
    assert_eq!(invalid[1].status, "missing_keys");

    let s: serde_json::Value = score_json(bin(), &[out]);
    assert_eq!(s["contexts"].as_array().unwrap().len(), 2);
    let lt = s["learned_vs_target"]["r"].as_f64().unwrap();
    let rt = s["reports_vs_target"]["r"].as_f64().unwrap();
    assert!(lt > 0.8, "learned vs target r = {lt}");
    assert!(rt > 0.9, "reports vs target r = {rt}");
    // The release lists only the reports it kept: the true invalid rate is unknown.
    assert!(s["invalid_report_rate"].is_null());
    let m = &s["missingness"];
    assert!(
        m["invalid_report_rate_reason"]
            .as_str()
            .unwrap()
            .contains("cannot be known")
    );
    assert!((m["invalid_report_rate_among_present"].as_f64().unwrap() - 0.1).abs() < 1e-12);
    let human = bin().arg("score").arg(out).output().unwrap();
    assert!(String::from_utf8_lossy(&human.stdout).contains("reports vs learned"));
}

/// How many reports were invalid is unknown for an import, and reads so in the manifest,
/// `score`, the JSON report and the Markdown report's parsing table (it read 0 or a count).
#[test]
fn an_imports_invalid_report_count_reads_unknown_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let out: &Path = &dir.path().join("imported");
    import(&spec(), out).unwrap();
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join(bundle::MANIFEST)).unwrap())
            .unwrap();
    assert!(
        manifest["counts"]["invalid_reports"].is_null(),
        "{}",
        manifest["counts"]
    );
    assert_eq!(manifest["counts"]["invalid_reports_among_present"], 1);

    let human = bin().arg("score").arg(out).output().unwrap();
    assert_ok(&human);
    let text: String = String::from_utf8_lossy(&human.stdout).into_owned();
    assert!(text.contains("unknown invalid reports"), "{text}");

    let r: serde_json::Value = json_of(
        &bin()
            .args(["report", "--format", "json"])
            .arg(out)
            .output()
            .unwrap(),
    );
    assert!(
        r["failures"]["reports_unknown"]
            .as_str()
            .unwrap()
            .contains("unknown")
    );
    for row in r["failures"]["reports"].as_array().unwrap() {
        assert!(row["share"].is_null(), "{row}");
    }
    // Choices are all in the release: their shares stay known.
    assert!(r["failures"]["choices"][0]["share"].is_number());

    let md = bin()
        .args(["report", "--format", "md"])
        .arg(out)
        .output()
        .unwrap();
    assert_ok(&md);
    let md: String = String::from_utf8_lossy(&md.stdout).into_owned();
    let heading: &str = "### Reports\n\n";
    let reports: &str = &md[md.find(heading).unwrap() + heading.len()..];
    let table: &str = &reports[..reports.find("\n\n").unwrap()];
    assert!(table.contains("| invalid: not json"), "{table}");
    assert!(!table.contains("0.0%"), "{table}");
    assert!(
        reports
            .contains("the share of each status among all the reports the model gave is unknown")
    );
}

#[test]
fn the_cli_imports_and_refuses_mixed_models() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("b");
    let args = |model: Option<&str>| {
        let mut c = bin();
        c.args(["import", "csv", "--contexts"])
            .arg(fixture("contexts.csv"))
            .arg("--selections")
            .arg(fixture("selections.csv"));
        c.arg("--out").arg(&out);
        if let Some(m) = model {
            c.args(["--model", m]);
        }
        c
    };
    let mixed = args(None).output().unwrap();
    assert_eq!(mixed.status.code(), Some(2));
    let err = String::from_utf8_lossy(&mixed.stderr);
    assert!(
        err.contains("gpt-4o, gpt-4o-mini") && err.contains("--model"),
        "{err}"
    );
    let ok = args(Some("gpt-4o-mini")).output().unwrap();
    assert_ok(&ok);
    assert!(out.join(bundle::SUMMARY).exists());
}

#[test]
fn a_bad_row_names_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = spec();
    s.selections = fixture("bad_selections.csv");
    s.reports = None;
    let e = import(&s, &dir.path().join("b")).unwrap_err().to_string();
    assert!(
        e.contains(
            "bad_selections.csv: line 3: column A_attribute_1: expected a number, got \"fifty\""
        ),
        "{e}"
    );

    let unknown = dir.path().join("unknown.csv");
    std::fs::write(
        &unknown,
        "scenario,attr1,attr2,attr3,attr4,attr5\nkettle,1,2,3,4,5\nboat,1,2,3,4,5\n",
    )
    .unwrap();
    let mut s = spec();
    s.targets = Some(unknown);
    let e = import(&s, &dir.path().join("c")).unwrap_err().to_string();
    assert!(
        e.contains("unknown.csv: line 3: scenario \"boat\" is not in the contexts file"),
        "{e}"
    );

    let short = dir.path().join("short.csv");
    std::fs::write(&short, "scenario,question,attr1\nx,q,a\n").unwrap();
    let mut s = spec();
    s.contexts = short;
    let e = import(&s, &dir.path().join("d")).unwrap_err().to_string();
    assert!(
        e.contains("short.csv: missing column(s) attr2, attr3"),
        "{e}"
    );
}

/// Scenario ids and attribute names come from the user's CSV files: every page that shows them
/// escapes them (the one HTML escaper, `&<>"'`).
#[test]
fn hostile_scenario_and_attribute_names_are_escaped_in_the_html_report() {
    let dir = tempfile::tempdir().unwrap();
    let id: &str = "k'<script>alert(1)</script>";
    let attr: &str = "p'<img src=x onerror=alert(2)>";
    let copy = |name: &str| -> PathBuf {
        let text: String = std::fs::read_to_string(fixture(name)).unwrap();
        let text: String = text
            .replace("kettle", id)
            .replace(",price,", &format!(",{attr},"));
        let p: PathBuf = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let spec = ImportSpec {
        contexts: copy("contexts.csv"),
        selections: copy("selections.csv"),
        reports: Some(copy("reports.csv")),
        targets: Some(copy("targets.csv")),
        model: Some("gpt-4o".into()),
        ..ImportSpec::default()
    };
    let out: PathBuf = dir.path().join("b");
    let imported = import(&spec, &out).unwrap();
    assert_eq!(imported.score_error, None);
    let page: PathBuf = dir.path().join("report.html");
    let o = bin()
        .arg("report")
        .arg(&out)
        .args(["--format", "html", "--out"])
        .arg(&page)
        .output()
        .unwrap();
    assert_ok(&o);
    let html: String = std::fs::read_to_string(&page).unwrap();
    assert!(
        html.contains("k&#39;&lt;script&gt;alert(1)&lt;/script&gt;"),
        "the id is shown"
    );
    assert!(
        html.contains("p&#39;&lt;img src=x onerror=alert(2)&gt;"),
        "the attribute is shown"
    );
    assert!(
        !html.contains("<script>alert") && !html.contains("<img"),
        "{html}"
    );
    assert!(
        !["k'<", "k'&", "p'<", "p'&"]
            .iter()
            .any(|q| html.contains(q)),
        "an unescaped quote (the page's own script has k' in 'click')"
    );
}
