//! Trust at the edges (docs/reliability.md): what `run` refuses, the one check of every sample
//! against the plan made by every reader, `validate` catching relabelled entries, the response
//! cache key, the endpoint pre-flight, signals, numeric flag ranges and closed pipes.
//! Every test here failed on the code before its fix.

use crate::reports::{VERSION, root, sim_run};
use selfinterp::leaderboard::{self, entry};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;

/// The built binary.
pub fn bin() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_selfinterp"))
}

/// `selfinterp --root ROOT ARGS...`.
pub fn sel(root: &Path, args: &[&str]) -> Output {
    bin().arg("--root").arg(root).args(args).output().unwrap()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// Asserts the exit code, showing stderr when it differs.
pub fn assert_exit(o: &Output, code: i32, what: &str) {
    assert_eq!(o.status.code(), Some(code), "{what}: {}", stderr(o));
}

/// The arguments of a small in-process sim run into `out`.
fn small_run<'a>(out: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut v: Vec<&str> = vec![
        "run",
        "--provider",
        "sim",
        "--model",
        "faithful",
        "--experiment",
        "native",
        "--contexts",
        "4",
        "--trials",
        "10",
        "--reports",
        "3",
        "--no-cache",
        "--benchmark",
        VERSION,
        "--out",
        out,
    ];
    v.extend_from_slice(extra);
    v
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn copy_bundle(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

#[test]
fn run_refuses_a_directory_that_holds_no_run_and_overwrites_nothing() {
    let root = root();
    let first = root.path().join("first");
    assert_exit(
        &sel(root.path(), &small_run(s(&first), &[])),
        0,
        "first run",
    );

    // Another run's samples and summary, without its manifest.
    let stray = root.path().join("stray");
    std::fs::create_dir_all(&stray).unwrap();
    for f in ["samples.jsonl", "summary.json", "errors.jsonl"] {
        std::fs::copy(first.join(f), stray.join(f)).unwrap();
    }
    let before: Vec<Vec<u8>> = ["samples.jsonl", "summary.json", "errors.jsonl"]
        .iter()
        .map(|f| std::fs::read(stray.join(f)).unwrap())
        .collect();
    for extra in [&[][..], &["--resume"][..]] {
        let o = sel(
            root.path(),
            &[small_run(s(&stray), extra), vec!["--model", "confabulator"]].concat(),
        );
        assert_exit(&o, 2, "a directory with another run's samples");
        assert!(stderr(&o).contains("not empty"), "{}", stderr(&o));
        assert!(!stray.join("manifest.json").exists());
    }
    // A summary alone is not overwritten either.
    let only_summary = root.path().join("only-summary");
    std::fs::create_dir_all(&only_summary).unwrap();
    std::fs::write(only_summary.join("summary.json"), "{\"mine\": 1}\n").unwrap();
    let o = sel(root.path(), &small_run(s(&only_summary), &[]));
    assert_exit(&o, 2, "a directory with a summary");
    assert_eq!(
        std::fs::read_to_string(only_summary.join("summary.json")).unwrap(),
        "{\"mine\": 1}\n"
    );
    let after: Vec<Vec<u8>> = ["samples.jsonl", "summary.json", "errors.jsonl"]
        .iter()
        .map(|f| std::fs::read(stray.join(f)).unwrap())
        .collect();
    assert_eq!(before, after, "files of the other run were changed");
    // An empty directory is fine.
    let empty = root.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    assert_exit(
        &sel(root.path(), &small_run(s(&empty), &[])),
        0,
        "empty dir",
    );
}

/// One way to corrupt a bundle's samples: what it does, the line and field it must be named by.
struct Tamper {
    name: &'static str,
    edit: fn(&mut Vec<String>),
    /// `line N: field` expected in the message (`samples: ` for the file as a whole).
    names: &'static str,
    /// Whether `run --resume` must refuse it too (an empty file is a run not yet started).
    resume_refuses: bool,
}

fn edit_line(lines: &mut [String], i: usize, f: impl FnOnce(&mut Value)) {
    let mut v: Value = serde_json::from_str(&lines[i]).unwrap();
    f(&mut v);
    lines[i] = serde_json::to_string(&v).unwrap();
}

const TAMPERS: &[Tamper] = &[
    Tamper {
        name: "unknown context",
        edit: |l| edit_line(l, 2, |v| v["context"] = "native-nowhere".into()),
        names: "line 3: context",
        resume_refuses: true,
    },
    Tamper {
        name: "index past the plan",
        edit: |l| edit_line(l, 4, |v| v["index"] = 10.into()),
        names: "line 5: index",
        resume_refuses: true,
    },
    Tamper {
        name: "A and B swapped",
        edit: |l| {
            edit_line(l, 6, |v| {
                let a = v["options"]["A"].take();
                v["options"]["A"] = v["options"]["B"].take();
                v["options"]["B"] = a;
            })
        },
        names: "line 7: options",
        resume_refuses: true,
    },
    Tamper {
        name: "two different answers to one request",
        edit: |l| {
            let mut v: Value = serde_json::from_str(&l[0]).unwrap();
            let flipped = if v["response"] == "A" { "B" } else { "A" };
            v["response"] = flipped.into();
            v["parsed"] = flipped.into();
            l.push(serde_json::to_string(&v).unwrap());
        },
        names: "line 53: response",
        resume_refuses: true,
    },
    Tamper {
        name: "empty",
        edit: |l| l.clear(),
        names: "samples.jsonl: samples",
        resume_refuses: false,
    },
];

#[test]
fn every_reader_refuses_samples_outside_the_plan_naming_file_line_and_field() {
    let root = root();
    let good = root.path().join("good");
    assert_exit(&sel(root.path(), &small_run(s(&good), &[])), 0, "run");
    assert_eq!(lines(&good.join("samples.jsonl")).len(), 52);
    for t in TAMPERS {
        let dir: PathBuf = root.path().join(t.name.replace(' ', "-"));
        copy_bundle(&good, &dir);
        let mut l = lines(&dir.join("samples.jsonl"));
        (t.edit)(&mut l);
        let text: String = l.iter().map(|x| format!("{x}\n")).collect();
        std::fs::write(dir.join("samples.jsonl"), text).unwrap();
        let d: &str = s(&dir);
        let mut readers: Vec<(&str, Vec<&str>)> = vec![
            ("score", vec!["score", d]),
            ("report", vec!["report", d, "--format", "json"]),
            (
                "plan",
                vec![
                    "plan",
                    "--pilot",
                    d,
                    "--target-width",
                    "0.5",
                    "--replicates",
                    "2",
                    "--promise-resamples",
                    "0",
                ],
            ),
        ];
        // A finished run marked interrupted, so --resume reads its samples.
        let resume_args: Vec<&str> = small_run(d, &["--resume"]);
        if t.resume_refuses {
            readers.push(("run --resume", resume_args));
        }
        for (reader, args) in readers {
            let o = sel(root.path(), &args);
            let err = stderr(&o);
            assert_eq!(o.status.code(), Some(2), "{} / {reader}: {err}", t.name);
            let last = err.trim_end().lines().last().unwrap_or("");
            assert!(
                last.contains("samples.jsonl") && last.contains(t.names),
                "{} / {reader}: expected `{}` in: {err}",
                t.name,
                t.names
            );
        }
    }
}

/// A simulated entry relabelled as a real model, in a results directory of its own.
fn relabelled(root: &Path, edit_params: bool) -> PathBuf {
    let results = root.join("results");
    let dir = sim_run(root, &results.join("gpt-4o-native"), "faithful", "native");
    let _ = std::fs::remove_file(dir.join("errors.jsonl"));
    std::fs::write(
        dir.join(entry::ENTRY_FILE),
        "display_name = \"GPT-4o\"\nmodel_id = \"gpt-4o\"\nprovider = \"openai\"\ndate = \"2026-01-01\"\n\
submitted_by = \"tests\"\nnotes = \"\"\nsimulated = false\n",
    )
    .unwrap();
    let path = dir.join("manifest.json");
    let mut m: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    m["provider"] = "openai".into();
    m["model"] = "gpt-4o".into();
    if edit_params {
        m["parameters"]["provider"] = "openai".into();
        m["parameters"]["model"] = "gpt-4o".into();
    }
    std::fs::write(&path, serde_json::to_string_pretty(&m).unwrap() + "\n").unwrap();
    let entries = entry::load_all(&results).unwrap();
    for (file, text) in leaderboard::render::render(&entries) {
        std::fs::write(results.join(file), text).unwrap();
    }
    results
}

#[test]
fn validate_refuses_a_simulated_entry_relabelled_as_a_model() {
    for edit_params in [false, true] {
        let root = root();
        let results = relabelled(root.path(), edit_params);
        let (_, problems) =
            leaderboard::validate(&results, &root.path().join("benchmark")).unwrap();
        let text: String = problems
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
            .join("\n");
        assert!(
            problems
                .iter()
                .any(|p| p.file == "manifest.json" && p.field.contains("server")),
            "edit_params {edit_params}: server ids/fingerprints not checked:\n{text}"
        );
        assert!(
            problems.iter().any(|p| p.field.contains("simulated")),
            "edit_params {edit_params}: simulated samples presented as a model's:\n{text}"
        );
        if !edit_params {
            assert!(
                problems.iter().any(|p| p.field.contains("parameters.")),
                "parameters disagree with the labels:\n{text}"
            );
        }
    }
}
