//! The runner and the run bundle: fault tolerance, resume after a real kill, Ctrl-C, the
//! cache, and recovery of a simulated agent's weights over the full native preset.

use crate::support::{
    self, Fault, MockServer, Responder, assert_ok, bin, jsonl, pearson, score_json,
};
use selfinterp::benchmark::{Benchmark, Split};

use selfinterp::bundle::{self, RunStatus};
use selfinterp::bundle::{ErrorRecord, Sample, SampleKey};
use selfinterp::bundle::{Experiment, ProviderKind};
use selfinterp::design::Criterion;
use selfinterp::probability::logistic;
use selfinterp::providers::Provider;
use selfinterp::providers::{OpenAi, OpenAiConfig};
use selfinterp::runner::{Preset, RunConfig};
use selfinterp::runner::{RunOutcome, execute};
use selfinterp::runner::{RunRequest, resolve};
use selfinterp::sim::{AgentKind, SimAgent, SimProvider};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// A temporary root with a synthetic frozen benchmark `v1`.
fn root_with(native: usize, pairs: usize, reports: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    support::write_benchmark(
        dir.path(),
        "v1",
        &support::contexts(2, native, pairs, reports),
    );
    dir
}

/// The validated config of a request against the benchmarks under `root`, as `run` makes it.
fn config(root: &Path, q: &RunRequest) -> (RunConfig, Benchmark) {
    resolve(q, &root.join("benchmark")).unwrap_or_else(|e| panic!("{e}"))
}

fn sim(bench: &Benchmark, kind: AgentKind) -> Arc<dyn Provider> {
    let agent = Arc::new(SimAgent::from_benchmark(
        kind,
        &selfinterp::runner::sim_seed(0),
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
    jsonl(&dir.join(bundle::SAMPLES))
}

/// The bundles in `a` and `b` have byte-identical samples and summaries.
fn assert_same_results(a: &Path, b: &Path) {
    for file in [bundle::SAMPLES, bundle::SUMMARY] {
        assert_eq!(read(&a.join(file)), read(&b.join(file)), "{file}");
    }
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

/// `SMALL` as the command line's arguments (for runs of the binary).
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

/// No retry, one request at a time: failures land in a known order.
fn one_by_one(q: &mut RunRequest) {
    q.max_retries = 0;
    q.concurrency = 1;
}

/// Who answers a run.
#[derive(Clone, Copy)]
enum Via<'a> {
    /// The in-process sim agent of that name (`--provider sim`).
    Sim(&'a str),
    /// A model of the OpenAI-compatible server at a base URL: `Server(model, base_url)`.
    Server(&'a str, &'a str),
}

/// The sim agent `faithful`, which most runs ask.
const FAITHFUL: Via = Via::Sim("faithful");

/// A native run by `via` into `out`, otherwise `run`'s defaults.
fn request(via: Via, out: &Path) -> RunRequest {
    let (provider, model, base_url) = match via {
        Via::Sim(model) => (ProviderKind::Sim, model, None),
        Via::Server(model, base_url) => (ProviderKind::Openai, model, Some(base_url.to_string())),
    };
    let mut q = RunRequest::new(provider, model, Experiment::Native);
    q.who.base_url = base_url;
    q.out = Some(out.to_path_buf());
    q
}

/// The `SMALL` run: 4 native contexts, 20 pairs and 3 reports each, no cache.
fn small(via: Via, out: &Path) -> RunRequest {
    let mut q = request(via, out);
    q.ask.contexts = Some(4);
    q.ask.trials = Some(20);
    q.ask.reports = Some(3);
    q.cache = false;
    q
}

/// The arguments after `selfinterp run`: `sizes`, the provider and model of `via`,
/// `--out OUT`, then `extra`.
fn run_args(sizes: &[&str], via: Via, out: &Path, extra: &[&str]) -> Vec<String> {
    let who: &[&str] = match via {
        Via::Sim(model) => &["--provider", "sim", "--model", model],
        Via::Server(model, base_url) => &[
            "--provider",
            "openai",
            "--model",
            model,
            "--base-url",
            base_url,
        ],
    };
    let out = out.display().to_string();
    [sizes, who, &["--out", &out], extra]
        .concat()
        .into_iter()
        .map(String::from)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_through_every_fault_loses_and_duplicates_nothing() {
    let root = root_with(4, 20, 3);
    let bench = Benchmark::load(&root.path().join("benchmark"), "v1").unwrap();
    let agent = Arc::new(SimAgent::from_benchmark(AgentKind::Faithful, "0", &bench));
    let mut builder = MockServer::builder()
        .responder(Responder::Sim(agent))
        .seed(7);
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
    let mut q = small(Via::Server("faithful", &base), &out);
    q.timeout_s = 0.5;
    q.max_retries = 20;
    q.concurrency = 16;
    let (cfg, bench) = config(root.path(), &q);
    let p: Arc<dyn Provider> =
        Arc::new(OpenAi::new(OpenAiConfig::new("faithful", Some(&base))).unwrap());
    let outcome = go(&cfg, &bench, p).await;
    assert_eq!(outcome.status, RunStatus::Complete, "{outcome:?}");
    assert!(
        srv.faults() >= 10,
        "too few faults injected: {}",
        srv.faults()
    );
    assert_complete(&out, 4 * 23);
    assert!(std::fs::read(out.join(bundle::ERRORS)).unwrap().is_empty());
    let timings: Vec<selfinterp::bundle::Timing> = jsonl(&out.join(bundle::TIMINGS));
    assert_eq!(timings.len(), 4 * 23);
    assert!(
        timings.iter().any(|t| t.attempts > 1),
        "no request was retried"
    );

    // The same answers as the agent in-process with no faults: nothing was lost or altered.
    let clean = root.path().join("clean");
    let (cfg, bench) = config(root.path(), &small(FAITHFUL, &clean));
    assert_eq!(
        go(&cfg, &bench, sim(&bench, AgentKind::Faithful))
            .await
            .status,
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
    let srv = MockServer::builder()
        .faults_at(0..10, Fault::Status(503))
        .start()
        .await;
    let base = srv.base_url();
    let out = root.path().join("run");
    let mut q = small(Via::Server("m", &base), &out);
    one_by_one(&mut q);
    let (cfg, bench) = config(root.path(), &q);
    let p = || -> Arc<dyn Provider> {
        Arc::new(OpenAi::new(OpenAiConfig::new("m", Some(&base))).unwrap())
    };
    let first = go(&cfg, &bench, p()).await;
    assert_eq!(first.status, RunStatus::Incomplete);
    assert_eq!(first.counts.errors, 10);
    let errors: Vec<ErrorRecord> = jsonl(&out.join(bundle::ERRORS));
    assert_eq!(errors.len(), 10);
    assert_eq!(samples(&out).len(), 4 * 23 - 10);

    let resume = cfg.clone().resumed();
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
    let srv = MockServer::builder()
        .fault_rate(1.0, Fault::Status(401))
        .start()
        .await;
    let base = srv.base_url();
    let out = root.path().join("run");
    let (cfg, bench) = config(root.path(), &small(Via::Server("m", &base), &out));
    let outcome = go(
        &cfg,
        &bench,
        Arc::new(OpenAi::new(OpenAiConfig::new("m", Some(&base))).unwrap()),
    )
    .await;
    assert_eq!(outcome.status, RunStatus::Failed);
    assert!(
        outcome.fatal.as_deref().unwrap().contains("401"),
        "{:?}",
        outcome.fatal
    );
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
    let q = small(FAITHFUL, &out);
    let (cfg, bench) = config(root.path(), &q);
    go(&cfg, &bench, sim(&bench, AgentKind::Faithful)).await;
    let (_tx, rx) = watch::channel(false);
    let again = execute(&cfg, &bench, sim(&bench, AgentKind::Faithful), rx)
        .await
        .unwrap_err()
        .to_string();
    assert!(again.contains("--resume"), "{again}");

    let mut other = q.clone();
    other.resume = true;
    other.ask.trials = Some(10);
    let (cfg2, _) = config(root.path(), &other);
    let (_tx, rx) = watch::channel(false);
    let e = execute(&cfg2, &bench, sim(&bench, AgentKind::Faithful), rx)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("trials: bundle has 20, this command has 10"),
        "{e}"
    );
}

/// Runs the request (the sim agent `faithful`) to completion without its `rpm` limit, which
/// stays in the bundle's parameters so a resume still matches them.
async fn run_unthrottled(root: &Path, q: &RunRequest) {
    let (cfg, bench) = config(root, q);
    let cfg = cfg.without_rpm_limit();
    let outcome = go(&cfg, &bench, sim(&bench, AgentKind::Faithful)).await;
    assert_eq!(outcome.status, RunStatus::Complete);
}

/// Runs the request (the sim agent `faithful`) and stops it as Ctrl-C does after `after`;
/// asserts it stopped as interrupted and returns its config.
async fn interrupt_after(root: &Path, q: &RunRequest, after: Duration) -> RunConfig {
    let (cfg, bench) = config(root, q);
    let (tx, rx) = watch::channel(false);
    let stopper = tokio::spawn(async move {
        tokio::time::sleep(after).await;
        tx.send(true).unwrap();
    });
    let outcome = execute(&cfg, &bench, sim(&bench, AgentKind::Faithful), rx)
        .await
        .unwrap();
    stopper.await.unwrap();
    assert_eq!(outcome.status, RunStatus::Interrupted);
    cfg
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_stops_and_resume_matches_an_uninterrupted_run() {
    let root = root_with(4, 20, 3);
    let full = root.path().join("full");
    let part = root.path().join("part");
    let args = |out: &Path, resume: bool| {
        let mut q = small(FAITHFUL, out);
        q.concurrency = 2;
        q.rpm = Some(3000);
        q.resume = resume;
        q
    };
    run_unthrottled(root.path(), &args(&full, false)).await;

    let cfg = interrupt_after(root.path(), &args(&part, false), Duration::from_millis(700)).await;
    let n = samples(&part).len();
    assert!(n > 0 && n < 4 * 23, "{n} samples before the interrupt");
    assert!(cfg.resume_command().is_empty() || cfg.resume_command().contains("--resume"));

    run_unthrottled(root.path(), &args(&part, true)).await;
    assert_same_results(&part, &full);
}

/// The sim agent `faithful`, recording what each request asks in the order the runner sends
/// them: (choice?, context, prompt up to the options). After `stop_after` sends it stops the
/// run as Ctrl-C does.
struct Recording {
    inner: SimProvider,
    sent: std::sync::Mutex<Vec<(bool, String, String)>>,
    stop_after: usize,
    stop: watch::Sender<bool>,
}

impl Provider for Recording {
    fn name(&self) -> &str {
        "sim"
    }
    fn model(&self) -> &str {
        "faithful"
    }
    fn request_body(&self, req: &selfinterp::providers::ChatRequest) -> serde_json::Value {
        self.inner.request_body(req)
    }
    fn send<'a>(
        &'a self,
        req: &'a selfinterp::providers::ChatRequest,
    ) -> selfinterp::providers::SendFuture<'a> {
        use selfinterp::providers::RequestKind;
        use selfinterp::sim::Prompted;
        Box::pin(async move {
            let context = match self.inner.agent().parse_prompt(&req.messages) {
                Ok(Prompted::Choice { context, .. } | Prompted::Report { context, .. }) => {
                    context.0
                }
                Err(e) => panic!("{e}"),
            };
            let text: String = req.messages.iter().map(|m| m.content.as_str()).collect();
            let prefix: String = text[..text.find("\nA:\n").unwrap()].to_string();
            let n = {
                let mut sent = self.sent.lock().unwrap();
                sent.push((req.kind == RequestKind::Choice, context, prefix));
                sent.len()
            };
            if n == self.stop_after {
                self.stop.send(true).unwrap();
            }
            self.inner.answer(req)
        })
    }
}

/// Each context's requests of a phase go out in one stretch (up to the requests in flight
/// at its ends), and one context's requests share the prompt up to the options: what lets a
/// server's prompt cache (llama.cpp's) skip the shared prefix.
fn assert_in_stretches(sent: &[(bool, String, String)], concurrency: usize) {
    let mut at: std::collections::BTreeMap<(bool, &str), Vec<usize>> = Default::default();
    for (i, (choice, context, _)) in sent.iter().enumerate() {
        at.entry((*choice, context.as_str())).or_default().push(i);
    }
    for ((choice, context), pos) in &at {
        let span: usize = pos.last().unwrap() - pos[0] + 1;
        assert!(
            span <= pos.len() + 2 * (concurrency - 1),
            "{context} (choice {choice}): {} requests spread over {span}",
            pos.len()
        );
        let prefixes: HashSet<&str> = pos.iter().map(|&i| sent[i].2.as_str()).collect();
        assert_eq!(
            prefixes.len(),
            1,
            "{context}: prompts differ before the options"
        );
    }
}

// One thread: the two requests in flight interleave where the runner lets them, not where the
// OS preempts a worker between taking a request and sending it (on two threads under load that
// spread a context's 20 requests over 23 sends).
#[tokio::test(flavor = "current_thread")]
async fn each_context_is_asked_in_one_stretch_and_a_resume_keeps_it_so() {
    let root = root_with(4, 20, 3);
    let full = root.path().join("full");
    let part = root.path().join("part");
    let args = |out: &Path, resume: bool| {
        let mut q = small(FAITHFUL, out);
        q.concurrency = 2;
        q.resume = resume;
        q
    };
    run_unthrottled(root.path(), &args(&full, false)).await;

    let mut sessions: Vec<Vec<(bool, String, String)>> = Vec::new();
    for (resume, stop_after) in [(false, 30), (true, usize::MAX)] {
        let (cfg, bench) = config(root.path(), &args(&part, resume));
        let (tx, rx) = watch::channel(false);
        let p = Arc::new(Recording {
            inner: SimProvider::new(
                Arc::new(SimAgent::from_benchmark(
                    AgentKind::Faithful,
                    &selfinterp::runner::sim_seed(0),
                    &bench,
                )),
                "faithful",
            ),
            sent: Default::default(),
            stop_after,
            stop: tx,
        });
        let outcome = execute(&cfg, &bench, p.clone(), rx).await.unwrap();
        let want = if resume {
            RunStatus::Complete
        } else {
            RunStatus::Interrupted
        };
        assert_eq!(outcome.status, want);
        sessions.push(p.sent.lock().unwrap().clone());
    }
    for sent in &sessions {
        assert_in_stretches(sent, 2);
    }
    // Both sessions together asked every request once at most, and the resumed bundle is
    // the uninterrupted one.
    assert!(sessions[0].len() >= 30 && sessions[0].len() + sessions[1].len() >= 4 * 23);
    assert_complete(&part, 4 * 23);
    assert_same_results(&part, &full);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cache_makes_a_rerun_free() {
    let root = root_with(4, 20, 3);
    let cache = root.path().join("cache");
    let srv = MockServer::start().await;
    let base = srv.base_url();
    let mut outs: Vec<PathBuf> = Vec::new();
    for name in ["one", "two"] {
        let out = root.path().join(name);
        // SMALL with the cache on.
        let mut q = small(Via::Server("m", &base), &out);
        q.cache = true;
        q.cache_dir = Some(cache.clone());
        let (cfg, bench) = config(root.path(), &q);
        let p: Arc<dyn Provider> =
            Arc::new(OpenAi::new(OpenAiConfig::new("m", Some(&base))).unwrap());
        assert_eq!(go(&cfg, &bench, p).await.status, RunStatus::Complete);
        outs.push(out);
    }
    // The second run asks only the cached requests it re-checks before trusting the cache
    // (runner::recheck re-asks four choices and two reports), as its manifest records.
    let check = bundle::read_manifest(&outs[1])
        .unwrap()
        .cache_check
        .unwrap();
    assert!(check.trusted && check.compared == check.asked, "{check:?}");
    let rechecks: u64 = check.asked as u64;
    assert_eq!(rechecks, 6, "{check:?}");
    assert_eq!(
        srv.requests(),
        4 * 23 + rechecks,
        "the second run should have cost only the re-check's requests"
    );
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
        if p.is_dir() {
            out.extend(walk(&p))
        } else {
            out.push(p)
        }
    }
    out
}

/// r over (context, attribute) between a summary's learned weights and the agent's own.
fn learned_vs_truth(summary: &serde_json::Value, agent: &SimAgent) -> f64 {
    let (mut learned, mut truth) = (Vec::new(), Vec::new());
    for c in summary["contexts"].as_array().unwrap() {
        let id = selfinterp::types::ContextId(c["id"].as_str().unwrap().to_string());
        let t = agent.choice_weights(&id).unwrap();
        for k in 0..5 {
            learned.push(c["learned"][k].as_f64().unwrap());
            truth.push(t.0[k]);
        }
    }
    pearson(&learned, &truth)
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
        let mut q = request(Via::Sim(name), &out);
        q.ask.preset = Preset::Full;
        q.cache = false;
        q.concurrency = 64;
        let (cfg, bench) = config(root.path(), &q);
        assert_eq!(
            (
                cfg.params().contexts,
                cfg.params().trials,
                cfg.params().reports
            ),
            (100, 100, 10)
        );
        let agent = Arc::new(SimAgent::from_benchmark(kind, "0", &bench));
        let p: Arc<dyn Provider> = Arc::new(SimProvider::new(agent.clone(), name));
        assert_eq!(go(&cfg, &bench, p).await.status, RunStatus::Complete);
        assert_complete(&out, 100 * 110);
        let summary: serde_json::Value =
            serde_json::from_slice(&read(&out.join(bundle::SUMMARY))).unwrap();
        let r_truth = learned_vs_truth(&summary, &agent);
        assert!(
            r_truth >= 0.95,
            "{name}: learned vs true weights r = {r_truth}"
        );
        r_reports.push(summary["reports_vs_learned"]["r"].as_f64().unwrap());
        assert_eq!(bench.split(Split::Native).count(), 100);
    }
    assert!(
        r_reports[0] >= 0.9,
        "faithful reports vs learned r = {}",
        r_reports[0]
    );
    assert!(
        r_reports[1].abs() <= 0.15,
        "confabulator reports vs learned r = {}",
        r_reports[1]
    );
}

/// The arguments after `selfinterp` of the sim agent `faithful`'s [`SMALL`] run over 6
/// contexts under `root`, into `out`, then `extra`.
fn six_contexts(root: &Path, out: &Path, extra: &[&str]) -> Vec<String> {
    let r = root.display().to_string();
    let mut sizes = SMALL.to_vec();
    let i = sizes.iter().position(|a| *a == "--contexts").unwrap();
    sizes[i + 1] = "6";
    let run = ["--root", &r, "run"].map(String::from);
    [run.to_vec(), run_args(&sizes, FAITHFUL, out, extra)].concat()
}

fn count_lines(path: &Path) -> usize {
    std::fs::read(path)
        .map(|b| b.iter().filter(|&&c| c == b'\n').count())
        .unwrap_or(0)
}

/// Waits until the run writing into `dir` has journaled at least `n` samples (at most 60 s).
fn wait_for_samples(dir: &Path, n: usize) {
    let t0 = Instant::now();
    while count_lines(&dir.join(bundle::SAMPLES)) < n {
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "the run made no progress"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_killed_process_resumes_to_byte_identical_samples_and_summary() {
    let root = root_with(6, 20, 3);
    let r = root.path().display().to_string();
    let base = |out: &Path| six_contexts(root.path(), out, &[]);
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
    wait_for_samples(&killed, 40);
    child.kill().unwrap(); // SIGKILL: no chance to flush anything
    child.wait().unwrap();
    let before = count_lines(&killed.join(bundle::SAMPLES));
    assert!(before < 6 * 23, "killed too late: {before}");
    // As if the kill had landed mid-line.
    let mut torn = read(&killed.join(bundle::SAMPLES));
    torn.extend_from_slice(br#"{"kind":"choice","context":"nat"#);
    std::fs::write(killed.join(bundle::SAMPLES), torn).unwrap();

    let out = bin().args(base(&killed)).arg("--resume").output().unwrap();
    assert_ok(&out);
    assert_same_results(&killed, &reference);

    // `score` re-derives the same summary from the samples alone.
    let mut at_root = bin();
    at_root.args(["--root", &r]);
    let a: serde_json::Value = score_json(at_root, &[&killed]);
    let b: serde_json::Value =
        serde_json::from_slice(&read(&killed.join(bundle::SUMMARY))).unwrap();
    assert_eq!(a, b);
}

#[test]
fn sigint_exits_130_and_prints_the_resume_command() {
    let root = root_with(6, 20, 3);
    let out = root.path().join("run");
    let o = out.display().to_string();
    let child = bin()
        .args(six_contexts(root.path(), &out, &["--rpm", "3000"]))
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_samples(&out, 10);
    let st = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("--resume") && stderr.contains(&o),
        "{stderr}"
    );
    assert_eq!(
        bundle::read_manifest(&out).unwrap().status,
        RunStatus::Interrupted
    );
}

/// A `--out` that cannot be made because a file stands where a directory must be is the
/// machine's refusal, not bad input: exit 5, as the README's table promises (it was 2).
#[test]
fn an_out_directory_that_cannot_be_created_exits_5() {
    let root = root_with(6, 20, 3);
    let file = root.path().join("a-file");
    std::fs::write(&file, "not a directory").unwrap();
    let out = file.join("run");
    let o = bin()
        .args(six_contexts(root.path(), &out, &[]))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(5), "{stderr}");
    assert!(stderr.contains("cannot create"), "{stderr}");
}

// ---- counterbalancing ----------------------------------------------------------------------

/// A `faithful` agent that also leans towards the letter shown first: P(A) is the agent's
/// own shifted by `bias` on the log-odds scale, whatever the options. The letter is drawn from
/// that P(A) with a uniform seeded by the prompt, like the built-in agents.
struct LeansA {
    inner: SimProvider,
    bias: f64,
}

impl Provider for LeansA {
    fn name(&self) -> &str {
        "sim"
    }
    fn model(&self) -> &str {
        "faithful+lean-a"
    }
    fn request_body(&self, req: &selfinterp::providers::ChatRequest) -> serde_json::Value {
        self.inner.request_body(req)
    }
    fn send<'a>(
        &'a self,
        req: &'a selfinterp::providers::ChatRequest,
    ) -> selfinterp::providers::SendFuture<'a> {
        use selfinterp::providers::{ChatResponse, RequestKind, TokenLogprob};
        use selfinterp::sim::Prompted;
        use sha2::{Digest, Sha256};
        Box::pin(async move {
            if req.kind != RequestKind::Choice {
                return self.inner.answer(req);
            }
            let agent = self.inner.agent();
            let Ok(Prompted::Choice { context, pair }) = agent.parse_prompt(&req.messages) else {
                return self.inner.answer(req);
            };
            let p0: f64 = agent.p_a(&context, &pair).unwrap().clamp(1e-9, 1.0 - 1e-9);
            let p: f64 = logistic((p0 / (1.0 - p0)).ln() + self.bias);
            let user: &str = &req.messages.last().unwrap().content;
            let h = Sha256::digest(format!("lean-a {}\n{user}", agent.seed()).as_bytes());
            let u: f64 = u64::from_be_bytes(h[..8].try_into().unwrap()) as f64 / 2f64.powi(64);
            let letter: &str = if u < p { "A" } else { "B" };
            Ok(ChatResponse {
                text: letter.into(),
                top_logprobs: req.top_logprobs.map(|_| {
                    vec![
                        TokenLogprob {
                            token: "A".into(),
                            logprob: p.ln(),
                        },
                        TokenLogprob {
                            token: "B".into(),
                            logprob: (1.0 - p).ln(),
                        },
                    ]
                }),
                tokens_in: Some(100),
                tokens_out: Some(1),
                model: None,
                system_fingerprint: None,
            })
        })
    }
}

/// One condition of the counterbalancing measurement.
struct Lean {
    /// Log-odds added towards "A".
    bias: f64,
    pairs: usize,
    counterbalance: bool,
    /// Soft labels (log-probabilities) or the sampled letter only.
    logprobs: bool,
    seed: u64,
}

/// What a run of a [`Lean`] condition gives: r(learned, true weights), the position-bias
/// block of the summary, and the mean intercept.
async fn lean_run(root: &Path, l: &Lean) -> (f64, serde_json::Value) {
    let out = root.join(format!(
        "lean-{}-{}-{}-{}-{}",
        l.bias, l.pairs, l.counterbalance, l.logprobs, l.seed
    ));
    let seed = l.seed.to_string();
    let mut q = request(FAITHFUL, &out);
    q.ask.preset = Preset::Quick;
    q.ask.trials = Some(l.pairs);
    q.ask.reports = Some(0);
    q.who.seed = l.seed;
    q.cache = false;
    q.concurrency = 64;
    q.ask.counterbalance = Some(l.counterbalance);
    q.ask.logprobs = l.logprobs;
    let (cfg, bench) = config(root, &q);
    let agent = Arc::new(SimAgent::from_benchmark(AgentKind::Faithful, &seed, &bench));
    let p: Arc<dyn Provider> = Arc::new(LeansA {
        inner: SimProvider::new(agent.clone(), "faithful"),
        bias: l.bias,
    });
    assert_eq!(go(&cfg, &bench, p).await.status, RunStatus::Complete);
    let summary: serde_json::Value =
        serde_json::from_slice(&read(&out.join(bundle::SUMMARY))).unwrap();
    let mean_intercept: f64 = {
        let v: Vec<f64> = summary["contexts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["intercept"].as_f64().unwrap())
            .collect();
        v.iter().sum::<f64>() / v.len() as f64
    };
    let mut pb = summary
        .get("position_bias")
        .cloned()
        .unwrap_or(serde_json::json!({}));
    pb["mean_intercept_all"] = serde_json::json!(mean_intercept);
    pb["p_answer_a_summary"] = summary["p_answer_a"].clone();
    (learned_vs_truth(&summary, &agent), pb)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counterbalancing_asks_both_orders_and_reports_the_position_bias() {
    let root = root_with(20, 20, 3);
    let r = root.path();
    // Recorded in the parameters, so a resume without the flag is refused.
    let out = r.join("cb");
    let args = |counterbalance: bool, resume: bool| {
        let mut q = small(FAITHFUL, &out);
        q.ask.preset = Preset::Quick;
        q.ask.counterbalance = counterbalance.then_some(true);
        q.resume = resume;
        q
    };
    let (cfg, bench) = config(r, &args(true, false));
    use selfinterp::bundle::Order;
    assert_eq!(cfg.params().orders, vec![Order::Ab, Order::Ba]);
    assert_eq!(
        go(&cfg, &bench, sim(&bench, AgentKind::Faithful))
            .await
            .status,
        RunStatus::Complete
    );
    assert_complete(&out, 4 * 20 * 2 + 4 * 3 * 2);
    let (plain, _) = config(r, &args(false, true));
    let (_tx, rx) = watch::channel(false);
    let e = execute(&plain, &bench, sim(&bench, AgentKind::Faithful), rx)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("orders"), "{e}");

    // A ba sample holds the options as shown and the letter as answered: the agent, who
    // chooses by the options, gives the opposite letter on the swapped pair about as often as
    // its noise allows, and the fit sees the same sign in both orders.
    let s = samples(&out);
    let ba: Vec<&Sample> = s
        .iter()
        .filter(|x| x.order == Order::Ba && x.kind == selfinterp::bundle::KindKey::Choice)
        .collect();
    for x in &ba {
        let ab = s
            .iter()
            .find(|y| {
                y.order == Order::Ab
                    && y.kind == x.kind
                    && y.context == x.context
                    && y.index == x.index
            })
            .unwrap();
        assert_eq!(x.options, ab.options.swapped());
    }
    let summary: serde_json::Value =
        serde_json::from_slice(&read(&out.join(bundle::SUMMARY))).unwrap();
    let pb = &summary["position_bias"];
    assert_eq!(pb["n_pairs"], 4 * 20);
    assert!(pb["consistency"].as_f64().unwrap() > 0.75, "{pb}");
    assert!(pb["mean_intercept"].as_f64().unwrap().abs() < 0.5, "{pb}");
    // The summary of an unbalanced run has no such block (its bytes are as before).
    let o2 = r.join("plain");
    let (cfg2, _) = config(r, &small(FAITHFUL, &o2));
    go(&cfg2, &bench, sim(&bench, AgentKind::Faithful)).await;
    let s2: serde_json::Value = serde_json::from_slice(&read(&o2.join(bundle::SUMMARY))).unwrap();
    assert!(s2.get("position_bias").is_none());
}

/// The measurement behind the quick preset's default: a faithful agent leaning towards "A",
/// asked the quick preset's 20 contexts in one order (20 and 40 pairs) and in both (20 pairs,
/// the cost of 40), with soft labels and with letters only. Prints a table; run with
/// `cargo test --test integration -- --ignored --nocapture counterbalancing_measurement`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement, not a check (about a minute)"]
async fn counterbalancing_measurement() {
    let root = root_with(20, 40, 3);
    let seeds: Vec<u64> = (1..=8).collect();
    eprintln!("bias logprobs design             r(learned,truth) mean [min]   P(A)   intercept");
    for logprobs in [true, false] {
        for bias in [0.0, 1.0, 2.0, 3.0] {
            for (name, pairs, cb) in [
                ("ab, 20 pairs", 20, false),
                ("ab, 40 pairs", 40, false),
                ("ab+ba, 20 pairs", 20, true),
            ] {
                let mut rs = Vec::new();
                let (mut pa, mut ic) = (0.0, 0.0);
                for &seed in &seeds {
                    let (r, pb) = lean_run(
                        root.path(),
                        &Lean {
                            bias,
                            pairs,
                            counterbalance: cb,
                            logprobs,
                            seed,
                        },
                    )
                    .await;
                    rs.push(r);
                    pa += pb["p_answer_a_summary"].as_f64().unwrap();
                    ic += pb["mean_intercept_all"].as_f64().unwrap();
                }
                let n = seeds.len() as f64;
                let mean = rs.iter().sum::<f64>() / n;
                let min = rs.iter().cloned().fold(f64::INFINITY, f64::min);
                eprintln!(
                    "{bias:4} {logprobs:8} {name:18} {mean:.3} [{min:.3}]             {:.3}  {:+.2}",
                    pa / n,
                    ic / n
                );
            }
        }
    }
}

/// An agent leaning hard towards "A" (log-odds +3, ~80% "A") loses accuracy in its learned
/// weights when asked in one order; asked in both, its learned weights are as close to the
/// truth as an unbiased agent's, and the summary shows the lean in both orders.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counterbalancing_removes_a_position_bias_from_the_learned_weights() {
    let root = root_with(20, 20, 3);
    let mean_r = async |bias: f64, counterbalance: bool| {
        let mut sum = 0.0;
        let mut last = serde_json::Value::Null;
        for seed in 1..=4 {
            let (r, pb) = lean_run(
                root.path(),
                &Lean {
                    bias,
                    pairs: 20,
                    counterbalance,
                    logprobs: true,
                    seed,
                },
            )
            .await;
            sum += r;
            last = pb;
        }
        (sum / 4.0, last)
    };
    let (ab_fair, _) = mean_r(0.0, false).await;
    let (ab_lean, _) = mean_r(3.0, false).await;
    let (cb_fair, _) = mean_r(0.0, true).await;
    let (cb_lean, pb) = mean_r(3.0, true).await;
    eprintln!(
        "one order: {ab_fair:.3} -> {ab_lean:.3}; both orders: {cb_fair:.3} -> {cb_lean:.3}; {pb}"
    );
    assert!(
        ab_fair - ab_lean > 0.02,
        "one order: {ab_fair:.3} -> {ab_lean:.3}"
    );
    assert!(
        (cb_fair - cb_lean).abs() < 0.01,
        "both orders: {cb_fair:.3} -> {cb_lean:.3}"
    );
    assert!(cb_lean > ab_lean, "{cb_lean:.3} vs {ab_lean:.3}");
    for k in ["p_answer_a_ab", "p_answer_a_ba"] {
        assert!(pb[k].as_f64().unwrap() > 0.7, "{k}: {pb}");
    }
    assert!(pb["mean_intercept"].as_f64().unwrap() > 1.0, "{pb}");
}

// ---- Adaptive pair design (`--design adaptive`) ----

/// The adaptive design (`--design adaptive`) in rounds of 5.
fn adaptive(q: &mut RunRequest) {
    q.ask.design = Some(Criterion::DOptimal);
    q.ask.design_batch = Some(5);
}

/// Every choice's pairs are what the design picks from the answers of the rounds before it.
fn assert_rounds_follow_the_design(dir: &Path, cfg: &RunConfig, bench: &Benchmark) {
    use selfinterp::bundle::{KindKey, Parsed};
    use selfinterp::types::Choice;
    // What an answer tells the design: its P(A), else 1 or 0 for a parsed letter.
    let label = |s: &Sample| -> Option<f64> {
        s.p_a.or(match s.parsed {
            Some(Parsed::Choice(Choice::A)) => Some(1.0),
            Some(Parsed::Choice(Choice::B)) => Some(0.0),
            _ => None,
        })
    };
    let d = cfg.params().design.as_ref().unwrap();
    let design = d.design(cfg.params());
    let s = samples(dir);
    for ctx in bench.split(Split::Native).take(cfg.params().contexts) {
        let mine: Vec<&Sample> = s
            .iter()
            .filter(|x| x.kind == KindKey::Choice && x.context == ctx.id)
            .collect();
        let mut mine = mine;
        mine.sort_by_key(|x| x.index);
        assert_eq!(mine.len(), cfg.params().trials);
        let mut observed = Vec::new();
        for start in (0..cfg.params().trials).step_by(d.batch) {
            let n = d.batch.min(cfg.params().trials - start);
            let pairs = design.next_batch(ctx, &observed, n);
            for (k, p) in pairs.iter().enumerate() {
                let smp = mine[start + k];
                assert_eq!(smp.index, start + k);
                assert_eq!(smp.options, *p, "{} #{}", ctx.id, smp.index);
                observed.push(selfinterp::design::Observation {
                    pair: *p,
                    p_a: label(smp),
                });
            }
        }
        // Not the frozen pairs.
        assert_ne!(mine[0].options, ctx.pairs[0]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adaptive_design_is_recorded_and_resume_checks_it() {
    let root = root_with(4, 20, 3);
    let out = root.path().join("adaptive");
    let mut q = small(FAITHFUL, &out);
    adaptive(&mut q);
    let (cfg, bench) = config(root.path(), &q);
    let outcome = go(&cfg, &bench, sim(&bench, AgentKind::Faithful)).await;
    assert_eq!(outcome.status, RunStatus::Complete);
    assert_complete(&out, 4 * 23);
    assert_rounds_follow_the_design(&out, &cfg, &bench);
    let m: serde_json::Value = serde_json::from_slice(&read(&out.join(bundle::MANIFEST))).unwrap();
    assert_eq!(
        m["parameters"]["design"],
        serde_json::json!({"criterion": "d_optimal", "batch": 5, "candidates": 32, "seed": 0})
    );
    // The plan replayed from the answers is exactly what was asked: the check every command
    // reading the bundle makes passes, and fails once one choice shows another pair.
    let opened: bundle::Bundle = bundle::read(&out).unwrap();
    opened.check(Some(&bench)).unwrap();
    let mut altered = opened;
    let i: usize = altered
        .samples
        .iter()
        .position(|s| s.kind == bundle::KindKey::Choice && s.index == 7)
        .unwrap();
    let shown = &mut altered.samples[i].options;
    std::mem::swap(&mut shown.a, &mut shown.b);
    let e = altered.check(Some(&bench)).unwrap_err().to_string();
    assert!(e.contains("pair"), "{e}");

    // A random-design run's manifest has no design key at all.
    let plain = root.path().join("plain");
    let (pcfg, _) = config(root.path(), &small(FAITHFUL, &plain));
    go(&pcfg, &bench, sim(&bench, AgentKind::Faithful)).await;
    let pm: serde_json::Value =
        serde_json::from_slice(&read(&plain.join(bundle::MANIFEST))).unwrap();
    assert!(pm["parameters"].get("design").is_none(), "{pm}");

    // Resume with another batch size, or without the design, is refused.
    let mut other_batch = q.clone();
    other_batch.ask.design_batch = Some(4);
    for mut other in [other_batch, small(FAITHFUL, &out)] {
        other.resume = true;
        let (c, _) = config(root.path(), &other);
        let (_tx, rx) = watch::channel(false);
        let e = execute(&c, &bench, sim(&bench, AgentKind::Faithful), rx)
            .await
            .unwrap_err()
            .to_string();
        assert!(e.contains("design: bundle has"), "{e}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adaptive_ctrl_c_and_resume_match_an_uninterrupted_run() {
    let root = root_with(4, 20, 3);
    let full = root.path().join("full");
    let part = root.path().join("part");
    let args = |out: &Path, resume: bool| {
        let mut q = small(FAITHFUL, out);
        adaptive(&mut q);
        q.concurrency = 3;
        q.rpm = Some(3000);
        q.resume = resume;
        q
    };
    run_unthrottled(root.path(), &args(&full, false)).await;

    interrupt_after(root.path(), &args(&part, false), Duration::from_millis(600)).await;
    let n = samples(&part).len();
    assert!(n > 5 && n < 4 * 20, "{n} samples before the interrupt");
    // Cut the journal mid-round too: drop the last answered sample of the interrupted session.
    let mut lines: Vec<Vec<u8>> = read(&part.join(bundle::SAMPLES))
        .split(|&c| c == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| l.to_vec())
        .collect();
    lines.pop();
    let mut text: Vec<u8> = lines.join(&b'\n');
    text.push(b'\n');
    std::fs::write(part.join(bundle::SAMPLES), text).unwrap();

    run_unthrottled(root.path(), &args(&part, true)).await;
    assert_same_results(&part, &full);
}

#[test]
fn batch_export_refuses_an_adaptive_design() {
    let root = root_with(4, 20, 3);
    let r = root.path().display().to_string();
    let out = root.path().join("batch.jsonl");
    let o = out.display().to_string();
    let res = bin()
        .args([
            "--root",
            &r,
            "batch",
            "export",
            "--provider",
            "openai",
            "--model",
            "m",
            "--experiment",
            "native",
            "--design",
            "adaptive",
            "--out",
            &o,
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&res.stderr);
    assert_eq!(res.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--design adaptive") && err.contains("selfinterp run"),
        "{err}"
    );
    assert!(!out.exists());
}

/// r(learned, true weights) of a faithful sim agent over 40 contexts with `trials` choices
/// per context, by design; `logprobs` false asks for letters only.
async fn recovery(root: &Path, design: &str, trials: usize, logprobs: bool) -> f64 {
    let out = root.join(format!("{design}-{trials}-{logprobs}"));
    let mut q = request(FAITHFUL, &out);
    q.ask.contexts = Some(40);
    q.ask.trials = Some(trials);
    q.ask.reports = Some(1);
    q.cache = false;
    q.concurrency = 64;
    q.ask.design = match design {
        "random" => None,
        "adaptive" => Some(Criterion::DOptimal),
        other => panic!("design {other}"),
    };
    q.ask.logprobs = logprobs;
    let (cfg, bench) = config(root, &q);
    let agent = Arc::new(SimAgent::from_benchmark(AgentKind::Faithful, "0", &bench));
    let p: Arc<dyn Provider> = Arc::new(SimProvider::new(agent.clone(), "faithful"));
    if !out.exists() {
        assert_eq!(go(&cfg, &bench, p).await.status, RunStatus::Complete);
    }
    let summary: serde_json::Value =
        serde_json::from_slice(&read(&out.join(bundle::SUMMARY))).unwrap();
    learned_vs_truth(&summary, &agent)
}

/// Adaptive (D-optimal, rounds of 5) against the frozen random pairs on a faithful sim agent,
/// 40 contexts: r between learned and true weights at 40 pairs per context, with soft labels
/// (log-probabilities) and with letters only, and the pairs adaptive needs to match random
/// at 100. Figures are printed (`--nocapture`) and quoted in src/design/mod.rs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adaptive_design_recovers_a_faithful_agent_at_least_as_well_as_random() {
    let root = root_with(40, 100, 1);
    let mut lines: Vec<String> = Vec::new();
    for logprobs in [true, false] {
        let random = recovery(root.path(), "random", 40, logprobs).await;
        let adaptive = recovery(root.path(), "adaptive", 40, logprobs).await;
        lines.push(format!(
            "labels {}: 40 pairs/context: random r = {random:.4}, adaptive r = {adaptive:.4}",
            if logprobs { "soft" } else { "hard" }
        ));
        assert!(
            adaptive >= random,
            "adaptive {adaptive} < random {random} (logprobs {logprobs})"
        );
    }
    // Calls saved at equal precision: the fewest adaptive pairs per context reaching the r
    // of random pairs at 100 (the study's protocol).
    for logprobs in [true, false] {
        let target = recovery(root.path(), "random", 100, logprobs).await;
        let mut reached: Option<usize> = None;
        for n in [10, 15, 20, 25, 30, 35, 40, 45, 50, 60, 70, 80, 100] {
            if recovery(root.path(), "adaptive", n, logprobs).await >= target {
                reached = Some(n);
                break;
            }
        }
        lines.push(format!(
            "labels {}: random 100 pairs/context r = {target:.4}; adaptive reaches it at {reached:?} pairs/context",
            if logprobs { "soft" } else { "hard" }
        ));
        assert!(reached.is_some_and(|n| n <= 60), "{reached:?}");
    }
    for l in &lines {
        eprintln!("{l}");
    }
}

/// A call that fails for good stalls only its context at that round; `--resume` retries it
/// and continues that context to the same samples as a run that never failed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adaptive_failed_call_stalls_its_context_and_resume_completes_it() {
    let root = root_with(4, 20, 3);
    let bench = Benchmark::load(&root.path().join("benchmark"), "v1").unwrap();
    let agent = Arc::new(SimAgent::from_benchmark(AgentKind::Faithful, "0", &bench));
    let mut outs: Vec<PathBuf> = Vec::new();
    for (name, faults) in [("clean", 0..0), ("faulty", 0..3)] {
        let srv = MockServer::builder()
            .responder(Responder::Sim(agent.clone()))
            .faults_at(faults.clone(), Fault::Status(503))
            .start()
            .await;
        let base = srv.base_url();
        let out = root.path().join(name);
        let mut q = small(Via::Server("m", &base), &out);
        q.ask.design = Some(Criterion::DOptimal);
        one_by_one(&mut q);
        let (cfg, bench) = config(root.path(), &q);
        let p = || -> Arc<dyn Provider> {
            Arc::new(OpenAi::new(OpenAiConfig::new("m", Some(&base))).unwrap())
        };
        let first = go(&cfg, &bench, p()).await;
        if !faults.is_empty() {
            assert_eq!(first.status, RunStatus::Incomplete);
            assert_eq!(first.counts.errors, 3);
            // The first context stopped after its first round's 2 answers; the others finished.
            assert_eq!(samples(&out).len(), 4 * 23 - 20 + 2);
            let resume = cfg.clone().resumed();
            let second = go(&resume, &bench, p()).await;
            assert_eq!(second.status, RunStatus::Complete, "{second:?}");
        } else {
            assert_eq!(first.status, RunStatus::Complete);
        }
        assert_complete(&out, 4 * 23);
        outs.push(out);
    }
    assert_same_results(&outs[0], &outs[1]);
}

/// The library refuses, with a typed error, what the benchmark or the provider cannot do;
/// no command line is involved.
#[test]
fn resolve_refuses_what_the_benchmark_or_the_provider_cannot_do() {
    use selfinterp::bundle::ConstrainMode;
    use selfinterp::runner::ConfigError;
    let root = root_with(4, 20, 3);
    let dir = root.path().join("benchmark");
    let out = root.path().join("run");
    let ok = small(FAITHFUL, &out);
    let (cfg, _) = resolve(&ok, &dir).unwrap();
    assert_eq!((cfg.params().contexts, cfg.params().trials), (4, 20));
    assert_eq!(cfg.out(), out);

    let mut q = ok.clone();
    q.ask.trials = Some(21);
    let e = resolve(&q, &dir).unwrap_err();
    assert!(
        matches!(
            e,
            ConfigError::Over {
                option: "trials",
                asked: 21,
                available: 20,
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(
        e.to_string(),
        "--trials 21: benchmark v1 has 20 pairs per context in the native split"
    );
    let mut q = ok.clone();
    q.ask.contexts = Some(5);
    assert_eq!(
        resolve(&q, &dir).unwrap_err().to_string(),
        "--contexts 5: benchmark v1 has 4 contexts in the native split"
    );
    // No context is not "more than the split holds" (it said "--contexts 0: benchmark v1 has
    // 4 for the native split").
    q.ask.contexts = Some(0);
    let e = resolve(&q, &dir).unwrap_err();
    assert!(matches!(e, ConfigError::NoContexts), "{e}");
    assert_eq!(
        e.to_string(),
        "--contexts 0: a run needs at least one context"
    );

    let mut q = ok.clone();
    q.ask.trials = Some(0);
    q.ask.reports = Some(0);
    assert!(matches!(resolve(&q, &dir), Err(ConfigError::NothingToAsk)));

    let mut q = ok.clone();
    q.who.base_url = Some("http://127.0.0.1:1/v1".into());
    assert!(matches!(resolve(&q, &dir), Err(ConfigError::SimBaseUrl)));

    let mut q = small(Via::Server("m", "http://127.0.0.1:1/v1"), &out);
    q.ask.constrain = ConstrainMode::Letters;
    assert!(matches!(
        resolve(&q, &dir),
        Err(ConfigError::Unconstrainable {
            constraint: "letters",
            ..
        })
    ));

    let mut q = ok.clone();
    q.concurrency = 0;
    assert_eq!(
        resolve(&q, &dir).unwrap_err().to_string(),
        "--concurrency: must be between 1 and 10000"
    );
    let mut q = ok.clone();
    q.timeout_s = 1e20;
    assert!(matches!(
        resolve(&q, &dir),
        Err(ConfigError::Range {
            option: "timeout",
            ..
        })
    ));

    let mut q = ok.clone();
    q.ask.design_seed = Some(3);
    assert!(matches!(
        resolve(&q, &dir),
        Err(ConfigError::DesignOptionsWithoutDesign)
    ));

    let mut q = ok;
    q.ask.half = Some(selfinterp::bundle::Half::First);
    assert!(matches!(
        resolve(&q, &dir),
        Err(ConfigError::HalfNeedsInstilled)
    ));
}

/// Keeps every event of a run, in order: a `Reporter` as a library user writes one.
struct Recorder(Vec<selfinterp::runner::RunEvent>);

impl selfinterp::runner::Reporter for Recorder {
    fn event(&mut self, event: &selfinterp::runner::RunEvent) {
        self.0.push(event.clone());
    }
}

/// The runner tells a reporter what happens, in order: the plan, each phase with its
/// requests, every answer and failure, the end. (The binary's progress bars are drawn from
/// these events.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reporter_sees_every_request_in_order() {
    use selfinterp::bundle::KindKey;
    use selfinterp::runner::{RunEvent, execute_with};
    let root = root_with(4, 20, 3);
    let srv = MockServer::builder()
        .faults_at(0..3, Fault::Status(503))
        .start()
        .await;
    let base = srv.base_url();
    let out = root.path().join("run");
    let mut q = small(Via::Server("m", &base), &out);
    one_by_one(&mut q);
    let (cfg, bench) = config(root.path(), &q);
    let p: Arc<dyn Provider> = Arc::new(OpenAi::new(OpenAiConfig::new("m", Some(&base))).unwrap());
    let mut rec = Recorder(Vec::new());
    let (_tx, rx) = watch::channel(false);
    let outcome = execute_with(&cfg, &bench, p, rx, &mut rec).await.unwrap();
    let ev = &rec.0;
    assert_eq!(
        ev[0],
        RunEvent::Planned {
            planned: 4 * 23,
            done: 0
        }
    );
    assert_eq!(
        ev[1],
        RunEvent::Phase {
            kind: KindKey::Choice,
            total: 80,
            done: 0,
            reports_after: 12
        }
    );
    // One event per request of the phase, then its end; the first three failed.
    let choices = &ev[2..82];
    for (i, e) in choices.iter().enumerate() {
        match e {
            RunEvent::Failed { key, error } => {
                assert!(i < 3, "request {i} failed: {error}");
                assert_eq!(key.kind, KindKey::Choice);
                assert!(error.contains("503"), "{error}");
            }
            RunEvent::Answered { key, .. } => {
                assert!(i >= 3, "request {i} answered");
                assert_eq!(key.kind, KindKey::Choice);
            }
            other => panic!("event {i}: {other:?}"),
        }
    }
    assert_eq!(
        ev[82],
        RunEvent::PhaseEnd {
            kind: KindKey::Choice
        }
    );
    assert!(matches!(
        ev[83],
        RunEvent::Phase {
            kind: KindKey::Report,
            total: 12,
            done: 0,
            reports_after: 0
        }
    ));
    let answered = ev
        .iter()
        .filter(|e| matches!(e, RunEvent::Answered { .. }))
        .count();
    assert_eq!(answered, 4 * 23 - 3);
    assert_eq!(
        ev.last().unwrap(),
        &RunEvent::Finished {
            status: RunStatus::Incomplete,
            counts: outcome.counts.clone()
        }
    );
    assert_eq!(outcome.counts.errors, 3);

    // A resume is planned with what is done, and asks only the rest.
    let resume = cfg.clone().resumed();
    let mut rec = Recorder(Vec::new());
    let (_tx, rx) = watch::channel(false);
    let p: Arc<dyn Provider> = Arc::new(OpenAi::new(OpenAiConfig::new("m", Some(&base))).unwrap());
    execute_with(&resume, &bench, p, rx, &mut rec)
        .await
        .unwrap();
    assert_eq!(
        rec.0[0],
        RunEvent::Planned {
            planned: 4 * 23,
            done: 4 * 23 - 3
        }
    );
    assert_eq!(
        rec.0[1],
        RunEvent::Phase {
            kind: KindKey::Choice,
            total: 80,
            done: 77,
            reports_after: 0
        }
    );
}
