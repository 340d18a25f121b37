//! Shared test support: a loopback mock server with fault injection ([`mock`]) and small
//! frozen benchmarks written to a temporary root, so tests need neither the network nor the
//! real catalogue; `selfinterp run`'s arguments built as the tests spell them, and the binary
//! run off the async runtime ([`run`]); a server process the test starts ([`process`]); a
//! command's `--json` answer and `score --json` read with the exit checked ([`json`]); and the
//! reader of the Python fit comparisons' data ([`fit_data`]).
#![allow(dead_code, unused_imports)]

pub mod fit_data;
pub mod json;
pub mod mock;
pub mod process;
pub mod run;

pub use json::{json_of, jsonl, score_json};
pub use mock::{Fault, MockServer, Received, Responder};
pub use process::ServerProcess;
pub use run::{RunArgs, keyless_in, output_off_runtime, run_off_runtime, stdout};

use selfinterp::benchmark::sha256_hex;
use selfinterp::benchmark::{
    CONTEXTS_FILE, Counts, FORMAT, FrozenContext, MANIFEST_FILE, Manifest, Split,
};
use selfinterp::sim::synthetic_contexts;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

/// The binary under test; `SELFINTERP_TEST_BIN` puts an installed copy in its place.
pub fn bin() -> Command {
    match std::env::var_os("SELFINTERP_TEST_BIN") {
        Some(b) => Command::new(b),
        None => Command::new(env!("CARGO_BIN_EXE_selfinterp")),
    }
}

/// The binary in `dir` as a user outside the checkout runs it: no `SELFINTERP_ROOT`, so only
/// the embedded benchmark versions are known.
pub fn bin_at(dir: &Path) -> Command {
    let mut c: Command = bin();
    c.current_dir(dir).env_remove("SELFINTERP_ROOT");
    c
}

/// `selfinterp ARGS...` run in `dir` as a user outside the checkout runs it ([`bin_at`]).
pub fn bin_in<S: AsRef<std::ffi::OsStr>>(dir: &Path, args: &[S]) -> Output {
    bin_at(dir).args(args).output().unwrap()
}

/// Pearson's r as the textbook writes it: a reference independent of the library's `scoring`
/// (NaN when either side is constant).
pub fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let sxy: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let sxx: f64 = x.iter().map(|a| (a - mx).powi(2)).sum();
    let syy: f64 = y.iter().map(|b| (b - my).powi(2)).sum();
    sxy / (sxx * syy).sqrt()
}

/// What a command wrote on stderr, as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// Fails the test with the command's stderr unless it succeeded.
pub fn assert_ok(o: &Output) {
    assert!(o.status.success(), "{}", stderr(o));
}

/// Synthetic contexts of both evaluation splits (see `sim::synthetic_contexts`).
pub fn contexts(
    instilled: usize,
    native: usize,
    pairs: usize,
    report_pairs: usize,
) -> Vec<FrozenContext> {
    let mut c = synthetic_contexts("support", Split::Instilled, instilled, pairs, report_pairs);
    c.extend(synthetic_contexts(
        "support",
        Split::Native,
        native,
        pairs,
        report_pairs,
    ));
    c
}

/// Writes `contexts` as frozen version `version` under `<root>/benchmark/`, with a manifest
/// whose hash matches, so `Benchmark::load` and every command accept it.
pub fn write_benchmark(root: &Path, version: &str, contexts: &[FrozenContext]) {
    let dir = root.join("benchmark").join(version);
    std::fs::create_dir_all(&dir).unwrap();
    let mut jsonl = String::new();
    for c in contexts {
        jsonl.push_str(&serde_json::to_string(c).unwrap());
        jsonl.push('\n');
    }
    let mut splits: BTreeMap<Split, Vec<_>> = BTreeMap::new();
    for c in contexts {
        splits.entry(c.split).or_default().push(c.id.clone());
    }
    let count = |s: Split| contexts.iter().filter(|c| c.split == s).count();
    let pairs = |s: Split| {
        contexts
            .iter()
            .find(|c| c.split == s)
            .map_or(0, |c| c.pairs.len())
    };
    let manifest = Manifest {
        version: version.to_string(),
        format: FORMAT,
        seed: Some("support".into()),
        private_seed_sha256: None,
        catalogue_sha256: "synthetic".into(),
        counts: Counts {
            instilled_contexts: count(Split::Instilled),
            native_contexts: count(Split::Native),
            instilled_pairs: pairs(Split::Instilled),
            native_pairs: pairs(Split::Native),
            report_pairs: contexts.first().map_or(0, |c| c.report_pairs.len()),
        },
        splits,
        files: BTreeMap::from([(CONTEXTS_FILE.to_string(), sha256_hex(jsonl.as_bytes()))]),
    };
    std::fs::write(dir.join(CONTEXTS_FILE), jsonl).unwrap();
    std::fs::write(
        dir.join(MANIFEST_FILE),
        serde_json::to_string_pretty(&manifest).unwrap() + "\n",
    )
    .unwrap();
}
