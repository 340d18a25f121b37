//! Building a frozen version from the catalogue and a seed, and writing it.

use super::rng::{Purpose, stream};
use super::sampling::{display_decimals, draw_pair, draw_profile};
use super::{
    CONTEXTS_FILE, Counts, FORMAT, FrozenAttribute, FrozenContext, MANIFEST_FILE, Manifest, Split,
};
use crate::catalogue::Catalogue;
use crate::types::N_ATTR;
use rand::Rng;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;

/// sha256 of `bytes`, as lower-case hex (how every file hash is recorded).
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Where the draws come from.
#[derive(Clone, Debug)]
pub enum SeedSource {
    /// Written in the manifest.
    Public(String),
    /// Kept secret; only its sha256 is written.
    Private(String),
}

impl SeedSource {
    fn seed(&self) -> &str {
        match self {
            SeedSource::Public(s) | SeedSource::Private(s) => s,
        }
    }
}

/// sha256 over the canonical serialisation of the catalogue: contexts sorted by id, each as
/// compact JSON of (id, thing, question, attributes), then the personas in order.
pub fn catalogue_hash(cat: &Catalogue) -> String {
    #[derive(Serialize)]
    struct Canon<'a> {
        contexts: Vec<&'a crate::catalogue::Context>,
        personas: &'a [String],
    }
    let mut contexts: Vec<_> = cat.contexts.iter().collect();
    contexts.sort_by(|a, b| a.id.cmp(&b.id));
    let json = serde_json::to_vec(&Canon {
        contexts,
        personas: &cat.personas,
    })
    .expect("serialises");
    sha256_hex(&json)
}

/// The persona sentence prefixed to a question.
pub fn prompted_question(persona: &str, question: &str) -> String {
    format!("Imagine you are {persona}. {question}")
}

/// The frozen files' contents, before they are written.
pub struct Frozen {
    /// The version's manifest.
    pub manifest: Manifest,
    /// Its contexts, splits and pairs.
    pub contexts: Vec<FrozenContext>,
    /// `contexts.jsonl`, byte for byte.
    pub contexts_jsonl: String,
    /// `manifest.json`, byte for byte.
    pub manifest_json: String,
}

/// Draws a version. The catalogue must be lint-clean (five attributes per context).
pub fn freeze(cat: &Catalogue, version: &str, seed: &SeedSource, counts: Counts) -> Frozen {
    let s = seed.seed();
    // Split order: contexts ranked by a per-context draw, so membership doesn't depend on
    // catalogue order; the first ones are instilled, then native, the rest train.
    let mut ranked: Vec<(u64, &crate::catalogue::Context)> = cat
        .contexts
        .iter()
        .map(|c| (stream(s, c.id.as_str(), Purpose::Split).random::<u64>(), c))
        .collect();
    ranked.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.id.cmp(&b.1.id)));
    let split_of = |rank: usize| {
        if rank < counts.instilled_contexts {
            Split::Instilled
        } else if rank < counts.instilled_contexts + counts.native_contexts {
            Split::Native
        } else {
            Split::Train
        }
    };
    let mut contexts: Vec<FrozenContext> = ranked
        .iter()
        .enumerate()
        .map(|(rank, (_, c))| {
            let id = c.id.as_str();
            let split = split_of(rank);
            let persona = {
                let i = stream(s, id, Purpose::Persona).random_range(0..cat.personas.len());
                cat.personas[i].clone()
            };
            let attributes: Vec<FrozenAttribute> = c
                .attributes
                .iter()
                .map(|a| FrozenAttribute {
                    name: a.name.clone(),
                    units: a.units.clone(),
                    min: a.min,
                    max: a.max,
                    decimals: display_decimals(a.max - a.min),
                })
                .collect();
            let ranges = c.ranges();
            let decimals: [u32; N_ATTR] = std::array::from_fn(|k| attributes[k].decimals);
            let n_pairs = match split {
                Split::Instilled => counts.instilled_pairs,
                Split::Native => counts.native_pairs,
                Split::Train => 0,
            };
            let mut prng = stream(s, id, Purpose::EvalPairs);
            let pairs = (0..n_pairs)
                .map(|_| draw_pair(&mut prng, &ranges, &decimals))
                .collect();
            let mut rrng = stream(s, id, Purpose::ReportPairs);
            let report_pairs = (0..counts.report_pairs)
                .map(|_| draw_pair(&mut rrng, &ranges, &decimals))
                .collect();
            FrozenContext {
                id: c.id.clone(),
                split,
                question: prompted_question(&persona, &c.question),
                persona,
                thing: c.thing.clone(),
                base_question: c.question.clone(),
                attributes,
                profile: draw_profile(&mut stream(s, id, Purpose::Profile)),
                pairs,
                report_pairs,
            }
        })
        .collect();
    // File order: by split, then id, so diffs between versions read naturally.
    contexts.sort_by(|a, b| a.split.cmp(&b.split).then_with(|| a.id.cmp(&b.id)));
    let mut contexts_jsonl = String::new();
    for c in &contexts {
        contexts_jsonl.push_str(&serde_json::to_string(c).expect("serialises"));
        contexts_jsonl.push('\n');
    }
    let mut splits: BTreeMap<Split, Vec<_>> = BTreeMap::new();
    for c in &contexts {
        splits.entry(c.split).or_default().push(c.id.clone());
    }
    let manifest = Manifest {
        version: version.to_string(),
        format: FORMAT,
        seed: match seed {
            SeedSource::Public(s) => Some(s.clone()),
            SeedSource::Private(_) => None,
        },
        private_seed_sha256: match seed {
            SeedSource::Public(_) => None,
            SeedSource::Private(s) => Some(sha256_hex(s.as_bytes())),
        },
        catalogue_sha256: catalogue_hash(cat),
        counts,
        splits,
        files: BTreeMap::from([(
            CONTEXTS_FILE.to_string(),
            sha256_hex(contexts_jsonl.as_bytes()),
        )]),
    };
    let mut manifest_json = serde_json::to_string_pretty(&manifest).expect("serialises");
    manifest_json.push('\n');
    Frozen {
        manifest,
        contexts,
        contexts_jsonl,
        manifest_json,
    }
}

impl Frozen {
    /// Writes `manifest.json` and `contexts.jsonl` into `dir`, creating it.
    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        std::fs::write(dir.join(CONTEXTS_FILE), &self.contexts_jsonl)?;
        std::fs::write(dir.join(MANIFEST_FILE), &self.manifest_json)?;
        Ok(())
    }
}
