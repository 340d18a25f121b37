//! Chat-format fine-tuning files: instilling hidden profiles and training introspection.
//!
//! Every example uses exactly the prompts a run sends ([`crate::prompts`]), so a fine-tuned
//! model is trained on the very format it is later measured on. Pairs come from their own
//! seeded streams ([`Purpose::InstillTrain`], [`Purpose::InstillValidation`],
//! [`Purpose::IntrospectionTrain`]), never from the evaluation or report pairs, so no
//! measured pair is ever seen in training.

use crate::benchmark::freeze::sha256_hex;
use crate::benchmark::rng::{Purpose, stream};
use crate::benchmark::sampling::{draw_pair, profile_choice};
use crate::benchmark::{Benchmark, FrozenContext, Split};
use crate::prompts::{self, Message, PROMPT_VERSION, Prompt};
use crate::types::{Choice, ContextId, N_ATTR};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Training choice examples per context (the study's count).
pub const INSTILL_TRAIN_PER_CONTEXT: usize = 50;
/// Validation choice examples per context (the study's count).
pub const INSTILL_VALIDATION_PER_CONTEXT: usize = 10;

/// One fine-tuning example: `{"messages": [system, user, assistant]}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Example {
    pub messages: Vec<Message>,
}

impl Example {
    fn new(prompt: &Prompt, answer: String) -> Example {
        let mut messages = prompt.messages();
        messages.push(Message {
            role: "assistant".into(),
            content: answer,
        });
        Example { messages }
    }

    /// The assistant's answer (the last message).
    pub fn answer(&self) -> &str {
        self.messages
            .last()
            .map(|m| m.content.as_str())
            .unwrap_or("")
    }
}

/// The halves are the runner's (it asks a trained model only its held-out half), so an
/// export and a run can never disagree on them.
pub use crate::bundle::subset::{Half, half_ids, halves};

/// The seed the fine-tuning streams are drawn from, checked against the manifest.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error(
        "benchmark {version} was frozen from a private seed; pass it with --seed-file (its sha256 must be {sha})"
    )]
    PrivateSeedNeeded { version: String, sha: String },
    #[error(
        "the given seed's sha256 {actual} does not match the manifest's private_seed_sha256 {expected}"
    )]
    WrongPrivateSeed { expected: String, actual: String },
    #[error("the given seed {given:?} differs from the manifest's public seed {manifest:?}")]
    WrongPublicSeed { given: String, manifest: String },
    #[error("the manifest records neither a seed nor a private seed hash")]
    NoSeed,
}

/// The master seed of a version: the manifest's public seed, or a private one whose sha256
/// matches the manifest. Training data from any other seed would silently teach other pairs.
pub fn master_seed(bench: &Benchmark, given: Option<&str>) -> Result<String, SeedError> {
    let m = &bench.manifest;
    match (&m.seed, &m.private_seed_sha256, given) {
        (Some(s), _, None) => Ok(s.clone()),
        (Some(s), _, Some(g)) if g == s => Ok(s.clone()),
        (Some(s), _, Some(g)) => Err(SeedError::WrongPublicSeed {
            given: g.into(),
            manifest: s.clone(),
        }),
        (None, Some(sha), None) => Err(SeedError::PrivateSeedNeeded {
            version: m.version.clone(),
            sha: sha.clone(),
        }),
        (None, Some(sha), Some(g)) => {
            let actual = sha256_hex(g.as_bytes());
            if actual == *sha {
                Ok(g.to_string())
            } else {
                Err(SeedError::WrongPrivateSeed {
                    expected: sha.clone(),
                    actual,
                })
            }
        }
        (None, None, _) => Err(SeedError::NoSeed),
    }
}

fn decimals(ctx: &FrozenContext) -> [u32; N_ATTR] {
    std::array::from_fn(|k| ctx.attributes[k].decimals)
}

fn letter(c: Choice) -> &'static str {
    match c {
        Choice::A => "A",
        Choice::B => "B",
    }
}

/// `n` choice examples for one context from its `purpose` stream, answered by its profile.
pub fn choice_examples(
    seed: &str,
    ctx: &FrozenContext,
    purpose: Purpose,
    n: usize,
) -> Vec<Example> {
    let ranges = ctx.ranges();
    let dec = decimals(ctx);
    let w = ctx.profile.weights();
    let mut rng = stream(seed, ctx.id.as_str(), purpose);
    (0..n)
        .map(|_| {
            let pair = draw_pair(&mut rng, &ranges, &dec);
            Example::new(
                &prompts::choice_prompt(ctx, &pair),
                letter(profile_choice(&w, &pair, &ranges)).into(),
            )
        })
        .collect()
}

/// One introspection-training example: the report prompt with a fresh pair, answered by the
/// JSON of the profile.
pub fn introspection_example(seed: &str, ctx: &FrozenContext) -> Example {
    let mut rng = stream(seed, ctx.id.as_str(), Purpose::IntrospectionTrain);
    let pair = draw_pair(&mut rng, &ctx.ranges(), &decimals(ctx));
    Example::new(
        &prompts::report_prompt(ctx, &pair),
        prompts::report_answer(ctx, &ctx.profile.weights().0),
    )
}

/// Training and validation examples teaching the profiles of a split.
pub struct InstillSet {
    pub train: Vec<Example>,
    pub validation: Vec<Example>,
    pub contexts: usize,
}

/// Round-robin over contexts: every context's first example, then every context's second, and
/// so on. A trainer that does not shuffle then never sees one context in a long block (which
/// would teach recency, not the profiles), and the order needs no extra random stream.
fn interleave(per_context: Vec<Vec<Example>>) -> Vec<Example> {
    let n = per_context.iter().map(Vec::len).max().unwrap_or(0);
    let mut iters: Vec<_> = per_context.into_iter().map(Vec::into_iter).collect();
    let mut out = Vec::new();
    for _ in 0..n {
        out.extend(iters.iter_mut().filter_map(Iterator::next));
    }
    out
}

/// The instilling examples of a split's contexts (in benchmark file order), interleaved.
pub fn instill_examples(
    bench: &Benchmark,
    seed: &str,
    split: Split,
    per_train: usize,
    per_validation: usize,
) -> InstillSet {
    let ctxs: Vec<&FrozenContext> = bench.split(split).collect();
    let train = interleave(
        ctxs.iter()
            .map(|c| choice_examples(seed, c, Purpose::InstillTrain, per_train))
            .collect(),
    );
    let validation = interleave(
        ctxs.iter()
            .map(|c| choice_examples(seed, c, Purpose::InstillValidation, per_validation))
            .collect(),
    );
    InstillSet {
        train,
        validation,
        contexts: ctxs.len(),
    }
}

/// One example per context of one half of the instilled split, in sorted id order.
pub fn introspection_examples(bench: &Benchmark, seed: &str, half: Half) -> Vec<Example> {
    half_ids(bench, half)
        .iter()
        .filter_map(|id| bench.get(id))
        .map(|ctx| introspection_example(seed, ctx))
        .collect()
}

/// The JSONL text of a list of examples, one compact object per line.
pub fn to_jsonl(examples: &[Example]) -> String {
    let mut s = String::new();
    for e in examples {
        s.push_str(&serde_json::to_string(e).expect("serialises"));
        s.push('\n');
    }
    s
}

/// What a file is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportKind {
    Instill,
    Introspection,
}

/// One written data file as recorded in a manifest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FileEntry {
    /// File name, relative to the manifest's directory.
    pub file: String,
    /// Examples (lines) in the file.
    pub examples: usize,
    /// sha256 of the file's bytes.
    pub sha256: String,
    /// Approximate training tokens (see [`super::tokens::approx_message_tokens`]).
    pub approx_tokens: u64,
}

/// The manifest written beside an export: what it was drawn from and how to check it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExportManifest {
    /// What the examples teach.
    pub kind: ExportKind,
    /// The benchmark version the examples were drawn from.
    pub benchmark_version: String,
    /// sha256 of the benchmark's contexts.jsonl, as runs record it.
    pub benchmark_sha256: String,
    /// The prompts' wording version (`prompts::PROMPT_VERSION`).
    pub prompt_version: String,
    /// The benchmark split drawn from.
    pub split: Split,
    /// The half of the instilled split, when one was asked.
    pub half: Option<Half>,
    /// The contexts the examples come from.
    pub contexts: Vec<ContextId>,
    /// The training file.
    pub train: FileEntry,
    /// The validation file, when one was written.
    pub validation: Option<FileEntry>,
    /// How the examples were drawn, for a reader who wants to regenerate them.
    pub method: String,
}

/// `dir/stem.jsonl` -> `dir/stem.<suffix>`; a name without `.jsonl` gets the suffix appended.
pub fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let stem = name.strip_suffix(".jsonl").unwrap_or(&name);
    path.with_file_name(format!("{stem}.{suffix}"))
}

/// The validation file written beside a training file `F`: `F` with `.validation.jsonl`.
pub fn validation_path(out: &Path) -> PathBuf {
    sibling(out, "validation.jsonl")
}

/// The manifest written beside a file `F`: `F` with `.manifest.json`.
pub fn manifest_path(out: &Path) -> PathBuf {
    sibling(out, "manifest.json")
}

fn entry(path: &Path, examples: &[Example], text: &str) -> FileEntry {
    FileEntry {
        file: path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default(),
        examples: examples.len(),
        sha256: sha256_hex(text.as_bytes()),
        approx_tokens: examples
            .iter()
            .map(|e| super::tokens::approx_message_tokens(&e.messages))
            .sum(),
    }
}

/// Files and manifest of an export, before they are written.
pub struct Export {
    /// Each data file's path and JSON-lines text (training first).
    pub files: Vec<(PathBuf, String)>,
    /// What [`Export::write`] writes beside them.
    pub manifest: ExportManifest,
}

impl Export {
    /// Writes the data files and the manifest (pretty JSON), creating the directory.
    pub fn write(&self, out: &Path) -> std::io::Result<PathBuf> {
        if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        for (p, text) in &self.files {
            std::fs::write(p, text)?;
        }
        let mp = manifest_path(out);
        let mut json = serde_json::to_string_pretty(&self.manifest).expect("serialises");
        json.push('\n');
        std::fs::write(&mp, json)?;
        Ok(mp)
    }
}

/// The instilling export of `split` to `out` (and its validation file).
pub fn export_instill(bench: &Benchmark, seed: &str, split: Split, out: &Path) -> Export {
    let set = instill_examples(
        bench,
        seed,
        split,
        INSTILL_TRAIN_PER_CONTEXT,
        INSTILL_VALIDATION_PER_CONTEXT,
    );
    let vpath = validation_path(out);
    let (ttext, vtext) = (to_jsonl(&set.train), to_jsonl(&set.validation));
    let manifest = ExportManifest {
        kind: ExportKind::Instill,
        benchmark_version: bench.manifest.version.clone(),
        benchmark_sha256: bench.hash.clone(),
        prompt_version: PROMPT_VERSION.into(),
        split,
        half: None,
        contexts: bench.split(split).map(|c| c.id.clone()).collect(),
        train: entry(out, &set.train, &ttext),
        validation: Some(entry(&vpath, &set.validation, &vtext)),
        method: format!(
            "per context: {INSTILL_TRAIN_PER_CONTEXT} pairs from stream (seed, context, instill_train) and \
{INSTILL_VALIDATION_PER_CONTEXT} from (seed, context, instill_validation); choice prompt; answer = the option \
of higher profile utility (A on a tie); examples interleaved round-robin over contexts in benchmark file order"
        ),
    };
    Export {
        files: vec![(out.to_path_buf(), ttext), (vpath, vtext)],
        manifest,
    }
}

/// The introspection-training export of one half of the instilled split to `out`.
pub fn export_introspection(bench: &Benchmark, seed: &str, half: Half, out: &Path) -> Export {
    let examples = introspection_examples(bench, seed, half);
    let text = to_jsonl(&examples);
    let manifest = ExportManifest {
        kind: ExportKind::Introspection,
        benchmark_version: bench.manifest.version.clone(),
        benchmark_sha256: bench.hash.clone(),
        prompt_version: PROMPT_VERSION.into(),
        split: Split::Instilled,
        half: Some(half),
        contexts: half_ids(bench, half),
        train: entry(out, &examples, &text),
        validation: None,
        method: "instilled ids sorted; first half = the first n/2, second = the rest; per context one pair from \
stream (seed, context, introspection_train); report prompt; answer = JSON of the hidden profile"
            .into(),
    };
    Export {
        files: vec![(out.to_path_buf(), text)],
        manifest,
    }
}
