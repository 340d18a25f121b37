//! The study's experiments: fine-tuning exports and their check, batch files, combined runs.

use selfinterp::benchmark::{Benchmark, Counts, Split};
use selfinterp::benchmark::{SeedSource, freeze};
use selfinterp::catalogue::Catalogue;
use selfinterp::experiments::check_text;
use selfinterp::experiments::{self as finetune, Half};
use selfinterp::prompts::{CHOICE_TAG, REPORT_TAG};
use std::path::{Path, PathBuf};

use crate::support::{RunArgs, assert_ok, bin, score_json};
use std::sync::OnceLock;

const SEED: &str = "experiments-test-seed";

/// A project root in a tempdir: domains/ copied from the crate, benchmark/vt frozen from it.
struct Fixture {
    _dir: tempfile::TempDir,
    root: PathBuf,
    bench: Benchmark,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        let cat =
            Catalogue::load_valid(&Path::new(env!("CARGO_MANIFEST_DIR")).join("domains")).unwrap();
        freeze(
            &cat,
            "vt",
            &SeedSource::Public(SEED.into()),
            Counts::default(),
        )
        .write(&root.join("benchmark").join("vt"))
        .unwrap();
        let bench = Benchmark::load(&root.join("benchmark"), "vt").unwrap();
        Fixture {
            _dir: dir,
            root,
            bench,
        }
    })
}

/// The values of option `A` or `B` as printed in a prompt, read back from the text alone.
fn printed_values(user: &str, option: &str) -> Vec<f64> {
    let start = user.find(&format!("\n{option}:\n")).unwrap() + 4;
    user[start..]
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .map(|l| {
            l.split_once(": ")
                .unwrap()
                .1
                .split(' ')
                .next()
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect()
}

// ---- fine-tuning exports -------------------------------------------------------------------

#[test]
fn instill_export_is_deterministic_and_has_the_studys_counts() {
    let f = fixture();
    let out = f.root.join("ft").join("instill.jsonl");
    let a = finetune::export_instill(&f.bench, SEED, Split::Instilled, &out);
    let b = finetune::export_instill(&f.bench, SEED, Split::Instilled, &out);
    assert_eq!(a.files, b.files);
    assert_eq!(a.manifest, b.manifest);
    assert_eq!(a.manifest.train.examples, 100 * 50);
    assert_eq!(a.manifest.validation.as_ref().unwrap().examples, 100 * 10);
    assert_eq!(
        a.files[1].0,
        f.root.join("ft").join("instill.validation.jsonl")
    );
    assert_eq!(a.manifest.benchmark_sha256, f.bench.hash);
    for (path, text) in &a.files {
        let r = check_text(text);
        assert!(
            r.ok(),
            "{}: {:?}",
            path.display(),
            &r.problems[..r.problems.len().min(3)]
        );
        assert!(r.warnings.is_empty(), "{:?}", r.warnings.first());
        assert_eq!(r.choice_examples, r.examples);
    }
    // A different seed draws different pairs.
    let other = finetune::export_instill(&f.bench, "another", Split::Instilled, &out);
    assert_ne!(other.files[0].1, a.files[0].1);
}

#[test]
fn every_instill_answer_follows_the_utility_rule_on_the_printed_values() {
    let f = fixture();
    let set = finetune::instill_examples(&f.bench, SEED, Split::Instilled, 50, 10);
    let by_question = |user: &str| {
        f.bench
            .split(Split::Instilled)
            .find(|c| user.contains(&format!("\n\n{}\n\nA:\n", c.question)))
            .expect("the prompt names an instilled context")
    };
    let mut seen = std::collections::HashSet::new();
    for e in set.train.iter().chain(&set.validation) {
        let user = &e.messages[1].content;
        assert!(user.starts_with(CHOICE_TAG));
        let ctx = by_question(user);
        let (a, b) = (printed_values(user, "A"), printed_values(user, "B"));
        // The rule written out independently of the library: U = sum w (v - min) / (max - min).
        let u = |v: &[f64]| -> f64 {
            ctx.attributes
                .iter()
                .zip(v)
                .zip(ctx.profile.0)
                .map(|((at, x), w)| w as f64 * (x - at.min) / (at.max - at.min))
                .sum()
        };
        let expected = if u(&a) >= u(&b) { "A" } else { "B" };
        assert_eq!(e.answer(), expected, "{}: {user}", ctx.id);
        assert!(seen.insert(user.clone()), "a pair repeats: {user}");
    }
    // No training pair is an evaluation or report pair.
    for ctx in f.bench.split(Split::Instilled) {
        for p in ctx.pairs.iter().chain(&ctx.report_pairs) {
            let prompt = selfinterp::prompts::choice_prompt(ctx, p);
            assert!(
                !seen.contains(&prompt.user),
                "{} evaluation pair used in training",
                ctx.id
            );
        }
    }
}

#[test]
fn instill_examples_are_interleaved_across_contexts() {
    let f = fixture();
    let set = finetune::instill_examples(&f.bench, SEED, Split::Instilled, 3, 1);
    let n = f.bench.split(Split::Instilled).count();
    assert_eq!(set.train.len(), 3 * n);
    // The first n examples are n different contexts.
    let firsts: std::collections::HashSet<&str> = set.train[..n]
        .iter()
        .map(|e| e.messages[1].content.split("\n\nA:\n").next().unwrap())
        .collect();
    assert_eq!(firsts.len(), n);
}

#[test]
fn introspection_halves_partition_the_instilled_split() {
    let f = fixture();
    let (first, second) = finetune::halves(&f.bench, Split::Instilled);
    assert_eq!((first.len(), second.len()), (50, 50));
    assert!(
        first.iter().max() < second.iter().min(),
        "halves are sorted ids, first then last"
    );
    let out = f.root.join("ft").join("intro.jsonl");
    for half in [Half::First, Half::Second] {
        let a = finetune::export_introspection(&f.bench, SEED, half, &out);
        let b = finetune::export_introspection(&f.bench, SEED, half, &out);
        assert_eq!(a.files, b.files);
        assert_eq!(a.manifest.contexts, finetune::half_ids(&f.bench, half));
        let r = check_text(&a.files[0].1);
        assert!(r.ok(), "{:?}", r.problems.first());
        assert_eq!((r.examples, r.report_examples), (50, 50));
        let examples = finetune::introspection_examples(&f.bench, SEED, half);
        for (e, id) in examples.iter().zip(&a.manifest.contexts) {
            let ctx = f.bench.get(id).unwrap();
            assert!(e.messages[1].content.starts_with(REPORT_TAG));
            let answer: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(e.answer()).unwrap();
            let got: Vec<i64> = ctx
                .attributes
                .iter()
                .map(|at| answer[&at.name].as_i64().unwrap())
                .collect();
            assert_eq!(got, ctx.profile.0.map(i64::from).to_vec(), "{id}");
        }
    }
}

#[test]
fn private_seed_must_be_given_and_must_match() {
    let f = fixture();
    let mut bench = f.bench.clone();
    bench.manifest.seed = None;
    bench.manifest.private_seed_sha256 = Some(selfinterp::benchmark::sha256_hex(SEED.as_bytes()));
    assert!(
        finetune::master_seed(&bench, None)
            .unwrap_err()
            .to_string()
            .contains("--seed-file")
    );
    assert!(finetune::master_seed(&bench, Some("wrong")).is_err());
    assert_eq!(finetune::master_seed(&bench, Some(SEED)).unwrap(), SEED);
    assert!(finetune::master_seed(&f.bench, Some("wrong")).is_err());
}

#[test]
fn export_and_check_finetune_commands() {
    let f = fixture();
    let out = f.root.join("cli").join("instill.jsonl");
    let st = bin()
        .args(["--root"])
        .arg(&f.root)
        .args(["export", "instill", "--benchmark", "vt", "--out"])
        .arg(&out)
        .status()
        .unwrap();
    assert!(st.success());
    let intro = f.root.join("cli").join("intro_second.jsonl");
    let st = bin()
        .args(["--root"])
        .arg(&f.root)
        .args([
            "export",
            "introspection",
            "--half",
            "second",
            "--benchmark",
            "vt",
            "--out",
        ])
        .arg(&intro)
        .output()
        .unwrap()
        .status;
    assert!(st.success());
    let manifest: finetune::ExportManifest = serde_json::from_str(
        &std::fs::read_to_string(f.root.join("cli").join("instill.manifest.json")).unwrap(),
    )
    .unwrap();
    let text = std::fs::read_to_string(&out).unwrap();
    assert_eq!(
        manifest.train.sha256,
        selfinterp::benchmark::sha256_hex(text.as_bytes())
    );
    assert_eq!(
        text,
        finetune::export_instill(&f.bench, SEED, Split::Instilled, &out).files[0].1
    );
    let o = bin()
        .arg("check-finetune")
        .arg(&out)
        .arg(f.root.join("cli").join("instill.validation.jsonl"))
        .arg(&intro)
        .output()
        .unwrap();
    assert_ok(&o);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("5000 examples") && stdout.contains("50 report"),
        "{stdout}"
    );
    // Native profiles are never exported: that would contaminate the native experiment.
    let o = bin()
        .args(["--root"])
        .arg(&f.root)
        .args(["export", "instill", "--split", "native", "--out", "x.jsonl"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}

// ---- check-finetune on broken files --------------------------------------------------------

/// A valid choice line and a valid report line from the real exports.
fn good_lines() -> (String, String) {
    let f = fixture();
    let set = finetune::instill_examples(&f.bench, SEED, Split::Instilled, 1, 0);
    let intro = finetune::introspection_examples(&f.bench, SEED, Half::First);
    (
        serde_json::to_string(&set.train[0]).unwrap(),
        serde_json::to_string(&intro[0]).unwrap(),
    )
}

fn with_answer(line: &str, answer: &str) -> String {
    let mut v: serde_json::Value = serde_json::from_str(line).unwrap();
    v["messages"][2]["content"] = answer.into();
    v.to_string()
}

#[test]
fn each_broken_line_is_named() {
    let (choice, report) = good_lines();
    let mut v: serde_json::Value = serde_json::from_str(&choice).unwrap();
    let msgs = v["messages"].as_array().unwrap().clone();
    let reordered = {
        v["messages"] =
            serde_json::Value::Array(vec![msgs[0].clone(), msgs[2].clone(), msgs[1].clone()]);
        v.to_string()
    };
    let two_assistants = {
        v["messages"] = serde_json::Value::Array(vec![
            msgs[0].clone(),
            msgs[1].clone(),
            msgs[2].clone(),
            msgs[2].clone(),
        ]);
        v.to_string()
    };
    let bad_role = {
        let mut m = msgs.clone();
        m[0]["role"] = "developer".into();
        v["messages"] = serde_json::Value::Array(m);
        v.to_string()
    };
    let cases: Vec<(String, &str)> = vec![
        ("{not json".into(), "not JSON"),
        (
            r#"{"prompt": "x", "completion": "A"}"#.into(),
            "\"messages\" array",
        ),
        (with_answer(&choice, "a"), "exactly \"A\" or \"B\""),
        (with_answer(&choice, "A."), "exactly \"A\" or \"B\""),
        (with_answer(&choice, " "), "empty content"),
        (with_answer(&report, "{\"x\": 1}"), "missing_keys"),
        (with_answer(&report, "[1,2,3,4,5]"), "not_object"),
        (
            with_answer(&report, &report_with_string_value(&report)),
            "non_numeric",
        ),
        (
            with_answer(&report, &format!("```json\n{}\n```", answer_of(&report))),
            "bare JSON",
        ),
        (reordered, "assistant turn must be the last"),
        (two_assistants, "exactly one assistant turn"),
        (bad_role, "unknown role"),
        (String::new(), "empty line"),
    ];
    for (bad, expected) in &cases {
        let text = format!("{choice}\n{report}\n{bad}\n{choice}\n");
        let r = check_text(&text);
        assert!(!r.ok(), "{expected}");
        assert!(
            r.problems.iter().all(|p| p.line == 3),
            "{expected}: {:?}",
            r.problems
        );
        assert!(
            r.problems.iter().any(|p| p.message.contains(expected)),
            "{expected}: {:?}",
            r.problems
        );
    }
    assert!(!check_text("").ok());
}

fn answer_of(line: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(line).unwrap();
    v["messages"][2]["content"].as_str().unwrap().to_string()
}

fn report_with_string_value(line: &str) -> String {
    let mut m: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&answer_of(line)).unwrap();
    let k = m.keys().next().unwrap().clone();
    m.insert(k, "50".into());
    serde_json::Value::Object(m).to_string()
}

#[test]
fn check_finetune_command_fails_naming_file_and_line() {
    let (choice, _) = good_lines();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.jsonl");
    std::fs::write(
        &p,
        format!("{choice}\n{choice}\n{}\n", with_answer(&choice, "C")),
    )
    .unwrap();
    let o = bin().arg("check-finetune").arg(&p).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains(&format!("{}:3: choice answer", p.display())),
        "{stderr}"
    );
    // A warning about the whole file names no line (it read "bad.jsonl:0: warning").
    assert!(
        stderr.contains(&format!(
            "{}: warning: only 3 examples; OpenAI requires at least 10",
            p.display()
        )),
        "{stderr}"
    );
    assert!(!stderr.contains(":0:"), "{stderr}");
    std::fs::write(&p, format!("{choice}\n")).unwrap();
    let o = bin().arg("check-finetune").arg(&p).output().unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("warning: only 1 example; OpenAI requires at least 10"),
        "{stderr}"
    );
    let o = bin()
        .arg("check-finetune")
        .arg(dir.path().join("missing.jsonl"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}

// ---- batch files ---------------------------------------------------------------------------

use selfinterp::batch::{custom_id, parse_custom_id};
use selfinterp::bundle::Sample;
use selfinterp::sim::chat_completion;
use selfinterp::sim::{AgentKind, SimAgent};

/// `selfinterp --root <fixture>`.
fn at_fixture() -> std::process::Command {
    let mut c = bin();
    c.arg("--root").arg(&fixture().root);
    c
}

/// `selfinterp --root <fixture> ARGS...`, whatever its exit status.
fn cli<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> std::process::Output {
    at_fixture().args(args).output().unwrap()
}

fn run_ok<S: AsRef<std::ffi::OsStr> + std::fmt::Debug>(args: &[S]) -> std::process::Output {
    let o = cli(args);
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// `selfinterp --root <fixture> batch import RESULTS --requests REQUESTS --into INTO`, which
/// must exit with `code`.
fn batch_import(
    results: &Path,
    requests: &str,
    into: impl AsRef<std::ffi::OsStr>,
    code: i32,
) -> std::process::Output {
    let o = bin()
        .arg("--root")
        .arg(&fixture().root)
        .args(["batch", "import"])
        .arg(results)
        .args(["--requests", requests, "--into"])
        .arg(into)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(code),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

fn samples(dir: &Path) -> Vec<Sample> {
    crate::support::jsonl(&dir.join("samples.jsonl"))
}

/// A deterministic shuffle (no rand dependency in the test's reasoning).
fn shuffled<T>(mut v: Vec<T>) -> Vec<T> {
    let n = v.len();
    for i in (1..n).rev() {
        let j = (i * 7919 + 13) % (i + 1);
        v.swap(i, j);
    }
    v
}

#[test]
fn custom_ids_round_trip() {
    use selfinterp::bundle::{KindKey, Order, SampleKey};
    for kind in [KindKey::Choice, KindKey::Report] {
        for order in [Order::Ab, Order::Ba] {
            let key = SampleKey {
                kind,
                context: "peer_to_peer_lending_platform".into(),
                index: 42,
                order,
            };
            let id = custom_id(&key);
            assert!(
                id.len() <= 64
                    && id
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            );
            assert_eq!(parse_custom_id(&id), Some(key));
        }
    }
    for bad in [
        "",
        "x-a-1-ab",
        "c-a-1-xy",
        "c--1-ab",
        "c-a-one-ab",
        "request-1",
    ] {
        assert_eq!(parse_custom_id(bad), None, "{bad}");
    }
}

#[test]
fn openai_batch_export_then_import_equals_a_live_sim_run() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let d = |n: &str| dir.path().join(n).display().to_string();
    let common = [
        "--experiment",
        "instilled",
        "--preset",
        "quick",
        "--benchmark",
        "vt",
    ];
    run_ok(
        &[
            &[
                "run",
                "--provider",
                "sim",
                "--model",
                "faithful",
                "--no-cache",
                "--out",
                &d("live"),
            ][..],
            &common,
        ]
        .concat(),
    );
    let requests = d("batch.jsonl");
    run_ok(
        &[
            &[
                "batch",
                "export",
                "--provider",
                "openai",
                "--model",
                "faithful",
                "--out",
                &requests,
            ][..],
            &common,
        ]
        .concat(),
    );

    // The provider's side: answer every body with the sim agent, as vLLM's batch runner would.
    let agent = SimAgent::from_benchmark(AgentKind::Faithful, "0", &f.bench);
    let text = std::fs::read_to_string(&requests).unwrap();
    let mut out: Vec<String> = Vec::new();
    let mut errored: Vec<String> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(
            (v["method"].as_str(), v["url"].as_str()),
            (Some("POST"), Some("/v1/chat/completions"))
        );
        let id = v["custom_id"].as_str().unwrap().to_string();
        assert!(parse_custom_id(&id).is_some(), "{id}");
        let body = chat_completion(&agent, v["body"].to_string().as_bytes()).unwrap();
        let ok = serde_json::json!({"id": format!("batch_req_{i}"), "custom_id": id,
            "response": {"status_code": 200, "request_id": "r", "body": body}, "error": null});
        if matches!(i % 37, 5 | 11 | 23) {
            errored.push(ok.to_string());
        }
        let line = match i % 37 {
            5 => serde_json::json!({"id": "x", "custom_id": id, "response": null,
                "error": {"code": "server_error", "message": "batch request failed"}}),
            11 => serde_json::json!({"id": "x", "custom_id": id, "response": {"status_code": 500,
                "body": {"error": {"message": "overloaded"}}}, "error": null}),
            23 => continue, // missing from the output altogether
            _ => ok.clone(),
        };
        out.push(line.to_string());
    }
    let first = dir.path().join("output.jsonl");
    std::fs::write(&first, shuffled(out).join("\n") + "\n").unwrap();
    let o = batch_import(&first, &requests, d("imported"), 4);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("failed: ") && stderr.contains("missing: "),
        "{stderr}"
    );

    let live = samples(&dir.path().join("live"));
    let partial = samples(&dir.path().join("imported"));
    assert_eq!(
        partial.len() + errored.len(),
        live.len(),
        "{} partial, {} errored",
        partial.len(),
        errored.len()
    );
    for s in &partial {
        assert_eq!(
            Some(s),
            live.iter().find(|l| l.key() == s.key()),
            "{}",
            s.key()
        );
    }
    let errors = std::fs::read_to_string(dir.path().join("imported").join("errors.jsonl")).unwrap();
    assert_eq!(errors.lines().count(), errored.len());
    // Failed and missing requests are stamped like a run's errors: UTC, milliseconds, `Z`.
    for line in errors.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let at: &str = v["at"].as_str().unwrap();
        assert!(
            at.len() == "2026-12-07T00:31:02.417Z".len() && at.ends_with('Z'),
            "{at}"
        );
    }

    // A second batch for the rest completes the bundle: byte-identical samples to the live run.
    let second = dir.path().join("retry.jsonl");
    std::fs::write(&second, errored.join("\n") + "\n").unwrap();
    batch_import(&second, &requests, d("imported"), 0);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("imported").join("samples.jsonl")).unwrap(),
        std::fs::read_to_string(dir.path().join("live").join("samples.jsonl")).unwrap()
    );
    let m: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("imported").join("manifest.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(m["status"], "complete");
    assert_eq!(m["source"], "batch:openai");
}

#[test]
fn anthropic_batch_file_and_results() {
    let dir = tempfile::tempdir().unwrap();
    let requests = dir.path().join("batch.json").display().to_string();
    let common = [
        "--experiment",
        "native",
        "--contexts",
        "3",
        "--trials",
        "4",
        "--reports",
        "2",
        "--benchmark",
        "vt",
    ];
    run_ok(
        &[
            &[
                "batch",
                "export",
                "--provider",
                "anthropic",
                "--model",
                "claude-x",
                "--out",
                &requests,
            ][..],
            &common,
        ]
        .concat(),
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&requests).unwrap()).unwrap();
    let reqs = v["requests"].as_array().unwrap();
    assert_eq!(reqs.len(), 3 * (4 + 2));
    assert!(reqs[0]["params"]["system"].is_string() && reqs[0]["params"]["max_tokens"] == 1);
    // Results: succeeded with a letter or a report, one errored, one expired.
    let mut lines = Vec::new();
    for (i, r) in reqs.iter().enumerate() {
        let id = r["custom_id"].as_str().unwrap();
        let text = if id.starts_with("c-") {
            "B".to_string()
        } else {
            "not json".to_string()
        };
        let result = match i {
            0 => {
                serde_json::json!({"type": "errored", "error": {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}})
            }
            1 => serde_json::json!({"type": "expired"}),
            _ => {
                serde_json::json!({"type": "succeeded", "message": {"id": "msg", "type": "message", "role": "assistant",
                "model": "claude-x", "content": [{"type": "text", "text": text}], "usage": {"input_tokens": 10, "output_tokens": 1}}})
            }
        };
        lines.push(serde_json::json!({"custom_id": id, "result": result}).to_string());
    }
    let results = dir.path().join("results.jsonl");
    std::fs::write(&results, shuffled(lines).join("\n")).unwrap();
    let into = dir.path().join("bundle");
    let o = batch_import(&results, &requests, &into, 4);
    let got = samples(&into);
    assert_eq!(got.len(), reqs.len() - 2);
    assert!(
        got.iter()
            .filter(|s| s.index < 4 && s.kind == selfinterp::bundle::KindKey::Choice)
            .all(|s| s.response == "B")
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("Overloaded") && stderr.contains("expired"),
        "{stderr}"
    );
}

// ---- study -----------------------------------------------------------------------------

#[test]
fn sim_study_has_the_studys_table_shape() {
    let dir = tempfile::tempdir().unwrap();
    let config = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/studies/sim.toml"),
    )
    .unwrap()
    .replace("benchmark = \"v1\"", "benchmark = \"vt\"")
    .replace("../../results/studies/sim", "out");
    let cpath = dir.path().join("sim.toml");
    std::fs::write(&cpath, config).unwrap();
    let study = || cli(&["study", "--config", cpath.to_str().unwrap()]);
    let o = study();
    assert_ok(&o);
    let table = std::fs::read_to_string(dir.path().join("out").join("study.md")).unwrap();
    let rows: Vec<serde_json::Value> = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("out").join("study.json")).unwrap(),
    )
    .unwrap();
    let r = |i: usize| {
        rows[i]["summary"]["reports_vs_learned"]["r"]
            .as_f64()
            .unwrap()
    };
    assert_eq!(rows.len(), 5);
    // The study's pattern: instilled > control ~ 0; training raises r, on instilled and native.
    assert!(
        r(0) > 0.4 && r(1).abs() < 0.3 && r(2) > r(0) + 0.1 && r(4) > r(3) + 0.1,
        "{table}"
    );
    assert!(
        rows[2]["versus"][1]["ci_bootstrap"][0].as_f64().unwrap() > 0.0,
        "{table}"
    );
    insta::with_settings!({snapshot_path => "fixtures/experiments/snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("sim_study_table", table);
    });
    // Run again: every bundle is resumed (nothing asked twice) and the table is unchanged.
    let o = study();
    assert_ok(&o);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out").join("study.md")).unwrap(),
        table
    );
}

/// Privileged access: a study of two models adds, for each, its native choices against the
/// other's reports, paired against its own reports. A faithful reporter's own reports beat a
/// confabulator's reports of the same contexts; a confabulator's do not beat the faithful
/// agent's (they behave alike, so the faithful reports predict the confabulator better).
#[test]
fn study_of_two_models_adds_privileged_access_rows() {
    let dir = tempfile::tempdir().unwrap();
    let cpath = dir.path().join("two.toml");
    std::fs::write(
        &cpath,
        "benchmark = \"vt\"\nout = \"out\"\npreset = \"quick\"\n\n\
         [[models]]\nlabel = \"honest\"\nprovider = \"sim\"\nnative_before = \"faithful\"\n\n\
         [[models]]\nlabel = \"confab\"\nprovider = \"sim\"\nnative_before = \"confabulator\"\n",
    )
    .unwrap();
    let o = cli(&["study", "--config", cpath.to_str().unwrap()]);
    assert_ok(&o);
    let table = std::fs::read_to_string(dir.path().join("out").join("study.md")).unwrap();
    let rows: Vec<serde_json::Value> = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("out").join("study.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(rows.len(), 4, "{table}");
    let privileged: Vec<&serde_json::Value> = rows
        .iter()
        .filter(|r| {
            r["condition"]
                .as_str()
                .unwrap()
                .starts_with("privileged access")
        })
        .collect();
    assert_eq!(privileged.len(), 2, "{table}");
    let diff = |r: &serde_json::Value| r["versus"][1]["difference"].as_f64().unwrap();
    let honest = privileged.iter().find(|r| r["label"] == "honest").unwrap();
    let confab = privileged.iter().find(|r| r["label"] == "confab").unwrap();
    assert_eq!(honest["versus"][0], "honest's own reports");
    assert!(diff(honest) < -0.3, "{table}");
    assert!(
        honest["versus"][1]["ci_bootstrap"][1].as_f64().unwrap() < 0.0,
        "{table}"
    );
    assert!(diff(confab) > 0.3, "{table}");
    assert!(
        table.contains("privileged access: confab's reports (native)"),
        "{table}"
    );
}

#[test]
fn control_replaces_reports_and_position_bias_counts_both_orders() {
    use selfinterp::bundle::{KindKey, Order, Parsed};
    use selfinterp::experiments::{position_bias, with_reports_from};
    use selfinterp::scoring::{ContextInput, ReportObs};
    use selfinterp::types::{Choice, Weights};
    let ctx = |id: &str, w: f64| ContextInput {
        id: id.into(),
        ranges: [(0.0, 1.0); 5],
        target: None,
        choices: Vec::new(),
        reports: vec![ReportObs {
            status: selfinterp::parsing::ReportStatus::Valid,
            weights: Some(Weights([w; 5])),
            out_of_range: false,
        }],
    };
    let mixed = with_reports_from(&[ctx("a", 1.0), ctx("b", 2.0)], &[ctx("a", 9.0)]);
    assert_eq!(mixed[0].reports[0].weights, Some(Weights([9.0; 5])));
    assert!(
        mixed[1].reports.is_empty(),
        "a context the other run did not ask has no reports"
    );

    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("b").display().to_string();
    let run = RunArgs::sizes(2, 5, 0).agent("position-biased").out(&out);
    run_ok(&run.args(&["--benchmark", "vt", "--no-cache"]).to_vec());
    let live = samples(Path::new(&out));
    // Pretend each pair was also asked swapped, answered "A" again by a position-biased model.
    let mut both = live.clone();
    for s in &live {
        let mut t = s.clone();
        t.order = Order::Ba;
        t.parsed = Some(Parsed::Choice(Choice::A));
        both.push(t);
    }
    let pb = position_bias(&both);
    assert_eq!(
        pb.n_pairs,
        live.iter()
            .filter(|s| s.kind == KindKey::Choice && s.parsed.is_some())
            .count()
    );
    assert!(
        pb.always_a.unwrap() > 0.8 && pb.consistency.unwrap() < 0.2,
        "{pb:?}"
    );
}

// ---- control, context subsets --------------------------------------------------------------

/// `run` of a sim agent on the fixture's instilled split, quick preset, into `out`.
fn sim_run_args(out: &Path, model: &str, extra: &[&str]) -> Vec<String> {
    RunArgs::quick()
        .agent(model)
        .experiment("instilled")
        .out(out)
        .args(&["--benchmark", "vt", "--no-cache"])
        .args(extra)
        .to_vec()
}

fn sim_run(out: &Path, model: &str, extra: &[&str]) {
    run_ok(&sim_run_args(out, model, extra));
}

#[test]
fn score_reports_from_is_the_control() {
    let tmp = tempfile::tempdir().unwrap();
    let (tuned, base) = (tmp.path().join("tuned"), tmp.path().join("base"));
    sim_run(&tuned, "faithful", &[]);
    // The base model is asked for reports only, as in the study.
    sim_run(&base, "confabulator", &["--trials", "0"]);
    let (t, b) = (tuned.display().to_string(), base.display().to_string());
    let own = score_json(at_fixture(), &[&t]);
    let control = score_json(at_fixture(), &[&t, "--reports-from", &b]);
    let r = |v: &serde_json::Value, k: &str| v[k]["r"].as_f64().unwrap();
    assert!(
        r(&own, "reports_vs_learned") > 0.8,
        "{}",
        own["reports_vs_learned"]
    );
    assert!(
        r(&control, "reports_vs_learned").abs() < 0.3,
        "{}",
        control["reports_vs_learned"]
    );
    // The learned weights (and so learned vs target) are the fine-tuned model's either way.
    assert_eq!(own["learned_vs_target"], control["learned_vs_target"]);
    assert_eq!(control["n_reports"], 20 * 3);
    // Its own reports as the "other" bundle give back the plain score.
    assert_eq!(
        score_json(at_fixture(), &[&t, "--reports-from", &t])["reports_vs_learned"],
        own["reports_vs_learned"]
    );
    // Writing the control over DIR's own summary is refused; so is a bundle with no reports.
    let o = cli(&["score", &t, "--reports-from", &b, "--write"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let none = tmp.path().join("choices-only");
    sim_run(&none, "faithful", &["--reports", "0"]);
    let o = cli(&["score", &t, "--reports-from", &none.display().to_string()]);
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("has no reports"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn a_run_can_ask_one_half_or_the_contexts_of_a_file() {
    use std::collections::BTreeSet;
    let f = fixture();
    let tmp = tempfile::tempdir().unwrap();
    let contexts_of = |dir: &Path| {
        samples(dir)
            .iter()
            .map(|s| s.context.clone())
            .collect::<BTreeSet<_>>()
    };
    for half in [Half::First, Half::Second] {
        let out = tmp.path().join(half.as_str());
        sim_run(
            &out,
            "faithful",
            &[
                "--half",
                half.as_str(),
                "--contexts",
                "50",
                "--trials",
                "2",
                "--reports",
                "1",
            ],
        );
        let want: BTreeSet<_> = finetune::half_ids(&f.bench, half).into_iter().collect();
        assert_eq!(
            contexts_of(&out),
            want,
            "{half:?}: the same half as `export introspection`"
        );
        let m: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap())
                .unwrap();
        assert_eq!(m["parameters"]["half"], half.as_str());
    }
    // The quick preset's 20 contexts are a cap; the file's ids are recorded, not its path.
    let ids: Vec<String> = f
        .bench
        .split(Split::Instilled)
        .skip(30)
        .step_by(7)
        .take(5)
        .map(|c| c.id.0.clone())
        .collect();
    let file = tmp.path().join("ids.txt");
    std::fs::write(&file, format!("# five contexts\n{}\n\n", ids.join("\n"))).unwrap();
    let out = tmp.path().join("file");
    let fa = file.display().to_string();
    sim_run(
        &out,
        "faithful",
        &["--contexts-file", &fa, "--trials", "2", "--reports", "1"],
    );
    let got: BTreeSet<String> = contexts_of(&out).into_iter().map(|c| c.0).collect();
    assert_eq!(got, ids.iter().cloned().collect());
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["parameters"]["context_ids"], serde_json::json!(ids));
    assert_eq!(m["parameters"]["contexts"], 5);
    // An edited file is another measurement: its resume is refused.
    std::fs::write(&file, ids[..4].join("\n")).unwrap();
    let args = sim_run_args(
        &out,
        "faithful",
        &[
            "--contexts-file",
            &fa,
            "--trials",
            "2",
            "--reports",
            "1",
            "--resume",
        ],
    );
    let o = cli(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && err.contains("context_ids"), "{err}");
    // Unknown ids and a half of the native split are refused before anything is asked.
    std::fs::write(&file, "no_such_context\n").unwrap();
    let refused_dir = tmp.path().join("refused").display().to_string();
    let refused = |extra: &[&str], needle: &str| {
        let base = [
            "run",
            "--provider",
            "sim",
            "--model",
            "faithful",
            "--benchmark",
            "vt",
            "--no-cache",
        ];
        let o = cli(&[&base[..], &["--out", &refused_dir], extra].concat());
        let err = String::from_utf8_lossy(&o.stderr).to_string();
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(needle), "{needle}: {err}");
    };
    refused(
        &["--experiment", "instilled", "--contexts-file", &fa],
        "no_such_context",
    );
    refused(&["--experiment", "native", "--half", "first"], "--half");
    assert!(!tmp.path().join("refused").join("manifest.json").exists());
}

#[test]
fn a_batch_file_can_hold_one_half_in_both_orders() {
    let f = fixture();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("half.jsonl");
    run_ok(&[
        "batch",
        "export",
        "--provider",
        "openai",
        "--model",
        "gpt-x",
        "--experiment",
        "instilled",
        "--benchmark",
        "vt",
        "--half",
        "second",
        "--trials",
        "3",
        "--reports",
        "1",
        "--counterbalance",
        "--out",
        &out.display().to_string(),
    ]);
    let second: std::collections::BTreeSet<String> = finetune::half_ids(&f.bench, Half::Second)
        .into_iter()
        .map(|c| c.0)
        .collect();
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), second.len() * (3 + 1) * 2);
    for l in &lines {
        let key = parse_custom_id(l["custom_id"].as_str().unwrap()).unwrap();
        assert!(second.contains(&key.context.0), "{key}");
    }
    let m: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(tmp.path().join("half.manifest.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(m["parameters"]["half"], "second");
    assert_eq!(m["parameters"]["orders"], serde_json::json!(["ab", "ba"]));
}

fn openai_result_line(id: &str, content: &str) -> String {
    serde_json::json!({"id": "x", "custom_id": id, "error": null,
        "response": {"status_code": 200, "body": {"model": "m", "choices": [
            {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}]}}})
    .to_string()
}

#[test]
fn batch_results_name_every_repeated_id_and_flag_two_different_answers() {
    use selfinterp::batch::{BatchFormat, Repeat, Results};
    let failed = serde_json::json!({"id": "x", "custom_id": "c-a-1-ab", "response": null,
        "error": {"message": "server_error"}})
    .to_string();
    let first = [
        openai_result_line("c-a-0-ab", "A"),
        failed.clone(),
        openai_result_line("c-a-2-ab", "B"),
    ]
    .join("\n");
    let second = [
        openai_result_line("c-a-0-ab", "A"),
        openai_result_line("c-a-1-ab", "B"),
        failed,
        openai_result_line("c-a-2-ab", "A"),
    ]
    .join("\n");
    let mut r = Results::default();
    r.add_text(BatchFormat::Openai, "out.jsonl", &first);
    r.add_text(BatchFormat::Openai, "retry.jsonl", &second);
    let kinds: Vec<(String, Repeat)> = r
        .duplicates
        .iter()
        .map(|d| (d.again.to_string(), d.kind))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("retry.jsonl:1".to_string(), Repeat::Same),
            ("retry.jsonl:2".to_string(), Repeat::Retried),
            ("retry.jsonl:3".to_string(), Repeat::Retried),
            ("retry.jsonl:4".to_string(), Repeat::Conflict),
        ]
    );
    // The answer is kept over the failures on either side of it.
    assert!(matches!(
        r.by_id["c-a-1-ab"],
        selfinterp::batch::Outcome::Answered(_)
    ));
    let c = r.conflict().expect("two answers to c-a-2-ab");
    assert_eq!(
        c.to_string(),
        "retry.jsonl:4: custom_id c-a-2-ab: a different answer from line 3 of out.jsonl"
    );
}

#[test]
fn batch_import_refuses_two_different_answers_to_one_request() {
    let dir = tempfile::tempdir().unwrap();
    let requests = dir.path().join("batch.jsonl").display().to_string();
    run_ok(&[
        "batch",
        "export",
        "--provider",
        "openai",
        "--model",
        "faithful",
        "--experiment",
        "native",
        "--preset",
        "quick",
        "--benchmark",
        "vt",
        "--out",
        &requests,
    ]);
    let text = std::fs::read_to_string(&requests).unwrap();
    let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    let id = first["custom_id"].as_str().unwrap();
    let results = dir.path().join("output.jsonl");
    std::fs::write(
        &results,
        [openai_result_line(id, "A"), openai_result_line(id, "B")].join("\n") + "\n",
    )
    .unwrap();
    let into = dir.path().join("imported");
    let o = batch_import(&results, &requests, &into, 2);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains(&format!(
            "output.jsonl:2: custom_id {id}: a different answer from line 1"
        )),
        "{stderr}"
    );
    assert!(!into.join("samples.jsonl").exists(), "a bundle was written");

    // The same import as a library call: typed errors, nothing written.
    use selfinterp::batch::{BatchError, BatchImportSpec, import};
    let bench_dir: PathBuf = fixture().root.join("benchmark");
    let spec = BatchImportSpec {
        requests: PathBuf::from(&requests),
        results: vec![results.clone()],
    };
    match import(&spec, &bench_dir, &into) {
        Err(BatchError::Conflict(d)) => assert!(d.contains("a different answer"), "{d}"),
        other => panic!("{other:?}"),
    }
    assert!(!into.exists(), "a bundle was written");
    let gone = BatchImportSpec {
        requests: dir.path().join("none.jsonl"),
        ..spec
    };
    let e = import(&gone, &bench_dir, &into).unwrap_err();
    assert!(matches!(e, BatchError::Read { .. }), "{e:?}");
    assert!(
        e.to_string().contains("none.manifest.json: cannot read"),
        "{e}"
    );
}

/// A mistyped simulated agent anywhere in a study is refused before its first run, naming the
/// file, the model and the field (the study ran its first four runs, then stopped at the fifth
/// with the run's message and no field).
#[test]
fn a_study_with_a_mistyped_agent_is_refused_before_any_run() {
    let dir = tempfile::tempdir().unwrap();
    let config = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/studies/sim.toml"),
    )
    .unwrap()
    .replace("benchmark = \"v1\"", "benchmark = \"vt\"")
    .replace("../../results/studies/sim", "out")
    .replace(
        "native_before = \"partial:0.5\"",
        "native_before = \"partal:0.5\"",
    );
    let cpath = dir.path().join("bad.toml");
    std::fs::write(&cpath, config).unwrap();
    let o = cli(&["study", "--config", cpath.to_str().unwrap()]);
    let e: String = String::from_utf8_lossy(&o.stderr).to_string();
    assert_eq!(o.status.code(), Some(2), "{e}");
    assert_eq!(e.trim().lines().count(), 1, "{e}");
    assert!(
        e.contains("bad.toml: model \"sim\": native_before: unknown simulated agent \"partal:0.5\" (did you mean \"partial\"?)"),
        "{e}"
    );
    assert!(!dir.path().join("out").exists(), "a run was started");
}
