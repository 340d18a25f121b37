//! `selfinterp validate`: everything published under `results/` must follow from its raw
//! samples. Each problem names the entry, the file and the field (or line).
//!
//! Per entry: only known files; `entry.toml` schema; no secret-looking strings in any file;
//! a complete manifest whose model and provider match `entry.toml`; the benchmark hash against
//! the frozen benchmark; every sample re-derived from its raw response (options and prompt
//! hash from the benchmark, parse status, parsed value, soft label); the manifest's counts
//! recomputed; and `summary.json` byte-identical to a fresh score. Then the committed
//! leaderboard, detail pages and full reports must equal a fresh render
//! ([`super::published`]).

use super::entry::{self, ALLOWED_FILES, ENTRY_FILE, Entry, EntryMeta, Problem, REQUIRED_FILES};
use super::provenance;
pub use super::published::check_leaderboard;
use super::secrets;
use crate::benchmark::{Benchmark, FrozenContext};
use crate::bundle::BundleSummary;
use crate::bundle::check;
use crate::bundle::open::{OpenError, benchmark_of, context_table};
use crate::bundle::parameters::run_contexts;
use crate::bundle::plan::Task;
use crate::bundle::plan::to_sample;
use crate::bundle::sample::{Sample, SampleKey};
use crate::bundle::{self, BundleContext, FORMAT, RunManifest, RunStatus};
use crate::providers::ChatResponse;
use rayon::prelude::*;
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// Problems of one kind listed per entry before the rest are only counted.
pub const MAX_LISTED: usize = 10;

/// Collects problems of one entry, capping repetitive ones.
struct Sink<'a> {
    entry: &'a str,
    problems: Vec<Problem>,
    sample_problems: usize,
}

impl Sink<'_> {
    fn push(&mut self, file: &str, field: impl Into<String>, message: impl Into<String>) {
        self.problems
            .push(Problem::new(self.entry, file, field, message));
    }
    fn sample(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.sample_problems += 1;
        if self.sample_problems <= MAX_LISTED {
            self.push(bundle::SAMPLES, field, message);
        }
    }
}

/// The text of each file of the entry that could be read strictly, by name.
type Files = HashMap<String, String>;

/// Lists the entry and reads every file in it strictly ([`super::files`]): a link, a
/// directory, a device or pipe, an unreadable or non-UTF-8 file is a problem, never skipped.
fn check_files(dir: &Path, s: &mut Sink<'_>) -> Files {
    let mut files: Files = HashMap::new();
    let read = match std::fs::read_dir(dir) {
        Ok(r) => r,
        Err(e) => {
            s.push("", "", format!("cannot list the directory: {e}"));
            return files;
        }
    };
    let mut names: Vec<(String, Option<std::fs::FileType>)> = Vec::new();
    for e in read {
        match e {
            // `DirEntry::file_type` does not follow links.
            Ok(e) => names.push((
                e.file_name().to_string_lossy().to_string(),
                e.file_type().ok(),
            )),
            Err(e) => s.push("", "", format!("cannot list the directory: {e}")),
        }
    }
    names.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, t) in &names {
        let is_dir: bool = t.is_some_and(|t| t.is_dir());
        if is_dir || !ALLOWED_FILES.contains(&name.as_str()) {
            s.push(
                name,
                "",
                format!(
                    "unexpected {}; an entry holds only {}",
                    if is_dir { "directory" } else { "file" },
                    ALLOWED_FILES.join(", ")
                ),
            );
        }
        if is_dir {
            continue;
        }
        let text: String = match super::files::read_text(dir, name) {
            Ok(t) => t,
            Err(m) => {
                s.push(name, "", m);
                continue;
            }
        };
        for f in secrets::scan(&text) {
            s.push(
                name,
                format!("line {}", f.line),
                format!(
                    "looks like a {} ({}); never publish credentials",
                    f.kind, f.excerpt
                ),
            );
        }
        files.insert(name.clone(), text);
    }
    for req in REQUIRED_FILES {
        if !names
            .iter()
            .any(|(n, t)| n == req && !t.is_some_and(|t| t.is_dir()))
        {
            s.push(req, "", "missing");
        }
    }
    files
}

fn check_meta(files: &Files, s: &mut Sink<'_>) -> Option<EntryMeta> {
    match entry::parse_meta(s.entry, files.get(ENTRY_FILE)?) {
        Ok(m) => {
            for (field, message) in m.check() {
                s.push(ENTRY_FILE, field, message);
            }
            Some(m)
        }
        Err(p) => {
            s.problems.push(p);
            None
        }
    }
}

fn check_manifest(m: &RunManifest, meta: Option<&EntryMeta>, s: &mut Sink<'_>) {
    if m.format != FORMAT {
        s.push(
            bundle::MANIFEST,
            "format",
            format!("is {} but this harness reads format {FORMAT}", m.format),
        );
    }
    if m.status != RunStatus::Complete {
        s.push(
            bundle::MANIFEST,
            "status",
            format!("is {:?}; only complete runs are published", m.status),
        );
    }
    let simulated: bool = provenance::simulated(m);
    for (field, message) in provenance::problems(m) {
        s.push(bundle::MANIFEST, field, message);
    }
    if let Some(meta) = meta {
        if meta.model_id != m.model {
            s.push(
                ENTRY_FILE,
                "model_id",
                format!(
                    "is {:?} but manifest.json model is {:?}",
                    meta.model_id, m.model
                ),
            );
        }
        if meta.provider != m.provider {
            s.push(
                ENTRY_FILE,
                "provider",
                format!(
                    "is {:?} but manifest.json provider is {:?}",
                    meta.provider, m.provider
                ),
            );
        }
        if meta.simulated != simulated {
            s.push(
                ENTRY_FILE,
                "simulated",
                if simulated {
                    format!(
                        "is false but the answers came from a simulated agent (provider {:?}, fingerprints {:?}); simulated samples cannot be presented as a model's",
                        m.parameters.as_ref().map_or(m.provider.as_str(), |p| p.provider.as_str()),
                        m.server.system_fingerprints
                    )
                } else {
                    format!("is true but the run's provider is {:?}", m.provider)
                },
            );
        }
    }
}

/// The frozen benchmark the manifest names, after checking its hash (by
/// [`crate::bundle::open::benchmark_of`], the check every re-score makes) and the hash its
/// parameters recorded.
fn check_benchmark(
    m: &RunManifest,
    dir: &Path,
    benchmark_root: &Path,
    s: &mut Sink<'_>,
) -> Option<Benchmark> {
    let version: &String = m.benchmark.as_ref()?;
    let bench: Benchmark = match benchmark_of(benchmark_root, m, dir) {
        Ok(b) => b?,
        Err(OpenError::BenchmarkChanged {
            recorded, actual, ..
        }) => {
            s.push(
                bundle::MANIFEST,
                "benchmark_sha256",
                format!("is {recorded:?} but frozen benchmark {version} has {actual}"),
            );
            return None;
        }
        Err(e) => {
            s.push(
                bundle::MANIFEST,
                "benchmark",
                format!("cannot load benchmark {version}: {e}"),
            );
            return None;
        }
    };
    if m.benchmark_sha256.is_none() {
        s.push(
            bundle::MANIFEST,
            "benchmark_sha256",
            format!("is missing; frozen benchmark {version} has {}", bench.hash),
        );
        return None;
    }
    if let Some(p) = &m.parameters
        && (p.benchmark_sha256 != bench.hash || p.benchmark != *version)
    {
        s.push(
            bundle::MANIFEST,
            "parameters.benchmark_sha256",
            format!(
                "{} {} does not match frozen benchmark {version} ({})",
                p.benchmark, p.benchmark_sha256, bench.hash
            ),
        );
        return None;
    }
    Some(bench)
}

/// Every line of `samples.jsonl`, strictly: a malformed or torn line is a problem here.
fn read_samples(files: &Files, s: &mut Sink<'_>) -> Option<Vec<Sample>> {
    let text: &String = files.get(bundle::SAMPLES)?;
    let mut out: Vec<Sample> = Vec::new();
    let mut ok: bool = true;
    for (i, line) in text.lines().enumerate() {
        match serde_json::from_str::<Sample>(line) {
            Ok(smp) => out.push(smp),
            Err(e) => {
                s.sample(format!("line {}", i + 1), format!("not a sample: {e}"));
                ok = false;
            }
        }
    }
    if !text.is_empty() && !text.ends_with('\n') {
        s.sample("", "the last line is not terminated (torn write)");
    }
    for (i, w) in out.windows(2).enumerate() {
        if w[0].key() >= w[1].key() {
            s.sample(
                format!("line {}", i + 2),
                format!("{} is repeated or out of canonical order", w[1].key()),
            );
        }
    }
    ok.then_some(out)
}

fn show<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// Re-derives every sample from its raw response and the benchmark, as the runner would.
fn check_samples_against_plan(
    m: &RunManifest,
    bench: &Benchmark,
    samples: &[Sample],
    s: &mut Sink<'_>,
) -> Option<usize> {
    let p = m.parameters.as_ref()?;
    // The check every command makes (plan, frozen pairs, duplicates), then the re-derivation
    // of each sample from its raw response, which only `validate` makes.
    let lines: Vec<usize> = check::in_file_order(samples.len());
    let file: &Path = Path::new(bundle::SAMPLES);
    for p in check::problems(file, samples, &lines, m, check::Against::Benchmark(bench)) {
        let line: String = p.line.map(|l| format!("line {l} ")).unwrap_or_default();
        s.sample(format!("{line}{}", p.field), p.message);
    }
    let contexts: Vec<Arc<FrozenContext>> = run_contexts(bench, p)
        .into_iter()
        .map(|c| Arc::new(c.clone()))
        .collect();
    // An adaptive run's pairs depend on its earlier answers: replay the design from them.
    let tasks: Vec<Task> = crate::bundle::rounds::replay(&contexts, p, samples);
    let by_key: HashMap<&SampleKey, &Task> = tasks.iter().map(|t| (&t.key, t)).collect();
    for (i, smp) in samples.iter().enumerate() {
        let line: String = format!("line {} ({})", i + 1, smp.key());
        let Some(task) = by_key.get(&smp.key()) else {
            continue; // reported by the shared check
        };
        let prompt = task.prompt();
        let response = ChatResponse {
            text: smp.response.clone(),
            top_logprobs: smp.logprobs.clone(),
            tokens_in: smp.tokens_in,
            tokens_out: smp.tokens_out,
            model: None,
            system_fingerprint: None,
        };
        let want: Sample = to_sample(task, &prompt, response);
        // (field, stored, re-derived, what re-derives it), for each re-derived field.
        macro_rules! diffs {
            ($($field:ident: $from:literal),* $(,)?) => {
                [$((stringify!($field), show(&smp.$field), show(&want.$field), $from)),*]
            };
        }
        // (options are the shared check's.)
        let diffs: [(&str, String, String, &str); 6] = diffs!(
            prompt_sha256: "the prompt built from the benchmark",
            status: "parsing the response",
            parsed: "parsing the response",
            out_of_range: "parsing the response",
            p_a: "the log-probabilities",
            p_a_status: "the log-probabilities",
        );
        if let Some((field, got, exp, from)) = diffs.iter().find(|d| d.1 != d.2) {
            s.sample(
                format!("{line} {field}"),
                format!("stored {got} but {from} gives {exp}"),
            );
        }
    }
    let have: std::collections::HashSet<SampleKey> = samples.iter().map(Sample::key).collect();
    let missing: Vec<&Task> = tasks.iter().filter(|t| !have.contains(&t.key)).collect();
    if let Some(first) = missing.first() {
        s.sample(
            "",
            format!(
                "{} planned request(s) have no sample, the first {}",
                missing.len(),
                first.key
            ),
        );
    }
    Some(tasks.len())
}

fn check_counts(
    files: &Files,
    m: &RunManifest,
    samples: &[Sample],
    planned: usize,
    s: &mut Sink<'_>,
) {
    // (An unreadable errors.jsonl is already a problem.)
    let errors: usize = files
        .get(bundle::ERRORS)
        .map_or(0, |t| t.lines().filter(|l| !l.trim().is_empty()).count());
    let want: Value =
        serde_json::to_value(bundle::count(samples, planned, errors)).expect("counts serialise");
    let got: Value = serde_json::to_value(&m.counts).expect("counts serialise");
    if let (Some(w), Some(g)) = (want.as_object(), got.as_object()) {
        for (k, wv) in w {
            if g.get(k) != Some(wv) {
                s.push(
                    bundle::MANIFEST,
                    format!("counts.{k}"),
                    format!(
                        "is {} but the bundle has {wv}",
                        g.get(k).map_or("missing".into(), Value::to_string)
                    ),
                );
            }
        }
    }
}

/// The first place two JSON values differ: (path, left, right).
pub fn first_difference(a: &Value, b: &Value, path: &str) -> Option<(String, String, String)> {
    let here = || {
        Some((
            if path.is_empty() {
                "(whole file)".to_string()
            } else {
                path.to_string()
            },
            a.to_string(),
            b.to_string(),
        ))
    };
    let join = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        }
    };
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in x {
                match y.get(k) {
                    Some(w) => {
                        if let Some(d) = first_difference(v, w, &join(k)) {
                            return Some(d);
                        }
                    }
                    None => return Some((join(k), v.to_string(), "nothing".into())),
                }
            }
            y.keys()
                .find(|k| !x.contains_key(*k))
                .map(|k| (join(k), "nothing".into(), y[k].to_string()))
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (v, w))| first_difference(v, w, &format!("{path}[{i}]"))),
        _ if a == b => None,
        _ => here(),
    }
}

/// Longest JSON value quoted in a message, in characters.
const QUOTE_CHARS: usize = 160;

/// A JSON value cut to [`QUOTE_CHARS`] characters, so a whole missing block stays one line.
fn abbreviate(v: &str) -> String {
    match v.char_indices().nth(QUOTE_CHARS) {
        Some((i, _)) => format!("{}…", &v[..i]),
        None => v.to_string(),
    }
}

/// `contexts.jsonl`'s records, strictly: every line (the last one too) must be one.
fn read_contexts(text: &str, s: &mut Sink<'_>) -> Option<Vec<BundleContext>> {
    let mut out: Vec<BundleContext> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        match serde_json::from_str::<BundleContext>(line) {
            Ok(c) => out.push(c),
            Err(e) => {
                s.push(bundle::CONTEXTS, format!("line {}", i + 1), e.to_string());
                return None;
            }
        }
    }
    Some(out)
}

fn check_summary(
    files: &Files,
    m: &RunManifest,
    samples: &[Sample],
    bench: Option<&Benchmark>,
    s: &mut Sink<'_>,
) {
    let own: Option<Vec<BundleContext>> = match files.get(bundle::CONTEXTS) {
        Some(text) => match read_contexts(text, s) {
            Some(c) => Some(c),
            None => return,
        },
        None => None,
    };
    let Some(table) = context_table(own.as_deref(), bench) else {
        return;
    };
    let canonical: Vec<Sample> = bundle::canonical(samples.to_vec());
    let fresh: BundleSummary = match BundleSummary::of(&canonical, m, table) {
        Ok(v) => v,
        Err(e) => {
            s.push(bundle::SAMPLES, "", format!("cannot be scored: {e}"));
            return;
        }
    };
    let want: Vec<u8> = fresh.to_bytes();
    let fresh: Value = serde_json::to_value(&fresh).expect("summary serialises");
    let Some(stored) = files.get(bundle::SUMMARY).map(String::as_bytes) else {
        return;
    };
    if stored == want {
        return;
    }
    match serde_json::from_slice::<Value>(stored) {
        Err(e) => s.push(bundle::SUMMARY, "", format!("not JSON: {e}")),
        Ok(v) => match first_difference(&v, &fresh, "") {
            Some((field, got, exp)) => s.push(
                bundle::SUMMARY,
                field,
                format!(
                    "stored {} but re-scoring samples.jsonl gives {}",
                    abbreviate(&got),
                    abbreviate(&exp)
                ),
            ),
            None => s.push(bundle::SUMMARY, "", "same values but not in the canonical layout; rewrite it with `selfinterp score DIR --write`"),
        },
    }
}

/// Checks one entry; returns its problems.
pub fn validate_entry(name: &str, dir: &Path, benchmark_root: &Path) -> Vec<Problem> {
    let mut s: Sink<'_> = Sink {
        entry: name,
        problems: Vec::new(),
        sample_problems: 0,
    };
    let files: Files = check_files(dir, &mut s);
    let meta: Option<EntryMeta> = check_meta(&files, &mut s);
    let Some(text) = files.get(bundle::MANIFEST) else {
        return s.problems; // missing or unreadable: already a problem
    };
    let manifest: RunManifest = match serde_json::from_str(text) {
        Ok(m) => m,
        Err(e) => {
            s.push(bundle::MANIFEST, "", e.to_string());
            return s.problems;
        }
    };
    check_manifest(&manifest, meta.as_ref(), &mut s);
    let bench: Option<Benchmark> = check_benchmark(&manifest, dir, benchmark_root, &mut s);
    if let Some(samples) = read_samples(&files, &mut s) {
        let planned: usize = bench
            .as_ref()
            .and_then(|b| check_samples_against_plan(&manifest, b, &samples, &mut s))
            .unwrap_or(manifest.counts.planned);
        check_counts(&files, &manifest, &samples, planned, &mut s);
        check_summary(&files, &manifest, &samples, bench.as_ref(), &mut s);
    }
    if s.sample_problems > MAX_LISTED {
        let more: usize = s.sample_problems - MAX_LISTED;
        s.push(
            bundle::SAMPLES,
            "",
            format!("… and {more} more sample problem(s)"),
        );
    }
    s.problems
}

/// Validates every entry under `results` and the committed leaderboard.
pub fn validate(
    results: &Path,
    benchmark_root: &Path,
) -> Result<(usize, Vec<Problem>), std::io::Error> {
    validate_with(results, benchmark_root, None)
}

/// [`validate`]; with `strict` (`validate --strict`), also each entry's provenance
/// ([`provenance::strict_problems`]), exempting the entries named in it.
pub fn validate_with(
    results: &Path,
    benchmark_root: &Path,
    strict: Option<&[String]>,
) -> Result<(usize, Vec<Problem>), std::io::Error> {
    let dirs: Vec<(String, std::path::PathBuf)> = entry::entry_dirs(results)?;
    let mut problems: Vec<Problem> = Vec::new();
    let mut entries: Vec<Entry> = Vec::new();
    let mut all_loaded: bool = true;
    // Entries are independent: checked in parallel, reported in directory order.
    let checked: Vec<(Vec<Problem>, Option<Entry>)> = dirs
        .par_iter()
        .map(|(name, dir)| {
            (
                validate_entry(name, dir, benchmark_root),
                entry::load(name, dir).ok(),
            )
        })
        .collect();
    for (found, loaded) in checked {
        problems.extend(found);
        match loaded {
            Some(e) => entries.push(e),
            None => all_loaded = false,
        }
    }
    if let Some(grandfathered) = strict {
        problems.extend(provenance::strict_problems(&entries, grandfathered));
    }
    // With an entry unreadable the render would differ anyway; that entry is already reported.
    if all_loaded {
        problems.extend(check_leaderboard(results, &entries, benchmark_root));
    }
    Ok((dirs.len(), problems))
}
