//! One way to ask for JSON: every command that prints a result takes `--json`, and a file's
//! format is `--format`. A `--json` given to a command with no result to print, or a
//! `--format` given where JSON is `--json`, is a usage error that names the right flag instead
//! of clap's bare "unexpected argument".

use clap::error::{ContextKind, ContextValue, ErrorKind};

/// What to say instead of clap's error, when the error is an unknown `--json` or `--format`.
pub fn hint(err: &clap::Error, args: &[String]) -> Option<String> {
    if err.kind() != ErrorKind::UnknownArgument {
        return None;
    }
    let flag: String = match err.get(ContextKind::InvalidArg) {
        Some(ContextValue::String(s)) => s.split('=').next().unwrap_or(s).to_string(),
        _ => return None,
    };
    let cmd: String = command_words(args);
    match flag.as_str() {
        "--json" => Some(format!(
            "`selfinterp {cmd}` prints no result, so it takes no --json: {}",
            json_instead(&cmd)
        )),
        "--format" => Some(format!(
            "`selfinterp {cmd}` has no --format (that names a file's format): ask for JSON \
             output with --json"
        )),
        _ => None,
    }
}

/// The subcommand words of `args` (program name and options left out), at most two.
fn command_words(args: &[String]) -> String {
    const TWO_WORD: [&str; 5] = ["export", "batch", "import", "domains", "benchmark"];
    let words: Vec<&str> = args
        .iter()
        .skip(1)
        .map(String::as_str)
        .filter(|a| !a.starts_with('-'))
        .take(2)
        .collect();
    match words.as_slice() {
        [first, second] if TWO_WORD.contains(first) => format!("{first} {second}"),
        [first, ..] => first.to_string(),
        [] => String::new(),
    }
}

/// Where the JSON a user of `cmd` probably wants comes from.
fn json_instead(cmd: &str) -> &'static str {
    match cmd {
        "view" => {
            "it serves pages and prints their URL; `selfinterp report DIR --json` prints a run's report as JSON"
        }
        "serve-sim" => "it serves an agent and prints its base URL",
        "freeze" => {
            "it writes a benchmark version; `selfinterp benchmark show VERSION --json` prints one"
        }
        "export instill" | "export introspection" => {
            "it writes fine-tuning files (JSON lines already); `selfinterp check-finetune FILES --json` prints their check"
        }
        "batch export" => "it writes a batch file (JSON lines; --provider picks its shape)",
        "batch import" | "import csv" => {
            "it writes a run bundle; `selfinterp score DIR --json` prints its summary"
        }
        _ => "see `selfinterp --help` for the commands that print results",
    }
}
