//! `selfinterp serve-sim`: a simulated agent as an OpenAI-compatible endpoint on loopback.

use super::Cli;
use clap::Args;
use selfinterp::benchmark::Benchmark;
use selfinterp::loopback::Stop;
use selfinterp::sim::server::{self, SimServer};
use selfinterp::sim::{AgentKind, SimAgent};
use std::io::Write;
use std::sync::Arc;

#[derive(Args, Debug)]
#[command(
    after_help = "The first line on stdout is the base URL (http://127.0.0.1:PORT/v1), for scripts; \
point `selfinterp run --provider openai --base-url URL --model AGENT` or any OpenAI client at it. \
Routes: POST /v1/chat/completions (logprobs/top_logprobs, n, stream with server-sent events, \
max_tokens with finish_reason \"length\"), GET /v1/models, GET /v1/models/ID, GET /health; another \
model is OpenAI's 404 model_not_found, a wrong method 405. \
Temperature (0 to 2) is accepted and changes nothing: an agent's choices carry the study's logistic \
choice noise at any temperature, and one prompt gets the same answer at 0 and at 1 (n > 1 draws each \
further choice again). Stop with Ctrl-C."
)]
pub struct ServeSimArgs {
    /// Agent: faithful, confabulator, position-biased, random, or partial:P (P in [0, 1])
    #[arg(long)]
    pub agent: String,
    /// Port on 127.0.0.1; 0 picks a free one
    #[arg(long, default_value_t = 8089)]
    pub port: u16,
    /// Frozen benchmark version whose contexts the agent answers
    #[arg(long, default_value = "v1")]
    pub benchmark: String,
    /// Seed of the simulated agent, as `run --provider sim --seed`: the same seed answers the
    /// same way over HTTP as in-process
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Act as the base model: instilled contexts get native weights instead of the profile
    #[arg(long)]
    pub base_model: bool,
    /// Worker threads [default: one per core] [range: 1-1024]
    #[arg(long, value_parser = super::ranges::threads)]
    pub threads: Option<usize>,
}

pub fn run(cli: &Cli, a: &ServeSimArgs) -> anyhow::Result<()> {
    let kind: AgentKind = a.agent.parse()?;
    let bench = Benchmark::load(&cli.benchmark_dir(), &a.benchmark)?;
    let seed: String = selfinterp::runner::connect::sim_seed(a.seed);
    let agent =
        Arc::new(SimAgent::from_benchmark(kind, &seed, &bench).with_fine_tuned(!a.base_model));
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], a.port));
    let ready = |srv: &SimServer| {
        println!("{}", srv.base_url());
        std::io::stdout().flush()?;
        eprintln!(
            "serving agent {} over {} contexts of benchmark {} (seed {}, fingerprint {}); Ctrl-C stops",
            agent.name(),
            bench.contexts.len(),
            a.benchmark,
            a.seed,
            agent.fingerprint()
        );
        Ok(())
    };
    let served: u64 = server::serve(agent.clone(), addr, a.threads, &Stop::on_ctrl_c(), ready)
        .map_err(super::view::serve_failure)?;
    eprintln!("served {served} chat requests");
    Ok(())
}
