//! An installed binary: the frozen versions it carries, and the quick start run from a
//! directory outside the checkout.

use selfinterp::benchmark::{Benchmark, Source, embedded_names, embedded_version};
use std::path::PathBuf;

use crate::support::{RunArgs, assert_ok, bin_at, bin_in as outside, json_of, score_json};

fn checkout() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The binary run in `dir` with no `SELFINTERP_ROOT`, as a user outside the checkout runs it.

#[test]
fn every_frozen_version_is_embedded_byte_for_byte() {
    let on_disk = selfinterp::benchmark::versions(&checkout().join("benchmark"));
    assert!(!on_disk.is_empty());
    assert_eq!(embedded_names(), on_disk);
    let empty = tempfile::tempdir().unwrap();
    for v in &on_disk {
        let e = embedded_version(v).unwrap();
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
    let e = embedded_version("v1").unwrap();
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
    let run = outside(tmp.path(), &RunArgs::quick().out("first").to_vec());
    assert_ok(&run);
    let summary: serde_json::Value = score_json(bin_at(tmp.path()), &["first"]);
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
    let rows: serde_json::Value = json_of(&outside(tmp.path(), &["benchmark", "list", "--json"]));
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

/// A minimal clone of this crate's embedding (its `build.rs` and `src/benchmark/embedded.rs`,
/// copied) holding the benchmark versions `versions`, each manifest reading `"<version>"`.
fn toy_clone(dir: &std::path::Path, versions: &[&str]) {
    let src = dir.join("src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::copy(checkout().join("build.rs"), dir.join("build.rs")).unwrap();
    std::fs::copy(
        checkout().join("src/benchmark/embedded.rs"),
        src.join("embedded.rs"),
    )
    .unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"selfinterp\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[workspace]\n",
    )
    .unwrap();
    std::fs::write(
        src.join("main.rs"),
        "#[allow(dead_code)]\nmod embedded;\nfn main() {\n    for v in embedded::EMBEDDED {\n        println!(\"{} {}\", v.version, v.manifest.trim());\n    }\n}\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("benchmark")).unwrap();
    for v in versions {
        let d = dir.join("benchmark").join(v);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("manifest.json"), format!("\"{v}\"\n")).unwrap();
        std::fs::write(d.join("contexts.jsonl"), "").unwrap();
    }
}

/// `cargo build` of the toy clone in `dir` into the shared `target`; its output if it built.
fn build_toy(dir: &std::path::Path, target: &std::path::Path) -> Result<String, String> {
    let cargo: String = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = std::process::Command::new(cargo);
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy().to_string();
        // The outer cargo's settings for this crate (not the toolchain's home).
        if (k.starts_with("CARGO_") && k != "CARGO_HOME") || k == "OUT_DIR" {
            cmd.env_remove(k);
        }
    }
    let o = cmd
        .args(["build", "--quiet", "--offline", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", target)
        .output()
        .unwrap();
    if !o.status.success() {
        return Err(String::from_utf8_lossy(&o.stderr).to_string());
    }
    let run = std::process::Command::new(target.join("debug/selfinterp"))
        .output()
        .unwrap();
    Ok(String::from_utf8_lossy(&run.stdout).to_string())
}

/// Issue 26 item 16: the build script read its checkout through `env!` (fixed when the script
/// was compiled), so a second clone sharing the target dir embedded the first clone's versions
/// (here: its files older than the first build, so nothing looked changed). Each clone must
/// embed its own, and a checkout without a version must not build.
#[test]
fn two_clones_sharing_a_target_dir_embed_their_own_benchmark() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b, none) = (
        tmp.path().join("a"),
        tmp.path().join("b"),
        tmp.path().join("none"),
    );
    let target = tmp.path().join("target");
    toy_clone(&a, &["va"]);
    toy_clone(&b, &["vb1", "vb2"]);
    toy_clone(&none, &[]);
    // Clone b checked out long ago: its files are older than clone a's build.
    let old = std::fs::FileTimes::new()
        .set_modified(std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1 << 30));
    for e in walk(&b) {
        std::fs::File::open(&e)
            .and_then(|f| f.set_times(old))
            .unwrap();
    }
    assert_eq!(build_toy(&a, &target).unwrap(), "va \"va\"\n");
    assert_eq!(
        build_toy(&b, &target).unwrap(),
        "vb1 \"vb1\"\nvb2 \"vb2\"\n"
    );
    assert_eq!(build_toy(&a, &target).unwrap(), "va \"va\"\n");
    let err = build_toy(&none, &target).unwrap_err();
    assert!(
        err.contains("no frozen benchmark version"),
        "the build must fail when no version is found: {err}"
    );
}

/// `dir` and every file and directory under it.
fn walk(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = vec![dir.to_path_buf()];
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
