use super::exit::Failure;
use super::{Cli, read_seed_file};
use clap::Args;
use selfinterp::benchmark::{verify::verify_version, versions};
use selfinterp::catalogue::Catalogue;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// Only this version [default: every version under benchmark/]
    #[arg(long)]
    pub version: Option<String>,
    /// Secret seed of a privately drawn version
    #[arg(long)]
    pub private_seed_file: Option<PathBuf>,
    /// Print one JSON array (version, ok, problems) on stdout
    #[arg(long)]
    pub json: bool,
}

pub fn run(cli: &Cli, a: &VerifyArgs) -> anyhow::Result<()> {
    let cat = Catalogue::load(&cli.checkout_dir("domains", "verify")?)?;
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
    let mut rows: Vec<serde_json::Value> = Vec::new();
    for v in &list {
        let problems: Vec<String> = match verify_version(&cat, &root, v, private.as_deref()) {
            Err(e) => vec![e.to_string()],
            Ok(m) => m.iter().map(|x| x.to_string()).collect(),
        };
        if problems.is_empty() {
            eprintln!("ok: {v} regenerates bit-for-bit");
        } else {
            bad += 1;
        }
        if !a.json {
            for p in &problems {
                println!("{p}");
            }
        }
        rows.push(
            serde_json::json!({"version": v, "ok": problems.is_empty(), "problems": problems}),
        );
    }
    if a.json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
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
