use super::Cli;
use clap::Subcommand;
use selfinterp::benchmark::{Benchmark, Source, Split, embedded, versions};

#[derive(Subcommand, Debug)]
pub enum BenchmarkCmd {
    /// List the frozen versions: embedded in the binary and under --root, with hashes
    List {
        /// Print a JSON array (version, source, contexts sha256, seed, contexts)
        #[arg(long)]
        json: bool,
    },
    /// Show a frozen version
    Show {
        /// Version name, e.g. v1
        version: String,
        /// Print JSON (per context: id, split, persona, question, attributes, profile, pairs)
        #[arg(long)]
        json: bool,
    },
}

pub fn run(cli: &Cli, cmd: &BenchmarkCmd) -> anyhow::Result<()> {
    let root = cli.benchmark_dir();
    match cmd {
        BenchmarkCmd::List { json } => list(&root, *json),
        BenchmarkCmd::Show { version, json } => {
            let b = Benchmark::load(&root, version)?;
            if *json {
                let list: Vec<_> = b
                    .contexts
                    .iter()
                    .map(|c| {
                        serde_json::json!({
                            "id": c.id, "split": c.split, "persona": c.persona, "question": c.question,
                            "attributes": c.attributes, "profile": c.profile, "pairs": c.pairs,
                            "report_pairs": c.report_pairs,
                        })
                    })
                    .collect();
                println!("{}", serde_json::to_string(&list)?);
            } else {
                println!(
                    "version {} (contexts.jsonl sha256 {})",
                    b.manifest.version, b.hash
                );
                for s in [Split::Instilled, Split::Native, Split::Train] {
                    let n = b.split(s).count();
                    let pairs: usize = b.split(s).map(|c| c.pairs.len()).sum();
                    println!(
                        "  {:<10} {n:>4} contexts  {pairs:>6} evaluation pairs",
                        s.as_str()
                    );
                }
            }
            Ok(())
        }
    }
}

/// One line (or JSON object) per version known to this binary: under `root` on disk first
/// (they take precedence), then the embedded ones not shadowed by a disk copy.
fn list(root: &std::path::Path, json: bool) -> anyhow::Result<()> {
    let mut names: Vec<String> = versions(root);
    for e in embedded::names() {
        if !names.iter().any(|n| n == e) {
            names.push(e.to_string());
        }
    }
    names.sort();
    let mut rows = Vec::new();
    for v in &names {
        let (b, source) = Benchmark::load_with_source(root, v)?;
        // A disk copy of an embedded version is named as such, and whether the two agree.
        let embedded_hash: Option<String> = embedded::get(v)
            .map(|e| selfinterp::benchmark::freeze::sha256_hex(e.contexts.as_bytes()));
        rows.push(serde_json::json!({
            "version": v,
            "source": match &source { Source::Embedded => "embedded".to_string(),
                Source::Disk(p) => p.display().to_string() },
            "embedded": embedded_hash.is_some(),
            "same_as_embedded": embedded_hash.as_ref().map(|h| *h == b.hash),
            "contexts_sha256": b.hash,
            "seed": b.manifest.seed,
            "contexts": b.contexts.len(),
        }));
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    if rows.is_empty() {
        println!(
            "no frozen versions (none embedded, none under {})",
            root.display()
        );
    }
    for r in &rows {
        let note = match r["same_as_embedded"].as_bool() {
            Some(false) => " (differs from the embedded copy)",
            _ => "",
        };
        println!(
            "{:<6} {:>4} contexts  sha256 {}  {}{note}",
            r["version"].as_str().unwrap_or(""),
            r["contexts"],
            r["contexts_sha256"].as_str().unwrap_or(""),
            r["source"].as_str().unwrap_or(""),
        );
    }
    Ok(())
}
