//! Exit codes, documented in the README and `selfinterp --help`.

/// Everything ran and passed.
pub const SUCCESS: i32 = 0;
/// A check ran and found problems (lint, verify, validate), or a run completed with more
/// invalid answers than `--max-invalid-rate` allows.
pub const CHECK_FAILED: i32 = 1;
/// Bad usage or bad input (unreadable or malformed file, unknown option).
pub const USAGE: i32 = 2;
/// The provider refused for good (bad key, unknown model, forbidden).
pub const PROVIDER_FATAL: i32 = 3;
/// A file or directory that exists could not be read or written (permissions, a full disk):
/// the machine's fault, not the input's. A path that does not exist is [`USAGE`].
pub const IO_ERROR: i32 = 5;
/// A run finished but some requests failed after every retry (`errors.jsonl`); `--resume`
/// retries them.
pub const INCOMPLETE: i32 = 4;
/// Interrupted (Ctrl-C); completed samples are kept and `--resume` continues.
pub const INTERRUPTED: i32 = 130;
/// Stopped by SIGTERM (e.g. `kill`, a job scheduler), handled as Ctrl-C is.
pub const TERMINATED: i32 = 143;
/// Standard output was closed early (`selfinterp ... | head`): stopped quietly, as a
/// command-line tool killed by SIGPIPE would.
pub const BROKEN_PIPE: i32 = 141;

pub const HELP: &str = "Exit codes:
  0    success
  1    a check found problems, or a run finished over its invalid-answer threshold
  2    usage or input error
  3    provider fatal error (bad key, unknown model)
  4    a run finished with requests that failed after every retry; --resume retries them
  5    a file that exists could not be read or written (permissions, disk full)
  130  interrupted (Ctrl-C); completed samples are kept, resume with --resume
  141  standard output closed early (e.g. piped into head); nothing else went wrong
  143  stopped by SIGTERM; as 130";

/// An error carrying the exit code it should end the process with.
#[derive(Debug)]
pub struct Failure {
    pub code: i32,
    pub message: String,
}

impl Failure {
    pub fn new(code: i32, message: impl Into<String>) -> Self {
        Failure {
            code,
            message: message.into(),
        }
    }
    pub fn usage(message: impl Into<String>) -> Self {
        Failure::new(USAGE, message)
    }
    pub fn check(message: impl Into<String>) -> Self {
        Failure::new(CHECK_FAILED, message)
    }
    /// An input error `e` told in the caller's words (e.g. with the path in front): exit 5
    /// when an I/O failure on a file that exists is among its causes, else 2.
    pub fn input<E: std::error::Error + 'static>(e: &E, message: impl Into<String>) -> Self {
        Failure::new(input_or_io(e), message)
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// The exit code of a library error: an I/O failure on a file that exists (permissions, a
/// full disk, a directory where a file should be) anywhere in its chain of causes is
/// [`IO_ERROR`]; a path that does not exist, and everything the input is to blame for, is
/// [`USAGE`].
fn input_or_io(e: &(dyn std::error::Error + 'static)) -> i32 {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(x) = cur {
        if let Some(io) = x.downcast_ref::<std::io::Error>() {
            return if io.kind() == std::io::ErrorKind::NotFound {
                USAGE
            } else {
                IO_ERROR
            };
        }
        cur = x.source();
    }
    USAGE
}

/// The library's errors about input (files, options, bundles): usage errors, or I/O errors
/// by [`input_or_io`]. The one place these kinds get their exit codes.
macro_rules! input_errors {
    ($($t:ty),* $(,)?) => {
        $(
            impl From<$t> for Failure {
                fn from(e: $t) -> Self {
                    Failure::new(input_or_io(&e), e.to_string())
                }
            }
        )*

        /// The failure of a library error that reached `main` through `?` unconverted.
        fn downcast_input(e: anyhow::Error) -> Result<Failure, anyhow::Error> {
            $(
                let e = match e.downcast::<$t>() {
                    Ok(x) => return Ok(Failure::from(x)),
                    Err(e) => e,
                };
            )*
            Err(e)
        }
    };
}

input_errors!(
    std::io::Error,
    selfinterp::batch::BatchError,
    selfinterp::benchmark::BenchmarkError,
    selfinterp::bundle::BundleError,
    selfinterp::bundle::OpenError,
    selfinterp::bundle::check::SampleProblem,
    selfinterp::bundle::journal::JournalError,
    selfinterp::bundle::score_input::ScoreInputError,
    selfinterp::catalogue::LoadError,
    selfinterp::experiments::finetune::SeedError,
    selfinterp::import::csv::ImportError,
    selfinterp::leaderboard::render::WriteError,
    selfinterp::limits::RangeError,
    selfinterp::planner::PlanError,
    selfinterp::runner::ConfigError,
    selfinterp::runner::execute::RunError,
    selfinterp::scoring::ScoreError,
    selfinterp::table::TableError,
    selfinterp::view::ViewError,
    selfinterp::sim::agent::AgentNameError,
    selfinterp::design::adaptive::UnknownDesign,
    selfinterp::bundle::subset::ContextsFileError,
    selfinterp::experiments::study::StudyConfigError,
);

/// An unknown simulated agent is a usage error; a client that cannot be made (no key) is the
/// provider refusing for good.
impl From<selfinterp::runner::connect::ConnectError> for Failure {
    fn from(e: selfinterp::runner::connect::ConnectError) -> Self {
        use selfinterp::runner::connect::ConnectError;
        match e {
            ConnectError::UnknownAgent(_) => Failure::usage(e.to_string()),
            ConnectError::Client(_) => Failure::new(PROVIDER_FATAL, e.to_string()),
        }
    }
}

/// A dead or wrong endpoint found before the first request: the provider refuses for good.
impl From<selfinterp::providers::preflight::PreflightError> for Failure {
    fn from(e: selfinterp::providers::preflight::PreflightError) -> Self {
        Failure::new(PROVIDER_FATAL, e.to_string())
    }
}

/// The exit code and message of any error a command returned: a [`Failure`] as it is, a
/// library error by its `From` conversion above, anything else a usage error with its causes.
pub fn failure_of(e: anyhow::Error) -> Failure {
    let e = match e.downcast::<Failure>() {
        Ok(f) => return f,
        Err(e) => e,
    };
    let e = match downcast_input(e) {
        Ok(f) => return f,
        Err(e) => e,
    };
    let e = match e.downcast::<selfinterp::runner::connect::ConnectError>() {
        Ok(x) => return x.into(),
        Err(e) => e,
    };
    Failure::usage(format!("{e:#}"))
}
