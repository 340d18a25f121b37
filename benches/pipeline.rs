//! Harness cost of everything before a model call and right after it: option-pair
//! generation and the whole freeze, prompt rendering, choice and report parsing, and the
//! adaptive design's pair selection. Each is timed per item so it can be set against a model
//! call (milliseconds to seconds). Run: `cargo bench --bench pipeline`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use selfinterp::benchmark::draw_pair;
use selfinterp::benchmark::{Counts, FrozenContext, Split};
use selfinterp::benchmark::{SeedSource, freeze};
use selfinterp::catalogue::Catalogue;
use selfinterp::design::{AdaptiveDesign, Criterion as Design, Observation};
use selfinterp::parsing::{parse_choice, parse_report};
use selfinterp::prompts::{choice_prompt, report_prompt};
use selfinterp::sim::synthetic_contexts;
use selfinterp::types::N_ATTR;
use std::hint::black_box;
use std::path::Path;

#[path = "support/config.rs"]
mod config;
use config::config;

fn context() -> FrozenContext {
    synthetic_contexts("bench", Split::Native, 1, 100, 10).remove(0)
}

fn bench_freeze(c: &mut Criterion) {
    let ctx = context();
    let ranges = ctx.ranges();
    let decimals: [u32; N_ATTR] = std::array::from_fn(|k| ctx.attributes[k].decimals);
    let mut g = c.benchmark_group("freeze");
    g.throughput(Throughput::Elements(1000));
    g.bench_function("draw 1,000 option pairs", |b| {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        b.iter(|| {
            for _ in 0..1000 {
                black_box(draw_pair(&mut rng, &ranges, &decimals));
            }
        })
    });
    g.throughput(Throughput::Elements(1));
    match Catalogue::load_valid(Path::new("domains")) {
        Ok(cat) => {
            g.bench_function("whole freeze (study counts)", |b| {
                b.iter(|| {
                    freeze(
                        black_box(&cat),
                        "bench",
                        &SeedSource::Public("bench".into()),
                        Counts::default(),
                    )
                })
            });
        }
        Err(e) => eprintln!("skipping the whole freeze: domains/ did not load: {e}"),
    }
    g.finish();
}

fn bench_prompts(c: &mut Criterion) {
    let ctx = context();
    let mut g = c.benchmark_group("prompts");
    g.throughput(Throughput::Elements(1));
    g.bench_function("choice prompt + messages + sha256", |b| {
        b.iter(|| {
            let p = choice_prompt(black_box(&ctx), black_box(&ctx.pairs[0]));
            black_box((p.messages(), p.sha256()))
        })
    });
    g.bench_function("report prompt", |b| {
        b.iter(|| report_prompt(black_box(&ctx), black_box(&ctx.report_pairs[0])))
    });
    g.finish();
}

fn bench_parsing(c: &mut Criterion) {
    let ctx = context();
    let names: Vec<&str> = ctx.attribute_names();
    let answers = [
        "A",
        " B\n",
        "A.",
        "Option B",
        "**A**",
        "I would pick A",
        "",
        "B",
    ];
    let valid = format!(
        "{{\"{}\": 80, \"{}\": -35.5, \"{}\": 0, \"{}\": 100, \"{}\": -12}}",
        names[0], names[1], names[2], names[3], names[4]
    );
    let fenced = format!("```json\n{valid}\n```");
    let mut g = c.benchmark_group("parsing");
    g.throughput(Throughput::Elements(answers.len() as u64));
    g.bench_function("choice (8 mixed answers)", |b| {
        b.iter(|| {
            for a in answers {
                black_box(parse_choice(black_box(a)));
            }
        })
    });
    g.throughput(Throughput::Elements(1));
    g.bench_function("report, valid JSON", |b| {
        b.iter(|| parse_report(black_box(&valid), &names))
    });
    g.bench_function("report, fenced JSON", |b| {
        b.iter(|| parse_report(black_box(&fenced), &names))
    });
    g.bench_function("report, not JSON", |b| {
        b.iter(|| parse_report(black_box("I weigh price most, then rating."), &names))
    });
    g.finish();
}

fn bench_design(c: &mut Criterion) {
    let ctx = context();
    let observed: Vec<Observation> = ctx
        .pairs
        .iter()
        .take(50)
        .enumerate()
        .map(|(i, p)| Observation {
            pair: *p,
            p_a: Some(f64::from(u8::from(i % 3 != 0))),
        })
        .collect();
    let mut g = c.benchmark_group("design");
    g.throughput(Throughput::Elements(5));
    for (name, crit) in [
        ("random", Design::Random),
        ("d-optimal", Design::DOptimal),
        ("direction", Design::Direction),
    ] {
        let d = AdaptiveDesign::with_criterion("bench", crit);
        g.bench_function(format!("next batch of 5 after 50 answers, {name}"), |b| {
            b.iter(|| d.next_batch(black_box(&ctx), black_box(&observed), 5))
        });
    }
    g.finish();
}

criterion_group! { name = benches; config = config(); targets = bench_freeze, bench_prompts, bench_parsing, bench_design }
criterion_main!(benches);
