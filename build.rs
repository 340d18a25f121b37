//! Embeds every frozen benchmark version (`benchmark/<version>/`) in the binary, so an
//! installed `selfinterp` runs from any directory. The generated list is included by
//! `src/benchmark/embedded.rs`; each version's data is checked against its manifest's hash
//! when it is loaded, as a version read from disk is.
//!
//! The checkout is read from `CARGO_MANIFEST_DIR` when the script runs, not when it was
//! compiled: two clones sharing one `CARGO_TARGET_DIR` share this script's binary. The
//! `rerun-if-changed` paths are absolute, so building the other clone reruns the script
//! (cargo stores them relative to the package only when they lie inside it), and
//! `embedded.rs` refuses to compile output generated for another checkout. Tested by
//! `two_clones_sharing_a_target_dir_embed_their_own_benchmark` (tests/install.rs).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let checkout: PathBuf = std::env::var_os("CARGO_MANIFEST_DIR")
        .expect("cargo sets CARGO_MANIFEST_DIR for build scripts")
        .into();
    let root: PathBuf = checkout.join("benchmark");
    println!("cargo:rerun-if-changed={}", root.display());
    let read = std::fs::read_dir(&root).unwrap_or_else(|e| {
        panic!(
            "{}: cannot list the frozen benchmark versions: {e}",
            root.display()
        )
    });
    let mut versions: Vec<String> = read
        .filter_map(|e| e.ok())
        .filter(|e| {
            let p = e.path();
            p.join("manifest.json").is_file() && p.join("contexts.jsonl").is_file()
        })
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    versions.sort();
    assert!(
        !versions.is_empty(),
        "{}: no frozen benchmark version (a directory with manifest.json and contexts.jsonl); the binary would embed none",
        root.display()
    );
    let mut out = String::from("&[\n");
    for v in &versions {
        let dir = root.join(v);
        println!("cargo:rerun-if-changed={}", dir.display());
        // Paths from the compiling crate's own CARGO_MANIFEST_DIR, not this script's.
        let file = |name: &str| {
            format!(
                "include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/benchmark/{v}/{name}\"))"
            )
        };
        writeln!(
            out,
            "    EmbeddedVersion {{ version: {v:?}, manifest: {m}, contexts: {c} }},",
            m = file("manifest.json"),
            c = file("contexts.jsonl"),
        )
        .unwrap();
    }
    out.push_str("]\n");
    let out_dir: PathBuf = std::env::var_os("OUT_DIR")
        .expect("cargo sets OUT_DIR")
        .into();
    std::fs::write(out_dir.join("embedded_benchmarks.rs"), out).unwrap();
    let from: String = checkout
        .to_str()
        .unwrap_or_else(|| panic!("{}: not UTF-8", checkout.display()))
        .to_string();
    std::fs::write(
        Path::new(&out_dir).join("embedded_checkout.rs"),
        format!("{from:?}"),
    )
    .unwrap();
}
