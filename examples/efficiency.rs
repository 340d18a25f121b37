//! Prints the statistical-efficiency table (see `selfinterp::sim::efficiency`).
//! Run by `scripts/compare/efficiency.sh`:
//!   cargo run --release --example efficiency -- [--replicates N] [--contexts N] [--labels hard|soft_latent|soft_exact] [--json FILE]
use selfinterp::sim::{Setup, efficiency_table, standard_arms};

fn main() {
    let mut setup = Setup::default();
    let mut json: Option<String> = None;
    let mut only: Option<String> = None;
    let mut checkpoints: Vec<usize> = vec![10, 15, 20, 25, 30, 40, 50, 60, 75, 100, 150, 200];
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let v = args.get(i + 1).cloned().unwrap_or_default();
        match args[i].as_str() {
            "--replicates" => setup.replicates = v.parse().expect("--replicates N"),
            "--contexts" => setup.contexts = v.parse().expect("--contexts N"),
            "--batch" => setup.batch = v.parse().expect("--batch N"),
            "--candidates" => setup.candidates_per_pick = v.parse().expect("--candidates N"),
            "--seed" => setup.seed = v,
            "--json" => json = Some(v),
            "--labels" => only = Some(v),
            "--checkpoints" => {
                checkpoints = v
                    .split(',')
                    .map(|s| s.parse().expect("--checkpoints 10,20,..."))
                    .collect()
            }
            other => panic!("unknown argument {other}"),
        }
        i += 2;
    }
    let start = std::time::Instant::now();
    let arms: Vec<_> = standard_arms()
        .into_iter()
        .filter(|a| only.as_ref().is_none_or(|o| a.labels.as_str() == o))
        .collect();
    let table = efficiency_table(&setup, &arms, &checkpoints, 100);
    print!("{}", table.render());
    println!("\n({:.1} s)", start.elapsed().as_secs_f64());
    if let Some(path) = json {
        std::fs::write(&path, serde_json::to_string_pretty(&table).unwrap()).unwrap();
    }
}
