//! One run from request to ending, the one way `run` and `study` make a run: resolve the
//! request, connect the provider, build the runtime, check the endpoint (pre-flight, whose
//! answer becomes part of every response-cache key), execute until done or stopped by
//! SIGINT/SIGTERM (a cancel the runner honours, keeping completed samples), and tell how the
//! run ended ([`Ending`]), which the binary maps to its exit code in one `match`.

use super::config::RunConfig;
use super::connect::{self, ConnectError};
use super::events::Reporter;
use super::execute::{RunError, RunOutcome, execute_with};
use super::request::{ConfigError, RunRequest, resolve};
use crate::benchmark::Benchmark;
use crate::bundle::RunStatus;
use crate::providers::Provider;
use crate::providers::preflight::{PreflightError, preflight};
use std::path::Path;
use std::sync::{Arc, OnceLock};

/// Why a session could not start or finish.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The request does not resolve: an option out of range or not for this provider.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The provider could not be made (an unknown simulated agent, no key, a bad URL).
    #[error(transparent)]
    Connect(#[from] ConnectError),
    /// The endpoint is dead or wrong: found before any bundle is written.
    #[error(transparent)]
    Preflight(#[from] PreflightError),
    /// The async runtime could not start.
    #[error("cannot start the async runtime: {0}")]
    Runtime(#[source] std::io::Error),
    /// The run could not go on: an existing bundle without resume, mismatched parameters, or
    /// its files could not be written.
    #[error(transparent)]
    Run(#[from] RunError),
}

/// The signal that stopped a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopSignal {
    /// SIGINT (Ctrl-C).
    Interrupt,
    /// SIGTERM (`kill`, a job scheduler).
    Terminate,
}

/// How a run ended, as a user must be told: one value per documented exit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// Every request answered, invalid answers within `--max-invalid-rate`.
    Complete,
    /// Complete, with more invalid answers than `--max-invalid-rate` allows.
    OverInvalidThreshold,
    /// The provider refused for good (bad key, unknown model).
    ProviderRefused,
    /// The circuit breaker stopped the run: every recent request failed the same way.
    StoppedEarly,
    /// Finished with requests that failed after every retry (`errors.jsonl`).
    Incomplete,
    /// Stopped by Ctrl-C; completed samples are kept.
    Interrupted,
    /// Stopped by SIGTERM, handled as Ctrl-C.
    Terminated,
}

/// A run ready to execute: its resolved configuration (with the server's identity from the
/// pre-flight), benchmark, provider and runtime.
pub struct Session {
    config: RunConfig,
    bench: Benchmark,
    provider: Arc<dyn Provider>,
    runtime: tokio::runtime::Runtime,
}

/// A finished session: its configuration, the runner's outcome and the signal that stopped
/// it, if one did.
#[derive(Debug)]
pub struct Finished {
    /// The run's configuration, with the server's identity.
    pub config: RunConfig,
    /// The runner's outcome: status and counts.
    pub outcome: RunOutcome,
    /// The signal that stopped the run, if one did.
    pub signal: Option<StopSignal>,
}

impl Finished {
    /// How the run ended.
    pub fn ending(&self) -> Ending {
        let o = &self.outcome;
        match o.status {
            RunStatus::Interrupted => match self.signal {
                Some(StopSignal::Terminate) => Ending::Terminated,
                Some(StopSignal::Interrupt) | None => Ending::Interrupted,
            },
            RunStatus::Failed => Ending::ProviderRefused,
            RunStatus::Incomplete if o.stopped_early.is_some() => Ending::StoppedEarly,
            RunStatus::Incomplete => Ending::Incomplete,
            RunStatus::Complete | RunStatus::Running => match o.invalid_exceeded {
                Some(_) => Ending::OverInvalidThreshold,
                None => Ending::Complete,
            },
        }
    }
}

impl Session {
    /// Resolves `req` against the benchmarks under `benchmark_dir`, makes its provider and
    /// runtime, and checks the endpoint: a dead or wrong one is named before any bundle is
    /// written.
    pub fn start(req: &RunRequest, benchmark_dir: &Path) -> Result<Session, SessionError> {
        let (config, bench) = resolve(req, benchmark_dir)?;
        Session::from_config(config, bench)
    }

    /// [`Session::start`] for a configuration already resolved (e.g. an observer run's,
    /// resolved against the observed bundle by `runner::observe`).
    pub fn from_config(config: RunConfig, bench: Benchmark) -> Result<Session, SessionError> {
        let provider: Arc<dyn Provider> = connect::provider(&config, &bench)?;
        let runtime = connect::runtime().map_err(SessionError::Runtime)?;
        let server = runtime.block_on(preflight(provider.as_ref(), config.timeout))?;
        let config: RunConfig = config.with_server(server);
        Ok(Session {
            config,
            bench,
            provider,
            runtime,
        })
    }

    /// The resolved configuration.
    pub fn config(&self) -> &RunConfig {
        &self.config
    }

    /// Executes the run, telling `reporter` what happens. SIGINT or SIGTERM cancels it
    /// (completed samples are kept; `--resume` continues); `on_stop` is told which, when it
    /// arrives.
    pub fn run(
        self,
        reporter: &mut dyn Reporter,
        on_stop: impl FnOnce(StopSignal) + Send + 'static,
    ) -> Result<Finished, SessionError> {
        let Session {
            config,
            bench,
            provider,
            runtime,
        } = self;
        let signal: Arc<OnceLock<StopSignal>> = Arc::new(OnceLock::new());
        let outcome: RunOutcome = runtime.block_on(async {
            let (tx, rx) = tokio::sync::watch::channel(false);
            let seen = Arc::clone(&signal);
            let watcher = tokio::spawn(async move {
                let s: StopSignal = stop_signal().await;
                on_stop(s);
                let _ = seen.set(s);
                let _ = tx.send(true);
            });
            let outcome = execute_with(&config, &bench, provider, rx, reporter).await;
            watcher.abort();
            outcome
        })?;
        Ok(Finished {
            config,
            outcome,
            signal: signal.get().copied(),
        })
    }
}

/// Waits for SIGINT or SIGTERM.
async fn stop_signal() -> StopSignal {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            return tokio::select! {
                _ = tokio::signal::ctrl_c() => StopSignal::Interrupt,
                _ = term.recv() => StopSignal::Terminate,
            };
        }
    }
    let _ = tokio::signal::ctrl_c().await;
    StopSignal::Interrupt
}
