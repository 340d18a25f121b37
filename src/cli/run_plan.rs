//! `run`'s plan, printed before the first request (`--dry-run` stops there), and the question
//! a hosted run without `--preset` asks: the library works it out ([`budget`]), this prints.

use super::exit::Failure;
use super::run::RunArgs;
use selfinterp::benchmark::Benchmark;
use selfinterp::bundle::parameters::ProviderKind;
use selfinterp::runner::budget::{self, Price, RunPlan};
use selfinterp::runner::config::RunConfig;
use std::io::{BufRead, IsTerminal, Write};

/// Prints the plan; returns whether to go on (false after `--dry-run`).
pub fn announce(a: &RunArgs, cfg: &RunConfig, bench: &Benchmark) -> Result<bool, Failure> {
    let price: Option<Price> = given_price(a);
    let plan: RunPlan =
        budget::plan_of_config(cfg, bench, price).map_err(|e| Failure::input(&e, e.to_string()))?;
    let text: String = budget::describe(&plan);
    if a.dry_run && a.json {
        let json = serde_json::to_string(&plan).map_err(|e| Failure::usage(e.to_string()))?;
        println!("{json}");
        return Ok(false);
    }
    if a.dry_run {
        print!("{text}");
        println!("dry run: nothing was sent");
        return Ok(false);
    }
    eprint!("{text}");
    Ok(true)
}

/// `--price-in/--price-out`, when given.
pub fn given_price(a: &RunArgs) -> Option<Price> {
    a.price_in.zip(a.price_out).map(|(i, o)| Price {
        input_per_million: i,
        output_per_million: o,
        source: "--price-in/--price-out".to_string(),
    })
}

/// A hosted API with no `--preset` runs the full protocol only after a yes on the terminal or
/// with `--yes` (asked once the key is known to be there, before the first request).
pub fn confirm(a: &RunArgs, cfg: &RunConfig) -> Result<(), Failure> {
    let hosted: bool = budget::is_hosted(cfg.params.provider, cfg.params.base_url.as_deref());
    // Without a key the pre-flight check names the missing key first (nothing is sent).
    let key_var: &str = match cfg.params.provider {
        ProviderKind::Anthropic => selfinterp::providers::anthropic::KEY_VAR,
        _ => selfinterp::providers::openai::KEY_VAR,
    };
    let has_key: bool = std::env::var_os(key_var).is_some_and(|k| !k.is_empty());
    if !hosted || !has_key || a.ask.preset.is_some() || a.yes || cfg.resume {
        return Ok(());
    }
    let why = "no --preset given: this is the full protocol on a paid API";
    if !std::io::stdin().is_terminal() {
        return Err(Failure::usage(format!(
            "{why}; add --yes to run it, --preset quick for a smoke test, or --dry-run to see the plan only"
        )));
    }
    eprint!("{why}. Send these requests? [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    if matches!(answer.trim(), "y" | "Y" | "yes") {
        Ok(())
    } else {
        Err(Failure::usage("not started: nothing was sent"))
    }
}
