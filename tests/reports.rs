//! Reports: every format snapshot-tested on deterministic simulated runs, and HTML escaping of
//! everything that came from a model or a file.
//!
//! The bundles are made here, in-process, with the sim provider over a small synthetic
//! benchmark; the harness commit and timestamps are pinned so snapshots do not move with git.

use crate::support;
use selfinterp::bundle;
use selfinterp::bundle::{Experiment, ProviderKind};
use selfinterp::reports::{self, Format, Prices, ReportData, ReportOptions};
use selfinterp::runner::Preset;
use selfinterp::runner::{self, RunRequest};
use std::path::{Path, PathBuf};

pub const VERSION: &str = "t1";

/// A temporary root with a synthetic frozen benchmark (6 instilled, 8 native contexts).
pub fn root() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    support::write_benchmark(dir.path(), VERSION, &support::contexts(6, 8, 12, 3));
    dir
}

/// Runs the quick preset with the sim provider in-process into `out`, as `selfinterp run
/// --provider sim --preset quick --no-cache --max-invalid-rate 1` does (request, provider,
/// pre-flight, run), and pins the fields that depend on the machine or the clock.
pub fn sim_run(root: &Path, out: &Path, agent: &str, experiment: &str) -> PathBuf {
    sim_run_with(root, out, agent, experiment, |_| {})
}

/// [`sim_run`] with the request changed by `set`.
pub fn sim_run_with(
    root: &Path,
    out: &Path,
    agent: &str,
    experiment: &str,
    set: impl FnOnce(&mut RunRequest),
) -> PathBuf {
    let out: PathBuf = out.to_path_buf();
    let experiment = match experiment {
        "native" => Experiment::Native,
        "instilled" => Experiment::Instilled,
        other => panic!("experiment {other}"),
    };
    let mut q = RunRequest::new(ProviderKind::Sim, agent, experiment);
    q.ask.benchmark = VERSION.to_string();
    q.ask.preset = Preset::Quick;
    q.cache = false;
    q.max_invalid_rate = 1.0;
    q.out = Some(out.clone());
    set(&mut q);
    let (cfg, bench) = runner::resolve(&q, &root.join("benchmark")).unwrap();
    let provider = runner::provider(&cfg, &bench).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt
        .block_on(selfinterp::providers::preflight(
            provider.as_ref(),
            cfg.timeout(),
        ))
        .unwrap();
    let cfg = cfg.with_server(server);
    let (_tx, rx) = tokio::sync::watch::channel(false);
    let outcome = rt
        .block_on(runner::execute(&cfg, &bench, provider, rx))
        .unwrap();
    assert_eq!(outcome.status, bundle::RunStatus::Complete, "{outcome:?}");
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
        html.matches("<svg class=\"plot\"").count(),
        3,
        "two scatter plots and a histogram"
    );
    assert_eq!(
        html.matches("<svg class=\"panel\"").count(),
        6,
        "every context side by side when there are few"
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
    let rows = v["failures"]["reports"].as_array().unwrap();
    let not_json = rows.iter().find(|r| r["status"] == "not_json").unwrap();
    let examples = &not_json["examples"];
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
    assert!(
        md.contains("No measurable preference: every learned weight is 0"),
        "{md}"
    );
    assert!(md.contains("⚠ |"), "at-chance contexts are marked:\n{md}");
    let html: String = render(root.path(), &dir, Format::Html, &opts);
    assert!(html.contains("<tr class=\"chance\">"), "{html}");
    assert!(html.contains("flag-insufficient_data"), "{html}");
    // Learned weights that are all 0 have no fit: the caption says so and the legend agrees.
    assert!(
        html.contains("<span class=\"nw\">no fit)</span></figcaption>"),
        "{html}"
    );
    assert!(!html.contains("\">least-squares fit"), "{html}");
    assert!(html.contains("no least-squares fit</text>"), "{html}");
    let json: String = render(root.path(), &dir, Format::Json, &opts);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["summary"]["quality"]["rankable"], false);
    assert_eq!(v["headline"]["flag"], "insufficient_data");
}

/// Rewrites four reports in five to copy option A's values, as SmolLM2 does (it answers
/// with the attributes' raw values, e.g. a price of 1525): valid reports, out of range.
fn copy_option_values(dir: &Path) {
    let path = dir.join(bundle::SAMPLES);
    let text: String = std::fs::read_to_string(&path).unwrap();
    let mut out: Vec<String> = Vec::new();
    for line in text.lines() {
        let mut v: serde_json::Value = serde_json::from_str(line).unwrap();
        if v["kind"] == "report" && !v["index"].as_u64().unwrap().is_multiple_of(5) {
            let values: Vec<f64> = v["options"]["A"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect();
            let original: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(v["response"].as_str().unwrap()).unwrap();
            let response: serde_json::Map<String, serde_json::Value> = original
                .keys()
                .zip(&values)
                .map(|(k, x)| (k.clone(), serde_json::json!(x)))
                .collect();
            v["response"] = serde_json::Value::Object(response).to_string().into();
            v["parsed"] = serde_json::json!(values);
            v["out_of_range"] = values.iter().any(|x| x.abs() > 100.0).into();
        }
        out.push(v.to_string());
    }
    std::fs::write(&path, out.join("\n") + "\n").unwrap();
}

/// The scatter plot's tick labels.
fn scatter_ticks(html: &str) -> Vec<String> {
    let svg: &str = &html[html.find("<svg class=\"plot\" id=\"scatter0\"").unwrap()..];
    let svg: &str = &svg[..svg.find("</svg>").unwrap()];
    svg.split("class=\"tick\" text-anchor=\"middle\">")
        .skip(1)
        .map(|t| t[..t.find('<').unwrap()].to_string())
        .collect()
}

#[test]
fn real_model_like_report_keeps_the_axes_and_marks_out_of_range_reports() {
    let root = root();
    let dir = sim_run(
        root.path(),
        &root.path().join("copier"),
        "faithful",
        "native",
    );
    copy_option_values(&dir);
    let opts = ReportOptions::default();
    let json: String = render(root.path(), &dir, Format::Json, &opts);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let oor: u64 = v["summary"]["n_reports_out_of_range"].as_u64().unwrap();
    let valid: u64 = v["summary"]["n_reports_valid"].as_u64().unwrap();
    assert!(
        2 * oor > valid,
        "most reports out of range: {oor} of {valid}"
    );
    let kinds: Vec<&str> = v["diagnosis"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"reports_out_of_range"), "{kinds:?}");
    // The parsing table and the headline count the same reports in the score.
    let rows = v["failures"]["reports"].as_array().unwrap();
    assert_eq!(rows[0]["status"], "valid_in_range");
    assert_eq!(rows[1]["status"], "valid_out_of_range");
    assert_eq!(rows[1]["count"].as_u64().unwrap(), oor);
    let counted: u64 = rows
        .iter()
        .filter(|r| r["usable"] == true)
        .map(|r| r["count"].as_u64().unwrap())
        .sum();
    assert_eq!(counted, valid);

    let html: String = render(root.path(), &dir, Format::Html, &opts);
    assert_eq!(scatter_ticks(&html)[..5], ["-100", "-50", "0", "50", "100"]);
    let beyond: u64 = v["scatter"][0]["beyond"].as_u64().unwrap();
    assert!(beyond > 0);
    assert_eq!(
        html.matches("class=\"edge\"").count() as u64,
        beyond,
        "every point beyond the axes is drawn on the edge"
    );
    assert!(
        html.contains(&format!("{beyond} of ")),
        "counted in the legend"
    );
    // Each edge with points beyond it says how many ("7 beyond ↑"), so a pile of identical
    // triangles has a number; the counts add up to the legend's.
    let by_edge: u64 = html
        .split("class=\"beyond\"")
        .skip(1)
        .map(|t| {
            let t: &str = &t[t.find('>').unwrap() + 1..];
            t[..t.find(" beyond").unwrap()]
                .replace(',', "")
                .parse::<u64>()
                .unwrap()
        })
        .sum();
    assert_eq!(by_edge, beyond, "each edge counts the points beyond it");
    assert!(!html.contains("+ -"), "a negative slope reads as a minus");
    let md: String = render(root.path(), &dir, Format::Md, &opts);
    assert!(md.contains("| valid, out of range"), "{md}");
    insta::assert_snapshot!("out_of_range_md", md);
    insta::assert_snapshot!("out_of_range_html", html);
}

/// The position of each needle in `text`, in order; panics when one is missing.
fn positions(text: &str, needles: &[&str]) -> Vec<usize> {
    needles
        .iter()
        .map(|n| {
            text.find(n)
                .unwrap_or_else(|| panic!("{n:?} missing:\n{text}"))
        })
        .collect()
}

#[test]
fn letter_biased_report_says_so_first() {
    let root = root();
    let dir = sim_run(
        root.path(),
        &root.path().join("letter"),
        "position-biased",
        "native",
    );
    let opts = ReportOptions::default();
    let md: String = render(root.path(), &dir, Format::Md, &opts);
    let p = positions(
        &md,
        &[
            "1. The model answered \"A\" to 100.00%",
            "2. Behaviour is too unreliable",
            "**Score",
            "## Scores",
        ],
    );
    assert!(
        p.windows(2).all(|w| w[0] < w[1]),
        "diagnosis first, in order:\n{md}"
    );
    insta::assert_snapshot!("letter_biased_md", md);
}

#[test]
fn unreliable_report_says_so_before_the_tables() {
    let root = root();
    let dir = sim_run(root.path(), &root.path().join("noise"), "random", "native");
    let opts = ReportOptions::default();
    let md: String = render(root.path(), &dir, Format::Md, &opts);
    let p = positions(
        &md,
        &[
            "1. No measurable preference: every learned weight is 0",
            "## Scores",
        ],
    );
    assert!(p[0] < p[1], "{md}");
    // The random agent's 96 parsed choices are not "too little data": its learned weights are
    // all 0, and the card does not say the diagnosis again.
    assert!(!md.contains("too little usable choice data"), "{md}");
    assert!(!md.contains("too few contexts have"), "{md}");
    assert_eq!(md.matches("No measurable preference").count(), 1, "{md}");
    // Its cards read "r = –": the rule above them said "a context's r here is noise", and the
    // ideal observer "no weights could be learned" of weights learned as all 0.
    assert!(
        md.contains("and no context has an r: in none do both"),
        "{md}"
    );
    assert!(!md.contains("r here is noise"), "{md}");
    assert!(!md.contains("no weights could be learned"), "{md}");
    assert!(
        !md.contains("**Measurement quality:**"),
        "the diagnosis is not repeated under the score:\n{md}"
    );
    let html: String = render(root.path(), &dir, Format::Html, &opts);
    let p = positions(
        &html,
        &["id=\"diagnosis\"", "id=\"headline\"", "id=\"scores\""],
    );
    assert!(p.windows(2).all(|w| w[0] < w[1]));
    insta::assert_snapshot!("unreliable_md", md);
}

/// An interval for r never leaves [-1, 1]: the study's formula gives [0.894, 1.013] for the
/// committed faithful quick run (r 0.954 over 100 points); the report clamps it and says so.
#[test]
fn the_study_interval_is_clamped_to_minus_one_one() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let o = crate::support::bin()
        .args(["--root", root.to_str().unwrap(), "report", "--format", "md"])
        .arg(root.join("results/sim-faithful-native-quick"))
        .output()
        .unwrap();
    crate::support::assert_ok(&o);
    let md = String::from_utf8_lossy(&o.stdout);
    let line = md
        .lines()
        .find(|l| l.contains("(study's formula, clamped to [-1, 1])"))
        .expect("the headline names the clamp");
    assert!(line.contains("[0.894, 1.000] (study's formula"), "{line}");
}

/// A run at chance (the confabulator chooses like the faithful agent but reports unrelated
/// weights) does not lead its "contexts side by side" with its most agreeing contexts: with
/// many contexts their r is the tail of noise. The cards are drawn at random and say so; a
/// run above chance keeps the most and least agreeing.
#[test]
fn a_run_at_chance_shows_random_contexts_side_by_side() {
    let root = tempfile::tempdir().unwrap();
    support::write_benchmark(root.path(), VERSION, &support::contexts(0, 20, 12, 3));
    let opts = ReportOptions::default();
    let groups = |agent: &str| -> (String, Vec<String>, String) {
        let dir = sim_run(root.path(), &root.path().join(agent), agent, "native");
        let json: String = render(root.path(), &dir, Format::Json, &opts);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        let groups: Vec<String> = v["multiples"]["panels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["group"].as_str().unwrap().to_string())
            .collect();
        (
            v["headline"]["verdict"].as_str().unwrap().to_string(),
            groups,
            v["multiples"]["rule"].as_str().unwrap().to_string(),
        )
    };
    let (verdict, null_groups, rule) = groups("confabulator");
    assert_eq!(verdict, "at_chance");
    assert_eq!(null_groups.len(), 12);
    assert!(null_groups.iter().all(|g| g == "random"), "{null_groups:?}");
    assert!(rule.starts_with("The score is at chance"), "{rule}");
    assert!(rule.contains("noise"), "{rule}");
    // No context of the random agent has an r: the rule says so, in one sentence (it read
    // "There is no score, so and no context has an r to choose them by").
    let (_, random_groups, rule) = groups("random");
    assert!(
        random_groups.iter().all(|g| g == "random"),
        "{random_groups:?}"
    );
    assert!(
        rule.starts_with("There is no score, and no context has an r to choose them by"),
        "{rule}"
    );
    assert!(
        !rule.contains("so and") && !rule.contains("r here is noise"),
        "{rule}"
    );
    let (verdict, groups, rule) = groups("faithful");
    assert_eq!(verdict, "above_chance");
    assert!(groups.iter().any(|g| g == "most_agreeing"), "{groups:?}");
    assert!(!rule.contains("noise"), "{rule}");
}

/// The title names the preset and the protocol size, and for an OpenAI-compatible server its
/// flavour and the base URL's host (never a user or password in it) instead of "provider
/// openai".
#[test]
fn the_title_names_preset_size_and_server() {
    let root = root();
    let opts = ReportOptions::default();
    let dir = sim_run(root.path(), &root.path().join("t"), "faithful", "native");
    let html: String = render(root.path(), &dir, Format::Html, &opts);
    assert!(
        html.contains("provider sim ·&nbsp;experiment <b>native</b> ·&nbsp;benchmark <b>t1</b> ·&nbsp;preset <b>quick</b>: 8 contexts × 12 pairs × 3 reports"),
        "{html}"
    );
    let path: PathBuf = dir.join(bundle::MANIFEST);
    let mut m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    m["provider"] = "openai".into();
    m["parameters"]["provider"] = "openai".into();
    m["parameters"]["base_url"] = "http://user:secret@127.0.0.1:8765/v1".into();
    m["parameters"]["server_flavour"] = "llama-cpp".into();
    std::fs::write(&path, serde_json::to_string_pretty(&m).unwrap()).unwrap();
    let html: String = render(root.path(), &dir, Format::Html, &opts);
    assert!(
        html.contains("llama.cpp server at 127.0.0.1:8765 ·&nbsp;experiment"),
        "{html}"
    );
    assert!(!html.contains("secret") && !html.contains("provider openai"));
    let md: String = render(root.path(), &dir, Format::Md, &opts);
    assert!(
        md.contains("llama.cpp server at 127.0.0.1:8765 (provider `openai`); preset quick"),
        "{md}"
    );
    // A server on this machine charges nothing per token, as the run's plan says: the tokens
    // section read "Cost unknown (no price given; ...)" (found by the user helper); a server
    // elsewhere, a private network's included, stays unknown without a price.
    for page in [&md, &html] {
        assert!(
            page.contains("Cost none per token (a server on this machine, 127.0.0.1)."),
            "{page}"
        );
        assert!(!page.contains("Cost unknown"), "{page}");
    }
    m["parameters"]["base_url"] = "http://10.0.0.5:8000/v1".into();
    std::fs::write(&path, serde_json::to_string_pretty(&m).unwrap()).unwrap();
    let md: String = render(root.path(), &dir, Format::Md, &opts);
    assert!(
        md.contains("Cost unknown (no price given; pass --price-in and --price-out)."),
        "{md}"
    );
}

/// The text of `html` from `start` to the next `end`, tags removed.
fn text_between(html: &str, start: &str, end: &str) -> String {
    let from: usize = html
        .find(start)
        .unwrap_or_else(|| panic!("{start}: {html}"));
    let to: usize = from + html[from..].find(end).unwrap();
    let mut out = String::new();
    let mut in_tag = false;
    for c in html[from..to].chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Whether `text` has four digits in a row (a count printed without thousands separators).
fn has_ungrouped_count(text: &str) -> bool {
    text.as_bytes()
        .windows(4)
        .any(|w| w.iter().all(u8::is_ascii_digit))
}

/// What the phone-width screenshots (scripts/screenshots.sh) showed cut or split: a card
/// heading's "r =" on one line and its value on the next; counts printed without thousands
/// separators beside counts printed with them ("9,704 parsed choices" in the diagnosis, "9704"
/// under Position bias); reproducibility values cut inside words ("bootstra / p"); the
/// contexts table's weights drifting below their attribute names.
#[test]
fn every_value_stays_with_its_label_and_every_count_is_grouped() {
    let root = root();
    let dir = sim_run(root.path(), &root.path().join("f"), "faithful", "native");
    let html: String = render(root.path(), &dir, Format::Html, &ReportOptions::default());
    assert!(html.contains("</b> ·&nbsp;r&nbsp;=&nbsp;"), "{html}");
    // Prose keeps "r =" with its value and an interval whole ("(r" / "= 0.858)" at 390 px), and
    // a scatter's caption keeps "fit" with its equation.
    let observer: String = text_between(&html, "<section id=\"observer\">", "</p>");
    assert!(observer.contains("(r&nbsp;=&nbsp;0."), "{observer}");
    assert!(html.contains("<span class=\"nw\">fit y = "), "{html}");
    // A separator stays with the item after it: at 390 px a card heading or the title's
    // line ended in a lone "·".
    for (start, end) in [
        ("<figcaption>", "</figcaption>"),
        ("<p class=\"sub\">", "</p>"),
    ] {
        for (at, _) in html.match_indices(start) {
            let part: &str = &html[at..at + html[at..].find(end).unwrap()];
            assert!(!part.contains("· ") && !part.contains("·\n"), "{part}");
        }
    }
    let tokens: String = text_between(&html, "<section id=\"tokens\">", "</section>");
    assert!(tokens.contains(" input and "), "{tokens}");
    assert!(!has_ungrouped_count(&tokens), "{tokens}");
    let repro: String = text_between(&html, "<section id=\"reproducibility\">", "</section>");
    assert!(
        repro.contains("2,000 bootstrap resamples, 1,000 null permutations"),
        "{repro}"
    );
    let quality: String = text_between(&html, "<section id=\"quality\">", "</section>");
    assert!(
        quality.contains("interval from 2,000 context-bootstrap resamples"),
        "{quality}"
    );
    // Long values wrap at spaces (hashes anywhere), and stack under their labels on a phone.
    assert!(!html.contains("word-break:break-all}"), "{html}");
    assert!(html.contains("@media (max-width:600px){dl.repro{grid-template-columns:minmax(0,1fr)"));
    // A raw answer keeps a readable width: at 390 px the examples column was squeezed to
    // a few characters a line; now its table scrolls instead.
    assert!(html.contains("max-width:46em;min-width:16em}"));
    // A context's weights are lines beside its attribute names: the same line height.
    assert!(html.contains("td.names,td.w{white-space:nowrap;line-height:22px}"));
    // No chance level is one "–", not "– (95% within –)" (the random agent's headline).
    let dir = sim_run(root.path(), &root.path().join("r"), "random", "native");
    let html: String = render(root.path(), &dir, Format::Html, &ReportOptions::default());
    assert!(html.contains("<dt>chance level</dt><dd>–</dd>"), "{html}");
    assert!(
        !html.contains("within –") && !html.contains("<td>– –</td>"),
        "{html}"
    );
}

/// A least-squares line that misses the plot (every report far above the ±100 scale, as a
/// model answering in an attribute's own units gives) is not drawn outside the plot and named
/// only by its colour: the legend says where it lies and gives its equation.
#[test]
fn a_fit_line_that_misses_the_plot_is_placed_in_the_legend() {
    let root = root();
    let dir = sim_run(root.path(), &root.path().join("high"), "faithful", "native");
    let path = dir.join(bundle::SAMPLES);
    let text: String = std::fs::read_to_string(&path).unwrap();
    let mut out: Vec<String> = Vec::new();
    for line in text.lines() {
        let mut v: serde_json::Value = serde_json::from_str(line).unwrap();
        if v["kind"] == "report" {
            // The same high values for every report: the line runs near y = 340 everywhere.
            let values: [f64; 5] = [300.0, 320.0, 340.0, 360.0, 380.0];
            let original: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(v["response"].as_str().unwrap()).unwrap();
            let response: serde_json::Map<String, serde_json::Value> = original
                .keys()
                .zip(values)
                .map(|(k, x)| (k.clone(), serde_json::json!(x)))
                .collect();
            v["response"] = serde_json::Value::Object(response).to_string().into();
            v["parsed"] = serde_json::json!(values);
            v["out_of_range"] = true.into();
        }
        out.push(v.to_string());
    }
    std::fs::write(&path, out.join("\n") + "\n").unwrap();
    let html: String = render(root.path(), &dir, Format::Html, &ReportOptions::default());
    let svg: &str = &html[html.find("<svg class=\"plot\" id=\"scatter0\"").unwrap()..];
    let svg: &str = &svg[..svg.find("</svg>").unwrap()];
    assert!(
        svg.contains("least-squares fit: above the plot (y = "),
        "the legend places the line:\n{svg}"
    );
}
