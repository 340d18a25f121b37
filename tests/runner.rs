//! The runner and the run bundle: fault tolerance, resume after a real kill, Ctrl-C, the
//! cache, and recovery of a simulated agent's weights over the full native preset.

use crate::support::{self, Fault, MockServer, Responder};
use clap::Parser;
use selfinterp::benchmark::{Benchmark, Split};
use selfinterp::cli::{Cli, Command};
use selfinterp::providers::Provider;
use selfinterp::providers::openai::{OpenAi, OpenAiConfig};
use selfinterp::providers::sim::{AgentKind, SimAgent, SimProvider};
use selfinterp::runner::bundle::{self, RunStatus};
use selfinterp::runner::config::RunConfig;
use selfinterp::runner::journal;
use selfinterp::runner::sample::{ErrorRecord, Sample, SampleKey};
use selfinterp::runner::{RunOutcome, execute};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// A temporary root with a synthetic frozen benchmark `v1`.
fn root_with(native: usize, pairs: usize, reports: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    support::write_benchmark(dir.path(), "v1", &support::contexts(2, native, pairs, reports));
    dir
}

/// The validated config of `selfinterp --root ROOT run ARGS...`, exactly as the CLI builds it.
fn config(root: &Path, args: &[&str]) -> (RunConfig, Benchmark) {
    let mut argv: Vec<String> = vec![
        "selfinterp".into(),
        "--root".into(),
        root.display().to_string(),
        "run".into(),
    ];
    argv.extend(args.iter().map(|s| s.to_string()));
    let cli = Cli::try_parse_from(&argv).unwrap();
    let Command::Run(a) = &cli.command else { unreachable!() };
    selfinterp::cli::run::config(&cli, a).unwrap_or_else(|e| panic!("{}", e.message))
}

fn sim(bench: &Benchmark, kind: AgentKind) -> Arc<dyn Provider> {
    let agent = Arc::new(SimAgent::from_benchmark(
        kind,
        &selfinterp::cli::run::sim_seed(0),
        bench,
    ));
    Arc::new(SimProvider::new(agent, "faithful"))
}

async fn go(cfg: &RunConfig, bench: &Benchmark, p: Arc<dyn Provider>) -> RunOutcome {
    let (_tx, rx) = watch::channel(false);
    execute(cfg, bench, p, rx).await.unwrap()
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn samples(dir: &Path) -> Vec<Sample> {
    journal::read::<Sample>(&dir.join(bundle::SAMPLES)).unwrap().records
}

/// Every planned key exactly once.
fn assert_complete(dir: &Path, planned: usize) {
    let s = samples(dir);
    let keys: HashSet<SampleKey> = s.iter().map(Sample::key).collect();
    assert_eq!(s.len(), planned, "samples");
    assert_eq!(keys.len(), planned, "duplicated samples");
    let mut sorted = s.clone();
    sorted.sort_by_key(Sample::key);
    assert_eq!(s, sorted, "samples.jsonl is not in canonical order");
}

const SMALL: &[&str] = &[
    "--experiment",
    "native",
    "--contexts",
    "4",
    "--trials",
    "20",
    "--reports",
    "3",
    "--no-cache",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_through_every_fault_loses_and_duplicates_nothing() {
    let root = root_with(4, 20, 3);
    let bench = Benchmark::load(&root.path().join("benchmark"), "v1").unwrap();
    let agent = Arc::new(SimAgent::from_benchmark(AgentKind::Faithful, "0", &bench));
    let mut builder = MockServer::builder().responder(Responder::Sim(agent)).seed(7);
    for f in Fault::retryable_kinds() {
        let f = match f {
            Fault::Slow(_) => Fault::Slow(Duration::from_millis(1500)),
            f => f,
        };
        builder = builder.fault_rate(0.025, f);
    }
    let srv = builder.start().await;
    let out = root.path().join("faulty");
    let base = srv.base_url();
    let mut args: Vec<&str> = SMALL.to_vec();
    let o = out.display().to_string();
    args.extend([
        "--provider",
        "openai",
        "--model",
        "faithful",
        "--base-url",
        &base,
        "--out",
        &o,
    ]);
    args.extend(["--timeout", "0.5", "--max-retries", "20", "--concurrency", "16"]);
    let (cfg, bench) = config(root.path(), &args);
    let p: Arc<dyn Provider> = Arc::new(OpenAi::new(OpenAiConfig::new("faithful", Some(&base))).unwrap());
    let outcome = go(&cfg, &bench, p).await;
    assert_eq!(outcome.status, RunStatus::Complete, "{outcome:?}");
    assert!(srv.faults() >= 10, "too few faults injected: {}", srv.faults());
    assert_complete(&out, 4 * 23);
    assert!(std::fs::read(out.join(bundle::ERRORS)).unwrap().is_empty());
    let timings: Vec<selfinterp::runner::sample::Timing> = journal::read(&out.join(bundle::TIMINGS)).unwrap().records;
    assert_eq!(timings.len(), 4 * 23);
    assert!(timings.iter().any(|t| t.attempts > 1), "no request was retried");

    // The same answers as the agent in-process with no faults: nothing was lost or altered.
    let clean = root.path().join("clean");
    let c = clean.display().to_string();
    let mut args: Vec<&str> = SMALL.to_vec();
    args.extend(["--provider", "sim", "--model", "faithful", "--out", &c]);
    let (cfg, bench) = config(root.path(), &args);
    assert_eq!(
        go(&cfg, &bench, sim(&bench, AgentKind::Faithful)).await.status,
        RunStatus::Complete
    );
    let strip = |v: Vec<Sample>| {
        v.into_iter()
            .map(|s| (s.key(), s.response, s.parsed, s.p_a))
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(samples(&out)), strip(samples(&clean)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exhausted_retries_go_to_errors_and_resume_retries_them() {
    let root = root_with(4, 20, 3);
    let srv = MockServer::builder().faults_at(0..10, Fault::Status(503)).start().await;
    let base = srv.base_url();
    let out = root.path().join("run");
    let o = out.display().to_string();
    let mut args: Vec<&str> = SMALL.to_vec();
    args.extend([
        "--provider",
        "openai",
        "--model",
        "m",
        "--base-url",
        &base,
        "--out",
        &o,
        "--max-retries",
        "0",
        "--concurrency",
        "1",
    ]);
    let (cfg, bench) = config(root.path(), &args);
    let p = || -> Arc<dyn Provider> { Arc::new(OpenAi::new(OpenAiConfig::new("m", Some(&base))).unwrap()) };
    let first = go(&cfg, &bench, p()).await;
    assert_eq!(first.status, RunStatus::Incomplete);
    assert_eq!(first.counts.errors, 10);
    let errors: Vec<ErrorRecord> = journal::read(&out.join(bundle::ERRORS)).unwrap().records;
    assert_eq!(errors.len(), 10);
    assert_eq!(samples(&out).len(), 4 * 23 - 10);

    let mut resume = cfg.clone();
    resume.resume = true;
    let second = go(&resume, &bench, p()).await;
    assert_eq!(second.status, RunStatus::Complete, "{second:?}");
    assert_complete(&out, 4 * 23);
    assert!(read(&out.join(bundle::ERRORS)).is_empty());
    let m = bundle::read_manifest(&out).unwrap();
    assert_eq!(m.resumed_at.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fatal_error_stops_the_run() {
    let root = root_with(4, 20, 3);
    let srv = MockServer::builder().fault_rate(1.0, Fault::Status(401)).start().await;
    let base = srv.base_url();
    let out = root.path().join("run");
    let o = out.display().to_string();
    let mut args: Vec<&str> = SMALL.to_vec();
    args.extend(["--provider", "openai", "--model", "m", "--base-url", &base, "--out", &o]);
    let (cfg, bench) = config(root.path(), &args);
    let outcome = go(
        &cfg,
        &bench,
        Arc::new(OpenAi::new(OpenAiConfig::new("m", Some(&base))).unwrap()),
    )
    .await;
    assert_eq!(outcome.status, RunStatus::Failed);
    assert!(outcome.fatal.as_deref().unwrap().contains("401"), "{:?}", outcome.fatal);
    assert!(
        srv.requests() <= 16,
        "kept sending after a fatal error: {}",
        srv.requests()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_refuses_other_parameters_and_a_bundle_needs_resume() {
    let root = root_with(4, 20, 3);
    let out = root.path().join("run");
    let o = out.display().to_string();
    let mut args: Vec<&str> = SMALL.to_vec();
    args.extend(["--provider", "sim", "--model", "faithful", "--out", &o]);
    let (cfg, bench) = config(root.path(), &args);
    go(&cfg, &bench, sim(&bench, AgentKind::Faithful)).await;
    let (_tx, rx) = watch::channel(false);
    let again = execute(&cfg, &bench, sim(&bench, AgentKind::Faithful), rx)
        .await
        .unwrap_err()
        .to_string();
    assert!(again.contains("--resume"), "{again}");

    let mut other = args.clone();
    other.extend(["--resume"]);
    let i = other.iter().position(|a| *a == "--trials").unwrap();
    other[i + 1] = "10";
    let (cfg2, _) = config(root.path(), &other);
    let (_tx, rx) = watch::channel(false);
    let e = execute(&cfg2, &bench, sim(&bench, AgentKind::Faithful), rx)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("trials: bundle has 20, this command has 10"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_stops_and_resume_matches_an_uninterrupted_run() {
    let root = root_with(4, 20, 3);
    let full = root.path().join("full");
    let part = root.path().join("part");
    let (f, p) = (full.display().to_string(), part.display().to_string());
    let mut args: Vec<&str> = SMALL.to_vec();
    args.extend([
        "--provider",
        "sim",
        "--model",
        "faithful",
        "--concurrency",
        "2",
        "--rpm",
        "3000",
    ]);
    let (mut cfg, bench) = config(root.path(), &[args.clone(), vec!["--out", &f]].concat());
    cfg.settings.rpm = None;
    go(&cfg, &bench, sim(&bench, AgentKind::Faithful)).await;

    let (cfg, bench) = config(root.path(), &[args.clone(), vec!["--out", &p]].concat());
    let (tx, rx) = watch::channel(false);
    let stopper = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(700)).await;
        tx.send(true).unwrap();
    });
    let outcome = execute(&cfg, &bench, sim(&bench, AgentKind::Faithful), rx)
        .await
        .unwrap();
    stopper.await.unwrap();
    assert_eq!(outcome.status, RunStatus::Interrupted);
    let n = samples(&part).len();
    assert!(n > 0 && n < 4 * 23, "{n} samples before the interrupt");
    assert!(cfg.resume_command.is_empty() || cfg.resume_command.contains("--resume"));

    let (mut resume, _) = config(root.path(), &[args, vec!["--out", &p, "--resume"]].concat());
    resume.settings.rpm = None;
    assert_eq!(
        go(&resume, &bench, sim(&bench, AgentKind::Faithful)).await.status,
        RunStatus::Complete
    );
    assert_eq!(read(&part.join(bundle::SAMPLES)), read(&full.join(bundle::SAMPLES)));
    assert_eq!(read(&part.join(bundle::SUMMARY)), read(&full.join(bundle::SUMMARY)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cache_makes_a_rerun_free() {
    let root = root_with(4, 20, 3);
    let cache = root.path().join("cache");
    let srv = MockServer::start().await;
    let base = srv.base_url();
    let c = cache.display().to_string();
    let mut outs: Vec<PathBuf> = Vec::new();
    for name in ["one", "two"] {
        let out = root.path().join(name);
        let o = out.display().to_string();
        let args: Vec<&str> = vec![
            "--experiment",
            "native",
            "--contexts",
            "4",
            "--trials",
            "20",
            "--reports",
            "3",
            "--provider",
            "openai",
            "--model",
            "m",
            "--base-url",
            &base,
            "--out",
            &o,
            "--cache-dir",
            &c,
        ];
        let (cfg, bench) = config(root.path(), &args);
        let p: Arc<dyn Provider> = Arc::new(OpenAi::new(OpenAiConfig::new("m", Some(&base))).unwrap());
        assert_eq!(go(&cfg, &bench, p).await.status, RunStatus::Complete);
        outs.push(out);
    }
    assert_eq!(srv.requests(), 4 * 23, "the second run should have cost no request");
    assert_eq!(
        read(&outs[0].join(bundle::SAMPLES)),
        read(&outs[1].join(bundle::SAMPLES))
    );
    // The cache holds responses only: no header, no key.
    for entry in walk(&cache) {
        let text = std::fs::read_to_string(entry).unwrap();
        assert!(!text.to_lowercase().contains("authorization"), "{text}");
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() { out.extend(walk(&p)) } else { out.push(p) }
    }
    out
}

/// Pearson r of two equal-length series.
fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let sxy: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let sxx: f64 = x.iter().map(|a| (a - mx).powi(2)).sum();
    let syy: f64 = y.iter().map(|b| (b - my).powi(2)).sum();
    sxy / (sxx * syy).sqrt()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_full_native_preset_recovers_a_faithful_agent_and_exposes_a_confabulator() {
    let root = root_with(100, 100, 10);
    let mut r_reports = Vec::new();
    for (name, kind) in [
        ("faithful", AgentKind::Faithful),
        ("confabulator", AgentKind::Confabulator),
    ] {
        let out = root.path().join(name);
        let o = out.display().to_string();
        let (cfg, bench) = config(
            root.path(),
            &[
                "--provider",
                "sim",
                "--model",
                name,
                "--experiment",
                "native",
                "--preset",
                "full",
                "--out",
                &o,
                "--no-cache",
                "--concurrency",
                "64",
            ],
        );
        assert_eq!(
            (cfg.params.contexts, cfg.params.trials, cfg.params.reports),
            (100, 100, 10)
        );
        let agent = Arc::new(SimAgent::from_benchmark(kind, "0", &bench));
        let p: Arc<dyn Provider> = Arc::new(SimProvider::new(agent.clone(), name));
        assert_eq!(go(&cfg, &bench, p).await.status, RunStatus::Complete);
        assert_complete(&out, 100 * 110);
        let summary: serde_json::Value = serde_json::from_slice(&read(&out.join(bundle::SUMMARY))).unwrap();
        let (mut learned, mut truth) = (Vec::new(), Vec::new());
        for c in summary["contexts"].as_array().unwrap() {
            let id = selfinterp::types::ContextId(c["id"].as_str().unwrap().to_string());
            let t = agent.choice_weights(&id).unwrap();
            for k in 0..5 {
                learned.push(c["learned"][k].as_f64().unwrap());
                truth.push(t.0[k]);
            }
        }
        let r_truth = pearson(&learned, &truth);
        assert!(r_truth >= 0.95, "{name}: learned vs true weights r = {r_truth}");
        r_reports.push(summary["reports_vs_learned"]["r"].as_f64().unwrap());
        assert_eq!(bench.split(Split::Native).count(), 100);
    }
    assert!(r_reports[0] >= 0.9, "faithful reports vs learned r = {}", r_reports[0]);
    assert!(
        r_reports[1].abs() <= 0.15,
        "confabulator reports vs learned r = {}",
        r_reports[1]
    );
}

/// The built binary.
fn bin() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_selfinterp"))
}

fn count_lines(path: &Path) -> usize {
    std::fs::read(path)
        .map(|b| b.iter().filter(|&&c| c == b'\n').count())
        .unwrap_or(0)
}

#[test]
fn a_killed_process_resumes_to_byte_identical_samples_and_summary() {
    let root = root_with(6, 20, 3);
    let r = root.path().display().to_string();
    let base = |out: &Path| -> Vec<String> {
        [
            "--root",
            &r,
            "run",
            "--provider",
            "sim",
            "--model",
            "faithful",
            "--experiment",
            "native",
            "--contexts",
            "6",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain(
            ["--trials", "20", "--reports", "3", "--no-cache", "--out"]
                .iter()
                .map(|s| s.to_string()),
        )
        .chain([out.display().to_string()])
        .collect()
    };
    let reference = root.path().join("reference");
    let st = bin().args(base(&reference)).status().unwrap();
    assert!(st.success());

    let killed = root.path().join("killed");
    // Slow enough (50 requests/s) to be killed half-way.
    let mut child = bin()
        .args(base(&killed))
        .args(["--rpm", "3000", "--concurrency", "4"])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    while count_lines(&killed.join(bundle::SAMPLES)) < 40 {
        assert!(t0.elapsed() < Duration::from_secs(60), "the run made no progress");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL: no chance to flush anything
    child.wait().unwrap();
    let before = count_lines(&killed.join(bundle::SAMPLES));
    assert!(before < 6 * 23, "killed too late: {before}");
    // As if the kill had landed mid-line.
    let mut torn = read(&killed.join(bundle::SAMPLES));
    torn.extend_from_slice(br#"{"kind":"choice","context":"nat"#);
    std::fs::write(killed.join(bundle::SAMPLES), torn).unwrap();

    let out = bin().args(base(&killed)).arg("--resume").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        read(&killed.join(bundle::SAMPLES)),
        read(&reference.join(bundle::SAMPLES))
    );
    assert_eq!(
        read(&killed.join(bundle::SUMMARY)),
        read(&reference.join(bundle::SUMMARY))
    );

    // `score` re-derives the same summary from the samples alone.
    let scored = bin()
        .args(["--root", &r, "score", "--json"])
        .arg(&killed)
        .output()
        .unwrap();
    assert!(scored.status.success(), "{}", String::from_utf8_lossy(&scored.stderr));
    let a: serde_json::Value = serde_json::from_slice(&scored.stdout).unwrap();
    let b: serde_json::Value = serde_json::from_slice(&read(&killed.join(bundle::SUMMARY))).unwrap();
    assert_eq!(a, b);
}

#[test]
fn sigint_exits_130_and_prints_the_resume_command() {
    let root = root_with(6, 20, 3);
    let r = root.path().display().to_string();
    let out = root.path().join("run");
    let o = out.display().to_string();
    let child = bin()
        .args([
            "--root",
            &r,
            "run",
            "--provider",
            "sim",
            "--model",
            "faithful",
            "--experiment",
            "native",
        ])
        .args([
            "--contexts",
            "6",
            "--trials",
            "20",
            "--reports",
            "3",
            "--no-cache",
            "--rpm",
            "3000",
            "--out",
            &o,
        ])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    while count_lines(&out.join(bundle::SAMPLES)) < 10 {
        assert!(t0.elapsed() < Duration::from_secs(60), "the run made no progress");
        std::thread::sleep(Duration::from_millis(20));
    }
    let st = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("--resume") && stderr.contains(&o), "{stderr}");
    assert_eq!(bundle::read_manifest(&out).unwrap().status, RunStatus::Interrupted);
}
