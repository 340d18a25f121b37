//! Embeds every frozen benchmark version (`benchmark/<version>/`) in the binary, so an
//! installed `selfinterp` runs from any directory. The generated list is included by
//! `src/benchmark/embedded.rs`; each version's data is checked against its manifest's hash
//! when it is loaded, as a version read from disk is.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("benchmark");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut versions: Vec<String> = std::fs::read_dir(&root)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter(|e| {
            let p = e.path();
            p.join("manifest.json").is_file() && p.join("contexts.jsonl").is_file()
        })
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    versions.sort();
    let mut out = String::from("&[\n");
    for v in &versions {
        let dir = root.join(v);
        println!("cargo:rerun-if-changed={}", dir.display());
        writeln!(
            out,
            "    EmbeddedVersion {{ version: {v:?}, manifest: include_str!({m:?}), contexts: include_str!({c:?}) }},",
            m = dir.join("manifest.json").display().to_string(),
            c = dir.join("contexts.jsonl").display().to_string(),
        )
        .unwrap();
    }
    out.push_str("]\n");
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("embedded_benchmarks.rs");
    std::fs::write(dest, out).unwrap();
}
