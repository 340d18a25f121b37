//! The help every command prints: each visible option, argument and value explained, and the
//! indented rows of the notes under a command (tables, layouts) no wider than the width clap
//! wraps help to: a longer row is broken where it falls, its name left alone on a line. Prose
//! lines are left to clap's wrapping.

use super::Cli;
use clap::CommandFactory;

/// Columns clap wraps help to when stdout is not a terminal (and at most on one).
const WIDTH: usize = 100;

/// An argument's help, short and long, as one text.
fn help_of(arg: &clap::Arg) -> String {
    [arg.get_help(), arg.get_long_help()]
        .into_iter()
        .flatten()
        .map(|h| h.to_string())
        .collect::<Vec<String>>()
        .join("\n")
}

/// The visible long options of `cmd` and every command under it.
fn longs_of(cmd: &clap::Command, out: &mut std::collections::BTreeSet<String>) {
    for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
        out.extend(arg.get_long().map(|l| format!("--{l}")));
    }
    for sub in cmd.get_subcommands() {
        longs_of(sub, out);
    }
}

/// The `--option`s a text names.
fn options_named(text: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let bytes: &[u8] = text.as_bytes();
    let mut i: usize = 0;
    while let Some(at) = text[i..].find("--").map(|k| k + i) {
        let start: usize = at + 2;
        let end: usize = start
            + text[start..]
                .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
                .unwrap_or(text.len() - start);
        let before_ok: bool =
            at == 0 || !(bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'-');
        if before_ok && end > start && bytes[start].is_ascii_lowercase() {
            found.push(text[at..end].trim_end_matches('-').to_string());
        }
        i = end.max(at + 2);
    }
    found
}

/// Defaults: an option's default reads `[default: ...]` as clap writes its own, and of a pair
/// of flags `--X` / `--no-X` one says it is the default.
fn default_problems(cmd: &clap::Command, path: &str, out: &mut Vec<String>) {
    let visible = || cmd.get_arguments().filter(|a| !a.is_hide_set());
    for arg in visible() {
        let (Some(long), help) = (arg.get_long(), help_of(arg)) else {
            continue;
        };
        if help.contains("(default") {
            out.push(format!(
                "{path} --{long}: write its default as [default: ...], as clap does"
            ));
        }
        let Some(positive) = long.strip_prefix("no-") else {
            continue;
        };
        if let Some(pair) = visible().find(|a| a.get_long() == Some(positive))
            && !help.contains("[default")
            && !help_of(pair).contains("[default")
        {
            out.push(format!(
                "{path} --{positive} / --{long}: neither says which is the default"
            ));
        }
    }
}

fn problems_of(
    cmd: &clap::Command,
    path: &str,
    longs: &std::collections::BTreeSet<String>,
    out: &mut Vec<String>,
) {
    default_problems(cmd, path, out);
    let mut texts: Vec<String> = [cmd.get_about(), cmd.get_long_about()]
        .into_iter()
        .flatten()
        .map(|t| t.to_string())
        .collect();
    for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
        let name: String = match arg.get_long() {
            Some(long) => format!("--{long}"),
            None => format!("<{}>", arg.get_id()),
        };
        if arg.get_help().is_none() && arg.get_long_help().is_none() {
            out.push(format!("{path} {name}: no description"));
        }
        texts.push(help_of(arg));
        let values: Vec<clap::builder::PossibleValue> = arg.get_possible_values();
        let shown = values.iter().filter(|v| !v.is_hide_set());
        let bare: Vec<&str> = shown
            .clone()
            .filter(|v| v.get_help().is_none())
            .map(|v| v.get_name())
            .collect();
        if !bare.is_empty() && bare.len() < shown.count() {
            out.push(format!(
                "{path} {name}: values without a description: {bare:?}"
            ));
        }
    }
    let notes = [cmd.get_after_help(), cmd.get_after_long_help()];
    texts.extend(notes.into_iter().flatten().map(|n| n.to_string()));
    for named in texts.iter().flat_map(|t| options_named(t)) {
        if !longs.contains(&named) {
            out.push(format!(
                "{path}: the help names {named}, which no command has"
            ));
        }
    }
    for line in notes.into_iter().flatten().flat_map(|n| {
        let text: String = n.to_string();
        text.lines().map(str::to_string).collect::<Vec<String>>()
    }) {
        if line.starts_with(' ') && line.chars().count() > WIDTH {
            out.push(format!(
                "{path}: a note's row is wider than {WIDTH}: {line}"
            ));
        }
    }
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        problems_of(sub, &format!("{path} {}", sub.get_name()), longs, out);
    }
}

#[test]
fn every_option_and_value_is_explained_and_every_note_fits() {
    let mut cmd: clap::Command = Cli::command();
    cmd.build();
    let mut longs = std::collections::BTreeSet::new();
    longs_of(&cmd, &mut longs);
    let mut problems: Vec<String> = Vec::new();
    problems_of(&cmd, "selfinterp", &longs, &mut problems);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
