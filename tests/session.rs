//! `run` and `study` make a run through one library session (`runner::Session`): they must
//! agree on the pre-flight, the response-cache keys, cancellation and exit codes. Each test
//! drives both commands against the same loopback server.

use crate::support::{self, MockServer, assert_ok, stderr};
use selfinterp::bundle::{self, RunStatus};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A root with a small frozen benchmark `v1` (6 native contexts of 20 pairs, 3 reports).
fn root() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    support::write_benchmark(dir.path(), "v1", &support::contexts(2, 6, 20, 3));
    dir
}

/// `selfinterp --root ROOT ARGS...` with the cache under `root/cache` and a dummy key.
fn selfinterp(root: &Path, args: &[&str]) -> Command {
    let mut c = support::bin();
    c.arg("--root")
        .arg(root)
        .args(args)
        .env("SELFINTERP_CACHE", root.join("cache"))
        .env("OPENAI_API_KEY", "sk-test-not-a-secret");
    c
}

/// `run` of the mock's model at `base` over 2 native contexts x 4 pairs x 1 report into `out`.
fn run_cmd(root: &Path, base: &str, out: &Path, extra: &[&str]) -> Command {
    let out = out.display().to_string();
    let mut args: Vec<&str> = vec![
        "run",
        "--provider",
        "openai",
        "--base-url",
        base,
        "--model",
        "mock-model",
        "--experiment",
        "native",
        "--preset",
        "quick",
        "--contexts",
        "2",
        "--trials",
        "4",
        "--reports",
        "1",
        "--out",
        &out,
    ];
    args.extend_from_slice(extra);
    selfinterp(root, &args)
}

/// A study of the same run (its `native_before` role), written under `root/study`; returns
/// the command and the run's bundle directory.
fn study_cmd(root: &Path, base: &str) -> (Command, PathBuf) {
    let config = root.join("study.toml");
    std::fs::write(
        &config,
        format!(
            "benchmark = \"v1\"\nout = \"study\"\npreset = \"quick\"\ncontexts = 2\ntrials = 4\n\
             reports = 1\n\n[[models]]\nlabel = \"m\"\nprovider = \"openai\"\n\
             base_url = \"{base}\"\nnative_before = \"mock-model\"\n"
        ),
    )
    .unwrap();
    let cmd = selfinterp(root, &["study", "--config", config.to_str().unwrap()]);
    (cmd, root.join("study").join("m").join("native_before"))
}

fn output(mut c: Command) -> Output {
    c.output().unwrap()
}

/// Chat requests the server has been asked (not the pre-flight's model list).
fn chats(srv: &MockServer) -> usize {
    srv.received()
        .iter()
        .filter(|r| r.path.ends_with("/chat/completions"))
        .count()
}

#[test]
fn run_and_study_refuse_a_dead_endpoint_before_writing_anything() {
    let root = root();
    // Nothing listens on a port just released.
    let port: u16 = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}/v1");
    let out = root.path().join("run");
    let r = output(run_cmd(root.path(), &base, &out, &[]));
    let (study, dir) = study_cmd(root.path(), &base);
    let s = output(study);
    assert_eq!(r.status.code(), Some(3), "{}", stderr(&r));
    assert_eq!(s.status.code(), Some(3), "{}", stderr(&s));
    assert!(!out.join(bundle::MANIFEST).exists());
    assert!(!dir.join(bundle::MANIFEST).exists(), "{}", stderr(&s));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_study_run_hits_the_cache_a_run_filled_for_the_same_server() {
    let root = root();
    let srv = MockServer::builder().record(true).start().await;
    let base = srv.base_url();
    let out = root.path().join("run");
    let (r, srv) = tokio::task::spawn_blocking({
        let (root, base, out) = (root.path().to_path_buf(), base.clone(), out.clone());
        move || (output(run_cmd(&root, &base, &out, &[])), srv)
    })
    .await
    .unwrap();
    assert_ok(&r);
    let asked: usize = chats(&srv);
    assert!(asked > 0);
    let (study, dir) = study_cmd(root.path(), &base);
    let s = tokio::task::spawn_blocking(move || output(study))
        .await
        .unwrap();
    assert_ok(&s);
    // Same pre-flight identity, same request bodies: every answer came from the cache. The
    // study's only chats are its pre-flight probe (as many as the run's) and the re-check of
    // a few cached answers against the server (`cache_check` in its manifest).
    let samples = |d: &Path| std::fs::read_to_string(d.join(bundle::SAMPLES)).unwrap();
    let n: usize = samples(&out).lines().count();
    assert_eq!(samples(&dir).lines().count(), n);
    let manifest = |d: &Path| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(d.join(bundle::MANIFEST)).unwrap()).unwrap()
    };
    let (m_run, m_study) = (manifest(&out), manifest(&dir));
    assert_eq!(m_run["parameters"], m_study["parameters"]);
    let check = &m_study["cache_check"];
    assert_eq!(check["differed"], 0, "{check}");
    let rechecked: usize = check["asked"].as_u64().unwrap_or(0) as usize;
    assert_eq!(
        chats(&srv) - asked,
        (asked - n) + rechecked,
        "{}",
        stderr(&s)
    );
    assert!(rechecked < n, "{check}");
}

/// Waits until the run writing into `dir` has journaled at least `n` samples (at most 60 s).
fn wait_for_samples(dir: &Path, n: usize) {
    let t0 = Instant::now();
    let lines = || {
        std::fs::read_to_string(dir.join(bundle::SAMPLES))
            .map(|t| t.lines().count())
            .unwrap_or(0)
    };
    while lines() < n {
        assert!(t0.elapsed() < Duration::from_secs(60), "no progress");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_run_and_study_alike_with_exit_143() {
    let root = root();
    let srv = MockServer::builder()
        .latency(Duration::from_millis(1000))
        .start()
        .await;
    let base = srv.base_url();
    let out = root.path().join("run");
    let (study, dir) = study_cmd(root.path(), &base);
    let run = run_cmd(
        root.path(),
        &base,
        &out,
        &["--no-cache", "--concurrency", "1"],
    );
    let codes = tokio::task::spawn_blocking(move || {
        let mut codes: Vec<(Option<i32>, String)> = Vec::new();
        for (mut cmd, d) in [(run, out), (study, dir)] {
            let child = cmd.stderr(Stdio::piped()).spawn().unwrap();
            wait_for_samples(&d, 2);
            let st = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status()
                .unwrap();
            assert!(st.success());
            let o = child.wait_with_output().unwrap();
            assert_eq!(
                bundle::read_manifest(&d).unwrap().status,
                RunStatus::Interrupted,
                "{}",
                stderr(&o)
            );
            codes.push((o.status.code(), stderr(&o)));
        }
        codes
    })
    .await
    .unwrap();
    for (code, err) in &codes {
        assert_eq!(*code, Some(143), "{err}");
        assert!(err.contains("--resume"), "{err}");
    }
}
