//! `selfinterp list`: what this binary can run, a line each: providers, simulated agents,
//! experiments, presets, designs, server flavours and benchmark versions.

use super::Cli;
use super::exit::Failure;
use super::run::DesignArg;
use super::values::{ExperimentArg, FlavourArg, PresetArg, ProviderArg};
use clap::{Args, ValueEnum};
use selfinterp::benchmark::{Benchmark, Source, embedded, versions};
use selfinterp::sim::AGENT_NAMES;

#[derive(Args, Debug)]
pub struct ListArgs {
    /// Print a JSON array of {kind, name, description}
    #[arg(long)]
    pub json: bool,
}

/// What each simulated agent does (`AGENT_NAMES` order; a test keeps the two in step).
pub const AGENT_DESCRIPTIONS: &[(&str, &str)] = &[
    (
        "faithful",
        "chooses by known weights (82% agreement) and reports them: a high score",
    ),
    (
        "confabulator",
        "chooses like faithful, reports weights unrelated to its choices: about 0",
    ),
    (
        "position-biased",
        "always answers A, reports unrelated weights: behaviour not measurable",
    ),
    ("random", "answers A or B at random: nothing to measure"),
    (
        "partial:P",
        "chooses like faithful, reports P x true + (1 - P) x unrelated weights",
    ),
];

const PROVIDER_DESCRIPTIONS: &[(&str, &str)] = &[
    (
        "openai",
        "OpenAI API (OPENAI_API_KEY) or any OpenAI-compatible server via --base-url",
    ),
    ("anthropic", "Anthropic API (ANTHROPIC_API_KEY)"),
    (
        "sim",
        "simulated agents with known weights, in-process: no server, no key",
    ),
];

const FLAVOUR_DESCRIPTIONS: &[(&str, &str)] = &[
    ("auto", "openai for api.openai.com, plain elsewhere"),
    (
        "openai",
        "JSON-schema reports; letters cannot be constrained",
    ),
    (
        "llama-cpp",
        "llama.cpp server: a grammar for letters, JSON-schema reports",
    ),
    (
        "vllm",
        "vLLM: guided choice for letters, JSON-schema reports",
    ),
    (
        "plain",
        "no constraint fields sent (safe for unknown servers)",
    ),
];

fn help_of<T: ValueEnum>(v: &T) -> (String, String) {
    let p = v.to_possible_value().expect("listed value");
    (
        p.get_name().to_string(),
        p.get_help().map(|h| h.to_string()).unwrap_or_default(),
    )
}

fn describe(table: &[(&str, &str)], name: &str) -> String {
    table
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, d)| d.to_string())
        .unwrap_or_default()
}

/// Every (kind, name, description) the binary knows, in display order.
pub fn items(cli: &Cli) -> Result<Vec<(String, String, String)>, Failure> {
    let mut out: Vec<(String, String, String)> = Vec::new();
    let mut push = |k: &str, n: String, d: String| out.push((k.to_string(), n, d));
    for v in ProviderArg::value_variants().iter().filter(|v| v.listed()) {
        let (n, _) = help_of(v);
        let d = describe(PROVIDER_DESCRIPTIONS, &n);
        push("provider", n, d);
    }
    for a in AGENT_NAMES {
        push("agent", a.to_string(), describe(AGENT_DESCRIPTIONS, a));
    }
    for v in ExperimentArg::value_variants() {
        let (n, d) = help_of(v);
        push("experiment", n, d);
    }
    for v in PresetArg::value_variants() {
        let (n, d) = help_of(v);
        push("preset", n, d);
    }
    for v in DesignArg::value_variants() {
        let (n, d) = help_of(v);
        push("design", n, d);
    }
    for v in FlavourArg::value_variants() {
        let (n, _) = help_of(v);
        let d = describe(FLAVOUR_DESCRIPTIONS, &n);
        push("server-flavour", n, d);
    }
    let root = cli.benchmark_dir();
    let mut names: Vec<String> = versions(&root);
    for e in embedded::names() {
        if !names.iter().any(|n| n == e) {
            names.push(e.to_string());
        }
    }
    names.sort();
    for v in names {
        let (b, source) = Benchmark::load_with_source(&root, &v)?;
        let from = match source {
            Source::Embedded => "embedded".to_string(),
            Source::Disk(p) => p.display().to_string(),
        };
        let d = format!(
            "{} contexts, sha256 {}, {from}",
            b.contexts.len(),
            &b.hash[..16]
        );
        push("benchmark", v, d);
    }
    Ok(out)
}

pub fn run(cli: &Cli, a: &ListArgs) -> anyhow::Result<()> {
    let list = items(cli)?;
    if a.json {
        let rows: Vec<serde_json::Value> = list
            .iter()
            .map(|(k, n, d)| serde_json::json!({"kind": k, "name": n, "description": d}))
            .collect();
        println!("{}", serde_json::to_string_pretty(&rows)?);
    } else {
        for (k, n, d) in &list {
            println!("{k:<14} {n:<16} {d}");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_agent_and_provider_is_described() {
        for a in AGENT_NAMES {
            assert!(!describe(AGENT_DESCRIPTIONS, a).is_empty(), "{a}");
        }
        for v in ProviderArg::value_variants().iter().filter(|v| v.listed()) {
            let (n, _) = help_of(v);
            assert!(!describe(PROVIDER_DESCRIPTIONS, &n).is_empty(), "{n}");
        }
    }
}
