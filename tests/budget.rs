//! `run`'s plan before the first request: `--dry-run` sends nothing (a loopback stub counts),
//! its figures follow from the benchmark's counts, and a hosted run without `--preset` is
//! refused off a terminal unless `--yes`.

use crate::support::{
    MockServer, Responder, RunArgs, assert_ok, json_of, run_off_runtime as sel, stderr, stdout,
};
use std::path::Path;
use std::process::Output;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_against_a_server_sends_nothing_and_prints_the_plan() {
    let tmp = tempfile::tempdir().unwrap();
    let srv = MockServer::builder().model("m").start().await;
    let base = srv.base_url();
    let args = RunArgs::sizes(3, 7, 2).server("m", &base).out("o").args(&[
        "--price-in",
        "1",
        "--price-out",
        "2",
        "--dry-run",
    ]);
    let o = sel(tmp.path(), &args.to_vec()).await;
    assert_ok(&o);
    let out = stdout(&o);
    assert!(out.contains("27 requests to ask"), "{out}");
    assert!(out.contains("21 requests"), "{out}");
    assert!(out.contains("6 requests"), "{out}");
    assert!(out.contains("--price-in/--price-out"), "{out}");
    assert!(out.contains("nothing was sent"), "{out}");
    assert_eq!(srv.requests(), 0, "a dry run reached the server");
    assert!(!tmp.path().join("o").exists(), "a dry run wrote a bundle");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_run_prints_the_same_plan_before_its_requests() {
    let tmp = tempfile::tempdir().unwrap();
    let srv = MockServer::builder().model("m").start().await;
    let base = srv.base_url();
    let args = RunArgs::sizes(2, 5, 1)
        .server("m", &base)
        .out("o")
        .args(&["--no-cache"]);
    let dry = sel(tmp.path(), &args.clone().args(&["--dry-run"]).to_vec()).await;
    assert_eq!(srv.requests(), 0);
    let live = sel(tmp.path(), &args.to_vec()).await;
    assert_ok(&live);
    let plan: String = stdout(&dry).lines().take(4).collect::<Vec<_>>().join("\n");
    assert!(
        stderr(&live).contains(&plan),
        "{plan}\n---\n{}",
        stderr(&live)
    );
    assert!(
        plan.contains("cost    none per token (a server on this machine, 127.0.0.1)"),
        "{plan}"
    );
    assert!(srv.requests() >= 12, "{}", srv.requests());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hosted_dry_run_prices_the_full_protocol_from_the_list() {
    let tmp = tempfile::tempdir().unwrap();
    let args = RunArgs::full().provider("openai", "gpt-4o-mini");
    let o = sel(tmp.path(), &args.args(&["--dry-run"]).to_vec()).await;
    assert_ok(&o);
    let out = stdout(&o);
    // The full native protocol: 100 contexts x 100 pairs, 10 reports each.
    assert!(out.contains("11000 requests to ask"), "{out}");
    assert!(out.contains("10000 requests"), "{out}");
    assert!(out.contains("list prices as of"), "{out}");
    assert!(out.contains("$0.15/M in, $0.6/M out"), "{out}");
    let cost: f64 = out
        .split("at most ~$")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|x| x.parse().ok())
        .unwrap_or_else(|| panic!("no cost: {out}"));
    // Completion at max_tokens: 10,000 x 1 + 1,000 x 300 = 310,000 tokens at $0.60/M.
    let completion = 310_000.0 * 0.60 / 1e6;
    assert!(cost > completion && cost < 5.0, "{cost}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hosted_without_preset_is_refused_off_a_terminal_unless_yes() {
    let tmp = tempfile::tempdir().unwrap();
    let base: Vec<String> = RunArgs::full()
        .provider("openai", "gpt-4o")
        .out("o")
        .to_vec();
    let with_key = |args: &[String]| {
        let mut c = crate::support::bin();
        c.current_dir(tmp.path())
            .env_remove("SELFINTERP_ROOT")
            .env("OPENAI_API_KEY", "sk-test-not-used")
            .args(args)
            .stdin(std::process::Stdio::null());
        c.output().unwrap()
    };
    let o = with_key(&base);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--yes"), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("11000 requests to ask"),
        "{}",
        stderr(&o)
    );
    assert!(!tmp.path().join("o").exists());
    // With --yes it goes on, to the missing key (no request is made without one).
    let o = sel(tmp.path(), &[&base[..], &["--yes".to_string()]].concat()).await;
    assert!(!stderr(&o).contains("--yes to run it"), "{}", stderr(&o));
    assert!(stderr(&o).contains("OPENAI_API_KEY"), "{}", stderr(&o));
    // Simulated agents keep the full default without asking.
    let o = sel(tmp.path(), &RunArgs::full().args(&["--dry-run"]).to_vec()).await;
    assert_ok(&o);
    assert!(stdout(&o).contains("cost    none"), "{}", stdout(&o));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_json_is_the_plan_as_one_object() {
    let tmp = tempfile::tempdir().unwrap();
    let args = RunArgs::quick().provider("anthropic", "claude-3-5-haiku-latest");
    let o = sel(tmp.path(), &args.args(&["--dry-run", "--json"]).to_vec()).await;
    let v: serde_json::Value = json_of(&o);
    assert_eq!(v["choices"]["requests"], 400);
    assert_eq!(v["reports"]["requests"], 60);
    assert_eq!(v["price"]["input_per_million"], 0.8);
    let cost = v["cost_usd_max"].as_f64().unwrap();
    let tokens_in = v["choices"]["prompt_tokens"].as_f64().unwrap()
        + v["reports"]["prompt_tokens"].as_f64().unwrap();
    let expected = (tokens_in * 0.8 + (400.0 * 1.0 + 60.0 * 300.0) * 4.0) / 1e6;
    assert!((cost - expected).abs() < 1e-12, "{cost} vs {expected}");
}

/// The run's chat requests a recording stub received (not the pre-flight's one-token probe
/// of each session): their bodies, in arrival order.
fn chat_bodies(srv: &MockServer) -> Vec<Vec<u8>> {
    srv.received()
        .into_iter()
        .filter(|r| r.method == "POST")
        .filter(|r| !String::from_utf8_lossy(&r.body).contains("Answer with the letter A."))
        .map(|r| r.body)
        .collect()
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap()
}

/// `run` against the recording stub: 3 contexts, 7 trials, 2 reports (27 requests), one at a
/// time, the stub's usage priced at $1/M in and $2/M out, then `extra`.
async fn limited(dir: &Path, base: &str, extra: &[&str]) -> Output {
    let args = RunArgs::sizes(3, 7, 2).server("m", base).out("o").args(&[
        "--concurrency",
        "1",
        "--no-cache",
        "--price-in",
        "1",
        "--price-out",
        "2",
        "--max-invalid-rate",
        "1",
    ]);
    sel(dir, &args.args(extra).to_vec()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_requests_stops_with_exit_4_and_a_resume_with_more_asks_only_the_rest() {
    let tmp = tempfile::tempdir().unwrap();
    let srv = MockServer::builder().model("m").record(true).start().await;
    let base = srv.base_url();
    let first = limited(tmp.path(), &base, &["--max-requests", "10"]).await;
    assert_eq!(first.status.code(), Some(4), "{}", stderr(&first));
    let err = stderr(&first);
    assert!(err.contains("--max-requests 10 reached"), "{err}");
    assert!(err.contains("--resume"), "{err}");
    assert_eq!(chat_bodies(&srv).len(), 10, "asked past the limit");
    let m = manifest(&tmp.path().join("o"));
    assert_eq!(m["status"], "incomplete");
    assert_eq!(m["counts"]["samples"], 10);
    assert_eq!(m["spending"]["requests"], 10);
    assert!(
        m["spending"]["stopped"]
            .as_str()
            .unwrap()
            .contains("--max-requests 10")
    );

    // The same limit again: nothing more is asked.
    let again = limited(tmp.path(), &base, &["--max-requests", "10", "--resume"]).await;
    assert_eq!(again.status.code(), Some(4), "{}", stderr(&again));
    assert_eq!(chat_bodies(&srv).len(), 10);

    let resumed = limited(tmp.path(), &base, &["--max-requests", "30", "--resume"]).await;
    assert_ok(&resumed);
    let bodies = chat_bodies(&srv);
    assert_eq!(bodies.len(), 27);
    let distinct: std::collections::HashSet<&Vec<u8>> = bodies.iter().collect();
    assert_eq!(distinct.len(), 27, "a completed sample was asked again");
    let m = manifest(&tmp.path().join("o"));
    assert_eq!(m["status"], "complete");
    assert_eq!(m["spending"]["requests"], 27);
    assert!(m["spending"]["stopped"].is_null());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_cost_counts_the_reported_usage_and_stops_within_the_budget() {
    let tmp = tempfile::tempdir().unwrap();
    let srv = MockServer::builder().model("m").record(true).start().await;
    let base = srv.base_url();
    // The stub reports 100 prompt and 1 completion tokens per answer: $0.000102 each at these
    // prices; the plan's estimate of a choice prompt is higher, and a report's 300 max_tokens
    // more again, so the limit is reached from the reported usage plus the next request's most.
    let first = limited(tmp.path(), &base, &["--max-cost", "0.002"]).await;
    assert_eq!(first.status.code(), Some(4), "{}", stderr(&first));
    let err = stderr(&first);
    assert!(err.contains("--max-cost $0.002 reached"), "{err}");
    assert!(
        err.contains("tokens as the provider reported them"),
        "{err}"
    );
    let asked = chat_bodies(&srv).len();
    let m = manifest(&tmp.path().join("o"));
    let s = &m["spending"];
    assert_eq!(s["requests"], asked);
    assert_eq!(s["prompt_tokens"], 100 * asked);
    assert_eq!(s["completion_tokens"], asked);
    assert_eq!(s["estimated"], 0);
    let cost = s["cost_usd"].as_f64().unwrap();
    assert!((cost - 0.000102 * asked as f64).abs() < 1e-12, "{cost}");
    assert!(cost <= 0.002, "{cost}");
    assert!((5..27).contains(&asked), "{asked}");

    let resumed = limited(tmp.path(), &base, &["--max-cost", "1", "--resume"]).await;
    assert_ok(&resumed);
    let bodies = chat_bodies(&srv);
    let distinct: std::collections::HashSet<&Vec<u8>> = bodies.iter().collect();
    assert_eq!((bodies.len(), distinct.len()), (27, 27));
    let m = manifest(&tmp.path().join("o"));
    let cost = m["spending"]["cost_usd"].as_f64().unwrap();
    assert!((cost - 0.000102 * 27.0).abs() < 1e-12, "{cost}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_cost_without_a_price_is_refused_before_anything_is_sent() {
    let tmp = tempfile::tempdir().unwrap();
    let srv = MockServer::builder().model("m").start().await;
    let args = RunArgs::quick().server("m", &srv.base_url()).out("o");
    let o = sel(tmp.path(), &args.flag("--max-cost", "5").to_vec()).await;
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("--max-cost") && err.contains("--price-in"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert_eq!(srv.requests(), 0);
    for bad in ["0", "-1", "nan"] {
        let o = sel(
            tmp.path(),
            &RunArgs::full().flag("--max-cost", bad).to_vec(),
        )
        .await;
        assert_eq!(o.status.code(), Some(2), "--max-cost {bad}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_base_url_without_v1_that_gets_404_says_to_add_it() {
    let tmp = tempfile::tempdir().unwrap();
    let srv = MockServer::builder().model("m").start().await;
    let base = srv.base_url();
    let bare = base.trim_end_matches("/v1");
    let o = sel(
        tmp.path(),
        &RunArgs::quick().server("m", bare).out("o").to_vec(),
    )
    .await;
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains(&format!(
            "the base URL has no /v1: try --base-url {bare}/v1"
        )),
        "{e}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_without_usage_are_counted_at_the_estimate_and_say_so() {
    let tmp = tempfile::tempdir().unwrap();
    // The stub's usual answers, with the usage taken out.
    let srv = MockServer::builder()
        .model("m")
        .responder(Responder::default_with_usage(|_, _| None))
        .start()
        .await;
    let o = limited(tmp.path(), &srv.base_url(), &["--max-cost", "0.002"]).await;
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("the provider reported no usage: tokens estimated"),
        "{e}"
    );
    let s = &manifest(&tmp.path().join("o"))["spending"];
    let n = s["requests"].as_u64().unwrap();
    assert!(n > 0, "{s}");
    assert_eq!(s["estimated"], n, "{s}");
    // A choice prompt is estimated at well over 100 tokens; its answer "A" at 1.
    assert!(s["prompt_tokens"].as_u64().unwrap() > 100 * n, "{s}");
    assert_eq!(s["completion_tokens"], n, "{s}");
    let cost = s["cost_usd"].as_f64().unwrap();
    assert!(cost > 0.0 && cost <= 0.002, "{s}");
}

/// A server whose tokenizer counts three times the plan's estimate of every prompt: the run
/// learns the shortfall from the usage it reports and stops before `--max-cost`, not one
/// request past it (when the limit check counted the next request at its bare estimate, this
/// run spent $0.005264 under `--max-cost 0.005`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_cost_holds_against_a_tokenizer_that_counts_three_times_the_estimate() {
    let tmp = tempfile::tempdir().unwrap();
    let three_times = |body: &serde_json::Value, text: &str| {
        let chars: u64 = body["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["content"].as_str().unwrap().chars().count() as u64)
            .sum();
        let estimate: u64 = chars.div_ceil(4) + 8;
        Some((3 * estimate, (text.chars().count() as u64).div_ceil(4)))
    };
    let srv = MockServer::builder()
        .model("m")
        .responder(Responder::default_with_usage(three_times))
        .record(true)
        .start()
        .await;
    let o = limited(tmp.path(), &srv.base_url(), &["--max-cost", "0.005"]).await;
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("--max-cost $0.005 reached"),
        "{}",
        stderr(&o)
    );
    let s = &manifest(&tmp.path().join("o"))["spending"];
    let n: u64 = s["requests"].as_u64().unwrap();
    assert_eq!(n as usize, chat_bodies(&srv).len(), "{s}");
    assert_eq!(s["estimated"], 0, "{s}");
    let cost: f64 = s["cost_usd"].as_f64().unwrap();
    assert!(cost <= 0.005, "spent ${cost} under --max-cost 0.005: {s}");
    // It stopped for the limit, not far short of it: the next choice would have passed it.
    let per_request: f64 = cost / n as f64;
    assert!(n >= 5 && cost + 1.2 * per_request > 0.005, "{s}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_plan_shows_the_limits_given() {
    let tmp = tempfile::tempdir().unwrap();
    let args = RunArgs::quick().provider("openai", "gpt-4o-mini").args(&[
        "--max-cost",
        "0.5",
        "--max-requests",
        "20",
        "--dry-run",
    ]);
    let o = sel(tmp.path(), &args.to_vec()).await;
    assert_ok(&o);
    let out: String = stdout(&o);
    assert!(
        out.contains("limits  stops before --max-cost $0.5 or --max-requests 20"),
        "{out}"
    );
    let o = sel(tmp.path(), &args.args(&["--json"]).to_vec()).await;
    let v: serde_json::Value = json_of(&o);
    assert_eq!(
        (v["max_cost_usd"].as_f64(), v["max_requests"].as_u64()),
        (Some(0.5), Some(20))
    );
    // Without limits there is no such line, and the fields are null.
    let args = RunArgs::quick()
        .provider("openai", "gpt-4o-mini")
        .args(&["--dry-run"]);
    let o = sel(tmp.path(), &args.to_vec()).await;
    assert!(!stdout(&o).contains("limits"), "{}", stdout(&o));
    let o = sel(tmp.path(), &args.args(&["--json"]).to_vec()).await;
    let v: serde_json::Value = json_of(&o);
    assert!(
        v["max_cost_usd"].is_null() && v["max_requests"].is_null(),
        "{v}"
    );
}

/// A server on this machine (a loopback address or `localhost`) charges nothing per token: the
/// plan says so and its JSON cost is 0 (it said "cost unknown ... give --price-in" for a
/// llama.cpp server on 127.0.0.1). Any other host, a private network's or a name that merely
/// starts like a loopback address included, stays unknown; a price given still prices it.
#[test]
fn a_server_on_this_machine_costs_nothing_per_token_and_any_other_stays_unknown() {
    let tmp = tempfile::tempdir().unwrap();
    let plan = |url: &str, extra: &[&str]| {
        let args = RunArgs::quick()
            .server("m", url)
            .args(&["--dry-run"])
            .args(extra);
        let text = crate::support::bin_in(tmp.path(), &args.to_vec());
        assert_ok(&text);
        let json = crate::support::bin_in(tmp.path(), &args.args(&["--json"]).to_vec());
        (stdout(&text), json_of(&json))
    };
    for (url, host) in [
        ("http://127.0.0.1:8765/v1", "127.0.0.1"),
        ("http://127.3.2.1:8080/v1", "127.3.2.1"),
        ("http://localhost:11434/v1", "localhost"),
        ("http://LocalHost:11434/v1", "localhost"),
        ("http://[::1]:8000/v1", "[::1]"),
    ] {
        let (text, json) = plan(url, &[]);
        assert!(
            text.contains(&format!(
                "cost    none per token (a server on this machine, {host})"
            )),
            "{url}: {text}"
        );
        assert_eq!(json["local_server"], host, "{url}");
        assert_eq!(json["cost_usd_max"], 0.0, "{url}");
        assert!(json["price"].is_null(), "{url}");
    }
    for url in [
        "http://10.0.0.7:8000/v1",
        "http://192.168.1.20:8000/v1",
        "http://gpu-box.example:8000/v1",
        "http://127.0.0.1.example.com/v1",
        "http://localhost.example.com/v1",
    ] {
        let (text, json) = plan(url, &[]);
        assert!(text.contains("cost    unknown"), "{url}: {text}");
        assert!(json["local_server"].is_null(), "{url}");
        assert!(json["cost_usd_max"].is_null(), "{url}");
    }
    let (text, json) = plan(
        "http://127.0.0.1:8765/v1",
        &["--price-in", "1", "--price-out", "2"],
    );
    assert!(text.contains("cost    at most ~$"), "{text}");
    assert!(json["cost_usd_max"].as_f64().unwrap() > 0.0);
}
