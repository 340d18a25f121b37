//! `run`'s plan before the first request: `--dry-run` sends nothing (a loopback stub counts),
//! its figures follow from the benchmark's counts, and a hosted run without `--preset` is
//! refused off a terminal unless `--yes`.

use crate::support::{MockServer, stderr};
use std::path::Path;
use std::process::Output;

/// `bin_in` off the async runtime, so the loopback stub keeps answering, with no API key.
async fn sel(dir: &Path, args: &[&str]) -> Output {
    let dir = dir.to_path_buf();
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut c = crate::support::bin();
        c.current_dir(&dir)
            .env_remove("SELFINTERP_ROOT")
            .env_remove("OPENAI_API_KEY")
            .env_remove("ANTHROPIC_API_KEY")
            .args(&a)
            .stdin(std::process::Stdio::null());
        c.output().unwrap()
    })
    .await
    .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_against_a_server_sends_nothing_and_prints_the_plan() {
    let tmp = tempfile::tempdir().unwrap();
    let srv = MockServer::builder().model("m").start().await;
    let base = srv.base_url();
    let o = sel(
        tmp.path(),
        &[
            "run",
            "--provider",
            "openai",
            "--model",
            "m",
            "--base-url",
            &base,
            "--experiment",
            "native",
            "--contexts",
            "3",
            "--trials",
            "7",
            "--reports",
            "2",
            "--price-in",
            "1",
            "--price-out",
            "2",
            "--out",
            "o",
            "--dry-run",
        ],
    )
    .await;
    assert!(o.status.success(), "{}", stderr(&o));
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
    let args = [
        "run",
        "--provider",
        "openai",
        "--model",
        "m",
        "--base-url",
        &base,
        "--experiment",
        "native",
        "--contexts",
        "2",
        "--trials",
        "5",
        "--reports",
        "1",
        "--no-cache",
        "--out",
        "o",
    ];
    let dry = sel(tmp.path(), &[&args[..], &["--dry-run"]].concat()).await;
    assert_eq!(srv.requests(), 0);
    let live = sel(tmp.path(), &args).await;
    assert!(live.status.success(), "{}", stderr(&live));
    let plan: String = stdout(&dry).lines().take(4).collect::<Vec<_>>().join("\n");
    assert!(
        stderr(&live).contains(&plan),
        "{plan}\n---\n{}",
        stderr(&live)
    );
    assert!(plan.contains("cost    unknown"), "{plan}");
    assert!(srv.requests() >= 12, "{}", srv.requests());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hosted_dry_run_prices_the_full_protocol_from_the_list() {
    let tmp = tempfile::tempdir().unwrap();
    let o = sel(
        tmp.path(),
        &[
            "run",
            "--provider",
            "openai",
            "--model",
            "gpt-4o-mini",
            "--experiment",
            "native",
            "--dry-run",
        ],
    )
    .await;
    assert!(o.status.success(), "{}", stderr(&o));
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
    let base = [
        "run",
        "--provider",
        "openai",
        "--model",
        "gpt-4o",
        "--experiment",
        "native",
        "--out",
        "o",
    ];
    let with_key = |args: &[&str]| {
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
    let o = sel(tmp.path(), &[&base[..], &["--yes"]].concat()).await;
    assert!(!stderr(&o).contains("--yes to run it"), "{}", stderr(&o));
    assert!(stderr(&o).contains("OPENAI_API_KEY"), "{}", stderr(&o));
    // Simulated agents keep the full default without asking.
    let o = sel(
        tmp.path(),
        &[
            "run",
            "--provider",
            "sim",
            "--model",
            "faithful",
            "--experiment",
            "native",
            "--dry-run",
        ],
    )
    .await;
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("cost    none"), "{}", stdout(&o));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_json_is_the_plan_as_one_object() {
    let tmp = tempfile::tempdir().unwrap();
    let o = sel(
        tmp.path(),
        &[
            "run",
            "--provider",
            "anthropic",
            "--model",
            "claude-3-5-haiku-latest",
            "--experiment",
            "native",
            "--preset",
            "quick",
            "--dry-run",
            "--json",
        ],
    )
    .await;
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["choices"]["requests"], 400);
    assert_eq!(v["reports"]["requests"], 60);
    assert_eq!(v["price"]["input_per_million"], 0.8);
    let cost = v["cost_usd_max"].as_f64().unwrap();
    let tokens_in = v["choices"]["prompt_tokens"].as_f64().unwrap()
        + v["reports"]["prompt_tokens"].as_f64().unwrap();
    let expected = (tokens_in * 0.8 + (400.0 * 1.0 + 60.0 * 300.0) * 4.0) / 1e6;
    assert!((cost - expected).abs() < 1e-12, "{cost} vs {expected}");
}
