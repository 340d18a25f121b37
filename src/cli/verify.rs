use super::exit::Failure;
use super::{Cli, read_seed_file};
use crate::benchmark::{verify::verify_version, versions};
use crate::catalogue::Catalogue;
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// Only this version (default: every version under benchmark/)
    #[arg(long)]
    pub version: Option<String>,
    /// Secret seed of a privately drawn version
    #[arg(long)]
    pub private_seed_file: Option<PathBuf>,
}

pub fn run(cli: &Cli, a: &VerifyArgs) -> anyhow::Result<()> {
    let cat = Catalogue::load(&cli.checkout_dir("domains", "verify")?)
        .map_err(|e| Failure::usage(e.to_string()))?;
    let root = cli.benchmark_dir();
    let list = match &a.version {
        Some(v) => vec![v.clone()],
        None => versions(&root),
    };
    if list.is_empty() {
        return Err(
            Failure::check(format!("{}: no frozen versions to verify", root.display())).into(),
        );
    }
    let private = a
        .private_seed_file
        .as_deref()
        .map(read_seed_file)
        .transpose()?;
    let mut bad = 0;
    for v in &list {
        match verify_version(&cat, &root, v, private.as_deref()) {
            Err(e) => {
                println!("{e}");
                bad += 1;
            }
            Ok(m) if m.is_empty() => eprintln!("ok: {v} regenerates bit-for-bit"),
            Ok(m) => {
                for x in &m {
                    println!("{x}");
                }
                bad += 1;
            }
        }
    }
    if bad > 0 {
        return Err(Failure::check(format!(
            "{bad} of {} version(s) failed verification",
            list.len()
        ))
        .into());
    }
    Ok(())
}
