use super::exit::Failure;
use super::{Cli, read_seed_file};
use clap::Args;
use selfinterp::benchmark::Counts;
use selfinterp::benchmark::freeze::{SeedSource, freeze};
use selfinterp::catalogue::Catalogue;
use std::path::PathBuf;

/// The public master seed of v1, also recorded in its manifest.
pub const DEFAULT_SEED: &str = "20261126";

#[derive(Args, Debug)]
pub struct FreezeArgs {
    /// Version name, e.g. v1; written to benchmark/<VERSION>/
    #[arg(long)]
    pub version: String,
    /// Master seed written in the manifest
    #[arg(long, default_value = DEFAULT_SEED)]
    pub seed: String,
    /// Draw from the secret seed in this file instead; only its sha256 is published
    #[arg(long, conflicts_with = "seed")]
    pub private_seed_file: Option<PathBuf>,
    /// Write here instead of benchmark/<VERSION>/
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replace an existing version (frozen versions are otherwise never rewritten)
    #[arg(long)]
    pub force: bool,
}

pub fn run(cli: &Cli, a: &FreezeArgs) -> anyhow::Result<()> {
    let cat = Catalogue::load_valid(&cli.checkout_dir("domains", "freeze")?)?;
    let seed = match &a.private_seed_file {
        Some(f) => {
            let s = read_seed_file(f)?;
            if s.len() < 16 {
                return Err(Failure::usage(format!(
                    "{}: a private seed needs at least 16 characters",
                    f.display()
                ))
                .into());
            }
            SeedSource::Private(s)
        }
        None => SeedSource::Public(a.seed.clone()),
    };
    let dir = a
        .out
        .clone()
        .unwrap_or_else(|| cli.benchmark_dir().join(&a.version));
    if dir.join(selfinterp::benchmark::MANIFEST_FILE).exists() && !a.force {
        return Err(Failure::usage(format!(
            "{}: version {} is already frozen; a changed catalogue needs a new version (or --force)",
            dir.display(),
            a.version
        ))
        .into());
    }
    let frozen = freeze(&cat, &a.version, &seed, Counts::default());
    frozen
        .write(&dir)
        .map_err(|e| Failure::input(&e, format!("{}: {e}", dir.display())))?;
    eprintln!(
        "froze {} contexts into {} (contexts.jsonl sha256 {})",
        frozen.contexts.len(),
        dir.display(),
        &frozen.manifest.files[selfinterp::benchmark::CONTEXTS_FILE][..16]
    );
    Ok(())
}
