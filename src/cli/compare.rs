//! `selfinterp compare A B [C ...]`: the difference in the main score between runs (paired on
//! shared contexts, Holm-corrected over pairs), and `compare A --reports-from B`: privileged
//! access (A's own reports against B's reports of A's contexts). The method is the library's
//! ([`selfinterp::scoring::runs`]); this only reads bundles and prints.

use super::Cli;
use super::exit::Failure;
use super::score::{control_summary, score_bundle};
use clap::Args;
use selfinterp::bundle::{self, Bundle};
use selfinterp::reports::observer::line;
use selfinterp::reports::text::{MISSING, num, p_value};
use selfinterp::scoring::ObserverScale;
use selfinterp::scoring::privileged::PrivilegedAccess;
use selfinterp::scoring::runs::{RunComparison, compare_pair, compare_runs};
use selfinterp::scoring::{PairedOptions, Summary};
use serde::Serialize;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct CompareArgs {
    /// Run bundle directories (two or more; one with --reports-from)
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// Privileged access: score the (single) run's choices against its own reports and
    /// against the reports of the bundle in OTHER_DIR, as a paired comparison
    #[arg(long, value_name = "OTHER_DIR")]
    pub reports_from: Option<PathBuf>,
    /// Print the comparison as one JSON object
    #[arg(long)]
    pub json: bool,
}

fn options() -> PairedOptions {
    PairedOptions {
        seed: selfinterp::bundle::score_input::SCORING_SEED,
        ..PairedOptions::default()
    }
}

/// An observer run's `privileged_access` block, named by its bundle.
#[derive(Serialize)]
struct ObserverAccess {
    observer: String,
    #[serde(flatten)]
    block: PrivilegedAccess,
}

/// A run's ideal-observer scale, named by its bundle.
#[derive(Serialize)]
struct RunObserver {
    run: String,
    observer: Option<ObserverScale>,
}

/// `compare --json`: the comparison, each run's ideal-observer scale, plus the block of every
/// observer run compared.
#[derive(Serialize)]
struct Out<'a> {
    #[serde(flatten)]
    comparison: &'a RunComparison,
    observers: &'a [RunObserver],
    #[serde(skip_serializing_if = "<[ObserverAccess]>::is_empty")]
    privileged_access: &'a [ObserverAccess],
}

pub fn run(cli: &Cli, a: &CompareArgs) -> anyhow::Result<()> {
    let mut access: Vec<ObserverAccess> = Vec::new();
    let mut observers: Vec<RunObserver> = Vec::new();
    let out: RunComparison = match &a.reports_from {
        Some(other) => {
            if a.dirs.len() != 1 {
                return Err(Failure::usage(
                    "--reports-from compares one run with itself: give exactly one DIR",
                )
                .into());
            }
            let dir = &a.dirs[0];
            super::expect_bundle(dir)?;
            super::expect_bundle(other)?;
            let (_, own) = score_bundle(cli, dir)?;
            observers.push(RunObserver {
                run: dir.display().to_string(),
                observer: own.score.observer.clone(),
            });
            let b: Bundle = bundle::read(dir)?;
            let o: Bundle = bundle::read(other)?;
            let control: Summary = control_summary(cli, &b, &o)?.score;
            let own: Summary = own.score;
            let opts = options();
            let pair = compare_pair(
                &format!("{} with reports from {}", dir.display(), other.display()),
                &control,
                &format!("{} (own reports)", dir.display()),
                &own,
                &opts,
            );
            RunComparison {
                pairs: vec![pair],
                bootstrap_resamples: opts.bootstrap_resamples,
                permutations: opts.permutations,
                seed: opts.seed,
            }
        }
        None => {
            if a.dirs.len() < 2 {
                return Err(Failure::usage("compare needs two or more run directories").into());
            }
            let mut runs: Vec<(String, Summary)> = Vec::with_capacity(a.dirs.len());
            for d in &a.dirs {
                let (_, v) = score_bundle(cli, d)?;
                if let Some(p) = v.privileged_access {
                    access.push(ObserverAccess {
                        observer: d.display().to_string(),
                        block: p,
                    });
                }
                observers.push(RunObserver {
                    run: d.display().to_string(),
                    observer: v.score.observer.clone(),
                });
                runs.push((d.display().to_string(), v.score));
            }
            compare_runs(&runs, &options())
        }
    };
    let text: String = if a.json {
        serde_json::to_string(&Out {
            comparison: &out,
            observers: &observers,
            privileged_access: &access,
        })?
    } else {
        let mut t: String = human(&out);
        t.push_str(
            "\nideal observer (reports' r against held-out halves of each context's choices):",
        );
        for o in &observers {
            t.push_str(&format!(
                "\n  {}: {}",
                o.run,
                o.observer.as_ref().map_or("not computed".to_string(), line)
            ));
        }
        for x in &access {
            t.push_str(&format!(
                "\nprivileged access ({} observes its run, {} contexts, {} choices shown)\n  {}",
                x.observer, x.block.n_contexts, x.block.examples, x.block.reading
            ));
        }
        t
    };
    println!("{text}");
    Ok(())
}

fn f(v: Option<f64>) -> String {
    num(v, 3)
}

fn human(c: &RunComparison) -> String {
    let mut s: String = String::new();
    for p in &c.pairs {
        s.push_str(&format!(
            "{} -> {}\n  r {} -> {}: difference {} 95% CI {}, permutation p {}, Holm p {}\n  {}\n",
            p.a,
            p.b,
            f(p.r_a),
            f(p.r_b),
            f(p.difference),
            p.ci_bootstrap
                .map_or(MISSING.to_string(), |[l, h]| format!("[{l:.3}, {h:.3}]")),
            p_value(p.p_permutation),
            p_value(p.p_holm),
            p.note
        ));
    }
    s.push_str(&format!(
        "{} permutations per pair, {} bootstrap resamples, seed {}",
        c.permutations, c.bootstrap_resamples, c.seed
    ));
    s
}
