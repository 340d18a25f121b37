//! Frozen benchmark versions in `benchmark/<version>/`, derived from the catalogue and a seed.
//!
//! A version is two files: `manifest.json` (seed, catalogue hash, splits, file hashes) and
//! `contexts.jsonl` (one line per context: split, persona, attributes with display precision,
//! hidden profile, evaluation pairs, report pairs). Both are regenerated bit-for-bit by
//! [`freeze::freeze`], which is how `verify` checks them.

pub(crate) mod embedded;
pub(crate) mod freeze;
pub(crate) mod rng;
pub(crate) mod sampling;
pub(crate) mod verify;

pub use embedded::{EmbeddedVersion, get as embedded_version, names as embedded_names};
pub use freeze::{Frozen, SeedSource, freeze, sha256_hex};
pub use sampling::{draw_pair, profile_choice, scaled_difference};
pub use verify::verify_version;

use crate::types::{ContextId, N_ATTR, Pair, Profile};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A version's manifest, in its directory.
pub const MANIFEST_FILE: &str = "manifest.json";
/// A version's contexts, one JSON object a line, in its directory.
pub const CONTEXTS_FILE: &str = "contexts.jsonl";
/// The layout of the files; bump when it changes.
pub const FORMAT: u32 = 1;

/// Which part of the benchmark a context belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Split {
    /// Profiles instilled by fine-tuning, then measured.
    Instilled,
    /// The model's own preferences, measured without fine-tuning.
    Native,
    /// Spare contexts for introspection training and fine-tuning examples.
    Train,
}

impl Split {
    /// The snake_case name used in JSON and messages.
    pub fn as_str(&self) -> &'static str {
        match self {
            Split::Instilled => "instilled",
            Split::Native => "native",
            Split::Train => "train",
        }
    }
}

/// An attribute as frozen: the catalogue's fields plus its display precision.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FrozenAttribute {
    /// snake_case name, unique in its context (the key of a report).
    pub name: String,
    /// The unit values are shown in.
    pub units: String,
    /// Lowest value an option may take.
    pub min: f64,
    /// Highest value an option may take (above `min`).
    pub max: f64,
    /// Decimals shown in prompts (the display-precision rule of docs/protocol.md).
    pub decimals: u32,
}

impl FrozenAttribute {
    /// Range width, the denominator that puts attributes on a common scale.
    pub fn width(&self) -> f64 {
        self.max - self.min
    }
}

/// One context of a frozen version: everything a run needs to prompt and score it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FrozenContext {
    /// The catalogue's context id.
    pub id: ContextId,
    /// The split it was drawn into.
    pub split: Split,
    /// The persona the model decides for, drawn from the catalogue's pool.
    pub persona: String,
    /// The thing chosen ("electric kettle").
    pub thing: String,
    /// The catalogue's question, without the persona.
    pub base_question: String,
    /// The question exactly as prompted, with the persona.
    pub question: String,
    /// Its five attributes, in the order prompts and weights use.
    pub attributes: Vec<FrozenAttribute>,
    /// Hidden preference profile, in attribute order. Never shown in an evaluation prompt.
    pub profile: Profile,
    /// Evaluation pairs for choices (50 instilled, 100 native, none for train).
    pub pairs: Vec<Pair>,
    /// Fresh pairs shown with report prompts.
    pub report_pairs: Vec<Pair>,
}

impl FrozenContext {
    /// `(min, max)` per attribute, in attribute order.
    pub fn ranges(&self) -> [(f64, f64); N_ATTR] {
        std::array::from_fn(|k| (self.attributes[k].min, self.attributes[k].max))
    }

    /// The attributes' names, in order.
    pub fn attribute_names(&self) -> Vec<&str> {
        self.attributes.iter().map(|a| a.name.as_str()).collect()
    }
}

/// `manifest.json` of a frozen version.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// The version's name (`v1`), also its directory's.
    pub version: String,
    /// The files' layout ([`FORMAT`]).
    pub format: u32,
    /// The public master seed; null when the draws came from a private seed.
    pub seed: Option<String>,
    /// sha256 of the private seed, published so the draw can be revealed and checked later.
    pub private_seed_sha256: Option<String>,
    /// sha256 over the canonical serialisation of `domains/` (`freeze::catalogue_hash`).
    pub catalogue_sha256: String,
    /// How many contexts and pairs were drawn.
    pub counts: Counts,
    /// Context ids per split, in file order.
    pub splits: BTreeMap<Split, Vec<ContextId>>,
    /// sha256 of each data file of the version.
    pub files: BTreeMap<String, String>,
}

/// How many contexts and pairs the freeze draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Contexts of the instilled split (each with a hidden profile).
    pub instilled_contexts: usize,
    /// Contexts of the native split.
    pub native_contexts: usize,
    /// Evaluation pairs per instilled context.
    pub instilled_pairs: usize,
    /// Evaluation pairs per native context.
    pub native_pairs: usize,
    /// Report pairs per context (shown with each report prompt).
    pub report_pairs: usize,
}

impl Default for Counts {
    /// The study's protocol (docs/protocol.md).
    fn default() -> Self {
        Counts {
            instilled_contexts: 100,
            native_contexts: 100,
            instilled_pairs: 50,
            native_pairs: 100,
            report_pairs: 10,
        }
    }
}

/// A loaded frozen version.
#[derive(Clone, Debug)]
pub struct Benchmark {
    /// `manifest.json`: version, seed, counts, splits and file hashes.
    pub manifest: Manifest,
    /// Every frozen context, both splits, in file order.
    pub contexts: Vec<FrozenContext>,
    /// sha256 of `contexts.jsonl` as read: the benchmark hash runs record.
    pub hash: String,
}

/// Why a benchmark version could not be loaded; each names its file or version.
#[derive(Debug, thiserror::Error)]
pub enum BenchmarkError {
    /// A file could not be read.
    #[error("{path}: cannot read: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The version is neither on disk nor embedded.
    #[error(
        "benchmark version {version}: not under {root} and not embedded in this binary \
         (embedded: {embedded}); --root or SELFINTERP_ROOT names a checkout holding it"
    )]
    Unknown {
        /// The version asked for.
        version: String,
        /// The benchmark directory searched.
        root: PathBuf,
        /// The embedded versions, comma-separated.
        embedded: String,
    },
    /// A line of a file is not what it should be.
    #[error("{path}: line {line}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The line, from 1.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A file's sha256 is not the manifest's: the data changed.
    #[error("{path}: sha256 {actual} does not match the manifest's {expected}")]
    Hash {
        /// The file.
        path: PathBuf,
        /// The manifest's hash.
        expected: String,
        /// The file's.
        actual: String,
    },
}

/// Where a loaded version came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "path")]
pub enum Source {
    /// `<root>/<version>/` on disk.
    Disk(PathBuf),
    /// Compiled into the binary from the checkout it was built from.
    Embedded,
}

impl Benchmark {
    /// Loads `<root>/<version>/` when it exists there, else the copy embedded in the binary;
    /// either way the data file is checked against the manifest's hash.
    pub fn load(root: &Path, version: &str) -> Result<Benchmark, BenchmarkError> {
        Self::load_with_source(root, version).map(|(b, _)| b)
    }

    /// [`Benchmark::load`], also saying where the version was found.
    pub fn load_with_source(
        root: &Path,
        version: &str,
    ) -> Result<(Benchmark, Source), BenchmarkError> {
        let dir = root.join(version);
        if !dir.join(MANIFEST_FILE).exists() {
            if let Some(e) = embedded::get(version) {
                let label = Path::new("<embedded>").join(version);
                let b = Self::parse(&label, e.manifest, e.contexts)?;
                return Ok((b, Source::Embedded));
            }
            if !dir.exists() {
                return Err(BenchmarkError::Unknown {
                    version: version.to_string(),
                    root: root.to_path_buf(),
                    embedded: embedded::names().join(", "),
                });
            }
        }
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read_to_string(&path).map_err(|source| BenchmarkError::Io { path, source })
        };
        let manifest = read(MANIFEST_FILE)?;
        let contexts = read(CONTEXTS_FILE)?;
        let b = Self::parse(&dir, &manifest, &contexts)?;
        Ok((b, Source::Disk(dir)))
    }

    /// Parses a version's two files; `dir` names them in errors.
    fn parse(dir: &Path, manifest: &str, text: &str) -> Result<Benchmark, BenchmarkError> {
        let mpath = dir.join(MANIFEST_FILE);
        let manifest: Manifest =
            serde_json::from_str(manifest).map_err(|e| BenchmarkError::Parse {
                path: mpath.clone(),
                line: e.line(),
                message: e.to_string(),
            })?;
        let cpath = dir.join(CONTEXTS_FILE);
        // Hashed and parsed side by side, the lines in parallel; the hash is checked first.
        let (hash, parsed) = rayon::join(
            || crate::benchmark::freeze::sha256_hex(text.as_bytes()),
            || {
                let lines: Vec<&str> = text.lines().collect();
                lines
                    .into_par_iter()
                    .map(serde_json::from_str::<FrozenContext>)
                    .collect::<Vec<_>>()
            },
        );
        if let Some(expected) = manifest.files.get(CONTEXTS_FILE)
            && *expected != hash
        {
            return Err(BenchmarkError::Hash {
                path: cpath,
                expected: expected.clone(),
                actual: hash,
            });
        }
        let contexts = parsed
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                r.map_err(|e| BenchmarkError::Parse {
                    path: cpath.clone(),
                    line: i + 1,
                    message: e.to_string(),
                })
            })
            .collect::<Result<Vec<FrozenContext>, _>>()?;
        Ok(Benchmark {
            manifest,
            contexts,
            hash,
        })
    }

    /// The contexts of `split`, in file order.
    pub fn split(&self, split: Split) -> impl Iterator<Item = &FrozenContext> {
        self.contexts.iter().filter(move |c| c.split == split)
    }

    /// The context `id`, if the version has it.
    pub fn get(&self, id: &ContextId) -> Option<&FrozenContext> {
        self.contexts.iter().find(|c| &c.id == id)
    }
}

/// Versions present under `root` on disk, sorted (embedded ones: [`embedded::names`]).
pub fn versions(root: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(root)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join(MANIFEST_FILE).is_file())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    v.sort();
    v
}
