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
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// Every refused run request is a usage error.
impl From<selfinterp::runner::ConfigError> for Failure {
    fn from(e: selfinterp::runner::ConfigError) -> Self {
        Failure::usage(e.to_string())
    }
}

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
