//! `selfinterp run` as the tests spell it: a builder of its arguments (who answers, the
//! experiment, how much is asked, where the bundle goes, then any other flag), and the binary
//! run off the async runtime, so that a loopback stub started by the same test keeps answering.
//!
//! ```ignore
//! let args: Vec<String> = RunArgs::quick().agent("confabulator").out("o").to_vec();
//! let args = RunArgs::sizes(3, 7, 2).server("m", &srv.base_url()).out("o").flag("--concurrency", "1");
//! let o: Output = run_off_runtime(dir, &args.to_vec()).await;
//! ```

use std::path::Path;
use std::process::{Command, Output, Stdio};

/// How much a run asks.
#[derive(Clone, Debug)]
enum Size {
    /// No `--preset`: the study's full protocol.
    Full,
    /// `--preset quick`.
    Quick,
    /// `--contexts C --trials T --reports R`.
    Counts(usize, usize, usize),
}

/// The arguments of one `selfinterp run` (without the binary's own, such as `--root`).
#[derive(Clone, Debug)]
pub struct RunArgs {
    provider: String,
    model: String,
    base_url: Option<String>,
    experiment: String,
    size: Size,
    out: Option<String>,
    extra: Vec<String>,
}

impl RunArgs {
    fn with_size(size: Size) -> RunArgs {
        RunArgs {
            provider: "sim".into(),
            model: "faithful".into(),
            base_url: None,
            experiment: "native".into(),
            size,
            out: None,
            extra: Vec::new(),
        }
    }

    /// The faithful simulated agent's native run of the quick preset (the README's quick start).
    pub fn quick() -> RunArgs {
        RunArgs::with_size(Size::Quick)
    }

    /// The faithful simulated agent's native run of the full protocol (no `--preset`).
    pub fn full() -> RunArgs {
        RunArgs::with_size(Size::Full)
    }

    /// The faithful simulated agent's native run of `contexts` x `trials` choices and
    /// `reports` reports a context.
    pub fn sizes(contexts: usize, trials: usize, reports: usize) -> RunArgs {
        RunArgs::with_size(Size::Counts(contexts, trials, reports))
    }

    /// Asks the simulated agent `name` (`--provider sim`).
    pub fn agent(self, name: &str) -> RunArgs {
        self.provider("sim", name)
    }

    /// Asks `model` at an OpenAI-compatible server (`--provider openai --base-url URL`).
    pub fn server(mut self, model: &str, base_url: &str) -> RunArgs {
        self = self.provider("openai", model);
        self.base_url = Some(base_url.to_string());
        self
    }

    /// Asks `model` of `provider` at its own URL.
    pub fn provider(mut self, provider: &str, model: &str) -> RunArgs {
        self.provider = provider.to_string();
        self.model = model.to_string();
        self.base_url = None;
        self
    }

    /// `--experiment E` (default `native`).
    pub fn experiment(mut self, e: &str) -> RunArgs {
        self.experiment = e.to_string();
        self
    }

    /// `--out DIR`.
    pub fn out(mut self, dir: impl AsRef<Path>) -> RunArgs {
        self.out = Some(dir.as_ref().display().to_string());
        self
    }

    /// `NAME VALUE`, after everything else.
    pub fn flag(self, name: &str, value: &str) -> RunArgs {
        self.args(&[name, value])
    }

    /// These arguments, after everything else.
    pub fn args(mut self, args: &[&str]) -> RunArgs {
        self.extra.extend(args.iter().map(|a| a.to_string()));
        self
    }

    /// The arguments, from `run` on.
    pub fn to_vec(&self) -> Vec<String> {
        let mut v: Vec<String> = ["run", "--provider", &self.provider, "--model", &self.model]
            .map(String::from)
            .to_vec();
        if let Some(url) = &self.base_url {
            v.extend(["--base-url".to_string(), url.clone()]);
        }
        v.extend(["--experiment".to_string(), self.experiment.clone()]);
        match self.size {
            Size::Full => {}
            Size::Quick => v.extend(["--preset", "quick"].map(String::from)),
            Size::Counts(c, t, r) => v.extend([
                "--contexts".to_string(),
                c.to_string(),
                "--trials".to_string(),
                t.to_string(),
                "--reports".to_string(),
                r.to_string(),
            ]),
        }
        if let Some(out) = &self.out {
            v.extend(["--out".to_string(), out.clone()]);
        }
        v.extend(self.extra.iter().cloned());
        v
    }
}

/// `selfinterp` in `dir` as a user outside the checkout runs it (no `SELFINTERP_ROOT`), with
/// no API key in its environment and nothing on its stdin.
pub fn keyless_in(dir: &Path) -> Command {
    let mut c: Command = super::bin_at(dir);
    c.env_remove("OPENAI_API_KEY")
        .env_remove("ANTHROPIC_API_KEY")
        .stdin(Stdio::null());
    c
}

/// Runs `c` to its end off the async runtime, so the loopback stubs of the test keep answering.
pub async fn output_off_runtime(mut c: Command) -> Output {
    tokio::task::spawn_blocking(move || c.output().unwrap())
        .await
        .unwrap()
}

/// `selfinterp ARGS...` in `dir` ([`keyless_in`]), off the async runtime.
pub async fn run_off_runtime<S: AsRef<std::ffi::OsStr>>(dir: &Path, args: &[S]) -> Output {
    let mut c: Command = keyless_in(dir);
    c.args(args);
    output_off_runtime(c).await
}

/// What a command wrote on stdout, as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}
