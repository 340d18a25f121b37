//! Trust at the edges (docs/reliability.md): what `run` refuses, the one check of every sample
//! against the plan made by every reader, `validate` catching relabelled entries, the response
//! cache key, the endpoint pre-flight, signals, numeric flag ranges and closed pipes.
//! Every test here failed on the code before its fix.

use crate::reports::{VERSION, root, sim_run};
pub use crate::support::{RunArgs, bin, stderr};
use selfinterp::leaderboard;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;

/// The built binary, or the one `SELFINTERP_TEST_BIN` names (to show a test failing on an
/// older build).
/// `selfinterp --root ROOT ARGS...`.
pub fn sel<S: AsRef<std::ffi::OsStr>>(root: &Path, args: &[S]) -> Output {
    bin().arg("--root").arg(root).args(args).output().unwrap()
}

/// Asserts the exit code, showing stderr when it differs.
pub fn assert_exit(o: &Output, code: i32, what: &str) {
    assert_eq!(o.status.code(), Some(code), "{what}: {}", stderr(o));
}

/// A small in-process run of the faithful sim agent into `out` (4 contexts x 10 choices and
/// 3 reports, no cache).
pub fn small(out: &str) -> RunArgs {
    RunArgs::sizes(4, 10, 3)
        .out(out)
        .args(&["--no-cache", "--benchmark", VERSION])
}

/// The arguments of [`small`], then `extra`.
pub fn small_run(out: &str, extra: &[&str]) -> Vec<String> {
    small(out).args(extra).to_vec()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn copy_bundle(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

#[test]
fn run_refuses_a_directory_that_holds_no_run_and_overwrites_nothing() {
    let root = root();
    let first = root.path().join("first");
    assert_exit(
        &sel(root.path(), &small_run(s(&first), &[])),
        0,
        "first run",
    );

    // Another run's samples and summary, without its manifest.
    let stray = root.path().join("stray");
    std::fs::create_dir_all(&stray).unwrap();
    for f in ["samples.jsonl", "summary.json", "errors.jsonl"] {
        std::fs::copy(first.join(f), stray.join(f)).unwrap();
    }
    let before: Vec<Vec<u8>> = ["samples.jsonl", "summary.json", "errors.jsonl"]
        .iter()
        .map(|f| std::fs::read(stray.join(f)).unwrap())
        .collect();
    for extra in [&[][..], &["--resume"][..]] {
        let args = small(s(&stray)).agent("confabulator").args(extra);
        let o = sel(root.path(), &args.to_vec());
        assert_exit(&o, 2, "a directory with another run's samples");
        assert!(stderr(&o).contains("not empty"), "{}", stderr(&o));
        assert!(!stray.join("manifest.json").exists());
    }
    // A summary alone is not overwritten either.
    let only_summary = root.path().join("only-summary");
    std::fs::create_dir_all(&only_summary).unwrap();
    std::fs::write(only_summary.join("summary.json"), "{\"mine\": 1}\n").unwrap();
    let o = sel(root.path(), &small_run(s(&only_summary), &[]));
    assert_exit(&o, 2, "a directory with a summary");
    assert_eq!(
        std::fs::read_to_string(only_summary.join("summary.json")).unwrap(),
        "{\"mine\": 1}\n"
    );
    let after: Vec<Vec<u8>> = ["samples.jsonl", "summary.json", "errors.jsonl"]
        .iter()
        .map(|f| std::fs::read(stray.join(f)).unwrap())
        .collect();
    assert_eq!(before, after, "files of the other run were changed");
    // An empty directory is fine.
    let empty = root.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    assert_exit(
        &sel(root.path(), &small_run(s(&empty), &[])),
        0,
        "empty dir",
    );
}

/// One way to corrupt a bundle's samples: what it does, the line and field it must be named by.
struct Tamper {
    name: &'static str,
    edit: fn(&mut Vec<String>),
    /// `line N: field` expected in the message (`samples: ` for the file as a whole).
    names: &'static str,
    /// Whether `run --resume` must refuse it too (an empty file is a run not yet started).
    resume_refuses: bool,
}

fn edit_line(lines: &mut [String], i: usize, f: impl FnOnce(&mut Value)) {
    let mut v: Value = serde_json::from_str(&lines[i]).unwrap();
    f(&mut v);
    lines[i] = serde_json::to_string(&v).unwrap();
}

const TAMPERS: &[Tamper] = &[
    Tamper {
        name: "unknown context",
        edit: |l| edit_line(l, 2, |v| v["context"] = "native-nowhere".into()),
        names: "line 3: context",
        resume_refuses: true,
    },
    Tamper {
        name: "index past the plan",
        edit: |l| edit_line(l, 4, |v| v["index"] = 10.into()),
        names: "line 5: index",
        resume_refuses: true,
    },
    Tamper {
        name: "A and B swapped",
        edit: |l| {
            edit_line(l, 6, |v| {
                let a = v["options"]["A"].take();
                v["options"]["A"] = v["options"]["B"].take();
                v["options"]["B"] = a;
            })
        },
        names: "line 7: options",
        resume_refuses: true,
    },
    Tamper {
        name: "two different answers to one request",
        edit: |l| {
            let mut v: Value = serde_json::from_str(&l[0]).unwrap();
            let flipped = if v["response"] == "A" { "B" } else { "A" };
            v["response"] = flipped.into();
            v["parsed"] = flipped.into();
            l.push(serde_json::to_string(&v).unwrap());
        },
        names: "line 53: response",
        resume_refuses: true,
    },
    Tamper {
        name: "empty",
        edit: |l| l.clear(),
        names: "samples.jsonl: samples",
        resume_refuses: false,
    },
];

#[test]
fn every_reader_refuses_samples_outside_the_plan_naming_file_line_and_field() {
    let root = root();
    let good = root.path().join("good");
    assert_exit(&sel(root.path(), &small_run(s(&good), &[])), 0, "run");
    assert_eq!(lines(&good.join("samples.jsonl")).len(), 52);
    for t in TAMPERS {
        let dir: PathBuf = root.path().join(t.name.replace(' ', "-"));
        copy_bundle(&good, &dir);
        let mut l = lines(&dir.join("samples.jsonl"));
        (t.edit)(&mut l);
        let text: String = l.iter().map(|x| format!("{x}\n")).collect();
        std::fs::write(dir.join("samples.jsonl"), text).unwrap();
        let d: &str = s(&dir);
        // A finished run marked interrupted, so --resume reads its samples.
        let resume_args: Vec<String> = small_run(d, &["--resume"]);
        let mut readers: Vec<(&str, Vec<&str>)> = vec![
            ("score", vec!["score", d]),
            ("report", vec!["report", d, "--format", "json"]),
            (
                "plan",
                vec![
                    "plan",
                    "--pilot",
                    d,
                    "--target-width",
                    "0.5",
                    "--replicates",
                    "2",
                    "--promise-resamples",
                    "0",
                ],
            ),
        ];
        if t.resume_refuses {
            readers.push((
                "run --resume",
                resume_args.iter().map(String::as_str).collect(),
            ));
        }
        for (reader, args) in readers {
            let o = sel(root.path(), &args);
            let err = stderr(&o);
            assert_eq!(o.status.code(), Some(2), "{} / {reader}: {err}", t.name);
            let last = err.trim_end().lines().last().unwrap_or("");
            assert!(
                last.contains("samples.jsonl") && last.contains(t.names),
                "{} / {reader}: expected `{}` in: {err}",
                t.name,
                t.names
            );
        }
    }
}

/// A simulated entry relabelled as a real model, in a results directory of its own.
fn relabelled(root: &Path, edit_params: bool) -> PathBuf {
    let results = root.join("results");
    let dir = sim_run(root, &results.join("gpt-4o-native"), "faithful", "native");
    let _ = std::fs::remove_file(dir.join("errors.jsonl"));
    std::fs::write(
        dir.join(leaderboard::ENTRY_FILE),
        "display_name = \"GPT-4o\"\nmodel_id = \"gpt-4o\"\nprovider = \"openai\"\ndate = \"2026-01-01\"\n\
submitted_by = \"tests\"\nnotes = \"\"\nsimulated = false\n",
    )
    .unwrap();
    let path = dir.join("manifest.json");
    let mut m: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    m["provider"] = "openai".into();
    m["model"] = "gpt-4o".into();
    if edit_params {
        m["parameters"]["provider"] = "openai".into();
        m["parameters"]["model"] = "gpt-4o".into();
    }
    std::fs::write(&path, serde_json::to_string_pretty(&m).unwrap() + "\n").unwrap();
    let entries = leaderboard::load_all(&results).unwrap();
    let benchmark = root.join("benchmark");
    leaderboard::write(&results, &leaderboard::board(&entries), &benchmark).unwrap();
    results
}

#[test]
fn validate_refuses_a_simulated_entry_relabelled_as_a_model() {
    for edit_params in [false, true] {
        let root = root();
        let results = relabelled(root.path(), edit_params);
        let (_, problems) =
            leaderboard::validate(&results, &root.path().join("benchmark")).unwrap();
        let text: String = problems
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
            .join("\n");
        assert!(
            problems
                .iter()
                .any(|p| p.file == "manifest.json" && p.field.contains("server")),
            "edit_params {edit_params}: server ids/fingerprints not checked:\n{text}"
        );
        assert!(
            problems.iter().any(|p| p.field.contains("simulated")),
            "edit_params {edit_params}: simulated samples presented as a model's:\n{text}"
        );
        if !edit_params {
            assert!(
                problems.iter().any(|p| p.field.contains("parameters.")),
                "parameters disagree with the labels:\n{text}"
            );
        }
    }
}

// ---- the response cache and the endpoint -------------------------------------------------

use crate::support::{Fault, MockServer};
use std::time::{Duration, Instant};

/// Runs the binary off the async runtime, so the loopback mocks keep answering.
pub async fn sel_async(root: &Path, args: Vec<String>) -> (Output, Duration) {
    let root = root.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let t0 = Instant::now();
        let o = bin()
            .arg("--root")
            .arg(&root)
            .args(&args)
            .env_remove("OPENAI_API_KEY")
            .output()
            .unwrap();
        (o, t0.elapsed())
    })
    .await
    .unwrap()
}

/// A small native run (2 contexts x 5 choices and 1 report) asking `model` at `base_url`,
/// into `out`.
pub fn server(model: &str, base_url: &str, out: &Path) -> RunArgs {
    RunArgs::sizes(2, 5, 1)
        .server(model, base_url)
        .out(out)
        .flag("--benchmark", VERSION)
}

/// The arguments of [`server`], then `extra`.
pub fn server_run(model: &str, base_url: &str, out: &Path, extra: &[&str]) -> Vec<String> {
    server(model, base_url, out).args(extra).to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cache_never_answers_for_another_server_with_the_same_model_name() {
    let root = root();
    let cache = root.path().join("cache");
    let c: &str = s(&cache);
    let first = MockServer::builder().model("m").start().await;
    let second = MockServer::builder().model("m").start().await;
    let planned: u64 = 2 * 5 + 2;
    let (o, _) = sel_async(
        root.path(),
        server_run(
            "m",
            &first.base_url(),
            &root.path().join("a"),
            &["--cache-dir", c],
        ),
    )
    .await;
    assert_exit(&o, 0, "first server");
    let (o, _) = sel_async(
        root.path(),
        server_run(
            "m",
            &second.base_url(),
            &root.path().join("b"),
            &["--cache-dir", c],
        ),
    )
    .await;
    assert_exit(&o, 0, "second server");
    // Every request of the second run went to the second server (plus its pre-flight).
    assert!(
        second.requests() >= planned,
        "the second server got {} requests of {planned}: answered from the first's cache",
        second.requests()
    );
    // The cache still makes a rerun against the same server free.
    let before: u64 = first.requests();
    let (o, _) = sel_async(
        root.path(),
        server_run(
            "m",
            &first.base_url(),
            &root.path().join("a2"),
            &["--cache-dir", c],
        ),
    )
    .await;
    assert_exit(&o, 0, "rerun");
    // The pre-flight's 2 and the cache re-check's 6 (docs/reliability.md).
    assert!(
        first.requests() - before <= 2 + 6,
        "a rerun asked {} requests (only the pre-flight's and the re-check's 8 expected)",
        first.requests() - before
    );
}

/// Asserts a run ended with exit 3 within seconds, one `error:` line holding `want`, and
/// no bundle.
fn assert_refused_fast(o: &Output, took: Duration, out: &Path, want: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(3), "{want}: {err}");
    assert!(took < Duration::from_secs(20), "{want}: took {took:?}");
    // `run` prints its plan (a `plan:` line and indented rows) before anything is sent.
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with("plan: ") && !l.starts_with("  "))
        .collect();
    assert_eq!(lines.len(), 1, "{want}: not one line: {err}");
    assert!(lines[0].contains(want), "{want}: {err}");
    assert!(!out.exists(), "{want}: a bundle was created");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_or_wrong_endpoint_is_named_before_the_first_request() {
    let root = root();
    // A port nothing listens on.
    let closed: u16 = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let refused = format!("http://127.0.0.1:{closed}/v1");
    let out = root.path().join("dead");
    let (o, took) = sel_async(root.path(), server_run("m", &refused, &out, &[])).await;
    assert_refused_fast(&o, took, &out, "connection refused");

    // Resolution fails locally: `.invalid` never resolves (RFC 6761).
    let (o, took) = sel_async(
        root.path(),
        server_run("m", "http://nonexistent.invalid:8080/v1", &out, &[]),
    )
    .await;
    assert_refused_fast(&o, took, &out, "name not resolved");

    // The hosted API without a key: refused before anything is sent.
    let mut args = server_run("gpt-4o", "x", &out, &[]);
    let i = args.iter().position(|a| a == "--base-url").unwrap();
    args.drain(i..i + 2);
    let (o, took) = sel_async(root.path(), args).await;
    assert_refused_fast(&o, took, &out, "no key for the hosted OpenAI API");

    // A server that serves other models lists them.
    let srv = MockServer::builder().model("served-a").start().await;
    let (o, took) = sel_async(root.path(), server_run("other", &srv.base_url(), &out, &[])).await;
    assert_refused_fast(&o, took, &out, "is not served");
    assert!(stderr(&o).contains("served-a"), "{}", stderr(&o));
    assert_eq!(srv.requests(), 1, "only the model list was asked");

    // A refused key.
    let srv = MockServer::builder()
        .model("m")
        .fault_at(0, Fault::Status(401))
        .start()
        .await;
    let (o, took) = sel_async(root.path(), server_run("m", &srv.base_url(), &out, &[])).await;
    assert_refused_fast(&o, took, &out, "HTTP 401");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_base_url_is_a_usage_error_before_any_bundle() {
    let root = root();
    let out = root.path().join("o");
    for url in [
        "127.0.0.1:8080/v1",
        "ftp://127.0.0.1/v1",
        "http://",
        "http://user:sk-x@127.0.0.1/v1",
    ] {
        let (o, _) = sel_async(root.path(), server_run("m", url, &out, &[])).await;
        assert_exit(&o, 2, url);
        assert!(stderr(&o).contains("--base-url"), "{url}: {}", stderr(&o));
        assert!(
            !stderr(&o).contains("sk-x"),
            "{url}: the credential was echoed"
        );
        assert!(!out.exists(), "{url}: a bundle was created");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_failing_every_request_the_same_way_stops_the_run_early() {
    let root = root();
    // The pre-flight passes (model list and its one request), then every request fails.
    let srv = MockServer::builder()
        .model("m")
        .faults_at(2..10_000, Fault::Status(500))
        .start()
        .await;
    let out = root.path().join("o");
    let args = RunArgs::sizes(8, 12, 1)
        .server("m", &srv.base_url())
        .out(&out)
        .flag("--benchmark", VERSION)
        .args(&["--max-retries", "0", "--no-cache", "--concurrency", "2"])
        .to_vec();
    let (o, _) = sel_async(root.path(), args).await;
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(4), "{err}");
    assert!(
        err.contains("stopped early") && err.contains("HTTP 500"),
        "{err}"
    );
    let planned: u64 = 8 * 12 + 8;
    assert!(
        srv.requests() < planned / 2,
        "{} requests sent of {planned}",
        srv.requests()
    );
    assert!(err.contains("--resume"), "{err}");
}

// ---- empty answers, signals, flag ranges, closed pipes -----------------------------------

use crate::support::Responder;
use crate::support::mock::default_text;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_answer_is_asked_again_and_never_cached() {
    let root = root();
    // Every distinct request is first answered 200 with `content: null`, then properly.
    let seen: Arc<Mutex<HashSet<String>>> = Arc::new(Mutex::new(HashSet::new()));
    let responder = Responder::Custom(Arc::new(move |body: &Value| {
        let first: bool = seen.lock().unwrap().insert(body.to_string());
        let user: String = body["messages"]
            .as_array()
            .and_then(|m| m.iter().rev().find(|m| m["role"] == "user"))
            .and_then(|m| m["content"].as_str())
            .unwrap_or("")
            .to_string();
        let content: Value = if first {
            Value::Null
        } else {
            default_text(&user).into()
        };
        serde_json::json!({"model": "m", "choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]})
    }));
    let srv = MockServer::builder()
        .model("m")
        .responder(responder)
        .start()
        .await;
    let cache = root.path().join("cache");
    let out = root.path().join("o");
    let (o, _) = sel_async(
        root.path(),
        server_run("m", &srv.base_url(), &out, &["--cache-dir", s(&cache)]),
    )
    .await;
    assert_exit(&o, 0, "run");
    let m: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["counts"]["invalid_choices"], 0, "{}", m["counts"]);
    assert_eq!(m["counts"]["invalid_reports"], 0, "{}", m["counts"]);
    // No empty answer went into the cache (its log, where docs/performance.md says it is: one
    // `<key> <response JSON>` per line).
    let log: PathBuf = cache.join("responses/answers.log");
    let text: String = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.lines().count() > 0,
        "{} holds no answer",
        log.display()
    );
    for line in text.lines() {
        let v: Value = serde_json::from_str(&line[65..]).unwrap();
        assert_ne!(
            v["text"],
            "",
            "{} holds an empty answer: {line}",
            log.display()
        );
    }
}

#[test]
fn sigterm_is_handled_like_ctrl_c_and_exits_143() {
    let root = root();
    let out = root.path().join("o");
    let child = bin()
        .arg("--root")
        .arg(root.path())
        .args(small_run(s(&out), &["--rpm", "300"]))
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    while std::fs::read(out.join("samples.jsonl")).map_or(0, |b| b.len()) == 0 {
        assert!(t0.elapsed() < Duration::from_secs(60), "no progress");
        std::thread::sleep(Duration::from_millis(20));
    }
    let st = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    let o = child.wait_with_output().unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(143), "{err}");
    assert!(err.contains("--resume"), "{err}");
    let m: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["status"], "interrupted");
    let o = sel(root.path(), &small_run(s(&out), &["--resume"]));
    assert_exit(&o, 0, "resume after SIGTERM");
}

#[test]
fn every_numeric_flag_outside_its_range_is_a_usage_error() {
    let root = root();
    let out = root.path().join("o");
    let o_: &str = s(&out);
    let v = |a: &[&str]| -> Vec<String> { a.iter().map(|x| x.to_string()).collect() };
    let cases: Vec<Vec<String>> = vec![
        small_run(o_, &["--timeout", "1e20"]),
        small_run(o_, &["--timeout", "inf"]),
        small_run(o_, &["--timeout", "NaN"]),
        small_run(o_, &["--timeout", "0"]),
        small_run(o_, &["--concurrency", "0"]),
        small_run(o_, &["--max-retries", "1000"]),
        small_run(o_, &["--rpm", "0"]),
        small_run(o_, &["--max-invalid-rate", "1.5"]),
        small_run(
            o_,
            &["--design", "adaptive", "--design-candidates", "1000000000"],
        ),
        small_run(
            o_,
            &["--design", "adaptive", "--design-candidates", "10000000"],
        ),
        small_run(o_, &["--design", "adaptive", "--design-batch", "0"]),
        v(&[
            "plan",
            "--pilot",
            o_,
            "--target-width",
            "0.1",
            "--replicates",
            "0",
        ]),
        v(&[
            "plan",
            "--pilot",
            o_,
            "--target-width",
            "0.1",
            "--pairs",
            "10,0",
        ]),
        v(&[
            "plan",
            "--pilot",
            o_,
            "--target-width",
            "0.1",
            "--orders",
            "3",
        ]),
        v(&["report", o_, "--price-in=-1", "--price-out", "1"]),
        v(&["serve-sim", "--agent", "faithful", "--threads", "0"]),
    ];
    for args in cases {
        let t0 = Instant::now();
        let o = sel(root.path(), &args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("must be"), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(t0.elapsed() < Duration::from_secs(10), "{args:?}: slow");
        assert!(!out.exists(), "{args:?}: a bundle was created");
    }
}

#[test]
fn a_closed_standard_output_ends_quietly() {
    let root = root();
    let out = root.path().join("o");
    assert_exit(&sel(root.path(), &small_run(s(&out), &[])), 0, "run");
    for args in [
        vec!["benchmark", "show", VERSION, "--json"],
        vec!["score", s(&out), "--json"],
        vec!["report", s(&out)],
    ] {
        // The reading end is closed before the child starts: no race with its first write.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let child = bin()
            .arg("--root")
            .arg(root.path())
            .args(&args)
            .stdout(writer)
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let o = child.wait_with_output().unwrap();
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(141), "{args:?}: {err}");
        assert!(err.trim().is_empty(), "{args:?}: not quiet: {err}");
    }
}

// ---- secrets -------------------------------------------------------------------------------

use selfinterp::providers::ApiKey;
use selfinterp::providers::redact;

const KEY: &str = "sk-proj-Zq8vLm3TxW0pR7nK2yHs9cB4";

/// The forms a server may echo a key in.
fn echo_forms() -> Vec<String> {
    let b64 = |s: &str| {
        // An independent encoder: the shell's.
        let o = std::process::Command::new("base64")
            .arg("-w0")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut c| {
                use std::io::Write;
                c.stdin.take().unwrap().write_all(s.as_bytes())?;
                c.wait_with_output()
            })
            .unwrap();
        String::from_utf8(o.stdout).unwrap()
    };
    vec![
        KEY.to_string(),
        b64(KEY),
        b64(&format!("user:{KEY}")),
        b64(&format!("x:{KEY}")),
        b64(&format!("xy:{KEY}")),
        KEY.bytes().map(|b| format!("%{b:02X}")).collect(),
        KEY.trim_start_matches("sk-proj-").to_string(),
        KEY[KEY.len() - 8..].to_string(),
    ]
}

/// The part of an echo form that must not survive: its middle (the edges of a base64 form may
/// encode the text around the key), or the whole of a short form.
fn probe(form: &str) -> &str {
    if form.len() >= 16 {
        &form[4..form.len() - 4]
    } else {
        form
    }
}

#[test]
fn echoed_keys_are_redacted_in_every_form() {
    let key = ApiKey::new(KEY);
    for form in echo_forms() {
        let text = format!("invalid credentials: Basic {form} (request id 42)");
        let out = redact(&text, Some(&key));
        // The identifying middle of the form is gone, whatever its alignment.
        let probe: &str = probe(&form);
        assert!(!out.contains(probe), "{form} survived: {out}");
        assert!(out.contains("[redacted]"), "{out}");
        assert!(out.contains("request id 42"), "{out}");
    }
    // Ordinary text is left alone.
    assert_eq!(
        redact("task-based ask-me 12345678", Some(&key)),
        "task-based ask-me 12345678"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_echoing_the_key_leaves_no_trace_in_the_bundle_or_stderr() {
    let root = root();
    let forms: Vec<String> = echo_forms();
    let body: String = format!(
        "{{\"error\": {{\"message\": \"bad gateway for {} {} {} {}{}\"}}}}",
        forms[1],
        forms[5],
        forms[6],
        forms[7],
        "x".repeat(5000)
    );
    let srv = MockServer::builder()
        .model("m")
        .faults_at(2..10_000, Fault::StatusBody(502, body))
        .start()
        .await;
    let out = root.path().join("o");
    let args = server_run(
        "m",
        &srv.base_url(),
        &out,
        &["--max-retries", "0", "--no-cache"],
    );
    let mut c = bin();
    c.arg("--root")
        .arg(root.path())
        .args(&args)
        .env("OPENAI_API_KEY", KEY);
    let o = crate::support::output_off_runtime(c).await;
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    let errors: String = std::fs::read_to_string(out.join("errors.jsonl")).unwrap();
    for (what, text) in [("stderr", stderr(&o)), ("errors.jsonl", errors.clone())] {
        for form in &forms {
            assert!(!text.contains(probe(form)), "{what} holds {form}: {text}");
        }
    }
    for line in errors.lines() {
        assert!(
            line.len() < 1000,
            "an error body stored whole: {} bytes",
            line.len()
        );
    }
}

#[test]
fn a_leaderboard_row_is_named_by_its_entry_id_not_a_substring_of_another_name() {
    let root = root();
    let results = root.path().join("results");
    for (name, display) in [("a-short", "Agent"), ("b-long", "Agent (tuned)")] {
        let dir = sim_run(root.path(), &results.join(name), "faithful", "native");
        let _ = std::fs::remove_file(dir.join("errors.jsonl"));
        std::fs::write(
            dir.join(leaderboard::ENTRY_FILE),
            format!(
                "display_name = \"{display}\"\nmodel_id = \"faithful\"\nprovider = \"sim\"\ndate = \"2026-01-01\"\n\
submitted_by = \"tests\"\nnotes = \"\"\nsimulated = true\n"
            ),
        )
        .unwrap();
    }
    let entries = leaderboard::load_all(&results).unwrap();
    let benchmark = root.path().join("benchmark");
    leaderboard::write(&results, &leaderboard::board(&entries), &benchmark).unwrap();
    let md = results.join(leaderboard::MD_FILE);
    let text = std::fs::read_to_string(&md).unwrap();
    let row = text
        .lines()
        .find(|l| l.contains("| [Agent (tuned)]"))
        .unwrap_or_else(|| panic!("no row of Agent (tuned) in {text}"))
        .to_string();
    std::fs::write(
        &md,
        text.replace(&row, &row.replace("2026-01-01", "2026-01-02")),
    )
    .unwrap();
    let problems = leaderboard::check_leaderboard(&results, &entries, &benchmark);
    let p = problems
        .iter()
        .find(|p| p.entry == leaderboard::MD_FILE)
        .unwrap_or_else(|| panic!("not caught: {problems:?}"));
    assert!(
        p.to_string().contains("row of entry b-long"),
        "named the wrong row: {p}"
    );
}

/// A bundle file that exists but cannot be read (here a directory where `manifest.json`
/// should be) is an I/O error, exit 5; a bundle that does not exist is the user's path, exit 2.
#[test]
fn an_unreadable_bundle_file_is_an_io_error_and_a_missing_one_a_usage_error() {
    let root = root();
    let dir = root.path().join("broken");
    std::fs::create_dir_all(dir.join("manifest.json")).unwrap();
    let o = sel(root.path(), &["score", dir.to_str().unwrap()]);
    assert_exit(&o, 5, "score of an unreadable manifest");
    assert!(
        stderr(&o).contains("manifest.json: cannot read"),
        "{}",
        stderr(&o)
    );
    let missing = root.path().join("missing");
    let o = sel(root.path(), &["score", missing.to_str().unwrap()]);
    assert_exit(&o, 2, "score of a missing bundle");
}
