//! Hostile and broken servers (docs/reliability.md, "Hostile servers"): loopback stubs that
//! send bodies of any size, echo keys, put escape sequences in what they say, or change
//! their weights behind the same name. Every test here failed on the code before its fix.

use crate::reliability::{assert_exit, sel_async, server_run};
use crate::reports::root;
use crate::support::mock::{completion, default_text, user_text};
use crate::support::{Fault, MockServer, Responder, RunArgs, contexts, stderr};
use selfinterp::sim as sim_server;
use selfinterp::sim::{AgentKind, SimAgent};
use serde_json::{Value, json};
use std::path::Path;
use std::sync::Arc;

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Requests of `server_run` (2 contexts x 5 trials + 1 report each).
const PLANNED: usize = 2 * 5 + 2;

/// A streamed body with no length and a valid answer of 5 MB are each that request's error
/// (not retried, not kept), the rest of the run goes on; the flag raises the limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversize_answer_is_that_requests_error_and_the_run_goes_on() {
    let root = root();
    // Requests 0 and 1 are the pre-flight's (model list, one-token request).
    let srv = MockServer::builder()
        .model("m")
        .fault_at(2, Fault::Stream(64 << 20))
        .fault_at(3, Fault::Padded(5 << 20))
        .start()
        .await;
    let out = root.path().join("a");
    let extra: [&str; 3] = ["--no-cache", "--max-retries", "1"];
    let (o, _) = sel_async(root.path(), server_run("m", &srv.base_url(), &out, &extra)).await;
    assert_exit(&o, 4, "two over-size answers");
    let errors: Vec<String> = lines(&out.join("errors.jsonl"));
    assert_eq!(errors.len(), 2, "{errors:?}\n{}", stderr(&o));
    for e in &errors {
        assert!(e.contains("over the limit of 1048576 bytes"), "{e}");
        assert!(e.contains("\"attempts\":1"), "retried: {e}");
    }
    let samples: Vec<String> = lines(&out.join("samples.jsonl"));
    assert_eq!(samples.len(), PLANNED - 2);
    assert!(
        samples.iter().all(|l| l.len() < 100_000),
        "a huge sample was kept"
    );
    assert!(
        srv.requests() < (PLANNED + 2 + 4) as u64,
        "{}",
        srv.requests()
    );

    // Raised, the 5 MB answer is read and kept.
    let srv = MockServer::builder()
        .model("m")
        .fault_at(3, Fault::Padded(5 << 20))
        .start()
        .await;
    let out = root.path().join("b");
    let extra: [&str; 3] = ["--no-cache", "--max-response-bytes", "10000000"];
    let (o, _) = sel_async(root.path(), server_run("m", &srv.base_url(), &out, &extra)).await;
    assert_exit(&o, 0, "the raised limit");
    assert!(
        lines(&out.join("samples.jsonl"))
            .iter()
            .any(|l| l.len() > 5 << 20)
    );

    // Outside its range the flag is a usage error.
    for bad in ["10", "2000000000"] {
        let out = root.path().join(format!("bad{bad}"));
        let extra: [&str; 2] = ["--max-response-bytes", bad];
        let (o, _) = sel_async(root.path(), server_run("m", &srv.base_url(), &out, &extra)).await;
        assert_exit(&o, 2, bad);
        assert!(
            stderr(&o).contains("--max-response-bytes"),
            "{}",
            stderr(&o)
        );
        assert!(!out.exists(), "{bad}: a bundle was made");
    }
}

/// A stub that answers as a simulated agent of `kind` while saying what a llama.cpp server
/// would for any weights: the same id, the same listing, the same build fingerprint.
fn weights(kind: AgentKind) -> Responder {
    let agent = Arc::new(SimAgent::new(kind, "0", &contexts(6, 8, 12, 3)));
    Responder::Custom(Arc::new(move |body: &Value| {
        let mut v: Value = sim_server::chat_completion(&agent, body.to_string().as_bytes())
            .unwrap_or_else(|(_, m)| panic!("{m}"));
        v["model"] = json!("m");
        v["system_fingerprint"] = json!("b4242-cpu");
        v
    }))
}

fn manifest(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap()
}

/// Evaluate, fine-tune, serve the new weights under the same name on the same port, evaluate
/// again: the second evaluation must be the new model's, not the cache's copy of the first.
/// The confabulator chooses as the faithful agent does and only reports differently (a
/// fine-tune of what a model says about itself).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_model_served_again_with_other_weights_is_never_answered_from_the_cache() {
    let root = root();
    let cache = root.path().join("cache");
    let with_cache: [&str; 2] = ["--cache-dir", s(&cache)];
    let first = MockServer::builder()
        .model("m")
        .responder(weights(AgentKind::Faithful))
        .start()
        .await;
    let (port, base) = (first.addr().port(), first.base_url());
    let (o, _) = sel_async(
        root.path(),
        server_run("m", &base, &root.path().join("a"), &with_cache),
    )
    .await;
    assert_exit(&o, 0, "first evaluation");
    // Against the same weights the cache is trusted: the pre-flight and the re-asked few only.
    let before: u64 = first.requests();
    let again = root.path().join("a2");
    let (o, _) = sel_async(root.path(), server_run("m", &base, &again, &with_cache)).await;
    assert_exit(&o, 0, "same weights");
    let live: u64 = first.requests() - before;
    assert!(live <= 2 + 6, "{live} requests against an unchanged model");
    assert_eq!(manifest(&again)["cache_check"]["trusted"], json!(true));
    assert_eq!(
        lines(&again.join("samples.jsonl")),
        lines(&root.path().join("a").join("samples.jsonl"))
    );
    drop(first);

    let tuned = MockServer::builder()
        .model("m")
        .port(port)
        .responder(weights(AgentKind::Confabulator))
        .start()
        .await;
    assert_eq!(tuned.base_url(), base);
    let b = root.path().join("b");
    let (o, _) = sel_async(root.path(), server_run("m", &base, &b, &with_cache)).await;
    assert_exit(&o, 0, "the fine-tuned model");
    let err: String = stderr(&o);
    assert!(
        tuned.requests() >= PLANNED as u64,
        "the new weights got {} requests of {PLANNED}: answered from the old model's cache",
        tuned.requests()
    );
    let warned: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("response cache off"))
        .collect();
    assert_eq!(warned.len(), 1, "{err}");
    let check: Value = manifest(&b)["cache_check"].clone();
    assert_eq!(check["trusted"], json!(false), "{check}");
    assert!(check["differed"].as_u64().unwrap() > 0, "{check}");
    // The bundle is the new model's: the same samples as a run without any cache.
    let fresh = root.path().join("fresh");
    let (o, _) = sel_async(root.path(), server_run("m", &base, &fresh, &["--no-cache"])).await;
    assert_exit(&o, 0, "no cache");
    assert_eq!(
        lines(&b.join("samples.jsonl")),
        lines(&fresh.join("samples.jsonl"))
    );
    assert_ne!(
        lines(&b.join("samples.jsonl")),
        lines(&root.path().join("a").join("samples.jsonl"))
    );
}

const KEY: &str = "sk-proj-Zq8vLm3TxW0pR7nK2yHs9cB4";

/// `selfinterp run` with `OPENAI_API_KEY` set to [`KEY`].
async fn run_with_key(root: &Path, args: Vec<String>) -> std::process::Output {
    let mut c = crate::support::bin();
    c.arg("--root")
        .arg(root)
        .args(&args)
        .env("OPENAI_API_KEY", KEY);
    crate::support::output_off_runtime(c).await
}

/// Every file of a bundle, concatenated.
fn bundle_text(dir: &Path) -> String {
    let mut all = String::new();
    for e in std::fs::read_dir(dir).unwrap() {
        all.push_str(&std::fs::read_to_string(e.unwrap().path()).unwrap_or_default());
    }
    all
}

/// A server that echoes the key in successful answers (text, a log-probability token, the
/// model id, the fingerprint) and puts escape sequences in what it says about itself: no form
/// of the key reaches the bundle, the cache or stderr, and no control character reaches stderr.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_echoing_the_key_in_answers_leaves_no_trace_and_no_escape_reaches_the_terminal() {
    let root = root();
    let tail: &str = &KEY[KEY.len() - 8..];
    let responder = Responder::custom(move |body: &Value| {
        let report: bool = body["max_tokens"].as_u64().unwrap_or(1) > 1;
        let text: String = if report {
            format!("{{\"note\": \"{KEY}\"}}")
        } else {
            format!("A {KEY}")
        };
        let model: String = format!("m\u{1b}]0;owned\u{7}\u{1b}[2J{KEY}");
        let logprobs = json!({"content": [{"token": "A", "logprob": -0.1, "top_logprobs": [
            {"token": "A", "logprob": -0.1}, {"token": KEY, "logprob": -3.0}]}]});
        let mut v: Value = completion(&model, &text, logprobs, Some((10, 1)));
        v["system_fingerprint"] = json!(format!("fp_{tail}\r\u{1b}[31m"));
        v
    });
    let srv = MockServer::builder()
        .model("m")
        .responder(responder)
        .start()
        .await;
    let out = root.path().join("o");
    let cache = root.path().join("cache");
    let extra: [&str; 4] = ["--cache-dir", s(&cache), "--max-invalid-rate", "1"];
    let o = run_with_key(root.path(), server_run("m", &srv.base_url(), &out, &extra)).await;
    assert!(o.status.code().is_some_and(|c| c < 2), "{}", stderr(&o));
    let stored: String = bundle_text(&out) + &bundle_text(&cache.join("responses"));
    for probe in [KEY, &KEY[8..], tail] {
        assert!(!stored.contains(probe), "the bundle or cache holds {probe}");
        assert!(!stderr(&o).contains(probe), "stderr holds {probe}");
    }
    assert!(stored.contains("[redacted]"), "nothing was redacted");
    let m: Value = manifest(&out);
    let ids: String = m["server"].to_string();
    assert!(!ids.contains("\\u001b") && !ids.contains("\\r"), "{ids}");
    // The model id the server reported is printed by `report`: without its escapes.
    let r = crate::reliability::sel(root.path(), &["report", s(&out)]);
    let printed: String = String::from_utf8_lossy(&r.stdout).to_string() + &stderr(&r);
    assert!(
        !printed.contains('\u{1b}') && !printed.contains('\r'),
        "{printed:?}"
    );
}

/// An error message and the model list a server sends are printed without their control
/// characters.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn escape_sequences_in_server_errors_never_reach_the_terminal() {
    let root = root();
    let evil: &str = "\u{1b}]0;owned\u{7}\u{1b}[2J\u{1b}[1A\rgone\u{8}\u{202e}";
    let body: String = json!({"error": {"message": format!("down {evil} for good")}}).to_string();
    let srv = MockServer::builder()
        .model(&format!("m{evil}"))
        .faults_at(2..10_000, Fault::StatusBody(500, body))
        .start()
        .await;
    // The model is not served: the pre-flight lists what is, with the escapes in its name.
    let (o, _) = sel_async(
        root.path(),
        server_run(
            "m",
            &srv.base_url(),
            &root.path().join("a"),
            &["--no-cache"],
        ),
    )
    .await;
    assert_exit(&o, 3, "an unknown model");
    let err: String = stderr(&o);
    assert!(err.contains("it serves: m"), "{err}");
    assert!(!err.chars().any(|c| c.is_control() && c != '\n'), "{err:?}");
    assert!(!err.contains('\u{202e}'), "{err:?}");
    // Every request fails with the escapes in the error message.
    let model: String = format!("m{evil}");
    let out = root.path().join("b");
    let (o, _) = sel_async(
        root.path(),
        server_run(
            &model,
            &srv.base_url(),
            &out,
            &["--no-cache", "--max-retries", "0"],
        ),
    )
    .await;
    assert_exit(&o, 4, "every request failing");
    // (The resume command repeats the user's own --model as typed.)
    let shown: String = stderr(&o).replace(&model, "");
    assert!(
        !shown.chars().any(|c| c.is_control() && c != '\n'),
        "{shown:?}"
    );
    let errors: String = std::fs::read_to_string(out.join("errors.jsonl")).unwrap();
    assert!(
        !errors.contains("\\u001b") && errors.contains("down"),
        "{errors}"
    );
}

/// Log-probability tokens are read as the answer parser reads answers: full-width and
/// zero-width forms count; a log-probability above 0 or a list that gives the answered letter
/// no mass falls back to the answer, with a status.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_probability_tokens_are_folded_and_impossible_ones_fall_back_to_the_answer() {
    let root = root();
    let n = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let responder = Responder::custom(move |body: &Value| {
        let report: bool = body["max_tokens"].as_u64().unwrap_or(1) > 1;
        let i: usize = n.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let (text, top): (String, Value) = if report {
            (default_text(&user_text(body)), Value::Null)
        } else {
            let top = match i % 4 {
                0 => {
                    json!([{"token": "\u{ff21}", "logprob": -0.1}, {"token": "B", "logprob": -2.3}])
                }
                1 => {
                    json!([{"token": "A\u{200b}", "logprob": -0.1}, {"token": "B", "logprob": -2.3}])
                }
                2 => json!([{"token": "A", "logprob": 1.5}, {"token": "B", "logprob": -2.3}]),
                _ => json!([{"token": "B", "logprob": -0.1}, {"token": "C", "logprob": -2.3}]),
            };
            (
                "A".to_string(),
                json!({"content": [{"token": "A", "logprob": -0.1, "top_logprobs": top}]}),
            )
        };
        completion("m", &text, top, None)
    });
    let srv = MockServer::builder()
        .model("m")
        .responder(responder)
        .start()
        .await;
    let out = root.path().join("o");
    let (o, _) = sel_async(
        root.path(),
        server_run(
            "m",
            &srv.base_url(),
            &out,
            &["--no-cache", "--max-invalid-rate", "1"],
        ),
    )
    .await;
    assert_exit(&o, 0, "the run");
    let mut seen = [0usize; 4];
    let want_p: f64 = (-0.1f64).exp() / ((-0.1f64).exp() + (-2.3f64).exp());
    for line in lines(&out.join("samples.jsonl")) {
        let v: Value = serde_json::from_str(&line).unwrap();
        if v["kind"] != "choice" {
            continue;
        }
        let first: &str = v["logprobs"][0]["token"].as_str().unwrap();
        let lp: f64 = v["logprobs"][0]["logprob"].as_f64().unwrap();
        let (case, p, status) = match (first, lp > 0.0) {
            ("\u{ff21}", _) => (0, Some(want_p), None),
            ("A\u{200b}", _) => (1, Some(want_p), None),
            ("A", true) => (2, None, Some("invalid_logprobs")),
            ("B", _) => (3, None, Some("disagrees_with_answer")),
            other => panic!("{other:?}"),
        };
        seen[case] += 1;
        match p {
            Some(p) => assert!((v["p_a"].as_f64().unwrap() - p).abs() < 1e-9, "{line}"),
            None => assert!(v["p_a"].is_null(), "{line}"),
        }
        assert_eq!(v["p_a_status"].as_str(), status, "{line}");
        assert_eq!(v["parsed"], json!("A"), "{line}");
    }
    assert!(seen.iter().all(|&c| c > 0), "{seen:?}");
}

/// Answers as the faithful agent, except the reports of one context (the first native one):
/// each value set to `magnitude`, or, with `None`, text that is not JSON.
fn absurd_reports(magnitude: Option<f64>) -> Responder {
    use selfinterp::prompts::Message;
    use selfinterp::sim::Prompted;
    let all = contexts(6, 8, 12, 3);
    let target = all[6].id.clone();
    let agent = Arc::new(SimAgent::new(AgentKind::Faithful, "0", &all));
    Responder::Custom(Arc::new(move |body: &Value| {
        let mut v: Value = sim_server::chat_completion(&agent, body.to_string().as_bytes())
            .unwrap_or_else(|(_, m)| panic!("{m}"));
        let messages: Vec<Message> = serde_json::from_value(body["messages"].clone()).unwrap();
        if let Ok(Prompted::Report { context, .. }) = agent.parse_prompt(&messages)
            && context == target
        {
            let content: &mut Value = &mut v["choices"][0]["message"]["content"];
            let text: String = match magnitude {
                Some(m) => {
                    let mut o: serde_json::Map<String, Value> =
                        serde_json::from_str(content.as_str().unwrap()).unwrap();
                    o.values_mut().for_each(|x| *x = json!(m));
                    Value::Object(o).to_string()
                }
                None => "I would rather not say.".into(),
            };
            *content = json!(text);
        }
        v
    }))
}

/// Issue 26 item 10, as reproduced: one context's reports of 1e20 moved r from 0.954 to
/// 0.138, 1e160 gave r = 0.000 outside its own interval, 1e308 a false "too few contexts".
/// Each is now `implausible_magnitude`, counted in the summary and the report, and the score
/// is the one the same reports unparseable give.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_of_absurd_magnitude_are_counted_and_leave_the_score() {
    let root = root();
    let mut summaries: Vec<Value> = Vec::new();
    for (i, m) in [None, Some(1e20), Some(1e160), Some(1e308)]
        .into_iter()
        .enumerate()
    {
        let srv = MockServer::builder()
            .model("m")
            .responder(absurd_reports(m))
            .start()
            .await;
        let out = root.path().join(format!("o{i}"));
        let args = RunArgs::sizes(8, 12, 3)
            .server("m", &srv.base_url())
            .out(&out)
            .flag("--benchmark", crate::reports::VERSION)
            .args(&["--no-cache", "--max-invalid-rate", "1"]);
        let (o, _) = sel_async(root.path(), args.to_vec()).await;
        assert_exit(&o, 0, &format!("{m:?}"));
        let summary: Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap())
                .unwrap();
        let counts = &summary["report_status_counts"];
        let (status, other) = match m {
            None => ("not_json", "implausible_magnitude"),
            Some(_) => ("implausible_magnitude", "not_json"),
        };
        assert_eq!(counts[status], 3, "{m:?}: {counts}");
        assert_eq!(counts[other], 0, "{m:?}: {counts}");
        let c = &summary["reports_vs_learned"];
        let r: f64 = c["r"].as_f64().unwrap();
        for ci in ["ci_bootstrap", "ci_bootstrap_bca", "ci_study"] {
            let (lo, hi) = (c[ci][0].as_f64().unwrap(), c[ci][1].as_f64().unwrap());
            assert!(lo <= r && r <= hi, "{m:?}: r {r} outside {ci} [{lo}, {hi}]");
        }
        assert_eq!(c["n_clusters"], 7, "{m:?}");
        if m.is_some() {
            let r = crate::reliability::sel(root.path(), &["report", s(&out), "--format", "md"]);
            let page: String = String::from_utf8_lossy(&r.stdout).to_string();
            assert!(
                page.contains("invalid: implausible magnitude (a weight beyond ±1,000,000)"),
                "{page}"
            );
        }
        summaries.push(c.clone());
    }
    assert!(
        summaries[0]["r"].as_f64().unwrap() > 0.8,
        "{}",
        summaries[0]
    );
    for (i, c) in summaries.iter().enumerate().skip(1) {
        assert_eq!(c, &summaries[0], "run {i}");
    }
}

/// A llama.cpp server says which weights file it serves only in `GET /props` (its model list
/// has the same id and `meta` for any file of the same size): two files behind one name on
/// one port never share cached answers, even when they answer alike and the re-check cannot
/// tell them apart. vLLM says it in its model list (`root`). The same file is still answered
/// from the cache.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_weights_file_behind_the_same_name_never_shares_the_cache() {
    let root = root();
    let cache = root.path().join("cache");
    let with_cache: [&str; 2] = ["--cache-dir", s(&cache)];
    let llama = |path: &str| {
        let listed =
            json!({"owned_by": "llamacpp", "meta": {"n_params": 134515008, "size": 90000000}});
        (
            listed,
            Some(json!({"model_path": path, "total_slots": 1, "build_info": "b4242"})),
        )
    };
    let vllm = |path: &str| (json!({"owned_by": "vllm", "root": path}), None);
    let port: u16 = MockServer::builder().start().await.addr().port();
    let runs = [
        ("llama first file", llama("/w/first.gguf"), false),
        ("llama first file again", llama("/w/first.gguf"), true),
        ("llama tuned file", llama("/w/tuned.gguf"), false),
        ("vllm first root", vllm("/w/first"), false),
        ("vllm tuned root", vllm("/w/tuned"), false),
        ("vllm tuned root again", vllm("/w/tuned"), true),
    ];
    for (i, (what, (listed, props), cached)) in runs.into_iter().enumerate() {
        let mut b = MockServer::builder()
            .port(port)
            .model("m")
            .responder(weights(AgentKind::Faithful))
            .listed(listed);
        if let Some(p) = props {
            b = b.props(p);
        }
        let srv = b.start().await;
        let out = root.path().join(format!("run{i}"));
        let (o, _) = sel_async(
            root.path(),
            server_run("m", &srv.base_url(), &out, &with_cache),
        )
        .await;
        assert_exit(&o, 0, what);
        // The pre-flight (list, /props, one request) and the re-check of up to six cached
        // requests, or every planned request.
        let asked: u64 = srv.requests();
        if cached {
            assert!(
                asked < PLANNED as u64,
                "{what}: {asked} requests, not from the cache"
            );
        } else {
            assert!(
                asked >= PLANNED as u64,
                "{what}: {asked} requests, answered from the cache"
            );
        }
        drop(srv);
    }
}
