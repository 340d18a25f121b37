use super::Cli;
use super::exit::Failure;
use crate::benchmark::{Benchmark, Split, versions};
use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum BenchmarkCmd {
    /// List frozen versions
    List,
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
        BenchmarkCmd::List => {
            for v in versions(&root) {
                println!("{v}");
            }
            Ok(())
        }
        BenchmarkCmd::Show { version, json } => {
            let b = Benchmark::load(&root, version).map_err(|e| Failure::usage(e.to_string()))?;
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
