//! Messages a new user meets first: each names what was expected, in the project's own words.

use crate::support::{RunArgs, assert_ok, bin_in, json_of, stderr};

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

/// A bundle directory that was never made: every command that reads a bundle says so in one
/// line naming the path, exit 2 (it said "runs/never-made/manifest.json: cannot read").
#[test]
fn a_bundle_that_does_not_exist_is_named_as_not_a_run_bundle() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let missing = "runs/never-made";
    for args in [
        &["report", missing][..],
        &["score", missing],
        &["export", "table", missing],
        &["compare", missing, "runs/never-made-either"],
        &[
            "compare",
            missing,
            "--reports-from",
            "runs/never-made-either",
        ],
    ] {
        let o = bin_in(d, args);
        let e: String = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {e}");
        assert_eq!(e.trim().lines().count(), 1, "{args:?}: {e}");
        assert!(
            e.contains("runs/never-made: not a run bundle (no such directory)"),
            "{args:?}: {e}"
        );
    }
    // The other commands that read a bundle: `plan --pilot` and an observer run's `--of`
    // (they said "runs/never-made/manifest.json: cannot read").
    for args in [
        &["plan", "--pilot", missing, "--target-width", "0.1"][..],
        &[
            "run",
            "--provider",
            "sim",
            "--model",
            "faithful",
            "--experiment",
            "observe",
            "--of",
            missing,
            "--examples",
            "5",
            "--out",
            "obs",
        ],
    ] {
        let o = bin_in(d, args);
        let e: String = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {e}");
        assert!(
            e.contains("runs/never-made: not a run bundle (no such directory)"),
            "{args:?}: {e}"
        );
        assert!(!d.join("obs").exists(), "nothing written for a refused run");
    }
    let o = bin_in(d, &["view", missing, "--port", "0"]);
    let e: String = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{e}");
    assert_eq!(e.trim().lines().count(), 1, "{e}");
    assert!(
        e.contains("runs/never-made: no such directory; `selfinterp view DIR` serves a run bundle"),
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
    let args = RunArgs::full().server("m", "http://127.0.0.1:9/v1").args(&[
        "--server-flavour",
        "plain",
        "--constrain",
        "letters",
    ]);
    let o = bin_in(tmp.path(), &args.to_vec());
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("server flavour plain has no such constraint"),
        "{e}"
    );
}

/// `run` with what a user of vLLM, Ollama or a hosted API types first: one line each, exit 2,
/// nothing sent.
#[test]
fn model_shortcuts_and_other_servers_names_get_one_line_answers() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec!["run", "--experiment", "native", "--preset", "quick"];
        args.extend_from_slice(extra);
        let o = bin_in(tmp.path(), &args);
        (o.status.code(), stderr(&o).trim().to_string())
    };
    let (code, e) = run(&["--provider", "vllm", "--model", "m"]);
    assert_eq!(code, Some(2), "{e}");
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(
        e.contains("use --provider openai --base-url http://HOST:8000/v1 --server-flavour vllm"),
        "{e}"
    );
    let (code, e) = run(&[
        "--provider",
        "ollama",
        "--model",
        "llama3",
        "--base-url",
        "http://127.0.0.1:11434/v1",
    ]);
    assert_eq!(code, Some(2), "{e}");
    assert!(
        e.ends_with("use --provider openai --base-url http://127.0.0.1:11434/v1"),
        "{e}"
    );
    let (code, e) = run(&["--provider", "anthropic", "--model", "openai/gpt-4o"]);
    assert_eq!(code, Some(2), "{e}");
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(
        e.contains("--model openai/gpt-4o names provider openai, but --provider is anthropic"),
        "{e}"
    );
    let (code, e) = run(&["--model", "gpt-4o"]);
    assert_eq!(code, Some(2), "{e}");
    assert!(e.contains("--provider is needed"), "{e}");
    // The shortcut alone names the provider: the plan is OpenAI's list price for gpt-4o.
    let o = bin_in(
        tmp.path(),
        &[
            "run",
            "--model",
            "openai/gpt-4o",
            "--experiment",
            "native",
            "--preset",
            "quick",
            "--dry-run",
            "--json",
        ],
    );
    let plan: serde_json::Value = json_of(&o);
    assert_eq!(plan["provider"], "openai");
    assert_eq!(plan["model"], "gpt-4o");
    assert_eq!(plan["price"]["input_per_million"], 2.5);
}

/// Log lines written to a file or a pipe carry no colour codes (stderr is a pipe here): the
/// response cache's INFO line at `-v`, from moving an old cache layout, reads as plain words.
#[test]
fn log_lines_have_no_colour_codes_when_stderr_is_not_a_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    std::fs::create_dir_all(d.join("c/responses/ab")).unwrap();
    let root = env!("CARGO_MANIFEST_DIR");
    let mut args: Vec<String> = ["--root", root, "-v"].map(String::from).to_vec();
    args.extend(RunArgs::quick().out("o").flag("--cache-dir", "c").to_vec());
    let o = bin_in(d, &args);
    let err: String = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("INFO"), "{err}");
    assert!(!err.contains('\u{1b}'), "{err:?}");
}

/// A mistyped simulated agent is refused before the plan is printed (it came after the plan,
/// from the provider), in one line with the closest known agent and the list, exit 2; the same
/// for `serve-sim --agent`.
#[test]
fn an_unknown_sim_agent_is_refused_before_the_plan_with_the_closest_name() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |model: &str| {
        let o = bin_in(
            tmp.path(),
            &[
                "run",
                "--provider",
                "sim",
                "--model",
                model,
                "--experiment",
                "native",
                "--preset",
                "quick",
                "--out",
                "o",
            ],
        );
        (o.status.code(), stderr(&o).trim().to_string())
    };
    let known = "the agents are faithful, confabulator, position-biased, random, partial:P";
    let (code, e) = run("faithfull");
    assert_eq!(code, Some(2), "{e}");
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(!e.contains("plan:"), "{e}");
    assert!(
        e.contains("unknown simulated agent \"faithfull\" (did you mean \"faithful\"?)"),
        "{e}"
    );
    assert!(e.ends_with(known), "{e}");
    let (code, e) = run("partil:0.3");
    assert_eq!(code, Some(2), "{e}");
    assert!(e.contains("(did you mean \"partial\"?)"), "{e}");
    let (code, e) = run("typo");
    assert_eq!(code, Some(2), "{e}");
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(e.contains("unknown simulated agent \"typo\"; "), "{e}");
    assert!(!e.contains("did you mean"), "{e}");
    assert!(e.ends_with(known), "{e}");
    assert!(!tmp.path().join("o").exists(), "nothing written");
    let o = bin_in(tmp.path(), &["serve-sim", "--agent", "confabulater"]);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{e}");
    assert!(e.contains("(did you mean \"confabulator\"?)"), "{e}");
}

/// An --out that cannot take the run is named in one line before the plan is printed (the plan
/// came first, then the refusal): a bundle without --resume, a directory holding something
/// else, a --resume with other parameters. Exit 2, nothing written.
#[test]
fn an_out_that_cannot_take_the_run_is_refused_before_the_plan() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    assert_ok(&bin_in(d, &RunArgs::quick().out("first").to_vec()));
    let before: String = std::fs::read_to_string(d.join("first/manifest.json")).unwrap();
    std::fs::create_dir(d.join("notes")).unwrap();
    std::fs::write(d.join("notes/todo.txt"), "x").unwrap();
    for (args, says) in [
        (
            RunArgs::quick().out("first"),
            "first: already holds a run; add --resume",
        ),
        (RunArgs::quick().out("notes"), "notes: not empty (todo.txt)"),
        (
            RunArgs::quick()
                .out("first")
                .flag("--contexts", "5")
                .args(&["--resume"]),
            "first: --resume with different parameters (contexts: bundle has 20, this command has 5)",
        ),
    ] {
        let o = bin_in(d, &args.to_vec());
        let e: String = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{e}");
        assert_eq!(e.trim().lines().count(), 1, "{e}");
        assert!(!e.contains("plan:"), "{e}");
        assert!(e.contains(says), "{e}");
    }
    let after: String = std::fs::read_to_string(d.join("first/manifest.json")).unwrap();
    assert_eq!(before, after, "a refused run touched the bundle");
}

/// `validate` given a run bundle (a new user's "validate my run") says what it checks and what
/// re-scores one run, exit 2; it printed "LEADERBOARD.md: missing" and "2 problem(s) in 0
/// entries", exit 1.
#[test]
fn validate_of_a_run_bundle_says_it_wants_a_results_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    assert_ok(&bin_in(d, &RunArgs::quick().out("first").to_vec()));
    let o = bin_in(d, &["validate", "first"]);
    let e: String = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{e}");
    assert_eq!(e.trim().lines().count(), 1, "{e}");
    assert!(
        e.contains("first: a run bundle, not a results directory")
            && e.contains("`selfinterp score first` re-scores this run"),
        "{e}"
    );
    assert!(o.stdout.is_empty());
}

/// `view` given a file of a bundle (its samples.jsonl) for the bundle: exit 2 and what to give
/// instead, as `report`, `score` and `export table` say it (it was exit 5, "cannot read: Not a
/// directory").
#[test]
fn view_of_a_file_inside_a_bundle_names_the_bundle_with_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    std::fs::create_dir(d.join("first")).unwrap();
    std::fs::write(d.join("first/manifest.json"), "{}").unwrap();
    std::fs::write(d.join("first/samples.jsonl"), "").unwrap();
    let o = bin_in(d, &["view", "first/samples.jsonl", "--port", "0"]);
    let e: String = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{e}");
    assert_eq!(e.trim().lines().count(), 1, "{e}");
    assert!(
        e.contains("first/samples.jsonl: a file, not a run bundle") && e.contains("probably first"),
        "{e}"
    );
}
