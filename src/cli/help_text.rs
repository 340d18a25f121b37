//! The help every command prints: each visible option, argument and value explained, and the
//! indented rows of the notes under a command (tables, layouts) no wider than the width clap
//! wraps help to: a longer row is broken where it falls, its name left alone on a line. Prose
//! lines are left to clap's wrapping.

use super::Cli;
use clap::CommandFactory;

/// Columns clap wraps help to when stdout is not a terminal (and at most on one).
const WIDTH: usize = 100;

fn problems_of(cmd: &clap::Command, path: &str, out: &mut Vec<String>) {
    for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
        let name: String = match arg.get_long() {
            Some(long) => format!("--{long}"),
            None => format!("<{}>", arg.get_id()),
        };
        if arg.get_help().is_none() && arg.get_long_help().is_none() {
            out.push(format!("{path} {name}: no description"));
        }
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
        problems_of(sub, &format!("{path} {}", sub.get_name()), out);
    }
}

#[test]
fn every_option_and_value_is_explained_and_every_note_fits() {
    let mut cmd: clap::Command = Cli::command();
    cmd.build();
    let mut problems: Vec<String> = Vec::new();
    problems_of(&cmd, "selfinterp", &mut problems);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
