//! Messages a new user meets first: each names what was expected, in the project's own words.

use crate::support::{bin_in, stderr};

#[test]
fn report_of_a_non_bundle_says_so_with_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    std::fs::create_dir(d.join("notabundle")).unwrap();
    let o = bin_in(d, &["report", "notabundle"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("notabundle: not a run bundle"),
        "{}",
        stderr(&o)
    );

    std::fs::create_dir(d.join("first")).unwrap();
    std::fs::write(d.join("first/manifest.json"), "{}").unwrap();
    std::fs::write(d.join("first/samples.jsonl"), "").unwrap();
    let o = bin_in(d, &["report", "first/samples.jsonl"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("a file, not a run bundle") && e.contains("probably first"),
        "{e}"
    );
}

#[test]
fn view_without_a_directory_outside_a_checkout_says_what_it_wants() {
    let tmp = tempfile::tempdir().unwrap();
    let o = bin_in(tmp.path(), &["view", "--port", "0"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("`selfinterp view DIR` serves a run bundle"),
        "{e}"
    );
}

#[test]
fn a_server_flavour_is_named_as_the_flag_spells_it() {
    let tmp = tempfile::tempdir().unwrap();
    let o = bin_in(
        tmp.path(),
        &[
            "run",
            "--provider",
            "openai",
            "--base-url",
            "http://127.0.0.1:9/v1",
            "--model",
            "m",
            "--server-flavour",
            "plain",
            "--constrain",
            "letters",
            "--experiment",
            "native",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("server flavour plain has no such constraint"),
        "{e}"
    );
}
