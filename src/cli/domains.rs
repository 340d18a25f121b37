use super::Cli;
use super::exit::Failure;
use clap::Subcommand;
use selfinterp::catalogue::{Catalogue, lint};

#[derive(Subcommand, Debug)]
pub enum DomainsCmd {
    /// Lint the catalogue: one line per problem (file: context: field: message)
    Check {
        /// Print one JSON object (ok, contexts, personas, problems) instead of the lines
        #[arg(long)]
        json: bool,
    },
    /// List the catalogue's contexts
    List {
        /// Print a JSON array (id, question, attributes) instead of a table
        #[arg(long)]
        json: bool,
    },
}

pub fn run(cli: &Cli, cmd: &DomainsCmd) -> anyhow::Result<()> {
    let dir = cli.checkout_dir("domains", "domains")?;
    let cat = Catalogue::load(&dir)?;
    match cmd {
        DomainsCmd::Check { json } => {
            let problems = lint(&cat);
            let lines: Vec<String> = problems
                .iter()
                .map(|p| format!("{}/{p}", dir.display()))
                .collect();
            if *json {
                let out = serde_json::json!({
                    "ok": problems.is_empty(),
                    "contexts": cat.contexts.len(),
                    "personas": cat.personas.len(),
                    "problems": lines,
                });
                println!("{out}");
            } else {
                for l in &lines {
                    println!("{l}");
                }
            }
            if problems.is_empty() {
                eprintln!(
                    "ok: {} contexts, {} personas in {}",
                    cat.contexts.len(),
                    cat.personas.len(),
                    dir.display()
                );
                Ok(())
            } else {
                Err(
                    Failure::check(format!("{} problem(s) in the catalogue", problems.len()))
                        .into(),
                )
            }
        }
        DomainsCmd::List { json } => {
            if *json {
                let list: Vec<_> = cat
                    .contexts
                    .iter()
                    .map(|c| serde_json::json!({"id": c.id, "question": c.question, "attributes": c.attributes}))
                    .collect();
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                for c in &cat.contexts {
                    println!(
                        "{:<36} {:<18} {}",
                        c.id.as_str(),
                        c.file.trim_end_matches(".toml"),
                        c.question
                    );
                }
            }
            Ok(())
        }
    }
}
