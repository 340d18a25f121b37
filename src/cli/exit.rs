//! Exit codes, documented in the README and `selfinterp --help`: every way the process
//! ends is a variant of [`Exit`], and its code is one exhaustive `match` ([`Exit::code`]), so
//! a new way to end cannot compile without its code.

/// How the process ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Everything ran and passed.
    Success,
    /// A check ran and found problems (lint, verify, validate), or a run completed with more
    /// invalid answers than `--max-invalid-rate` allows.
    CheckFailed,
    /// Bad usage or bad input (unreadable or malformed file, unknown option, a path that
    /// does not exist).
    Usage,
    /// The provider refused for good (bad key, unknown model, forbidden), or the pre-flight
    /// found the endpoint dead or wrong.
    ProviderFatal,
    /// A run finished, or the circuit breaker stopped it, with requests that failed after
    /// every retry (`errors.jsonl`); `--resume` retries them.
    Incomplete,
    /// A file or directory that exists could not be read or written (permissions, a full
    /// disk): the machine's fault, not the input's.
    Io,
    /// Interrupted (Ctrl-C); completed samples are kept and `--resume` continues.
    Interrupted,
    /// Standard output was closed early (`selfinterp ... | head`): stopped quietly, as a
    /// command-line tool killed by SIGPIPE would.
    BrokenPipe,
    /// Stopped by SIGTERM (e.g. `kill`, a job scheduler), handled as Ctrl-C is.
    Terminated,
}

impl Exit {
    /// The process's exit code.
    pub const fn code(self) -> i32 {
        match self {
            Exit::Success => 0,
            Exit::CheckFailed => 1,
            Exit::Usage => 2,
            Exit::ProviderFatal => 3,
            Exit::Incomplete => 4,
            Exit::Io => 5,
            Exit::Interrupted => 130,
            Exit::BrokenPipe => 141,
            Exit::Terminated => 143,
        }
    }
}

pub const HELP: &str = "Exit codes:
  0    success
  1    a check found problems, or a run finished over its invalid-answer threshold
  2    usage or input error
  3    provider fatal error (bad key, unknown model)
  4    a run with failed requests, or stopped at --max-cost/--max-requests; --resume asks the rest
  5    a file that exists could not be read or written (permissions, disk full)
  130  interrupted (Ctrl-C); completed samples are kept, resume with --resume
  141  standard output closed early (e.g. piped into head); nothing else went wrong
  143  stopped by SIGTERM; as 130";

/// An error carrying the exit code it should end the process with.
#[derive(Debug)]
pub struct Failure {
    pub exit: Exit,
    pub message: String,
}

impl Failure {
    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        Failure {
            exit,
            message: message.into(),
        }
    }
    pub fn usage(message: impl Into<String>) -> Self {
        Failure::new(Exit::Usage, message)
    }
    pub fn check(message: impl Into<String>) -> Self {
        Failure::new(Exit::CheckFailed, message)
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
/// [`Exit::Io`]; a path that does not exist, and everything the input is to blame for, is
/// [`Exit::Usage`].
fn input_or_io(e: &(dyn std::error::Error + 'static)) -> Exit {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(x) = cur {
        if let Some(io) = x.downcast_ref::<std::io::Error>() {
            return io_exit(io);
        }
        cur = x.source();
    }
    Exit::Usage
}

fn io_exit(io: &std::io::Error) -> Exit {
    if io.kind() == std::io::ErrorKind::NotFound {
        Exit::Usage
    } else {
        Exit::Io
    }
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
    selfinterp::bundle::control::ControlError,
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
    selfinterp::runner::observe::ObserveError,
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
            ConnectError::Client(_) => Failure::new(Exit::ProviderFatal, e.to_string()),
        }
    }
}

/// A dead or wrong endpoint found before the first request: the provider refuses for good.
impl From<selfinterp::providers::preflight::PreflightError> for Failure {
    fn from(e: selfinterp::providers::preflight::PreflightError) -> Self {
        Failure::new(Exit::ProviderFatal, e.to_string())
    }
}

/// A run session that could not start or finish: each cause by its own rule, in one
/// exhaustive `match`.
impl From<selfinterp::runner::SessionError> for Failure {
    fn from(e: selfinterp::runner::SessionError) -> Self {
        use selfinterp::runner::SessionError;
        match e {
            SessionError::Config(x) => x.into(),
            SessionError::Connect(x) => x.into(),
            SessionError::Preflight(x) => x.into(),
            SessionError::Runtime(x) => Failure::new(Exit::Io, format!("{e}", e = x)),
            SessionError::Run(x) => x.into(),
        }
    }
}

/// The exit code and message of any error a command returned: a [`Failure`] as it is, a
/// library error by its `From` conversion above, anything else a usage error with its causes
/// (or [`Exit::Io`] when an I/O failure on a file that exists is among them).
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
    let e = match e.downcast::<selfinterp::runner::SessionError>() {
        Ok(x) => return x.into(),
        Err(e) => e,
    };
    let exit: Exit = e
        .chain()
        .find_map(|x| x.downcast_ref::<std::io::Error>())
        .map_or(Exit::Usage, io_exit);
    Failure::new(exit, format!("{e:#}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every variant of [`Exit`], in the order of the README's table.
    const ALL: [Exit; 9] = [
        Exit::Success,
        Exit::CheckFailed,
        Exit::Usage,
        Exit::ProviderFatal,
        Exit::Incomplete,
        Exit::Io,
        Exit::Interrupted,
        Exit::BrokenPipe,
        Exit::Terminated,
    ];

    /// Each variant's place in [`ALL`]: exhaustive, so a new variant must be placed.
    fn position(e: Exit) -> usize {
        match e {
            Exit::Success => 0,
            Exit::CheckFailed => 1,
            Exit::Usage => 2,
            Exit::ProviderFatal => 3,
            Exit::Incomplete => 4,
            Exit::Io => 5,
            Exit::Interrupted => 6,
            Exit::BrokenPipe => 7,
            Exit::Terminated => 8,
        }
    }

    #[test]
    fn every_variant_is_listed_once() {
        for (i, e) in ALL.iter().enumerate() {
            assert_eq!(position(*e), i, "{e:?}");
        }
    }

    /// The codes in the first column of the table under `## Exit codes` in README.md.
    fn readme_codes() -> Vec<i32> {
        let readme: &str = include_str!("../../README.md");
        let section: &str = readme
            .split("\n## Exit codes\n")
            .nth(1)
            .expect("README.md has an Exit codes section");
        let section: &str = section.split("\n## ").next().unwrap();
        section
            .lines()
            .filter(|l| l.starts_with("| ") && !l.starts_with("| code"))
            .map(|l| {
                let cell: &str = l.split('|').nth(1).unwrap().trim();
                cell.parse()
                    .unwrap_or_else(|_| panic!("README exit-code row: {l}"))
            })
            .collect()
    }

    #[test]
    fn the_readme_table_is_the_enum() {
        let codes: Vec<i32> = ALL.iter().map(|e| e.code()).collect();
        assert_eq!(readme_codes(), codes);
    }

    #[test]
    fn the_help_text_lists_every_code_in_order() {
        let codes: Vec<i32> = HELP
            .lines()
            .skip(1)
            .map(|l| l.split_whitespace().next().unwrap().parse().unwrap())
            .collect();
        assert_eq!(codes, ALL.iter().map(|e| e.code()).collect::<Vec<_>>());
    }

    #[test]
    fn an_io_failure_under_any_context_exits_5_and_a_missing_path_2() {
        let denied = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        let e = anyhow::Error::from(denied).context("out: cannot create");
        assert_eq!(failure_of(e).exit, Exit::Io);
        let missing = std::io::Error::from(std::io::ErrorKind::NotFound);
        let e = anyhow::Error::from(missing).context("in: cannot read");
        assert_eq!(failure_of(e).exit, Exit::Usage);
    }
}
