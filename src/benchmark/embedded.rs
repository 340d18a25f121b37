//! The frozen versions compiled into the binary (by `build.rs` from `benchmark/*/`), so runs,
//! scores and reports work from any directory. A version under `--root` with the same name is
//! read from disk instead; either way the data is checked against its manifest's hash.

/// One frozen version's two files, as they were at build time.
#[derive(Clone, Copy, Debug)]
pub struct EmbeddedVersion {
    pub version: &'static str,
    pub manifest: &'static str,
    pub contexts: &'static str,
}

/// Every version found under `benchmark/` when the binary was built, sorted by name.
pub static EMBEDDED: &[EmbeddedVersion] =
    include!(concat!(env!("OUT_DIR"), "/embedded_benchmarks.rs"));

/// The embedded copy of `version`, if the binary carries one.
pub fn get(version: &str) -> Option<&'static EmbeddedVersion> {
    EMBEDDED.iter().find(|v| v.version == version)
}

/// Names of the embedded versions.
pub fn names() -> Vec<&'static str> {
    EMBEDDED.iter().map(|v| v.version).collect()
}
