//! Fuzzing every reader of outside input with proptest: model answers (choice and report
//! parsing), `samples.jsonl`, `manifest.json`, `entry.toml`, batch result files, the study's
//! CSV files and the fine-tuning checker. Each gets random text and valid input with random
//! bytes spliced in; the property is that it returns (a value or an error) and never panics.
//! A bundle's samples also go through the plan check, which must never panic either.
//! A server's answer bodies are fuzzed the same way by the unit tests of `providers` (their
//! readers are the providers' own, not the library's API).

use proptest::prelude::*;
use selfinterp::batch::{BatchFormat, Results};
use selfinterp::bundle;
use selfinterp::bundle::Sample;
use selfinterp::experiments::check_text;
use selfinterp::import::{ImportSpec, import};
use selfinterp::leaderboard;
use selfinterp::parsing::{parse_choice, parse_report};
use std::path::Path;

const SAMPLE: &str = r#"{"kind":"choice","context":"native-0","index":0,"order":"ab","prompt_sha256":"f8","options":{"A":[31.0,1563.0,529.0,14.0,34.0],"B":[44.0,2158.0,678.0,16.0,37.0]},"response":"B","parsed":"B","status":"exact","logprobs":[{"token":"B","logprob":-0.3}],"p_a":0.26,"tokens_in":176,"tokens_out":1}"#;
const REPORT: &str =
    r#"{"price": -80, "capacity": 40, "boil_time": -20.5, "noise": "-10", "warranty": 15}"#;
const ENTRY: &str = "display_name = \"X\"\nmodel_id = \"m\"\nprovider = \"sim\"\ndate = \"2026-01-01\"\nsubmitted_by = \"t\"\nnotes = \"\"\nsimulated = true\n";
const OPENAI_RESULT: &str = r#"{"custom_id":"choice|native-0|0|ab","response":{"status_code":200,"body":{"choices":[{"message":{"content":"A"}}]}},"error":null}"#;
const ANTHROPIC_RESULT: &str = r#"{"custom_id":"choice|native-0|0|ab","result":{"type":"succeeded","message":{"content":[{"type":"text","text":"A"}]}}}"#;
const FINETUNE: &str =
    r#"{"messages":[{"role":"user","content":"Which?"},{"role":"assistant","content":"A"}]}"#;
const CONTEXTS_CSV: &str = "scenario,question,attr1,attr2,attr3,attr4,attr5,attr1_min,attr2_min,attr3_min,attr4_min,attr5_min,attr1_max,attr2_max,attr3_max,attr4_max,attr5_max\nkettle,Which kettle?,price,capacity,boil_time,noise,warranty,20,0.5,60,30,1,120,2.5,300,70,5\n";
const SELECTIONS_CSV: &str = "model,scenario,selection,A_attribute_1,A_attribute_2,A_attribute_3,A_attribute_4,A_attribute_5,B_attribute_1,B_attribute_2,B_attribute_3,B_attribute_4,B_attribute_5\ngpt-4o,kettle,A,43.6,0.71,155.05,36.2,1.27,60.16,2.34,252.11,60.61,1.89\n";

/// Valid text with a random stretch replaced by random characters (JSON and CSV punctuation,
/// digits, letters, control and non-ASCII characters).
fn spliced(valid: &'static str) -> impl Strategy<Value = String> {
    (
        0..=valid.len(),
        0usize..12,
        "[\"{}\\[\\],:0-9a-zA-Z\\-.eE+ \n\t\\\\é\u{0}\u{7f}]{0,12}",
    )
        .prop_map(move |(at, cut, insert)| {
            let bytes = valid.as_bytes();
            let end = (at + cut).min(bytes.len());
            let mut out: Vec<u8> = bytes[..at].to_vec();
            out.extend_from_slice(insert.as_bytes());
            out.extend_from_slice(&bytes[end..]);
            String::from_utf8_lossy(&out).to_string()
        })
}

/// Random text, or valid text spliced.
fn input(valid: &'static str) -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,300}",
        spliced(valid),
        spliced(valid).prop_map(|s| s.repeat(3))
    ]
}

/// The manifest of a stored run (results/sim-faithful-native-quick), read once.
fn valid_manifest() -> &'static str {
    static M: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    M.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("results/sim-faithful-native-quick");
        std::fs::read_to_string(dir.join(bundle::MANIFEST)).unwrap()
    })
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn answers_parse_without_panicking(choice in input("A"), report in input(REPORT)) {
        let _ = parse_choice(&choice);
        let _ = parse_report(&report, &["price", "capacity", "boil_time", "noise", "warranty"]);
    }

    #[test]
    fn batch_results_and_finetune_files_read_without_panicking(
        o in input(OPENAI_RESULT), a in input(ANTHROPIC_RESULT), f in input(FINETUNE),
    ) {
        let mut r = Results::default();
        r.add_text(BatchFormat::Openai, "output.jsonl", &o);
        r.add_text(BatchFormat::Anthropic, "results.jsonl", &a);
        let _ = check_text(&f);
    }
}

proptest! {
    // Files on disk: fewer cases, each touches a temporary directory.
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn bundles_read_and_check_without_panicking(
        samples in input(SAMPLE), manifest in input("{\"format\": 1}"), toml in input(ENTRY),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let text = format!("{SAMPLE}\n{samples}\n");
        write(dir.path(), bundle::SAMPLES, &text);
        // With a valid manifest, the samples' reader gets the garbled lines.
        write(dir.path(), bundle::MANIFEST, valid_manifest());
        let _ = bundle::read(dir.path());
        write(dir.path(), bundle::MANIFEST, &manifest);
        let _ = bundle::read_manifest(dir.path());
        let _ = bundle::read(dir.path());
        write(dir.path(), leaderboard::ENTRY_FILE, &toml);
        let _ = leaderboard::read_meta("fuzz", dir.path());
    }

    #[test]
    fn study_csv_files_import_without_panicking(
        contexts in input(CONTEXTS_CSV), selections in input(SELECTIONS_CSV),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let spec = ImportSpec {
            contexts: write(dir.path(), "contexts.csv", &contexts),
            selections: write(dir.path(), "selections.csv", &selections),
            reports: None,
            targets: None,
            model: None,
            explaining_model: None,
            version: None,
        };
        let _ = import(&spec, &dir.path().join("out"));
    }
}

/// A finished adaptive-design run (the plan check replays its rounds) and its benchmark.
fn adaptive_bundle() -> &'static (tempfile::TempDir, std::path::PathBuf) {
    static B: std::sync::OnceLock<(tempfile::TempDir, std::path::PathBuf)> =
        std::sync::OnceLock::new();
    B.get_or_init(|| {
        let root = crate::reports::root();
        let dir = crate::reports::sim_run_with(
            root.path(),
            &root.path().join("adaptive"),
            "faithful",
            "native",
            |q| {
                q.ask.design = Some(selfinterp::design::Criterion::DOptimal);
                q.ask.trials = Some(10);
                q.ask.design_batch = Some(3);
            },
        );
        (root, dir)
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Any edit of one line (a field set to a random value, a line repeated or dropped) is
    /// either accepted or refused with a message; the plan check never panics.
    #[test]
    fn edited_samples_are_checked_without_panicking(
        line in 0usize..200,
        field in prop::sample::select(vec!["context", "index", "order", "kind", "options", "parsed", "p_a", "status"]),
        value in prop_oneof![
            any::<i64>().prop_map(serde_json::Value::from),
            ".{0,12}".prop_map(serde_json::Value::from),
            any::<f64>().prop_map(|x| serde_json::json!({"A": [x, 1, 2, 3, 4], "B": [0, 0, 0, 0, x]})),
            Just(serde_json::Value::Null),
            Just(serde_json::json!("ba")),
            Just(serde_json::json!("report")),
        ],
        op in 0u8..3,
    ) {
        let (root, good) = adaptive_bundle();
        let bench = selfinterp::benchmark::Benchmark::load(&root.path().join("benchmark"), crate::reports::VERSION).unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(good.join(bundle::MANIFEST), dir.path().join(bundle::MANIFEST)).unwrap();
        let mut lines: Vec<String> = std::fs::read_to_string(good.join(bundle::SAMPLES)).unwrap().lines().map(str::to_string).collect();
        let i = line % lines.len();
        match op {
            0 => {
                let mut v: serde_json::Value = serde_json::from_str(&lines[i]).unwrap();
                v[field] = value;
                lines[i] = v.to_string();
            }
            1 => { let l = lines[i].clone(); lines.push(l); }
            _ => { lines.remove(i); }
        }
        write(dir.path(), bundle::SAMPLES, &(lines.join("\n") + "\n"));
        if let Ok(b) = bundle::read(dir.path()) {
            let _ = b.check(Some(&bench));
        }
    }
}

/// A small study release as structured rows: attribute names drawn from a pool of four (so
/// two attributes of one context often share a name), target and selection rows naming
/// scenarios at random (so one is often listed twice), option values inside or outside the
/// stated ranges. Returns (contexts, targets, selections, reports) CSV text.
fn release() -> impl Strategy<Value = (String, String, String, String)> {
    let names = prop::collection::vec(
        prop::sample::select(vec!["price", "noise", "size", "age"]),
        5,
    );
    let contexts = prop::collection::vec(names, 1..3);
    let value = prop_oneof![4 => 0.0f64..10.0, 1 => -5.0f64..20.0];
    let row = (0usize..3, prop::collection::vec(value, 10), prop::bool::ANY);
    (
        contexts,
        prop::collection::vec(0usize..3, 0..4),
        prop::collection::vec(row.clone(), 1..8),
        prop::collection::vec(row, 0..4),
    )
        .prop_map(|(contexts, targets, selections, reports)| {
            let scenario = |i: usize| format!("s{i}");
            let mut c = String::from("scenario,question,attr1,attr2,attr3,attr4,attr5,attr1_min,attr2_min,attr3_min,attr4_min,attr5_min,attr1_max,attr2_max,attr3_max,attr4_max,attr5_max\n");
            for (i, n) in contexts.iter().enumerate() {
                c += &format!("{},Which?,{},0,0,0,0,0,10,10,10,10,10\n", scenario(i), n.join(","));
            }
            let mut t = String::from("scenario,attr1,attr2,attr3,attr4,attr5\n");
            for i in targets {
                t += &format!("{},-100,40,-30,-20,10\n", scenario(i));
            }
            let values = |v: &[f64]| v.iter().map(|x| format!("{x:.2}")).collect::<Vec<_>>().join(",");
            let mut s = String::from("model,scenario,selection,A_attribute_1,A_attribute_2,A_attribute_3,A_attribute_4,A_attribute_5,B_attribute_1,B_attribute_2,B_attribute_3,B_attribute_4,B_attribute_5\n");
            for (i, v, a) in &selections {
                s += &format!("m,{},{},{}\n", scenario(*i), if *a { "A" } else { "B" }, values(v));
            }
            let mut r = String::from("explaining_model,version,scenario,report_attr1,report_attr2,report_attr3,report_attr4,report_attr5,A_attribute_1,A_attribute_2,A_attribute_3,A_attribute_4,A_attribute_5,B_attribute_1,B_attribute_2,B_attribute_3,B_attribute_4,B_attribute_5\n");
            for (i, v, _) in &reports {
                r += &format!("m,base,{},-50,20,10,5,0,{}\n", scenario(*i), values(v));
            }
            (c, t, s, r)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Issue 26 item 15: repeated attribute names panicked the scoring of an import; a
    /// repeated target row was silently overwritten; out-of-range options were accepted. Any
    /// structure: the import is an error, or a bundle that reads back, has distinct names and
    /// in-range options, and scores (or says why not) without a panic.
    #[test]
    fn study_releases_of_any_structure_import_or_are_refused((c, t, s, r) in release()) {
        use selfinterp::bundle::BundleSummary;
        use selfinterp::bundle::ContextTable;
        let dir = tempfile::tempdir().unwrap();
        let spec = ImportSpec {
            contexts: write(dir.path(), "contexts.csv", &c),
            selections: write(dir.path(), "selections.csv", &s),
            reports: Some(write(dir.path(), "reports.csv", &r)),
            targets: Some(write(dir.path(), "targets.csv", &t)),
            model: None,
            explaining_model: None,
            version: None,
        };
        let out = dir.path().join("out");
        match import(&spec, &out) {
            Err(e) => {
                let m = e.to_string();
                prop_assert!(m.contains(".csv") && !m.contains('\n'), "{m}");
            }
            Ok(_) => {
                let b = bundle::read(&out).unwrap();
                let contexts = b.contexts.clone().unwrap();
                for ctx in &contexts {
                    let names: std::collections::BTreeSet<&str> =
                        ctx.attributes.iter().map(|a| a.name.as_str()).collect();
                    prop_assert_eq!(names.len(), ctx.attributes.len());
                }
                for smp in &b.samples {
                    for v in smp.options.a.0.iter().chain(&smp.options.b.0) {
                        prop_assert!((0.0..=10.0).contains(v), "{v} outside [0, 10]");
                    }
                }
                let _ = BundleSummary::of(&b.samples, &b.manifest, ContextTable::Bundle(&contexts));
            }
        }
    }

    /// Issue 26 item 14: a garbled last line of `samples.jsonl` (newline-terminated or cut
    /// short) was dropped with a warning. Every reader now refuses it, naming its line.
    #[test]
    fn a_garbled_last_sample_line_is_an_error_naming_it(last in spliced(SAMPLE), newline in prop::bool::ANY) {
        prop_assume!(serde_json::from_str::<Sample>(&last).is_err());
        prop_assume!(!last.contains('\n') && !last.is_empty());
        let (_root, run) = adaptive_bundle();
        let dir = tempfile::tempdir().unwrap();
        for f in [bundle::MANIFEST, bundle::SAMPLES] {
            std::fs::copy(run.join(f), dir.path().join(f)).unwrap();
        }
        let path = dir.path().join(bundle::SAMPLES);
        let good = std::fs::read_to_string(&path).unwrap();
        let n = good.lines().count();
        let tail = if newline { format!("{last}\n") } else { last.clone() };
        std::fs::write(&path, format!("{good}{tail}")).unwrap();
        let e = bundle::read(dir.path()).unwrap_err().to_string();
        prop_assert!(e.contains("samples.jsonl") && e.contains(&format!("line {}", n + 1)), "{e}");
    }
}
