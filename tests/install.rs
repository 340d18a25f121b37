//! An installed binary: the frozen versions it carries, and the quick start run from a
//! directory outside the checkout.

use selfinterp::benchmark::{Benchmark, Source, embedded};
use std::path::PathBuf;

use crate::support::{assert_ok, bin_in as outside};

fn checkout() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The binary run in `dir` with no `SELFINTERP_ROOT`, as a user outside the checkout runs it.

#[test]
fn every_frozen_version_is_embedded_byte_for_byte() {
    let on_disk = selfinterp::benchmark::versions(&checkout().join("benchmark"));
    assert!(!on_disk.is_empty());
    assert_eq!(embedded::names(), on_disk);
    let empty = tempfile::tempdir().unwrap();
    for v in &on_disk {
        let e = embedded::get(v).unwrap();
        let dir = checkout().join("benchmark").join(v);
        assert_eq!(
            e.manifest,
            std::fs::read_to_string(dir.join("manifest.json")).unwrap()
        );
        assert_eq!(
            e.contexts,
            std::fs::read_to_string(dir.join("contexts.jsonl")).unwrap()
        );
        let (from_binary, source) = Benchmark::load_with_source(empty.path(), v).unwrap();
        assert_eq!(source, Source::Embedded);
        let (from_disk, source) =
            Benchmark::load_with_source(&checkout().join("benchmark"), v).unwrap();
        assert_eq!(source, Source::Disk(dir));
        assert_eq!(from_binary.hash, from_disk.hash);
        assert_eq!(from_binary.contexts, from_disk.contexts);
    }
}

#[test]
fn a_version_on_disk_takes_precedence_and_is_hash_checked() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("v1");
    std::fs::create_dir_all(&dir).unwrap();
    let e = embedded::get("v1").unwrap();
    std::fs::write(dir.join("manifest.json"), e.manifest).unwrap();
    // One changed byte in the data: the manifest's hash no longer matches.
    std::fs::write(
        dir.join("contexts.jsonl"),
        e.contexts.replacen("\"v", "\"w", 1),
    )
    .unwrap();
    let err = Benchmark::load(root.path(), "v1").unwrap_err().to_string();
    assert!(err.contains("contexts.jsonl: sha256"), "{err}");
    let unknown = Benchmark::load(root.path(), "v99").unwrap_err().to_string();
    assert!(
        unknown.contains("not embedded") && unknown.contains("--root"),
        "{unknown}"
    );
}

#[test]
fn the_quick_start_runs_outside_the_checkout() {
    let tmp = tempfile::tempdir().unwrap();
    let run = outside(
        tmp.path(),
        &[
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
        ],
    );
    assert_ok(&run);
    let score = outside(tmp.path(), &["score", "first", "--json"]);
    assert_ok(&score);
    let summary: serde_json::Value = serde_json::from_slice(&score.stdout).unwrap();
    assert!(summary.is_object());
    let report = outside(
        tmp.path(),
        &[
            "report",
            "first",
            "--format",
            "html",
            "--out",
            "first/report.html",
        ],
    );
    assert_ok(&report);
    let html = std::fs::read_to_string(tmp.path().join("first/report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") || html.starts_with("<!doctype html>"));
    let list = outside(tmp.path(), &["benchmark", "list", "--json"]);
    assert!(list.status.success());
    let rows: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    let v1 = Benchmark::load(&checkout().join("benchmark"), "v1").unwrap();
    assert_eq!(rows[0]["version"], "v1");
    assert_eq!(rows[0]["source"], "embedded");
    assert_eq!(rows[0]["contexts_sha256"], v1.hash.as_str());
}

#[test]
fn checkout_commands_outside_a_checkout_say_so_and_name_root() {
    let tmp = tempfile::tempdir().unwrap();
    for args in [
        &["domains", "check"][..],
        &["verify"],
        &["freeze", "--version", "v9"],
        &["leaderboard"],
        &["validate"],
    ] {
        let out = outside(tmp.path(), args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("checkout") && err.contains("--root"),
            "{args:?}: {err}"
        );
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
    }
}
