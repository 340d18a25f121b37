//! Providers end to end: the OpenAI and Anthropic clients against the loopback mock with
//! injected faults, the resilient wrapper's retry policy, the simulated agents' ground
//! truth, and `serve-sim` as a real process.

use crate::support::{self, Fault, MockServer, pearson};
use selfinterp::benchmark::profile_choice;
use selfinterp::benchmark::{Benchmark, FrozenContext, Split};
use selfinterp::prompts::{choice_prompt, report_prompt};
use selfinterp::providers::{Anthropic, AnthropicConfig};
use selfinterp::providers::{
    ApiKey, ChatRequest, Constraint, Provider, ProviderError, RequestKind,
};
use selfinterp::providers::{OpenAi, OpenAiConfig, ServerFlavour};
use selfinterp::providers::{Policy, Resilient, SleepFn};
use selfinterp::sim::{AgentKind, SimAgent, SimProvider, synthetic_contexts};
use selfinterp::types::{Choice, Pair, Weights};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const KEY: &str = "sk-test-0123456789abcdefSECRET";

fn openai(base: &str, key: Option<&str>) -> Arc<OpenAi> {
    let mut cfg = OpenAiConfig::new("gpt-test", Some(base));
    cfg.api_key = key.map(ApiKey::new);
    cfg.flavour = ServerFlavour::Plain;
    Arc::new(OpenAi::new(cfg).unwrap())
}

fn anthropic(base: &str) -> Arc<Anthropic> {
    let mut cfg = AnthropicConfig::new("claude-test", Some(base));
    cfg.api_key = Some(ApiKey::new(KEY));
    Arc::new(Anthropic::new(cfg).unwrap())
}

/// Fast retries for tests; the timeout is what turns `Fault::Slow` into a retry.
fn policy() -> Policy {
    Policy {
        concurrency: 8,
        timeout: Duration::from_millis(800),
        max_attempts: 4,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(20),
        ..Policy::default()
    }
}

/// A one-token choice request at temperature 0 for `pair` of `c`, without a constraint.
fn choice_request(c: &FrozenContext, pair: &Pair, top_logprobs: Option<u32>) -> ChatRequest {
    ChatRequest {
        kind: RequestKind::Choice,
        messages: choice_prompt(c, pair).messages(),
        max_tokens: 1,
        temperature: 0.0,
        top_logprobs,
        constraint: None,
    }
}

fn choice_req() -> ChatRequest {
    let cs = support::contexts(1, 0, 2, 1);
    ChatRequest {
        constraint: Some(Constraint::Letters),
        ..choice_request(&cs[0], &cs[0].pairs[0], Some(5))
    }
}

/// A simulated agent of this kind (seed "x") served in-process under its own name.
fn sim_provider(kind: AgentKind, cs: &[FrozenContext]) -> SimProvider {
    SimProvider::new(Arc::new(SimAgent::new(kind, "x", cs)), kind.to_string())
}

/// The frozen v1 benchmark of the repository, or `None` (with a note) before it is frozen.
fn benchmark_v1() -> Option<Benchmark> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benchmark");
    let bench = Benchmark::load(&root, "v1").ok();
    if bench.is_none() {
        eprintln!("benchmark v1 not frozen yet; skipped");
    }
    bench
}

#[tokio::test]
async fn openai_request_and_response_fields() {
    let srv = MockServer::builder().record(true).start().await;
    let r = openai(&srv.base_url(), Some(KEY))
        .send(&choice_req())
        .await
        .unwrap();
    assert_eq!(r.text, "A");
    assert_eq!(r.model.as_deref(), Some("mock-model"));
    assert_eq!(r.system_fingerprint.as_deref(), Some("fp_mock"));
    assert_eq!((r.tokens_in, r.tokens_out), (Some(100), Some(1)));
    let pa = r.p_a().unwrap();
    assert!((pa - 0.9 / (0.9 + 0.1)).abs() < 1e-3, "{pa}");

    openai(&srv.base_url(), None)
        .send(&choice_req())
        .await
        .unwrap();
    let got = srv.received();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].path, "/v1/chat/completions");
    assert_eq!(
        got[0].headers.get("authorization").map(String::as_str),
        Some(&*format!("Bearer {KEY}"))
    );
    assert!(
        !got[1].headers.contains_key("authorization"),
        "no key, no auth header"
    );
    let body = got[0].json();
    assert_eq!(body["logprobs"], serde_json::json!(true));
    assert_eq!(body["top_logprobs"], serde_json::json!(5));
    assert_eq!(body["max_tokens"], serde_json::json!(1));
    assert_eq!(body["model"], serde_json::json!("gpt-test"));
    assert_eq!(
        body,
        openai(&srv.base_url(), None).request_body(&choice_req()),
        "request_body is the wire body"
    );
}

#[tokio::test]
async fn every_retryable_fault_is_retried() {
    for fault in Fault::retryable_kinds() {
        let srv = MockServer::builder()
            .fault_at(0, fault.clone())
            .start()
            .await;
        let r = Resilient::new(openai(&srv.base_url(), Some(KEY)), policy());
        let sent = r
            .send(&choice_req())
            .await
            .unwrap_or_else(|e| panic!("{fault:?}: {e}"));
        assert_eq!(sent.attempts, 2, "{fault:?}");
        assert_eq!(sent.response.text, "A");
        assert_eq!(srv.requests(), 2, "{fault:?}");
        assert_eq!(r.stats().retries, 1);
    }
}

#[tokio::test]
async fn anthropic_retries_overloaded_and_faults() {
    for fault in [
        Fault::Status(529),
        Fault::rate_limited(0),
        Fault::Reset,
        Fault::TruncatedJson,
    ] {
        let srv = MockServer::builder()
            .fault_at(0, fault.clone())
            .start()
            .await;
        let r = Resilient::new(anthropic(&srv.base_url()), policy());
        let sent = r
            .send(&choice_req())
            .await
            .unwrap_or_else(|e| panic!("{fault:?}: {e}"));
        assert_eq!((sent.attempts, srv.requests()), (2, 2), "{fault:?}");
    }
}

#[tokio::test]
async fn fatal_statuses_are_not_retried_and_never_show_the_key() {
    for code in [400u16, 401, 403, 404] {
        let echo = format!(
            r#"{{"error": {{"message": "Incorrect API key provided: {KEY}. Or model not found.", "type": "invalid_request_error"}}}}"#
        );
        let srv = MockServer::builder()
            .faults_at(0..10, Fault::StatusBody(code, echo))
            .start()
            .await;
        let r = Resilient::new(openai(&srv.base_url(), Some(KEY)), policy());
        let f = r.send(&choice_req()).await.unwrap_err();
        assert!(f.is_fatal(), "{code}");
        assert_eq!((f.attempts, srv.requests()), (1, 1), "{code}");
        let msg = f.to_string();
        assert!(msg.contains(&format!("HTTP {code}")), "{msg}");
        assert!(
            msg.contains("Incorrect API key provided"),
            "the server's message is kept: {msg}"
        );
        assert!(
            !msg.contains("SECRET") && !msg.contains("0123456789"),
            "key leaked: {msg}"
        );
        assert!(!format!("{f:?}").contains("SECRET"));
    }
    let srv = MockServer::builder()
        .faults_at(0..10, Fault::Status(401))
        .start()
        .await;
    let f = Resilient::new(anthropic(&srv.base_url()), policy())
        .send(&choice_req())
        .await
        .unwrap_err();
    assert!(
        f.is_fatal() && f.attempts == 1 && f.to_string().contains("ANTHROPIC_API_KEY"),
        "{f}"
    );
}

#[tokio::test]
async fn retries_are_bounded() {
    let srv = MockServer::builder()
        .faults_at(0..10, Fault::Status(503))
        .start()
        .await;
    let f = Resilient::new(openai(&srv.base_url(), None), policy())
        .send(&choice_req())
        .await
        .unwrap_err();
    assert!(!f.is_fatal());
    assert_eq!((f.attempts, srv.requests()), (4, 4));
    assert!(f.to_string().contains("HTTP 503"), "{f}");
}

#[tokio::test]
async fn retry_after_seconds_are_honoured() {
    let srv = MockServer::builder()
        .fault_at(0, Fault::rate_limited(1))
        .start()
        .await;
    let r = Resilient::new(openai(&srv.base_url(), None), policy());
    let t = Instant::now();
    let sent = r.send(&choice_req()).await.unwrap();
    assert_eq!(sent.attempts, 2);
    assert!(
        t.elapsed() >= Duration::from_millis(990),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(r.stats().throttled, 1);
}

#[tokio::test]
async fn retry_after_http_dates_are_honoured() {
    let when = chrono::Utc::now() + chrono::Duration::seconds(30);
    let date = when.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    let srv = MockServer::builder()
        .fault_at(
            0,
            Fault::RateLimited {
                retry_after: Some(date),
            },
        )
        .start()
        .await;
    let waits = Arc::new(Mutex::new(Vec::<Duration>::new()));
    let w = waits.clone();
    let sleep: SleepFn = Arc::new(move |d| {
        w.lock().unwrap().push(d);
        Box::pin(async {})
    });
    let r = Resilient::new(openai(&srv.base_url(), None), policy()).with_sleep(sleep);
    assert_eq!(r.send(&choice_req()).await.unwrap().attempts, 2);
    let longest = waits.lock().unwrap().iter().copied().max().unwrap();
    assert!(
        longest >= Duration::from_secs(28) && longest <= Duration::from_secs(31),
        "{longest:?}"
    );
}

#[tokio::test]
async fn many_concurrent_requests_with_random_faults_all_complete_correctly() {
    let cs = support::contexts(3, 3, 30, 2);
    let agent = Arc::new(SimAgent::new(AgentKind::Faithful, "mock", &cs));
    let srv = MockServer::builder()
        .sim(agent.clone())
        .seed(11)
        .fault_rate(0.15, Fault::Status(500))
        .fault_rate(0.05, Fault::Reset)
        .fault_rate(0.05, Fault::CutBody)
        .fault_rate(0.05, Fault::MalformedJson)
        .fault_rate(0.05, Fault::rate_limited(0))
        .start()
        .await;
    let mut p = policy();
    p.concurrency = 16;
    p.max_attempts = 12;
    let r = Arc::new(Resilient::new(openai(&srv.base_url(), None), p));
    let mut tasks = Vec::new();
    for c in &cs {
        for pair in &c.pairs {
            let req = choice_request(c, pair, Some(2));
            let r = r.clone();
            tasks.push(tokio::spawn(async move { (r.send(&req).await, req) }));
        }
    }
    let n = tasks.len() as u64;
    let mut attempts = 0;
    for t in tasks {
        let (res, req) = t.await.unwrap();
        let sent = res.unwrap();
        attempts += u64::from(sent.attempts);
        let direct = agent.respond(&req.messages, Some(2)).unwrap();
        assert_eq!(sent.response.text, direct.text);
        assert!((sent.response.p_a().unwrap() - direct.p_a.unwrap()).abs() < 1e-9);
    }
    assert_eq!(
        srv.requests(),
        attempts,
        "every attempt reached the server once"
    );
    assert!(srv.faults() > n / 10, "faults injected: {}", srv.faults());
    assert_eq!(srv.answered(), n, "each request answered exactly once");
}

#[tokio::test]
async fn anthropic_wire_format() {
    let srv = MockServer::builder().record(true).start().await;
    let cs = support::contexts(1, 0, 1, 1);
    let req = ChatRequest {
        kind: RequestKind::Report,
        messages: report_prompt(&cs[0], &cs[0].report_pairs[0]).messages(),
        max_tokens: 300,
        temperature: 0.0,
        top_logprobs: None,
        constraint: None,
    };
    let r = anthropic(&srv.base_url()).send(&req).await.unwrap();
    let v: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&r.text).unwrap();
    assert_eq!(
        v.keys().cloned().collect::<Vec<_>>(),
        cs[0].attribute_names()
    );
    assert!(r.top_logprobs.is_none());
    let got = &srv.received()[0];
    assert_eq!(got.path, "/v1/messages");
    assert_eq!(got.headers.get("x-api-key").map(String::as_str), Some(KEY));
    assert_eq!(
        got.headers.get("anthropic-version").map(String::as_str),
        Some("2023-06-01")
    );
    assert!(!got.headers.contains_key("authorization"));
    let body = got.json();
    assert_eq!(
        body["system"],
        serde_json::json!(selfinterp::prompts::SYSTEM_PROMPT)
    );
    assert_eq!(body["messages"].as_array().unwrap().len(), 1);
    assert_eq!(body["max_tokens"], serde_json::json!(300));
}

#[tokio::test]
async fn sim_faithful_agrees_with_its_rule_about_82_percent() {
    let cs = synthetic_contexts("agree", Split::Instilled, 50, 100, 0);
    let p = sim_provider(AgentKind::Faithful, &cs);
    let (mut agree, mut n) = (0, 0);
    for c in &cs {
        let w = p.agent().true_weights(&c.id).unwrap();
        assert_eq!(
            w,
            c.profile.weights(),
            "instilled: the profile drives choices"
        );
        for pair in &c.pairs {
            let r = p.send(&choice_request(c, pair, Some(5))).await.unwrap();
            let letter = if r.text == "A" { Choice::A } else { Choice::B };
            agree += usize::from(letter == profile_choice(&w, pair, &c.ranges()));
            n += 1;
        }
    }
    let rate = agree as f64 / n as f64;
    assert!((0.80..=0.845).contains(&rate), "agreement {rate} over {n}");
}

#[tokio::test]
async fn sim_position_biased_and_random() {
    let cs = synthetic_contexts("pos", Split::Native, 10, 50, 1);
    let pb = sim_provider(AgentKind::PositionBiased, &cs);
    let rnd = sim_provider(AgentKind::Random, &cs);
    let mut a_count = 0;
    for c in &cs {
        for pair in &c.pairs {
            let r = pb.send(&choice_request(c, pair, Some(5))).await.unwrap();
            assert_eq!(r.text, "A");
            assert!(r.p_a().unwrap() > 0.95);
            a_count += usize::from(
                rnd.send(&choice_request(c, pair, Some(5)))
                    .await
                    .unwrap()
                    .text
                    == "A",
            );
        }
        assert_eq!(pb.agent().choice_weights(&c.id), Some(Weights([0.0; 5])));
    }
    assert!(
        (200..=300).contains(&a_count),
        "random chose A {a_count} of 500"
    );
}

#[tokio::test]
async fn sim_is_deterministic_from_its_seed() {
    let cs = synthetic_contexts("det", Split::Native, 5, 20, 3);
    let answers = |seed: &str, kind: AgentKind| {
        let a = SimAgent::new(kind, seed, &cs);
        let mut out = Vec::new();
        for c in &cs {
            for pair in c.pairs.iter() {
                out.push(
                    a.respond(&choice_prompt(c, pair).messages(), Some(2))
                        .unwrap()
                        .text,
                );
            }
            for pair in &c.report_pairs {
                out.push(
                    a.respond(&report_prompt(c, pair).messages(), None)
                        .unwrap()
                        .text,
                );
            }
        }
        out
    };
    assert_eq!(
        answers("s1", AgentKind::Faithful),
        answers("s1", AgentKind::Faithful)
    );
    assert_ne!(
        answers("s1", AgentKind::Faithful),
        answers("s2", AgentKind::Faithful)
    );
    // The confabulator chooses exactly like the faithful agent; only its reports differ.
    let (f, k) = (
        answers("s1", AgentKind::Faithful),
        answers("s1", AgentKind::Confabulator),
    );
    let letters = |v: &[String]| {
        v.iter()
            .filter(|t| t.len() == 1)
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(letters(&f), letters(&k));
    assert_ne!(f, k);
}

#[tokio::test]
async fn sim_reports_track_truth_as_designed() {
    let cs = synthetic_contexts("rep", Split::Native, 60, 0, 3);
    let corr = |kind: AgentKind| {
        let a = SimAgent::new(kind, "r", &cs);
        let (mut rep, mut truth) = (Vec::new(), Vec::new());
        for c in &cs {
            let mut mean = [0.0; 5];
            for pair in &c.report_pairs {
                let t = a
                    .respond(&report_prompt(c, pair).messages(), None)
                    .unwrap()
                    .text;
                let v: serde_json::Map<String, serde_json::Value> =
                    serde_json::from_str(&t).unwrap();
                for (k, x) in v.values().enumerate() {
                    mean[k] += x.as_f64().unwrap() / c.report_pairs.len() as f64;
                }
            }
            rep.extend(mean);
            truth.extend(a.true_weights(&c.id).unwrap().0);
        }
        pearson(&rep, &truth)
    };
    let (f, c, p) = (
        corr(AgentKind::Faithful),
        corr(AgentKind::Confabulator),
        corr(AgentKind::Partial(0.5)),
    );
    assert!(f > 0.97, "faithful {f}");
    assert!(c.abs() < 0.2, "confabulator {c}");
    assert!(
        p > c + 0.3 && p < f - 0.05,
        "partial {p} between {c} and {f}"
    );
}

#[tokio::test]
async fn sim_rejects_prompts_it_cannot_read() {
    let cs = synthetic_contexts("bad", Split::Native, 1, 1, 0);
    let p = sim_provider(AgentKind::Faithful, &cs);
    let mut req = choice_request(&cs[0], &cs[0].pairs[0], Some(5));
    req.messages[1].content = req.messages[1]
        .content
        .replace(&cs[0].question, "Who are you?");
    assert!(matches!(
        p.send(&req).await,
        Err(ProviderError::Fatal { .. })
    ));
}

#[test]
fn serve_sim_command_serves_over_http() {
    let root = tempfile::tempdir().unwrap();
    let cs = support::contexts(2, 2, 5, 2);
    support::write_benchmark(root.path(), "v1", &cs);
    let mut c = support::bin();
    c.args([
        "--root",
        root.path().to_str().unwrap(),
        "serve-sim",
        "--agent",
        "partial:0.3",
        "--port",
        "0",
        "--seed",
        "7",
    ]);
    let server = support::ServerProcess::start(c);
    let base = server.url.clone();
    assert!(
        base.starts_with("http://127.0.0.1:") && base.ends_with("/v1"),
        "{base:?}"
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    let result = rt.block_on(async {
        let http = reqwest::Client::new();
        let models: serde_json::Value = http
            .get(format!("{base}/models"))
            .send()
            .await?
            .json()
            .await?;
        let health = http
            .get(base.replace("/v1", "/health"))
            .send()
            .await?
            .status();
        // serve-sim answers only the model it serves (another is a 404, as OpenAI's).
        let mut cfg = OpenAiConfig::new("partial:0.3", Some(&base));
        cfg.api_key = None;
        cfg.flavour = ServerFlavour::Plain;
        let client = OpenAi::new(cfg).unwrap();
        let r = client
            .send(&sim_choice_req(&cs))
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok::<_, anyhow::Error>((models, health, r))
    });
    drop(server);
    let (models, health, r) = result.unwrap();
    assert_eq!(models["data"][0]["id"], serde_json::json!("partial:0.3"));
    assert!(health.is_success());
    let direct = SimAgent::new(AgentKind::Partial(0.3), "7", &cs)
        .respond(&sim_choice_req(&cs).messages, Some(5))
        .unwrap();
    assert_eq!(r.text, direct.text);
    assert!((r.p_a().unwrap() - direct.p_a.unwrap()).abs() < 1e-12);
}

fn sim_choice_req(cs: &[FrozenContext]) -> ChatRequest {
    choice_request(&cs[3], &cs[3].pairs[1], Some(5))
}

/// Throughput of the whole HTTP path (OpenAI client, resilient wrapper, sim server) on
/// loopback. Ignored by default (timing depends on the machine); run with
/// `cargo test --release --test integration sim_server_throughput -- --ignored --nocapture`.
#[test]
#[ignore]
fn sim_server_throughput() {
    use selfinterp::sim::SimServer;
    let cs = support::contexts(5, 5, 100, 1);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let agent = Arc::new(SimAgent::new(AgentKind::Faithful, "bench", &cs));
        let srv = SimServer::bind(agent, "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let mut p = policy();
        p.concurrency = 64;
        let r = Arc::new(Resilient::new(openai(&srv.base_url(), None), p));
        let reqs: Vec<ChatRequest> = cs
            .iter()
            .flat_map(|c| c.pairs.iter().map(move |pair| (c, pair)))
            .map(|(c, pair)| choice_request(c, pair, Some(5)))
            .collect();
        let reqs = Arc::new(reqs);
        let t = Instant::now();
        let rounds = 10;
        let mut tasks = Vec::new();
        for w in 0..64 {
            let (r, reqs) = (r.clone(), reqs.clone());
            tasks.push(tokio::spawn(async move {
                let mut i = w;
                while i < reqs.len() * rounds {
                    r.send(&reqs[i % reqs.len()]).await.unwrap();
                    i += 64;
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let n = reqs.len() * rounds;
        let secs = t.elapsed().as_secs_f64();
        println!(
            "{n} requests in {secs:.2}s: {:.0} requests/s",
            n as f64 / secs
        );
        assert_eq!(srv.requests() as usize, n);
    });
}

/// The simulated agents read every prompt of the frozen v1 benchmark (real attribute names,
/// units, precisions and questions), and the faithful agent's agreement holds there too.
#[test]
fn sim_reads_every_prompt_of_benchmark_v1() {
    use selfinterp::sim::Prompted;
    let Some(bench) = benchmark_v1() else {
        return;
    };
    let agent = SimAgent::from_benchmark(AgentKind::Faithful, "v1", &bench);
    let (mut agree, mut n) = (0, 0);
    for c in &bench.contexts {
        let w = agent.true_weights(&c.id).unwrap();
        for pair in &c.pairs {
            let m = choice_prompt(c, pair).messages();
            assert_eq!(
                agent.parse_prompt(&m).unwrap(),
                Prompted::Choice {
                    context: c.id.clone(),
                    pair: *pair
                },
                "{}",
                c.id
            );
            let r = agent.respond(&m, None).unwrap();
            let letter = if r.text == "A" { Choice::A } else { Choice::B };
            agree += usize::from(letter == profile_choice(&w, pair, &c.ranges()));
            n += 1;
        }
        for pair in &c.report_pairs {
            let m = report_prompt(c, pair).messages();
            assert_eq!(
                agent.parse_prompt(&m).unwrap(),
                Prompted::Report {
                    context: c.id.clone(),
                    pair: *pair
                },
                "{}",
                c.id
            );
        }
    }
    let rate = agree as f64 / n as f64;
    assert!((0.80..=0.845).contains(&rate), "agreement {rate} over {n}");
}

/// Ground truth is recoverable the way the protocol measures it: fitting the faithful
/// agent's v1 native choices (100 pairs per context) gives its true weights back.
#[test]
fn sim_faithful_weights_are_recovered_by_the_fit() {
    use selfinterp::estimation::Trial;
    use selfinterp::estimation::fit;
    let Some(bench) = benchmark_v1() else {
        return;
    };
    let agent = SimAgent::from_benchmark(AgentKind::Faithful, "sim", &bench);
    let (mut truth, mut hard, mut soft) = (Vec::new(), Vec::new(), Vec::new());
    for c in bench.split(Split::Native) {
        let (mut th, mut ts) = (Vec::new(), Vec::new());
        for pair in &c.pairs {
            let r = agent
                .respond(&choice_prompt(c, pair).messages(), Some(2))
                .unwrap();
            let label = if r.text == "A" { 1.0 } else { 0.0 };
            th.push(Trial::from_pair(pair, &c.ranges(), label, 1.0).unwrap());
            ts.push(Trial::from_pair(pair, &c.ranges(), r.p_a.unwrap(), 1.0).unwrap());
        }
        truth.extend(agent.true_weights(&c.id).unwrap().0);
        hard.extend(fit(&th).learned.0);
        soft.extend(fit(&ts).learned.0);
    }
    let (rh, rs) = (pearson(&hard, &truth), pearson(&soft, &truth));
    eprintln!("learned vs true weights: r = {rh:.3} (sampled letters), {rs:.3} (P(A) soft labels)");
    assert!(rh >= 0.95, "{rh}");
    assert!(rs >= 0.95, "{rs}");
}
