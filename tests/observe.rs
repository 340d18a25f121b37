//! Observer runs (`run --experiment observe --of DIR --examples K`): what they record, that
//! they are reproducible, how they are scored, and the same run through `serve-sim` over HTTP.

use crate::support::jsonl as lines;
use crate::support::{
    self, RunArgs, ServerProcess, assert_ok, bin_at, bin_in, json_of, score_json, stderr,
};
use serde_json::Value;
use std::path::Path;

/// `run` of the quick preset without the cache, as `args` say; it must succeed.
fn run(dir: &Path, args: RunArgs) {
    assert_ok(&bin_in(dir, &args.args(&["--no-cache"]).to_vec()));
}

/// The faithful agent's native run in `dir/base`: the run the observers watch.
fn faithful_base(dir: &Path) {
    run(dir, RunArgs::quick().out("base"));
}

/// The sim agent `model` observing `k` choices a context of the run `of`, into `out`.
fn observe_args(model: &str, of: &str, k: &str, out: &str, seed: &str) -> RunArgs {
    RunArgs::quick()
        .agent(model)
        .experiment("observe")
        .out(out)
        .args(&["--of", of, "--examples", k, "--seed", seed])
}

fn observe(dir: &Path, model: &str, of: &str, k: &str, out: &str, seed: &str) {
    run(dir, observe_args(model, of, k, out, seed));
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn r_of(dir: &Path, bundle: &str) -> f64 {
    score_json(bin_at(dir), &[bundle])["reports_vs_learned"]["r"]
        .as_f64()
        .unwrap()
}

#[test]
fn an_observer_run_records_the_choices_it_was_shown_and_is_scored_on_them() {
    let t = tempfile::tempdir().unwrap();
    let d: &Path = t.path();
    faithful_base(d);
    observe(d, "faithful", "base", "5", "o5", "0");
    let m: Value = json(&d.join("o5/manifest.json"));
    let o: &Value = &m["parameters"]["observe"];
    assert_eq!(o["examples"], 5);
    assert_eq!(o["of"], "base");
    assert_eq!(o["of_model"], "faithful");
    assert_eq!(m["parameters"]["trials"], 0);
    let shown: &Vec<Value> = o["shown"].as_array().unwrap();
    assert_eq!(shown.len(), 20);
    // Every shown choice is the observed run's own sample: same pair, same letter.
    let base: Vec<Value> = lines(&d.join("base/samples.jsonl"));
    for s in shown {
        assert_eq!(s["choices"].as_array().unwrap().len(), 5);
        for c in s["choices"].as_array().unwrap() {
            let b = base
                .iter()
                .find(|b| {
                    b["kind"] == "choice"
                        && b["context"] == s["context"]
                        && b["index"] == c["index"]
                })
                .unwrap();
            assert_eq!(b["options"], c["options"]);
            assert_eq!(b["parsed"], c["choice"]);
        }
    }
    // Only reports, no choices of its own.
    let own: Vec<Value> = lines(&d.join("o5/samples.jsonl"));
    assert!(!own.is_empty() && own.iter().all(|s| s["kind"] == "report"));
    // Reproducible: the same seed shows the same choices and gets the same answers; another
    // seed shows others.
    observe(d, "faithful", "base", "5", "o5-again", "0");
    assert_eq!(
        std::fs::read(d.join("o5/samples.jsonl")).unwrap(),
        std::fs::read(d.join("o5-again/samples.jsonl")).unwrap()
    );
    observe(d, "faithful", "base", "5", "o5-seed1", "1");
    assert_ne!(
        json(&d.join("o5-seed1/manifest.json"))["parameters"]["observe"]["shown"],
        o["shown"]
    );
    // Scored like any run, against the observed run's learned weights: an observer that fits
    // 5 choices lands between a confabulator and the faithful agent's own reports.
    observe(d, "faithful", "base", "15", "o15", "0");
    observe(d, "confabulator", "base", "5", "oc", "0");
    let (own_r, r5, r15, rc) = (
        r_of(d, "base"),
        r_of(d, "o5"),
        r_of(d, "o15"),
        r_of(d, "oc"),
    );
    assert!(
        own_r > r15 && r15 > r5 && r5 > rc + 0.3,
        "{own_r} {r15} {r5} {rc}"
    );
    assert!(rc.abs() < 0.3, "{rc}");
}

#[test]
fn an_observer_run_refuses_what_it_cannot_observe() {
    let t = tempfile::tempdir().unwrap();
    let d: &Path = t.path();
    faithful_base(d);
    let sim = [
        "run",
        "--preset",
        "quick",
        "--no-cache",
        "--provider",
        "sim",
        "--model",
        "faithful",
    ];
    let try_run = |extra: &[&str]| {
        let mut a: Vec<&str> = sim.to_vec();
        a.extend_from_slice(extra);
        bin_in(d, &a)
    };
    for (extra, says) in [
        (
            vec!["--experiment", "observe", "--examples", "5"],
            "needs --of",
        ),
        (
            vec!["--experiment", "native", "--of", "base", "--examples", "5"],
            "apply to --experiment observe",
        ),
        (
            vec!["--experiment", "observe", "--of", "base", "--examples", "0"],
            "--examples 0",
        ),
        (
            vec![
                "--experiment",
                "observe",
                "--of",
                "nowhere",
                "--examples",
                "5",
            ],
            "nowhere",
        ),
        // 20 choices per context in the quick preset: 19 shown leave too few to hold out.
        (
            vec![
                "--experiment",
                "observe",
                "--of",
                "base",
                "--examples",
                "19",
            ],
            "--examples 19",
        ),
    ] {
        let o = try_run(&extra);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(says), "{extra:?}: {}", stderr(&o));
    }
    observe(d, "faithful", "base", "5", "o5", "0");
    let o = try_run(&["--experiment", "observe", "--of", "o5", "--examples", "5"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("itself an observer run"),
        "{}",
        stderr(&o)
    );
    // The observed samples changed: the observer run is not scored against them.
    let p = d.join("base/samples.jsonl");
    let text = std::fs::read_to_string(&p)
        .unwrap()
        .replacen("\"A\"", "\"B\"", 1);
    std::fs::write(p, text).unwrap();
    let o = bin_in(d, &["score", "o5"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("observed run's samples"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn an_observer_run_through_serve_sim_over_http_answers_as_in_process() {
    let t = tempfile::tempdir().unwrap();
    let d: &Path = t.path();
    faithful_base(d);
    observe(d, "partial:0.5", "base", "8", "in-process", "3");
    let mut c = support::bin();
    c.current_dir(d).env_remove("SELFINTERP_ROOT").args([
        "serve-sim",
        "--agent",
        "partial:0.5",
        "--port",
        "0",
        "--seed",
        "3",
    ]);
    let server = ServerProcess::start(c);
    let args = observe_args("partial:0.5", "base", "8", "http", "3")
        .server("partial:0.5", &server.url)
        .args(&["--no-cache"]);
    let o = bin_in(d, &args.to_vec());
    drop(server);
    assert_ok(&o);
    let key = |s: &Value| {
        (
            s["context"].clone(),
            s["index"].clone(),
            s["parsed"].clone(),
        )
    };
    let a: Vec<_> = lines(&d.join("in-process/samples.jsonl"))
        .iter()
        .map(key)
        .collect();
    let b: Vec<_> = lines(&d.join("http/samples.jsonl"))
        .iter()
        .map(key)
        .collect();
    assert_eq!(a.len(), 60);
    assert_eq!(a, b);
    assert_eq!(r_of(d, "http"), r_of(d, "in-process"));
}

fn access(dir: &Path, bundle: &str) -> Value {
    score_json(bin_at(dir), &[bundle])["privileged_access"].clone()
}

fn ci(v: &Value) -> (f64, f64) {
    (
        v["ci_bootstrap"][0].as_f64().unwrap(),
        v["ci_bootstrap"][1].as_f64().unwrap(),
    )
}

/// The block on simulated agents whose answer is known: a faithful agent's own reports beat
/// an observer shown 5 of its choices (and an ideal observer of the same 5); an agent whose
/// reports are mostly unrelated to its choices loses to an observer shown 40 of them.
#[test]
fn privileged_access_tells_a_faithful_reporter_from_a_noisy_one() {
    let t = tempfile::tempdir().unwrap();
    let d: &Path = t.path();
    // The quick preset's other settings, with these counts.
    let design = ["--contexts", "30", "--trials", "60", "--reports", "3"];
    run(d, RunArgs::quick().out("faithful").args(&design));
    run(
        d,
        RunArgs::quick()
            .agent("partial:0.2")
            .out("noisy")
            .args(&design),
    );
    // All 30 observed contexts (the quick preset alone asks 20).
    let all = |of: &str, k: &str, out: &str| {
        run(
            d,
            observe_args("faithful", of, k, out, "0").flag("--contexts", "30"),
        )
    };
    all("faithful", "5", "sees-5");
    all("noisy", "40", "sees-40");

    let p: Value = access(d, "sees-5");
    assert_eq!(p["examples"], 5);
    assert_eq!(p["n_contexts"], 30);
    // Every interval is taken at its effective number of contexts (at most the 30 there are)
    // and holds its own estimate.
    for key in [
        "self_report",
        "observer_model",
        "ideal_observer",
        "self_minus_observer",
        "self_minus_ideal",
        "observer_minus_ideal",
        "partial_self",
        "partial_observer",
    ] {
        let g: f64 = p[key]["effective_contexts"].as_f64().unwrap();
        assert!((3.0..=30.0).contains(&g), "{key}: {p}");
        let v: f64 = p[key]["r"]
            .as_f64()
            .or(p[key]["difference"].as_f64())
            .unwrap();
        let (lo, hi) = ci(&p[key]);
        assert!(lo <= v && v <= hi, "{key}: {p}");
    }
    assert!(ci(&p["self_minus_observer"]).0 > 0.0, "{p}");
    assert!(ci(&p["self_minus_ideal"]).0 > 0.0, "{p}");
    assert!(
        p["reading"]
            .as_str()
            .unwrap()
            .contains("better than the observer model")
    );
    assert!(
        p["reading"]
            .as_str()
            .unwrap()
            .contains("does not prove introspection")
    );

    let q: Value = access(d, "sees-40");
    assert!(ci(&q["self_minus_observer"]).1 < 0.0, "{q}");
    assert!(
        q["reading"]
            .as_str()
            .unwrap()
            .contains("not evidence of privileged access")
    );
    // Given the observer's reports, the noisy agent's own add little; the observer's add
    // much given the agent's.
    let po: f64 = q["partial_observer"]["r"].as_f64().unwrap();
    let ps: f64 = q["partial_self"]["r"].as_f64().unwrap();
    assert!(po > ps + 0.3, "{q}");

    // `compare` carries the observer's block; the reports show it.
    let c: Value = json_of(&bin_in(d, &["compare", "faithful", "sees-5", "--json"]));
    assert_eq!(c["privileged_access"][0]["observer"], "sees-5");
    assert_eq!(c["privileged_access"][0]["self_report"], p["self_report"]);
    let o = bin_in(d, &["report", "sees-5", "--format", "md", "--out", "r.md"]);
    assert_ok(&o);
    let md: String = std::fs::read_to_string(d.join("r.md")).unwrap();
    assert!(md.contains("## Privileged access"), "{md}");
    assert!(md.contains("ideal observer fitting the same 5 choices"));
    // A run that observes nothing has no block.
    assert!(access(d, "faithful").is_null());
}

/// An observer run's report names its experiment: its parameters carry the observed run's
/// split as their experiment, and the title read "native" (the SmolLM2 observer run's did).
#[test]
fn an_observer_runs_report_names_its_experiment() {
    let t = tempfile::tempdir().unwrap();
    let d: &Path = t.path();
    faithful_base(d);
    observe(d, "faithful", "base", "5", "o5", "0");
    let report = |bundle: &str, format: &str| {
        let o = bin_in(d, &["report", bundle, "--format", format]);
        assert_ok(&o);
        String::from_utf8(o.stdout).unwrap()
    };
    let md: String = report("o5", "md");
    assert!(md.starts_with("# faithful · observe · v1\n"), "{md}");
    // Asked with --preset quick: it read "preset custom" (an observer asks no pairs and
    // records the contexts it was shown).
    assert!(md.contains("preset quick"), "{md}");
    let html: String = report("o5", "html");
    assert!(html.contains("experiment <b>observe</b>"), "{html}");
    assert!(html.contains("<title>selfinterp report: faithful (observe)</title>"));
    let json: Value = serde_json::from_str(&report("o5", "json")).unwrap();
    assert_eq!(json["title"]["experiment"], "observe", "{}", json["title"]);
    // The observed run keeps its own.
    assert!(report("base", "md").starts_with("# faithful · native · v1\n"));
}

/// The viewer renders an observer run's prompts with the choices it showed: every recorded
/// prompt hash matches.
#[test]
fn the_viewer_renders_an_observer_runs_prompts_as_asked() {
    let t = tempfile::tempdir().unwrap();
    let d: &Path = t.path();
    faithful_base(d);
    observe(d, "faithful", "base", "5", "o5", "0");
    let root = d.join("no-benchmark-here");
    let v = selfinterp::view::load(&root, &d.join("o5")).unwrap();
    for i in 0..60 {
        let p: Value = v.prompt(i).unwrap();
        assert_eq!(p["matches"], true, "{p}");
        assert!(p["user"].as_str().unwrap().contains("Decision 5:"));
    }
}

/// An observer's reports are scored against all the observed run's choices, the shown ones
/// included, so its own partial r given the target (0.40 [0.17, 0.60] for the simulated
/// faithful observer of the stored faithful instilled run, shown 5 of 20 choices) reflects
/// that overlap, not the observed model: its verdict leaves the target sentence out (before,
/// it read "given the target, the reports still track its choices") and the privileged-access
/// section gives the partial r on the held-out choices.
#[test]
fn an_observer_report_does_not_read_its_partial_r_given_the_target_as_the_models() {
    let t = tempfile::tempdir().unwrap();
    let d: &Path = t.path();
    run(d, RunArgs::quick().experiment("instilled").out("base"));
    observe(d, "faithful", "base", "5", "o5", "0");
    let v: Value = score_json(bin_at(d), &["o5"]);
    assert!(
        v["partial_reports_learned_given_target"]["r"].is_f64(),
        "{v}"
    );
    assert!(v["privileged_access"]["partial_self"]["r"].is_f64(), "{v}");
    // Its own reports beat the observer, but given the trained profile they add nothing the
    // held-out choices show: the reading does not call that consistent with privileged access
    // (it did).
    let reading: &str = v["privileged_access"]["reading"].as_str().unwrap();
    assert!(
        reading.contains("better than the observer model"),
        "{reading}"
    );
    assert!(
        reading.contains("may come from the trained profile"),
        "{reading}"
    );
    assert!(
        !reading.contains("consistent with privileged access"),
        "{reading}"
    );
    let o = bin_in(d, &["report", "o5", "--format", "md"]);
    assert_ok(&o);
    let md: String = String::from_utf8(o.stdout).unwrap();
    assert!(!md.contains("Against the target profile"), "{md}");
    assert!(
        md.contains("partial r, own given observer model and target"),
        "{md}"
    );
    // An observer asks no pairs: its size names the choices it was shown, not "0 pairs"
    // (seen in scripts/screenshots.sh's observer report).
    assert!(md.contains(" choices shown × "), "{md}");
    assert!(!md.contains("× 0 pairs"), "{md}");
}

/// `--preset quick` asks the preset's 20 contexts of a larger observed run, as any quick run
/// does (it asked all 30 here, and 97 of the SmolLM2 100 x 20 run in results/); `--contexts`
/// still sets the number.
#[test]
fn an_observer_run_asks_the_presets_number_of_contexts() {
    let t = tempfile::tempdir().unwrap();
    let d: &Path = t.path();
    run(d, RunArgs::sizes(30, 12, 1).out("base"));
    observe(d, "faithful", "base", "5", "quick", "0");
    let m: Value = json(&d.join("quick/manifest.json"));
    assert_eq!(m["parameters"]["contexts"], 20, "{}", m["parameters"]);
    assert_eq!(
        m["parameters"]["observe"]["shown"]
            .as_array()
            .unwrap()
            .len(),
        20
    );
    run(
        d,
        observe_args("faithful", "base", "5", "some", "0").flag("--contexts", "7"),
    );
    let m: Value = json(&d.join("some/manifest.json"));
    assert_eq!(m["parameters"]["contexts"], 7);
}

/// An observed model that answers one letter (SmolLM2-135M answered "A" to 100% of the
/// choices of its 100 x 20 run in results/) leaves weights learned from noise: the reading
/// says so beside its comparisons, which then can show little either way.
#[test]
fn privileged_access_says_when_the_observed_choices_are_one_letter() {
    let t = tempfile::tempdir().unwrap();
    let d: &Path = t.path();
    run(d, RunArgs::quick().agent("position-biased").out("base"));
    observe(d, "faithful", "base", "5", "o5", "0");
    let p: Value = access(d, "o5");
    assert_eq!(p["p_answer_a"], 1.0, "{p}");
    let reading: &str = p["reading"].as_str().unwrap();
    assert!(
        reading.contains("answered \"A\" to 100.00% of its choices in these contexts"),
        "{reading}"
    );
    assert!(reading.contains("carry little signal"), "{reading}");
    // The report's findings speak of the observed model's choices, not the observer's.
    let o = bin_in(d, &["report", "o5", "--format", "md"]);
    assert_ok(&o);
    let md: String = String::from_utf8(o.stdout).unwrap();
    assert!(
        md.contains("1. The observed model answered \"A\" to 100.00%"),
        "{md}"
    );
    assert!(!md.contains("The model answered"), "{md}");
    // A model whose choices follow the options gets no such sentence.
    run(d, RunArgs::quick().out("fbase"));
    observe(d, "faithful", "fbase", "5", "f5", "0");
    let f: Value = access(d, "f5");
    assert!(
        !f["reading"].as_str().unwrap().contains("little signal"),
        "{f}"
    );
}

/// The number just before `at` (a value printed before an interval), if one ends there.
fn number_before(text: &str, at: usize) -> Option<&str> {
    let head: &str = text[..at].strip_suffix(' ')?;
    let start: usize = head
        .char_indices()
        .rev()
        .find(|&(_, c)| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+'))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let n: &str = &head[start..];
    (n.parse::<f64>().is_ok() && n.contains(|c: char| c.is_ascii_digit())).then_some(n)
}

fn decimals(n: &str) -> usize {
    n.split_once('.').map_or(0, |(_, d)| d.len())
}

/// Every "value [low, high]" in `text` whose value has another number of decimals than its
/// interval ("0.27 [0.149, 0.398]").
fn mixed_precisions(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (at, _) in text.match_indices('[') {
        let Some(end) = text[at..].find(']').map(|e| at + e) else {
            continue;
        };
        let Some((lo, hi)) = text[at + 1..end].split_once(", ") else {
            continue;
        };
        if lo.parse::<f64>().is_err() || hi.parse::<f64>().is_err() {
            continue;
        }
        if let Some(v) = number_before(text, at)
            && (decimals(v) != decimals(lo) || decimals(v) != decimals(hi))
        {
            out.push(format!("{v} {}", &text[at..=end]));
        }
    }
    out
}

#[test]
fn mixed_precisions_are_found() {
    assert_eq!(
        mixed_precisions("own minus observer 0.27 [0.149, 0.398])"),
        ["0.27 [0.149, 0.398]"]
    );
    assert!(mixed_precisions("r 0.270 [0.149, 0.398]; chance [-0.1, 0.1]; [a, b]").is_empty());
}

/// A value and its interval at one precision in every format: the observer report's headline
/// read "own minus observer 0.27 [0.149, 0.398]" (scripts/screenshots.sh), and an instilled
/// report's prose "its choices follow it at r = 1.00" beside 0.999 in its Scores table.
#[test]
fn a_value_and_its_interval_and_the_prose_and_its_table_share_one_precision() {
    let t = tempfile::tempdir().unwrap();
    let d: &Path = t.path();
    run(d, RunArgs::quick().experiment("instilled").out("base"));
    observe(d, "faithful", "base", "5", "o5", "0");
    let mut pages: Vec<(String, String)> = Vec::new();
    for bundle in ["base", "o5"] {
        for format in ["md", "html"] {
            let o = bin_in(d, &["report", bundle, "--format", format]);
            assert_ok(&o);
            pages.push((
                format!("{bundle} {format}"),
                String::from_utf8(o.stdout).unwrap(),
            ));
        }
        let o = bin_in(d, &["score", bundle]);
        assert_ok(&o);
        pages.push((
            format!("score {bundle}"),
            String::from_utf8(o.stdout).unwrap(),
        ));
    }
    for (name, text) in &pages {
        assert_eq!(
            mixed_precisions(text),
            Vec::<String>::new(),
            "{name}:\n{text}"
        );
    }
    assert!(
        pages[3].1.contains("own minus observer 0."),
        "{}",
        pages[3].1
    );
    // The instilled run's prose gives learned vs target r as its Scores table does.
    let md: &str = &pages[0].1;
    let row: &str = md
        .lines()
        .find(|l| l.starts_with("| Learned vs target weights "))
        .unwrap_or_else(|| panic!("{md}"));
    let r: &str = row.split('|').nth(2).unwrap().trim();
    assert_eq!(decimals(r), 3, "{row}");
    assert!(
        md.contains(&format!("its choices follow it at r = {r}.")),
        "{r}: {md}"
    );
}
