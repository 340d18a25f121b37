//! Files and concurrency (issue 26, docs/reliability.md): one writer per bundle, temporary
//! files that follow no planted link, `export table` cells a spreadsheet will not run and
//! output links it will not follow, a malformed last sample line refused, and a run stopped by
//! a write error not left "running". Every test here failed on the code before its fix.

use crate::reliability::{assert_exit, sel, server_run, small_run};
use crate::reports::root;
use crate::support::{MockServer, bin, stderr};
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::time::Duration;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A small in-process sim run into `out` (12 contexts x 10 choices + 3 reports would be
/// larger than needed: 4 contexts).
fn complete_run(root: &Path, name: &str) -> PathBuf {
    let out = root.join(name);
    assert_exit(&sel(root, &small_run(s(&out), &[])), 0, "the first run");
    out
}

#[test]
fn a_bundle_locked_by_another_process_is_refused_at_once() {
    let root = root();
    let out = complete_run(root.path(), "run");
    let before: Vec<u8> = std::fs::read(out.join("samples.jsonl")).unwrap();
    // Another process (this test) holds the bundle's lock, as a running `run` does.
    let held = std::fs::File::open(&out).unwrap();
    held.try_lock().unwrap();
    let o = sel(root.path(), &small_run(s(&out), &["--resume"]));
    assert_exit(&o, 2, "a second writer");
    assert!(
        stderr(&o).contains("another selfinterp process is writing this bundle"),
        "{}",
        stderr(&o)
    );
    assert_eq!(std::fs::read(out.join("samples.jsonl")).unwrap(), before);
    held.unlock().unwrap();
    assert_exit(
        &sel(root.path(), &small_run(s(&out), &["--resume"])),
        0,
        "resume once the lock is released",
    );
}

/// `run` against `base_url` (a slow loopback server), as a child process.
fn spawn_server_run(root: &Path, base_url: &str, out: &Path, resume: bool) -> Child {
    let mut c = bin();
    let resume: &[&str] = if resume { &["--resume"] } else { &[] };
    c.arg("--root").arg(root).args(server_run(
        "m",
        base_url,
        out,
        &[&["--concurrency", "1", "--no-cache"], resume].concat(),
    ));
    c.env_remove("OPENAI_API_KEY")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_runs_on_one_bundle_at_once_the_second_is_refused() {
    let root = root();
    let out = root.path().join("two");
    let srv = MockServer::builder()
        .model("m")
        .latency(Duration::from_millis(150))
        .record(true)
        .start()
        .await;
    let url: String = srv.base_url();
    let (r, o2, u2) = (root.path().to_path_buf(), out.clone(), url.clone());
    let (first, second): (Output, Output) = tokio::task::spawn_blocking(move || {
        let first: Child = spawn_server_run(&r, &u2, &o2, false);
        // Started once its manifest is written (the lock is taken before).
        while !o2.join("manifest.json").exists() {
            std::thread::sleep(Duration::from_millis(10));
        }
        let mut second: Child = spawn_server_run(&r, &u2, &o2, true);
        let second_status = second.wait().unwrap();
        let mut first = first;
        assert!(
            first.try_wait().unwrap().is_none(),
            "the second run should be refused while the first still runs"
        );
        let second = Output {
            status: second_status,
            stdout: Vec::new(),
            stderr: std::io::read_to_string(second.stderr.take().unwrap())
                .unwrap()
                .into_bytes(),
        };
        (first.wait_with_output().unwrap(), second)
    })
    .await
    .unwrap();
    assert_exit(&second, 2, "the second writer");
    assert!(
        stderr(&second).contains("another selfinterp process is writing this bundle"),
        "{}",
        stderr(&second)
    );
    assert_exit(&first, 0, "the first writer");
    // Each planned request asked once (12), besides each process's one-token pre-flight
    // request (the second is refused after its pre-flight); two writers asked 24 and more.
    let chat: usize = srv
        .received()
        .iter()
        .filter(|r| r.path.ends_with("/chat/completions"))
        .count();
    assert!(chat <= 12 + 2, "chat requests: {chat}");
    assert_eq!(
        std::fs::read_to_string(out.join("samples.jsonl"))
            .unwrap()
            .lines()
            .count(),
        12
    );
}

#[test]
fn a_link_planted_at_a_temporary_name_is_never_followed() {
    let root = root();
    let out = complete_run(root.path(), "run");
    let samples: Vec<u8> = std::fs::read(out.join("samples.jsonl")).unwrap();
    let victim = root.path().join("victim.txt");
    std::fs::write(&victim, "not yours\n").unwrap();
    for name in [
        ".samples.jsonl.tmp",
        ".summary.json.tmp",
        ".manifest.json.tmp",
    ] {
        std::os::unix::fs::symlink(&victim, out.join(name)).unwrap();
    }
    assert_exit(
        &sel(root.path(), &small_run(s(&out), &["--resume"])),
        0,
        "resume beside planted links",
    );
    assert_eq!(
        std::fs::read_to_string(&victim).unwrap(),
        "not yours\n",
        "a file outside the bundle was written through a link"
    );
    let meta = std::fs::symlink_metadata(out.join("samples.jsonl")).unwrap();
    assert!(meta.file_type().is_file(), "samples.jsonl is a link now");
    assert_eq!(std::fs::read(out.join("samples.jsonl")).unwrap(), samples);
    assert!(
        std::fs::symlink_metadata(out.join("summary.json"))
            .unwrap()
            .is_file()
    );
}

/// The CSV cells of `path`, rows of fields.
fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(path)
        .unwrap()
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

#[test]
fn export_table_writes_no_formula_and_follows_no_link() {
    let root = root();
    let out = complete_run(root.path(), "run");
    // A hostile answer: a formula a spreadsheet would run.
    let path = out.join("samples.jsonl");
    let text: String = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let formula = "=HYPERLINK(\"http://evil.invalid\",\"A\")";
    lines[0]["response"] = serde_json::Value::from(formula);
    lines[1]["response"] = serde_json::Value::from("@SUM(1)");
    lines[2]["response"] = serde_json::Value::from("-2+3");
    let edited: String = lines.iter().map(|v| format!("{v}\n")).collect();
    std::fs::write(&path, edited).unwrap();
    let table = root.path().join("table");
    let o = sel(
        root.path(),
        &["export", "table", s(&out), "--out", s(&table)],
    );
    assert_exit(&o, 0, "export table");
    let rows = csv_rows(&table.join("samples.csv"));
    let col: usize = rows[0].iter().position(|c| c == "response").unwrap();
    let cells: Vec<&str> = rows[1..4].iter().map(|r| r[col].as_str()).collect();
    assert_eq!(
        cells,
        [&format!("'{formula}")[..], "'@SUM(1)", "'-2+3"],
        "text cells starting a formula are neutralised"
    );
    // Numbers keep their sign: every numeric cell still parses.
    let weights = csv_rows(&table.join("weights.csv"));
    let slope: usize = weights[0].iter().position(|c| c == "slope").unwrap();
    assert!(
        weights[1..].iter().all(|r| r[slope].parse::<f64>().is_ok()),
        "numeric cells changed"
    );
    assert!(weights[1..].iter().any(|r| r[slope].starts_with('-')));

    // A link planted at the output's name is refused, and its target untouched.
    let victim = root.path().join("victim.txt");
    std::fs::write(&victim, "not yours\n").unwrap();
    let linked = root.path().join("linked");
    std::fs::create_dir_all(&linked).unwrap();
    std::os::unix::fs::symlink(&victim, linked.join("weights.csv")).unwrap();
    let o = sel(
        root.path(),
        &["export", "table", s(&out), "--out", s(&linked)],
    );
    assert!(!o.status.success(), "a linked output was written");
    assert!(stderr(&o).contains("symbolic link"), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "not yours\n");
}

#[test]
fn score_refuses_a_malformed_or_torn_last_line_naming_it() {
    let root = root();
    let out = complete_run(root.path(), "run");
    let path = out.join("samples.jsonl");
    let good: String = std::fs::read_to_string(&path).unwrap();
    let n: usize = good.lines().count();
    for (tail, what) in [
        ("{\"context\": \"garbled\"}\n", "a malformed last line"),
        ("{\"context\": \"na", "a torn last line"),
    ] {
        std::fs::write(&path, format!("{good}{tail}")).unwrap();
        for cmd in ["score", "report"] {
            let o = sel(root.path(), &[cmd, s(&out)]);
            assert_exit(&o, 2, what);
            let e = stderr(&o);
            assert!(
                e.contains("samples.jsonl") && e.contains(&format!("line {}", n + 1)),
                "{cmd}, {what}: {e}"
            );
        }
    }
}

#[test]
fn a_run_stopped_by_a_write_error_is_not_left_running() {
    let root = root();
    let out = root.path().join("full");
    // Files may grow to 8 KiB only (`ulimit -f`, SIGXFSZ ignored so the write fails with
    // EFBIG, as a full disk fails it with ENOSPC): samples.jsonl outgrows it mid-run.
    let args: Vec<String> = small_run(s(&out), &[])
        .iter()
        .map(|a| format!("'{a}'"))
        .collect();
    let script: String = format!(
        "trap '' XFSZ; ulimit -f 16; exec \"$0\" --root '{}' {}",
        s(root.path()),
        args.join(" ")
    );
    let exe = bin().get_program().to_owned();
    let o = std::process::Command::new("sh")
        .arg("-c")
        .arg(&script)
        .arg(exe)
        .output()
        .unwrap();
    assert_exit(&o, 5, "a write error");
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["status"], "failed", "{m}");
    assert!(m["finished_at"].is_string());
}

// ---- publishing: `validate` fails closed ---------------------------------------------------

/// A results directory with one simulated entry `e` and its rendered leaderboard.
fn results(root: &Path) -> PathBuf {
    use selfinterp::leaderboard;
    let results = root.join("results");
    let dir = crate::reports::sim_run(root, &results.join("e"), "faithful", "native");
    let _ = std::fs::remove_file(dir.join("errors.jsonl"));
    std::fs::write(
        dir.join(leaderboard::ENTRY_FILE),
        "display_name = \"Simulated: faithful\"\nmodel_id = \"faithful\"\nprovider = \"sim\"\n\
date = \"2026-01-01\"\nsubmitted_by = \"tests\"\nnotes = \"Reports its weights plus noise.\"\n\
simulated = true\n",
    )
    .unwrap();
    rerender(&results);
    results
}

fn rerender(results: &Path) {
    use selfinterp::leaderboard;
    let entries = leaderboard::load_all(results).unwrap();
    let benchmark = results.parent().unwrap().join("benchmark");
    leaderboard::write(results, &leaderboard::board(&entries), &benchmark).unwrap();
}

/// `validate RESULTS ARGS` with a time limit (a reader that follows a link to `/dev/zero`
/// never returns): its output, or a panic after 60 s.
fn validate_bounded(root: &Path, results: &Path, extra: &[&str]) -> Output {
    let mut child: Child = bin()
        .arg("--root")
        .arg(root)
        .arg("validate")
        .args(extra)
        .arg(results)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    for _ in 0..600 {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    panic!("validate did not return within 60 s");
}

fn all_output(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), stderr(o))
}

/// Sets `summary.json`'s r to 0.99, as someone inflating an entry would.
fn inflate(dir: &Path) {
    let path = dir.join("summary.json");
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    v["reports_vs_learned"]["r"] = serde_json::Value::from(0.99);
    std::fs::write(&path, serde_json::to_string_pretty(&v).unwrap() + "\n").unwrap();
}

#[test]
fn validate_fails_closed_on_a_file_it_cannot_read() {
    let outside = tempfile::tempdir().unwrap();
    let copy = outside.path().join("samples.jsonl");
    // (name, what is done to samples.jsonl, what the problem must say)
    type Damage = fn(&Path, &Path);
    let cases: [(&str, Damage, &str); 4] = [
        (
            "a byte that is not UTF-8 on line 3",
            |p, _| {
                let mut b: Vec<u8> = std::fs::read(p).unwrap();
                let third: usize = b
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| **c == b'\n')
                    .nth(1)
                    .unwrap()
                    .0;
                let at: usize = third
                    + 1
                    + b[third + 1..]
                        .windows(12)
                        .position(|w| w == b"\"response\":\"")
                        .unwrap()
                    + 12;
                b.insert(at, 0xff);
                std::fs::write(p, b).unwrap();
            },
            "line 3: not UTF-8",
        ),
        (
            "a dangling symbolic link",
            |p, _| {
                std::fs::remove_file(p).unwrap();
                std::os::unix::fs::symlink("/nonexistent/samples.jsonl", p).unwrap();
            },
            "symbolic link",
        ),
        (
            "a symbolic link to /dev/zero",
            |p, _| {
                std::fs::remove_file(p).unwrap();
                std::os::unix::fs::symlink("/dev/zero", p).unwrap();
            },
            "symbolic link",
        ),
        (
            "a symbolic link to the same samples outside the entry",
            |p, copy| {
                std::fs::rename(p, copy).unwrap();
                std::os::unix::fs::symlink(copy, p).unwrap();
            },
            "symbolic link",
        ),
    ];
    for (what, damage, says) in cases {
        let root = root();
        let results = results(root.path());
        let entry = results.join("e");
        assert_exit(
            &validate_bounded(root.path(), &results, &[]),
            0,
            "the intact entry",
        );
        inflate(&entry);
        rerender(&results);
        damage(&entry.join("samples.jsonl"), &copy);
        let o = validate_bounded(root.path(), &results, &[]);
        let out: String = all_output(&o);
        assert_eq!(o.status.code(), Some(1), "{what}: {out}");
        assert!(
            out.lines()
                .any(|l| l.starts_with("e: samples.jsonl") && l.contains(says)),
            "{what}: expected a problem of e: samples.jsonl saying {says:?}:\n{out}"
        );
    }
}

#[test]
fn validate_refuses_figures_in_notes() {
    let root = root();
    let results = results(root.path());
    let toml = results.join("e").join("entry.toml");
    let text: String = std::fs::read_to_string(&toml).unwrap();
    // The stale note of the published SmolLM2 page (its table said 0.286 and 91 of 100).
    std::fs::write(
        &toml,
        text.replace(
            "Reports its weights plus noise.",
            "behavioural reliability 0.27, 34 of 100 contexts at chance",
        ),
    )
    .unwrap();
    rerender(&results);
    let o = validate_bounded(root.path(), &results, &[]);
    let out: String = all_output(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("e: entry.toml: notes: states a figure (\"0.27\")"),
        "{out}"
    );
}

#[test]
fn uncommitted_changes_are_shown_and_refused_by_strict() {
    let root = root();
    let results = results(root.path());
    let path = results.join("e").join("manifest.json");
    let mut m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    m["harness"]["git_commit"] =
        serde_json::Value::from("0123456789abcdef0123456789abcdef01234567");
    m["harness"]["git_dirty"] = serde_json::Value::from(true);
    std::fs::write(&path, serde_json::to_string_pretty(&m).unwrap() + "\n").unwrap();
    rerender(&results);
    // Shown: the tables' date cell and the detail pages.
    // (The HTML keeps the mark with its date: a no-break space.)
    for (page, date) in [
        ("LEADERBOARD.md", "2026-01-01 ‡"),
        ("leaderboard.html", "2026-01-01\u{a0}‡"),
    ] {
        let text: String = std::fs::read_to_string(results.join(page)).unwrap();
        assert!(text.contains(date), "{page}: {text}");
        assert!(text.contains("uncommitted changes"), "{page}: {text}");
    }
    for page in ["details/e.md", "details/e.html"] {
        let text: String = std::fs::read_to_string(results.join(page)).unwrap();
        assert!(
            text.contains("0123456789abcdef0123456789abcdef01234567, with uncommitted changes"),
            "{page}: {text}"
        );
    }
    assert_exit(
        &validate_bounded(root.path(), &results, &[]),
        0,
        "not strict",
    );
    let o = validate_bounded(root.path(), &results, &["--strict"]);
    let out: String = all_output(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("e: manifest.json: harness: harness.git_dirty is true"),
        "{out}"
    );
    // Grandfathered by name: valid, and said.
    let o = validate_bounded(root.path(), &results, &["--strict", "--grandfather", "e"]);
    assert_exit(&o, 0, "grandfathered");
    assert!(stderr(&o).contains("grandfathered"), "{}", stderr(&o));
    // A grandfathered name that is clean or absent is refused: the list only shrinks.
    m["harness"]["git_dirty"] = serde_json::Value::from(false);
    std::fs::write(&path, serde_json::to_string_pretty(&m).unwrap() + "\n").unwrap();
    rerender(&results);
    for g in ["e", "gone"] {
        let o = validate_bounded(root.path(), &results, &["--strict", "--grandfather", g]);
        assert_eq!(o.status.code(), Some(1), "{g}: {}", all_output(&o));
        assert!(all_output(&o).contains("remove it from the list"));
    }
}

// ---- imports -------------------------------------------------------------------------------

fn import_fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(name)
}

/// `import csv` of the fixtures with one file replaced by `edit` of its text: (file, output).
fn import_edited(file: &str, edit: impl Fn(&str) -> String) -> (PathBuf, Output) {
    let dir = tempfile::tempdir().unwrap().keep();
    let mut paths: Vec<PathBuf> = Vec::new();
    for f in [
        "contexts.csv",
        "selections.csv",
        "reports.csv",
        "targets.csv",
    ] {
        let text: String = std::fs::read_to_string(import_fixture(f)).unwrap();
        let p = dir.join(f);
        std::fs::write(&p, if f == file { edit(&text) } else { text }).unwrap();
        paths.push(p);
    }
    let o = bin()
        .args(["import", "csv", "--contexts"])
        .arg(&paths[0])
        .arg("--selections")
        .arg(&paths[1])
        .arg("--reports")
        .arg(&paths[2])
        .arg("--targets")
        .arg(&paths[3])
        .args(["--model", "gpt-4o", "--out"])
        .arg(dir.join("out"))
        .output()
        .unwrap();
    (dir.join(file), o)
}

#[test]
fn import_refuses_repeated_names_repeated_targets_and_values_out_of_range() {
    // Line 2 of each file is its first data row.
    type Edit = fn(&str) -> String;
    let cases: [(&str, Edit, &str); 4] = [
        (
            "contexts.csv",
            // kettle's third attribute named like its first.
            |t| t.replacen("price,capacity,boil_time", "price,capacity,price", 1),
            "line 2: column attr3: attribute name \"price\" is already the name of attr1",
        ),
        (
            "targets.csv",
            // kettle listed again at the end, with other weights.
            |t| format!("{t}kettle,100,-40,30,20,-10\n"),
            "line 4: column scenario: \"kettle\" already has targets on line 2",
        ),
        (
            "selections.csv",
            // kettle's price range is [20, 120].
            |t| t.replacen("gpt-4o,kettle,A,43.6,", "gpt-4o,kettle,A,1000,", 1),
            "line 2: column A_attribute_1: 1000 is outside the range [20, 120] of attribute \"price\" of scenario \"kettle\"",
        ),
        (
            "reports.csv",
            |t| t.replacen(",27.64,1.97,", ",27.64,-5,", 1),
            "line 2: column B_attribute_2: -5 is outside the range",
        ),
    ];
    for (file, edit, says) in cases {
        let (path, o) = import_edited(file, edit);
        let e: String = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{file}: {e}");
        let want: String = format!("{}: {says}", path.display());
        assert!(e.contains(&want), "{file}: expected {want:?} in:\n{e}");
        assert_eq!(e.trim_end().lines().count(), 1, "one line: {e}");
    }
}
