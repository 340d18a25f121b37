//! Reports: every format snapshot-tested on deterministic simulated runs, and HTML escaping of
//! everything that came from a model or a file.
//!
//! The bundles are made here, in-process, with the sim provider over a small synthetic
//! benchmark; the harness commit and timestamps are pinned so snapshots do not move with git.

use crate::support;
use selfinterp::bundle;
use selfinterp::cli::{Cli, Command};
use selfinterp::reports::{self, Format, Prices, ReportData, ReportOptions};
use std::path::{Path, PathBuf};

pub const VERSION: &str = "t1";

/// A temporary root with a synthetic frozen benchmark (6 instilled, 8 native contexts).
pub fn root() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    support::write_benchmark(dir.path(), VERSION, &support::contexts(6, 8, 12, 3));
    dir
}

/// Runs `selfinterp run --provider sim` in-process into `out` and pins the fields that
/// depend on the machine or the clock.
pub fn sim_run(root: &Path, out: &Path, agent: &str, experiment: &str) -> PathBuf {
    sim_run_with(root, out, agent, experiment, &[])
}

/// [`sim_run`] with extra `run` arguments.
pub fn sim_run_with(
    root: &Path,
    out: &Path,
    agent: &str,
    experiment: &str,
    extra: &[&str],
) -> PathBuf {
    let out: PathBuf = out.to_path_buf();
    let fixed = [
        "selfinterp",
        "--root",
        root.to_str().unwrap(),
        "run",
        "--provider",
        "sim",
        "--model",
        agent,
        "--experiment",
        experiment,
        "--benchmark",
        VERSION,
        "--preset",
        "quick",
        "--no-cache",
        "--max-invalid-rate",
        "1",
        "--out",
        out.to_str().unwrap(),
    ];
    let args = fixed.iter().chain(extra);
    let cli: Cli = clap::Parser::try_parse_from(args).unwrap();
    let Command::Run(a) = &cli.command else {
        unreachable!()
    };
    selfinterp::cli::run::run(&cli, a).unwrap();
    let mut m = bundle::read_manifest(&out).unwrap();
    m.harness.version = "0.0.0-test".into();
    m.harness.git_commit = Some("0123456789abcdef0123456789abcdef01234567".into());
    m.harness.git_dirty = Some(false);
    m.started_at = "2026-01-01T00:00:00.000Z".into();
    m.finished_at = Some("2026-01-01T00:00:01.000Z".into());
    bundle::write_manifest(&out, &m).unwrap();
    let _ = std::fs::remove_file(out.join(bundle::TIMINGS));
    out
}

fn render(root: &Path, dir: &Path, format: Format, opts: &ReportOptions) -> String {
    let scored = reports::load(&root.join("benchmark"), dir).unwrap();
    let data: ReportData = reports::build(&scored, opts);
    reports::exporter(format).render(&data)
}

#[test]
fn native_report_in_every_format() {
    let root = root();
    let dir = sim_run(
        root.path(),
        &root.path().join("native"),
        "partial:0.5",
        "native",
    );
    let opts = ReportOptions::default();
    insta::assert_snapshot!("native_md", render(root.path(), &dir, Format::Md, &opts));
    insta::assert_snapshot!(
        "native_json",
        render(root.path(), &dir, Format::Json, &opts)
    );
    insta::assert_snapshot!(
        "native_html",
        render(root.path(), &dir, Format::Html, &opts)
    );
}

#[test]
fn instilled_report_shows_learned_vs_target_and_cost() {
    let root = root();
    let dir = sim_run(
        root.path(),
        &root.path().join("instilled"),
        "faithful",
        "instilled",
    );
    let opts = ReportOptions {
        prices: Some(Prices {
            input_per_mtok: 2.5,
            output_per_mtok: 10.0,
        }),
    };
    let md: String = render(root.path(), &dir, Format::Md, &opts);
    assert!(md.contains("## Learned vs target weights"), "{md}");
    assert!(md.contains("Cost $"), "{md}");
    insta::assert_snapshot!("instilled_md", md);
    let html: String = render(root.path(), &dir, Format::Html, &opts);
    assert_eq!(
        html.matches("<svg").count(),
        3,
        "two scatter plots and a histogram"
    );
    insta::assert_snapshot!("instilled_html", html);
}

/// Rewrites one report sample's raw answer as an invalid one.
fn poison_report(dir: &Path, text: &str) {
    let path = dir.join(bundle::SAMPLES);
    let lines: Vec<String> = std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    let i: usize = lines
        .iter()
        .position(|l| l.contains("\"kind\":\"report\""))
        .unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&lines[i]).unwrap();
    v["response"] = text.into();
    v["parsed"] = serde_json::Value::Null;
    v["status"] = "not_json".into();
    v.as_object_mut().unwrap().remove("out_of_range");
    let mut out: Vec<String> = lines.clone();
    out[i] = serde_json::to_string(&v).unwrap();
    std::fs::write(&path, out.join("\n") + "\n").unwrap();
}

#[test]
fn html_escapes_model_answers_and_file_fields() {
    let root = root();
    let dir = sim_run(root.path(), &root.path().join("evil"), "faithful", "native");
    let answer: &str = "<script>alert(\"pwned\")</script> it's \"quoted\" & <b>bold</b>";
    poison_report(&dir, answer);
    let mut m = bundle::read_manifest(&dir).unwrap();
    m.model = "<img src=x onerror=\"alert('model')\">".into();
    m.server.system_fingerprints = vec!["fp\"><script>alert(1)</script>".into()];
    bundle::write_manifest(&dir, &m).unwrap();

    let html: String = render(root.path(), &dir, Format::Html, &ReportOptions::default());
    assert_eq!(
        html.matches("<script").count(),
        1,
        "only the page's own sorting script"
    );
    assert!(!html.contains("<img"), "model name must be escaped");
    assert!(!html.contains("<b>bold"), "answer must be escaped");
    assert!(html.contains("&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; it&#39;s &quot;quoted&quot; &amp; &lt;b&gt;bold&lt;/b&gt;"));
    assert!(html.contains("&lt;img src=x onerror=&quot;alert(&#39;model&#39;)&quot;&gt;"));
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no network references"
    );
    assert!(html.contains("Content-Security-Policy"));

    let md: String = render(root.path(), &dir, Format::Md, &ReportOptions::default());
    assert!(!md.contains("<script") && !md.contains("<img"), "{md}");
    assert!(md.contains("&lt;script&gt;alert"));

    let json: String = render(root.path(), &dir, Format::Json, &ReportOptions::default());
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let examples = &v["failures"]["reports"][1]["examples"];
    assert_eq!(
        examples[0]["response"], answer,
        "JSON keeps the raw text exactly"
    );
}

#[test]
fn reports_are_deterministic_and_follow_the_scores() {
    let root = root();
    let dir = sim_run(root.path(), &root.path().join("a"), "faithful", "native");
    let opts = ReportOptions::default();
    let first: String = render(root.path(), &dir, Format::Json, &opts);
    assert_eq!(first, render(root.path(), &dir, Format::Json, &opts));
    // A different scoring result must change the rendered figures.
    let mut scored = reports::load(&root.path().join("benchmark"), &dir).unwrap();
    let c = scored.summary.reports_vs_learned.as_mut().unwrap();
    c.r = c.r.map(|r| r - 1e-9);
    let changed: String = reports::exporter(Format::Json).render(&reports::build(&scored, &opts));
    assert_ne!(first, changed);
}

#[test]
fn reports_show_measurement_quality_and_at_chance_contexts() {
    let root = root();
    let opts = ReportOptions::default();
    let dir = sim_run(root.path(), &root.path().join("good"), "faithful", "native");
    let md: String = render(root.path(), &dir, Format::Md, &opts);
    assert!(md.contains("## Measurement quality"), "{md}");
    assert!(md.contains("Corrected for attenuation: r = "), "{md}");
    assert!(md.contains("| behavioural reliability "), "{md}");

    let dir = sim_run(root.path(), &root.path().join("random"), "random", "native");
    let md: String = render(root.path(), &dir, Format::Md, &opts);
    assert!(md.contains("this score cannot be interpreted"), "{md}");
    assert!(md.contains("⚠ |"), "at-chance contexts are marked:\n{md}");
    let html: String = render(root.path(), &dir, Format::Html, &opts);
    assert!(html.contains("<tr class=\"chance\">"), "{html}");
    assert!(html.contains("flag-insufficient_data"), "{html}");
    let json: String = render(root.path(), &dir, Format::Json, &opts);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["summary"]["quality"]["rankable"], false);
    assert_eq!(v["headline"]["flag"], "insufficient_data");
}
