//! `selfinterp view [DIR]`: serve the reports and a sample browser of one bundle or of a
//! results directory on 127.0.0.1, print the URL, open nothing.

use super::Cli;
use super::exit::Failure;
use clap::Args;
use selfinterp::loopback::{ServeError, Stop};
use selfinterp::view::{
    self,
    server::{self, ViewServer},
};
use std::io::Write;
use std::path::PathBuf;

#[derive(Args, Debug)]
#[command(
    after_help = "The first line on stdout is the URL. Pages: the index of runs, each run's \
HTML report, and its sample browser (every request with its prompt rendered from the benchmark, \
raw response, parse status and P(A), filterable by context, kind and status; each context's \
learned and reported weights side by side). Only 127.0.0.1 is served; stop with Ctrl-C."
)]
pub struct ViewArgs {
    /// A run bundle, or a directory of bundles (e.g. results/)
    #[arg(default_value = "results")]
    pub dir: PathBuf,
    /// Port on 127.0.0.1; 0 picks a free one
    #[arg(long, default_value_t = 8090)]
    pub port: u16,
}

pub fn run(cli: &Cli, a: &ViewArgs) -> anyhow::Result<()> {
    if !a.dir.exists() && a.dir == std::path::Path::new("results") {
        return Err(Failure::usage(
            "results: not found; `selfinterp view DIR` serves a run bundle or a directory of \
             bundles (e.g. `selfinterp view first`); without DIR it shows results/ of a checkout",
        )
        .into());
    }
    if !a.dir.exists() {
        return Err(Failure::usage(format!(
            "{}: no such directory; `selfinterp view DIR` serves a run bundle or a directory of \
             bundles",
            a.dir.display()
        ))
        .into());
    }
    if a.dir.is_file() {
        // A bundle's file given for its directory: a usage error, as `report` says it.
        super::expect_bundle(&a.dir)?;
    }
    let bundles = view::load_all(&cli.benchmark_dir(), &a.dir)?;
    let n = bundles.len();
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], a.port));
    server::serve(bundles, addr, &Stop::on_ctrl_c(), |srv: &ViewServer| {
        println!("{}", srv.url());
        std::io::stdout().flush()?;
        eprintln!(
            "serving {n} run(s) from {} on {}; Ctrl-C stops",
            a.dir.display(),
            srv.url()
        );
        Ok(())
    })
    .map_err(serve_failure)?;
    Ok(())
}

/// A port that cannot be bound is a usage error (exit 2), as before the server moved into
/// the library; anything else keeps its own code.
pub fn serve_failure(e: ServeError) -> anyhow::Error {
    match e {
        ServeError::Bind { .. } => Failure::usage(e.to_string()).into(),
        other => other.into(),
    }
}
