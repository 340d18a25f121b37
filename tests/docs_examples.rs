//! Docs that are tested: every shell block of README.md and docs/*.md is run, command by
//! command and in order (README first, then docs/ by name), in one scratch directory, as a new
//! user would type it after the README's quick start. A command that fails is a failing test
//! that names the file, the block's line and the command.
//!
//! What is not run is decided by two explicit rules, nothing else:
//! - a block right after the line `<!-- docs-test: skip (REASON) -->` (a synopsis with
//!   placeholders, output to compare with);
//! - a command that needs what a test may not use ([`skip_reason`]): a hosted provider or
//!   another server (`--provider openai|anthropic`, `--base-url`), the project's own build and
//!   tests (`cargo ...`), the long jobs in `scripts/` (a local model, comparisons with Python
//!   peers, minutes to hours), and Python packaging (`pip`, `python`, `maturin`, `pytest`,
//!   `uv`: they need the wheel built and installed, which `.ci/run` tests on its own).
//!
//! `selfinterp view` and `selfinterp serve-sim` are servers: each must print its URL, which is
//! then fetched once before the server is stopped. The scratch directory holds links to the
//! checkout's `domains/` and `benchmark/` and a copy of `results/`, so checkout commands
//! (`domains check`, `leaderboard`, `validate`) work and write nothing into the checkout.

use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The marker that skips the next fenced block.
const SKIP_MARKER: &str = "<!-- docs-test: skip";

/// One shell command of the docs, where it was found.
#[derive(Debug)]
struct DocCommand {
    file: String,
    /// 1-based line of the command in its file.
    line: usize,
    text: String,
}

/// The shell blocks of `text` (```sh, ```bash, ```shell) that the marker does not skip, as
/// commands: comment lines dropped, `\` continuations joined.
fn commands_of(file: &str, text: &str) -> Vec<DocCommand> {
    let mut out: Vec<DocCommand> = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let fence = lines[i].trim_start();
        let lang = fence.strip_prefix("```").map(str::trim);
        if !matches!(lang, Some("sh" | "bash" | "shell")) {
            i += 1;
            continue;
        }
        let skipped = i > 0
            && lines[..i]
                .iter()
                .rev()
                .find(|l| !l.trim().is_empty())
                .is_some_and(|l| l.trim_start().starts_with(SKIP_MARKER));
        i += 1;
        let mut pending: Option<(usize, String)> = None;
        while i < lines.len() && !lines[i].trim_start().starts_with("```") {
            let l = lines[i];
            i += 1;
            if skipped {
                continue;
            }
            let (start, mut acc) = pending.take().unwrap_or((i, String::new()));
            if acc.is_empty() && (l.trim().is_empty() || l.trim_start().starts_with('#')) {
                continue;
            }
            match l.trim_end().strip_suffix('\\') {
                Some(head) => {
                    acc.push_str(head);
                    acc.push(' ');
                    pending = Some((start, acc));
                }
                None => {
                    acc.push_str(l);
                    out.push(DocCommand {
                        file: file.to_string(),
                        line: start,
                        text: acc.trim().to_string(),
                    });
                }
            }
        }
        i += 1;
    }
    out
}

/// Why a command is not run, or None to run it (the rule in the module's comment).
fn skip_reason(cmd: &str) -> Option<&'static str> {
    let words: Vec<&str> = cmd.split_whitespace().collect();
    let first = words
        .iter()
        .find(|w| !w.contains('='))
        .copied()
        .unwrap_or("");
    if words
        .windows(2)
        .any(|w| w[0] == "--provider" && matches!(w[1], "openai" | "anthropic"))
        || words.iter().any(|w| w.starts_with("--base-url"))
    {
        return Some("needs a hosted provider or a model server");
    }
    if first == "cargo" {
        return Some("builds or tests the project itself");
    }
    if first.starts_with("scripts/") {
        return Some("a long job in scripts/ (local model, comparisons)");
    }
    if matches!(
        first,
        "pip" | "pip3" | "python" | "python3" | "maturin" | "pytest" | "uv"
    ) {
        return Some("needs the Python package built and installed (.ci/run tests it)");
    }
    None
}

/// README.md, then docs/*.md by name.
fn doc_files(root: &Path) -> Vec<PathBuf> {
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    let mut all = vec![root.join("README.md")];
    all.extend(docs);
    all
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let t = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &t);
        } else {
            std::fs::copy(e.path(), &t).unwrap();
        }
    }
}

/// A scratch directory for the docs' commands: `selfinterp` on the PATH, the checkout's
/// catalogue and benchmark linked, its results copied.
fn scratch(root: &Path) -> (tempfile::TempDir, String) {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let bin_dir = d.join(".bin");
    std::fs::create_dir_all(&bin_dir).unwrap();
    let exe: PathBuf = std::env::var_os("SELFINTERP_TEST_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_selfinterp")));
    std::os::unix::fs::symlink(&exe, bin_dir.join("selfinterp")).unwrap();
    for sub in ["domains", "benchmark"] {
        std::os::unix::fs::symlink(root.join(sub), d.join(sub)).unwrap();
    }
    copy_dir(&root.join("results"), &d.join("results"));
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    (tmp, path)
}

/// Runs one command with bash in `dir`; Err is what to report.
fn run(dir: &Path, path: &str, cmd: &str) -> Result<(), String> {
    let server = cmd.starts_with("selfinterp view") || cmd.starts_with("selfinterp serve-sim");
    let mut c = Command::new("bash");
    c.arg("-c")
        .arg(if server {
            format!("exec {cmd} --port 0")
        } else {
            format!("set -eo pipefail; {cmd}")
        })
        .current_dir(dir)
        .env("PATH", path)
        .env("SELFINTERP_CACHE", dir.join(".cache"))
        .env_remove("SELFINTERP_ROOT")
        .env_remove("OPENAI_API_KEY")
        .env_remove("ANTHROPIC_API_KEY")
        .stdin(Stdio::null());
    if server {
        return run_server(c);
    }
    let o = c.output().map_err(|e| format!("cannot start bash: {e}"))?;
    if o.status.success() {
        return Ok(());
    }
    Err(format!(
        "exited {:?}:\n{}",
        o.status.code(),
        tail(&String::from_utf8_lossy(&o.stderr))
    ))
}

/// Starts a server command, waits for the URL it prints, fetches it once and stops it.
fn run_server(mut c: Command) -> Result<(), String> {
    let mut child = c
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start: {e}"))?;
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        let mut first = String::new();
        let _ = std::io::BufReader::new(stdout).read_line(&mut first);
        let _ = tx.send(first);
    });
    let url = rx.recv_timeout(Duration::from_secs(60));
    let result = match url {
        Ok(u) if u.trim().starts_with("http://127.0.0.1:") => fetch(u.trim()),
        _ => Err("printed no URL".to_string()),
    };
    let _ = child.kill();
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    result.map_err(|e| format!("{e}\n{}", tail(&String::from_utf8_lossy(&out.stderr))))
}

/// GET `url` (http://127.0.0.1:PORT/...) and require a 200.
fn fetch(url: &str) -> Result<(), String> {
    let rest = url.trim_start_matches("http://");
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut s = loop {
        match std::net::TcpStream::connect(host) {
            Ok(s) => break s,
            Err(e) if Instant::now() > deadline => return Err(format!("{url}: {e}")),
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    };
    write!(
        s,
        "GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| e.to_string())?;
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    match answer.lines().next() {
        Some(status) if status.contains(" 200 ") => Ok(()),
        other => Err(format!("{url}: {other:?}")),
    }
}

/// The last lines of a command's stderr.
fn tail(s: &str) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(8)..].join("\n")
}

/// Runs the commands of `docs` ((file name, text) in order) in `dir`: how many ran, and one
/// message per failure naming file, line and command.
fn run_docs(docs: &[(String, String)], dir: &Path, path: &str) -> (usize, Vec<String>) {
    let mut failures: Vec<String> = Vec::new();
    let mut ran = 0usize;
    for (name, text) in docs {
        for c in commands_of(name, text) {
            if skip_reason(&c.text).is_some() {
                continue;
            }
            ran += 1;
            if let Err(e) = run(dir, path, &c.text) {
                failures.push(format!("{}:{}: `{}` {e}", c.file, c.line, c.text));
            }
        }
    }
    (ran, failures)
}

#[test]
fn every_shell_block_of_the_docs_runs_as_written() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (tmp, path) = scratch(root);
    let docs: Vec<(String, String)> = doc_files(root)
        .into_iter()
        .map(|f| {
            let name = f.strip_prefix(root).unwrap().display().to_string();
            (name, std::fs::read_to_string(&f).unwrap())
        })
        .collect();
    let (ran, failures) = run_docs(&docs, tmp.path(), &path);
    assert!(
        failures.is_empty(),
        "{} of {ran} doc commands failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    assert!(
        ran >= 5,
        "only {ran} doc commands ran: the extraction is broken"
    );
}

#[test]
fn the_extraction_joins_continuations_and_honours_the_skip_marker() {
    let md = "intro\n```sh\n# a comment\nselfinterp run --a \\\n    --b   # tail\n\nselfinterp score x\n```\n\n<!-- docs-test: skip (synopsis) -->\n```sh\nselfinterp score DIR\n```\n```text\nnot a command\n```\n";
    let c = commands_of("x.md", md);
    let got: Vec<(usize, &str)> = c.iter().map(|c| (c.line, c.text.as_str())).collect();
    assert_eq!(
        got,
        vec![
            (4, "selfinterp run --a      --b   # tail"),
            (7, "selfinterp score x")
        ]
    );
    assert!(skip_reason("selfinterp run --provider openai --model m").is_some());
    assert!(skip_reason("selfinterp run --provider sim --base-url http://x").is_some());
    assert!(skip_reason("PRESET=full scripts/main-job.sh").is_some());
    assert!(skip_reason("cargo test --release --locked").is_some());
    assert!(skip_reason("pip install selfinterp").is_some());
    assert!(skip_reason("selfinterp run --provider sim --model faithful").is_none());
}

/// The docs test attacked: a page whose example is broken (a bundle that does not exist, a
/// flag that does not) fails, naming the file, the line and the command, while the working
/// example beside it passes.
#[test]
fn a_broken_doc_example_fails_the_docs_test() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (tmp, path) = scratch(root);
    let page = "# A page\n\n```sh\nselfinterp score results/sim-faithful-native-quick\n\
selfinterp report runs/never-made\nselfinterp score --no-such-flag results/sim-faithful-native-quick\n```\n";
    let (ran, failures) = run_docs(
        &[("docs/broken.md".to_string(), page.to_string())],
        tmp.path(),
        &path,
    );
    assert_eq!(ran, 3);
    assert_eq!(failures.len(), 2, "{failures:#?}");
    assert!(
        failures[0]
            .starts_with("docs/broken.md:5: `selfinterp report runs/never-made` exited Some(2)"),
        "{}",
        failures[0]
    );
    assert!(
        failures[1].starts_with("docs/broken.md:6: `selfinterp score --no-such-flag"),
        "{}",
        failures[1]
    );
}
