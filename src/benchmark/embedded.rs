//! The frozen versions compiled into the binary (by `build.rs` from `benchmark/*/`), so runs,
//! scores and reports work from any directory. A version under `--root` with the same name is
//! read from disk instead; either way the data is checked against its manifest's hash.

/// One frozen version's two files, as they were at build time.
#[derive(Clone, Copy, Debug)]
pub struct EmbeddedVersion {
    /// The version's name (`v1`).
    pub version: &'static str,
    /// Its `manifest.json`.
    pub manifest: &'static str,
    /// Its `contexts.jsonl`.
    pub contexts: &'static str,
}

/// Every version found under `benchmark/` when the binary was built, sorted by name.
pub static EMBEDDED: &[EmbeddedVersion] =
    include!(concat!(env!("OUT_DIR"), "/embedded_benchmarks.rs"));

/// The checkout `build.rs` read the versions from.
const BUILT_FROM: &str = include!(concat!(env!("OUT_DIR"), "/embedded_checkout.rs"));

const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i: usize = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

// The list above must be this checkout's, not another clone's that shares the target dir.
const _: () = assert!(
    same(BUILT_FROM, env!("CARGO_MANIFEST_DIR")),
    "build.rs output was generated for another checkout sharing this target directory; run `cargo clean -p selfinterp`"
);

/// The embedded copy of `version`, if the binary carries one.
pub fn get(version: &str) -> Option<&'static EmbeddedVersion> {
    EMBEDDED.iter().find(|v| v.version == version)
}

/// Names of the embedded versions.
pub fn names() -> Vec<&'static str> {
    EMBEDDED.iter().map(|v| v.version).collect()
}
