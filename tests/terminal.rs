//! What a run leaves on a terminal: the progress bars are drawn while it runs and cleared when
//! each phase ends, so the headline follows the plan on a clean screen; and nothing of a bar
//! reaches stderr when it is a pipe or a file.

use crate::support::{bin, bin_in, stderr};
use std::num::NonZeroU16;
use std::path::Path;
use std::process::{Command, Stdio};

/// The quick start's run, as typed.
const RUN: &[&str] = &[
    "run",
    "--provider",
    "sim",
    "--model",
    "faithful",
    "--experiment",
    "native",
    "--preset",
    "quick",
    "--out",
    "first",
];

/// The size of the pseudo-terminal, set with `stty` before the run and given to the emulator.
const ROWS: u16 = 40;
const COLS: u16 = 100;

/// `'text'` for sh, with any `'` kept.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// Every byte the run writes to a pseudo-terminal (stdout and stderr both), made by util-linux
/// `script`: what a terminal receives.
fn run_in_a_terminal(dir: &Path) -> Vec<u8> {
    let program: String = bin().get_program().to_string_lossy().to_string();
    let mut line: String = format!("stty rows {ROWS} cols {COLS}; exec {}", quote(&program));
    for a in RUN {
        line.push(' ');
        line.push_str(&quote(a));
    }
    let o = Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .current_dir(dir)
        .env_remove("SELFINTERP_ROOT")
        .stdin(Stdio::null())
        .output()
        .expect("util-linux `script` runs the command in a pseudo-terminal");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    o.stdout
}

#[test]
fn the_last_progress_bar_is_cleared_before_the_headline() {
    let tmp = tempfile::tempdir().unwrap();
    let bytes: Vec<u8> = run_in_a_terminal(tmp.path());
    let raw: String = String::from_utf8_lossy(&bytes).to_string();
    // The bars were drawn (stderr is a terminal here), so the screen below says something.
    assert!(
        raw.contains("choices [") && raw.contains("reports ["),
        "{raw:?}"
    );
    let size = |n: u16| NonZeroU16::new(n).expect("a terminal has rows and columns");
    let mut screen = vt100::Parser::new(size(ROWS), size(COLS), 0);
    screen.process(&bytes);
    let rows: Vec<String> = screen.screen().rows(0, COLS).collect();
    let shown: String = rows.join("\n");
    for bar in ["choices [", "reports [", " ETA "] {
        assert!(!shown.contains(bar), "{bar:?} left on screen:\n{shown}");
    }
    // The headline starts its own line right below the plan.
    let cost: usize = rows
        .iter()
        .position(|r| r.starts_with("  cost"))
        .unwrap_or_else(|| panic!("the plan's cost line:\n{shown}"));
    assert!(
        rows[cost + 1].starts_with("first: 460 of 460 requests answered"),
        "{shown}"
    );
}

#[test]
fn nothing_of_a_progress_bar_reaches_a_pipe() {
    let tmp = tempfile::tempdir().unwrap();
    let o = bin_in(tmp.path(), RUN);
    let err: String = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("plan: sim faithful"), "{err}");
    for bar in ["choices [", "reports [", " ETA ", "\r", "\u{1b}"] {
        assert!(!err.contains(bar), "{bar:?} in stderr:\n{err:?}");
    }
}

/// `report --format html` without --out on a terminal is refused in one line naming --out (it
/// printed the whole page, about 90 KB of HTML, onto the screen); to a pipe it is written as
/// before.
#[test]
fn an_html_report_is_not_printed_onto_a_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    let d: &Path = tmp.path();
    let o = bin_in(d, RUN);
    assert!(o.status.success(), "{}", stderr(&o));
    let program: String = bin().get_program().to_string_lossy().to_string();
    let line: String = format!(
        "stty rows {ROWS} cols {COLS}; exec {} report first --format html",
        quote(&program)
    );
    let o = Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .current_dir(d)
        .env_remove("SELFINTERP_ROOT")
        .stdin(Stdio::null())
        .output()
        .expect("util-linux `script` runs the command in a pseudo-terminal");
    let screen: String = String::from_utf8_lossy(&o.stdout).to_string();
    assert_eq!(o.status.code(), Some(2), "{screen}");
    assert!(!screen.contains("<html"), "{screen}");
    assert!(
        screen.contains("--format html: a whole HTML page is not printed to a terminal")
            && screen.contains("--out first/report.html"),
        "{screen}"
    );
    let piped = bin_in(d, &["report", "first", "--format", "html"]);
    assert!(piped.status.success(), "{}", stderr(&piped));
    assert!(String::from_utf8_lossy(&piped.stdout).starts_with("<!DOCTYPE html>"));
}
