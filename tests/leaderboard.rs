//! The leaderboard: rendering, and `validate` catching every kind of tampering with a message
//! naming the entry and the field.

use crate::reports::{root, sim_run, sim_run_with};
use selfinterp::leaderboard::{self, Problem};
use std::path::{Path, PathBuf};

const ENTRIES: &[(&str, &str, &str)] = &[
    ("sim-faithful", "faithful", "Simulated: faithful"),
    (
        "sim-confabulator",
        "confabulator",
        "Simulated: confabulator",
    ),
    ("sim-partial", "partial:0.5", "Simulated: partial"),
];

fn entry_toml(display: &str, model: &str) -> String {
    format!(
        "display_name = \"{display}\"\nmodel_id = \"{model}\"\nprovider = \"sim\"\ndate = \"2026-01-01\"\n\
submitted_by = \"tests\"\nnotes = \"reference\"\nsimulated = true\n"
    )
}

/// A results directory with three native entries and a rendered leaderboard.
fn results() -> (tempfile::TempDir, PathBuf) {
    let root = root();
    let results: PathBuf = root.path().join("results");
    std::fs::create_dir_all(&results).unwrap();
    for (name, agent, display) in ENTRIES {
        let dir: PathBuf = sim_run(root.path(), &results.join(name), agent, "native");
        let _ = std::fs::remove_file(dir.join("errors.jsonl"));
        std::fs::write(
            dir.join(leaderboard::ENTRY_FILE),
            entry_toml(display, agent),
        )
        .unwrap();
    }
    write_leaderboard(&results);
    (root, results)
}

/// The one comparability class of a results directory whose entries were all run alike.
fn only_class(board: &[leaderboard::Board]) -> &leaderboard::Board {
    assert_eq!(board.len(), 1, "one class: {board:?}");
    &board[0]
}

fn write_leaderboard(results: &Path) {
    let entries = leaderboard::load_all(results).unwrap();
    let benchmark = results.parent().unwrap().join("benchmark");
    leaderboard::write(results, &leaderboard::board(&entries), &benchmark).unwrap();
}

fn validate(root: &Path) -> Vec<Problem> {
    leaderboard::validate(&root.join("results"), &root.join("benchmark"))
        .unwrap()
        .1
}

/// Asserts exactly one kind of problem: in `entry`, `file`, with `field` in its field.
fn expect(problems: &[Problem], entry: &str, file: &str, field: &str) {
    assert!(
        problems
            .iter()
            .any(|p| p.entry == entry && p.file == file && p.field.contains(field)),
        "expected a problem in {entry} {file} {field}, got:\n{}",
        problems
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

fn edit(path: &Path, f: impl FnOnce(String) -> String) {
    let text: String = std::fs::read_to_string(path).unwrap();
    std::fs::write(path, f(text)).unwrap();
}

fn edit_json(path: &Path, f: impl FnOnce(&mut serde_json::Value)) {
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    f(&mut v);
    std::fs::write(path, serde_json::to_string_pretty(&v).unwrap() + "\n").unwrap();
}

#[test]
fn rendered_leaderboard_is_ranked_and_valid() {
    let (root, results) = results();
    assert_eq!(validate(root.path()), vec![]);
    let md: String = std::fs::read_to_string(results.join(leaderboard::MD_FILE)).unwrap();
    let faithful: usize = md.find("Simulated: faithful").unwrap();
    let partial: usize = md.find("Simulated: partial").unwrap();
    let confab: usize = md.find("Simulated: confabulator").unwrap();
    assert!(faithful < partial && partial < confab, "ranked by r:\n{md}");
    insta::assert_snapshot!("leaderboard_md", md);
    let html: String = std::fs::read_to_string(results.join(leaderboard::HTML_FILE)).unwrap();
    assert_eq!(html.matches("<script").count(), 1);
    assert!(
        html.contains("<table class=\"sortable board sim\">"),
        "{html}"
    );
    assert!(html.contains("id=\"hide-sim\""));
    // Commands in the notes are code kept on one line, not prose a phone breaks at a hyphen.
    for command in [
        "selfinterp run --provider sim",
        "selfinterp leaderboard --format csv",
    ] {
        assert!(html.contains(&format!("<code>{command}</code>")), "{html}");
    }
    // Every entry has a detail page in both formats, linked from its row.
    for (name, _, _) in ENTRIES {
        assert!(md.contains(&format!("]: details/{name}.md")), "{md}");
        assert!(
            html.contains(&format!("href=\"details/{name}.html\"")),
            "{html}"
        );
        let page: String =
            std::fs::read_to_string(results.join(format!("details/{name}.md"))).unwrap();
        assert!(page.contains("- noise ceiling: "), "{page}");
        insta::assert_snapshot!(format!("detail_{name}"), page);
    }
}

#[test]
fn a_tampered_sample_is_named() {
    let (root, results) = results();
    let path: PathBuf = results.join("sim-faithful/samples.jsonl");
    edit(&path, |t| {
        let mut lines: Vec<String> = t.lines().map(str::to_string).collect();
        // The stored answer no longer matches its parsed value.
        let mut v: serde_json::Value = serde_json::from_str(&lines[3]).unwrap();
        let flipped: &str = if v["response"] == "A" { "B" } else { "A" };
        v["response"] = flipped.into();
        lines[3] = serde_json::to_string(&v).unwrap();
        lines.join("\n") + "\n"
    });
    let p = validate(root.path());
    expect(&p, "sim-faithful", "samples.jsonl", "line 4");
    expect(&p, "sim-faithful", "samples.jsonl", "parsed");
}

#[test]
fn a_tampered_option_value_is_named() {
    let (root, results) = results();
    let path: PathBuf = results.join("sim-partial/samples.jsonl");
    edit(&path, |t| {
        let mut lines: Vec<String> = t.lines().map(str::to_string).collect();
        let mut v: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
        v["options"]["A"][0] = serde_json::json!(v["options"]["A"][0].as_f64().unwrap() + 1.0);
        lines[0] = serde_json::to_string(&v).unwrap();
        lines.join("\n") + "\n"
    });
    expect(
        &validate(root.path()),
        "sim-partial",
        "samples.jsonl",
        "options",
    );
}

#[test]
fn a_tampered_summary_is_named() {
    let (root, results) = results();
    edit_json(&results.join("sim-confabulator/summary.json"), |v| {
        v["reports_vs_learned"]["r"] = serde_json::json!(0.9);
    });
    expect(
        &validate(root.path()),
        "sim-confabulator",
        "summary.json",
        "reports_vs_learned.r",
    );
}

#[test]
fn a_tampered_manifest_is_named() {
    let (root, results) = results();
    edit_json(&results.join("sim-faithful/manifest.json"), |v| {
        v["counts"]["invalid_reports"] = serde_json::json!(1);
    });
    expect(
        &validate(root.path()),
        "sim-faithful",
        "manifest.json",
        "counts.invalid_reports",
    );

    edit_json(&results.join("sim-partial/manifest.json"), |v| {
        v["benchmark_sha256"] = serde_json::json!("0".repeat(64));
    });
    expect(
        &validate(root.path()),
        "sim-partial",
        "manifest.json",
        "benchmark_sha256",
    );
}

#[test]
fn a_tampered_leaderboard_is_named() {
    let (root, results) = results();
    edit(&results.join(leaderboard::MD_FILE), |t| {
        t.replacen("Simulated: partial]", "Simulated: partial!]", 1)
    });
    expect(
        &validate(root.path()),
        "LEADERBOARD.md",
        "",
        "row of entry sim-partial",
    );

    write_leaderboard(&results);
    edit(&results.join(leaderboard::HTML_FILE), |t| {
        t.replacen(
            "<td class=\"n\" data-label=\"#\" data-v=\"1\">1</td>",
            "<td class=\"n\" data-label=\"#\" data-v=\"1\">9</td>",
            1,
        )
    });
    expect(&validate(root.path()), "leaderboard.html", "", "line");
}

#[test]
fn entry_toml_schema_is_enforced() {
    let (root, results) = results();
    let path: PathBuf = results.join("sim-faithful/entry.toml");
    edit(&path, |t| {
        t.lines()
            .filter(|l| !l.starts_with("date"))
            .collect::<Vec<_>>()
            .join("\n")
    });
    expect(&validate(root.path()), "sim-faithful", "entry.toml", "date");

    std::fs::write(
        &path,
        entry_toml("Simulated: faithful", "faithful").replace("2026-01-01", "2026-02-30"),
    )
    .unwrap();
    expect(&validate(root.path()), "sim-faithful", "entry.toml", "date");

    std::fs::write(
        &path,
        entry_toml("Simulated: faithful", "faithful") + "score = 1.0\n",
    )
    .unwrap();
    expect(
        &validate(root.path()),
        "sim-faithful",
        "entry.toml",
        "score",
    );

    std::fs::write(&path, entry_toml("Simulated: faithful", "gpt-4o")).unwrap();
    expect(
        &validate(root.path()),
        "sim-faithful",
        "entry.toml",
        "model_id",
    );

    std::fs::write(
        &path,
        entry_toml("Simulated: faithful", "faithful")
            .replace("simulated = true", "simulated = false"),
    )
    .unwrap();
    expect(
        &validate(root.path()),
        "sim-faithful",
        "entry.toml",
        "simulated",
    );
}

#[test]
fn secrets_and_stray_files_are_refused() {
    let (root, results) = results();
    let path: PathBuf = results.join("sim-partial/entry.toml");
    std::fs::write(
        &path,
        entry_toml("Simulated: partial", "partial:0.5")
            .replace("reference", "run with sk-proj-A1b2C3d4E5f6G7h8I9j0K1"),
    )
    .unwrap();
    let p = validate(root.path());
    expect(&p, "sim-partial", "entry.toml", "line 6");
    assert!(
        !p.iter().any(|p| p.message.contains("A1b2C3d4E5")),
        "the secret is not repeated"
    );

    std::fs::write(
        results.join("sim-faithful/headers.txt"),
        "Authorization: Bearer abcdef0123456789abcdef\n",
    )
    .unwrap();
    let p = validate(root.path());
    expect(&p, "sim-faithful", "headers.txt", "line 1");
    expect(&p, "sim-faithful", "headers.txt", "");
}

#[test]
fn leaderboard_html_escapes_entry_fields() {
    let (_root, results) = results();
    std::fs::write(
        results.join("sim-faithful/entry.toml"),
        entry_toml("<script>alert('x')</script>", "faithful"),
    )
    .unwrap();
    write_leaderboard(&results);
    let html: String = std::fs::read_to_string(results.join(leaderboard::HTML_FILE)).unwrap();
    assert_eq!(html.matches("<script").count(), 1);
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
    let md: String = std::fs::read_to_string(results.join(leaderboard::MD_FILE)).unwrap();
    assert!(!md.contains("<script"));
}

#[test]
fn unrankable_runs_are_listed_without_a_rank() {
    let (root, results) = results();
    let dir: PathBuf = sim_run(root.path(), &results.join("sim-random"), "random", "native");
    let _ = std::fs::remove_file(dir.join("errors.jsonl"));
    std::fs::write(
        dir.join(leaderboard::ENTRY_FILE),
        entry_toml("Simulated: random", "random"),
    )
    .unwrap();
    write_leaderboard(&results);
    assert_eq!(validate(root.path()), vec![]);
    let md: String = std::fs::read_to_string(results.join(leaderboard::MD_FILE)).unwrap();
    let line: &str = md
        .lines()
        .find(|l| l.contains("Simulated: random"))
        .expect(&md);
    assert!(
        line.starts_with("| – |") && line.contains("| ✗ no measurable preference |"),
        "no rank, and the reason: {line}"
    );
    let board = leaderboard::board(&leaderboard::load_all(&results).unwrap());
    let sims = &only_class(&board).simulated;
    let first_unranked: usize = sims.iter().position(|r| r.rank.is_none()).unwrap();
    assert!(
        sims[..first_unranked]
            .iter()
            .all(|r| r.rank.is_some() && r.rankable),
        "ranked rows first"
    );
    assert!(
        sims[first_unranked..]
            .iter()
            .all(|r| r.rank.is_none() && !r.rankable && r.tie.is_none())
    );
    assert!(only_class(&board).models.is_empty());
}

#[test]
fn ties_are_decided_by_a_paired_comparison_with_holm() {
    let (root, results) = results();
    // The same agent twice on the same contexts: identical scores, so tied.
    let dir: PathBuf = sim_run(
        root.path(),
        &results.join("sim-faithful-2"),
        "faithful",
        "native",
    );
    let _ = std::fs::remove_file(dir.join("errors.jsonl"));
    std::fs::write(
        dir.join(leaderboard::ENTRY_FILE),
        entry_toml("Simulated: faithful again", "faithful"),
    )
    .unwrap();
    write_leaderboard(&results);
    assert_eq!(validate(root.path()), vec![]);
    let board = leaderboard::board(&leaderboard::load_all(&results).unwrap());
    let rows = &only_class(&board).simulated;
    let names: Vec<&str> = rows.iter().map(|r| r.entry.as_str()).collect();
    assert_eq!(
        names,
        [
            "sim-faithful",
            "sim-faithful-2",
            "sim-partial",
            "sim-confabulator"
        ]
    );
    let t0 = rows[0].tie.as_ref().unwrap();
    assert_eq!(t0.method, leaderboard::TieMethod::Paired);
    assert!(t0.tied, "{t0:?}");
    assert_eq!(t0.difference, Some(0.0));
    assert_eq!(t0.p, Some(1.0));
    // Holm over the table's three paired tests, and tied exactly when the adjusted p >= 5%.
    let ties: Vec<&leaderboard::Tie> = rows[..3].iter().map(|r| r.tie.as_ref().unwrap()).collect();
    let p: Vec<f64> = ties.iter().map(|t| t.p.unwrap()).collect();
    let holm: Vec<f64> = leaderboard::holm(&p);
    for (t, q) in ties.iter().zip(&holm) {
        assert_eq!(t.p_holm, Some(*q));
        assert_eq!(t.tied, *q >= 0.05, "{t:?}");
        assert_eq!(t.shared_contexts, 8);
    }
    // Faithful vs partial differ (0.34 in r) at p < 5% on 8 contexts, but not after Holm's
    // correction for three comparisons: the page must say they are tied.
    let t1 = ties[1];
    assert!(
        t1.p.unwrap() < 0.05 && t1.p_holm.unwrap() >= 0.05 && t1.tied,
        "{t1:?}"
    );
    assert!(rows[3].tie.is_none(), "the last ranked row has no next row");
    let md: String = std::fs::read_to_string(results.join(leaderboard::MD_FILE)).unwrap();
    assert!(md.contains("| 1 ≈ | [Simulated: faithful]"), "{md}");
    assert!(md.contains("Holm"), "the method is stated");
}

#[test]
fn leaderboard_lines_stay_short_even_with_long_names() {
    let (_root, results) = results();
    let long: String = format!("{} model", "A very long display name".repeat(3));
    assert!(long.chars().count() <= 80);
    std::fs::write(
        results.join("sim-partial/entry.toml"),
        entry_toml(&long, "partial:0.5"),
    )
    .unwrap();
    write_leaderboard(&results);
    let md: String = std::fs::read_to_string(results.join(leaderboard::MD_FILE)).unwrap();
    let longest: usize = md.lines().map(str::len).max().unwrap();
    assert!(longest <= leaderboard::MAX_MD_LINE, "{longest}:\n{md}");
    for l in md.lines().filter(|l| l.starts_with('|')) {
        assert_eq!(l.matches(" | ").count(), 6, "seven columns: {l}");
    }
}

#[test]
fn leaderboard_exports_csv_and_json() {
    let (_root, results) = results();
    let board = leaderboard::board(&leaderboard::load_all(&results).unwrap());
    let csv: String = leaderboard::export_csv(&board);
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert!(header.contains(&"r") && header.contains(&"tie_p_holm"));
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), ENTRIES.len());
    assert!(
        rows[0].starts_with(
            "native,native · benchmark t1 · 8 contexts × 12 pairs × 3 reports · unconstrained,simulated,1,"
        ),
        "{csv}"
    );
    let json: serde_json::Value = serde_json::from_str(&leaderboard::export_json(&board)).unwrap();
    let arr = json.as_array().unwrap();
    assert_eq!(arr.len(), ENTRIES.len());
    assert_eq!(arr[0]["entry"], "sim-faithful");
    assert_eq!(arr[0]["tie"]["method"], "paired");
    let r: f64 = arr[0]["r"].as_f64().unwrap();
    let in_csv: f64 = rows[0].split(',').nth(16).unwrap().parse().unwrap();
    assert_eq!(r, in_csv, "both exports carry the same figure");
}

/// `leaderboard --json` prints `{written, rows}`, its rows exactly `--format json`'s. The
/// field names are pinned: tools read them (docs/reports.md lists them).
#[test]
fn leaderboard_json_reports_the_pages_and_the_same_rows_as_format_json() {
    use crate::support::{assert_ok, bin};
    let (root, results) = results();
    let run = |args: &[&str]| {
        let o = bin()
            .arg("--root")
            .arg(root.path())
            .arg("leaderboard")
            .arg(&results)
            .args(args)
            .output()
            .unwrap();
        assert_ok(&o);
        serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()
    };
    let written = run(&["--json"]);
    let keys =
        |v: &serde_json::Value| -> Vec<String> { v.as_object().unwrap().keys().cloned().collect() };
    assert_eq!(keys(&written), ["written", "rows"]);
    let files: Vec<&str> = written["written"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert!(files[0].ends_with("LEADERBOARD.md") && files[1].ends_with("leaderboard.html"));
    // The two tables, two detail pages per entry, then each entry's full report.
    assert_eq!(files.len(), 2 + 3 * ENTRIES.len(), "{files:?}");
    assert!(
        files[files.len() - 1].ends_with(".report.html"),
        "{files:?}"
    );
    assert!(files.iter().all(|f| Path::new(f).is_file()), "{files:?}");
    assert_eq!(written["rows"], run(&["--format", "json"]));
    let rows = written["rows"].as_array().unwrap();
    assert_eq!(rows.len(), ENTRIES.len());
    assert_eq!(
        keys(&rows[0]),
        [
            "experiment",
            "class",
            "rank",
            "entry",
            "display_name",
            "model_id",
            "provider",
            "simulated",
            "benchmark",
            "date",
            "submitted_by",
            "notes",
            "harness_commit",
            "git_dirty",
            "r",
            "ci_bootstrap",
            "ci_study",
            "chance_mean",
            "chance_range",
            "calibration_slope",
            "invalid_report_rate",
            "invalid_choice_rate",
            "n_reports_out_of_range",
            "p_answer_a",
            "n_contexts",
            "n_choices",
            "n_reports",
            "behavioural_reliability",
            "report_reliability",
            "noise_ceiling",
            "corrected_r",
            "corrected_r_ci",
            "flag",
            "rankable",
            "tie",
        ]
    );
    assert_eq!(rows[0]["entry"], "sim-faithful");
    assert_eq!(rows[0]["rank"], 1);
    assert!(rows[0]["r"].as_f64().unwrap() > 0.5 && rows[0]["rankable"] == true);
}

/// Each entry's full HTML report is published beside its detail pages and linked from both, and
/// it is exactly what `selfinterp report --format html` makes of the bundle. `validate`
/// re-renders it from the raw samples: a hand-edited figure, another run's report in its place,
/// a missing report and the report of an entry that is gone are each named by their file.
#[test]
fn each_entry_links_its_full_report_and_validate_refuses_an_edited_or_stale_one() {
    let (root, results) = results();
    let report = |e: &str| results.join(format!("details/{e}.report.html"));
    for (name, _, _) in ENTRIES {
        let html: String =
            std::fs::read_to_string(results.join(format!("details/{name}.html"))).unwrap();
        assert!(
            html.contains(&format!("<a href=\"{name}.report.html\">")),
            "{html}"
        );
        let md: String =
            std::fs::read_to_string(results.join(format!("details/{name}.md"))).unwrap();
        assert!(md.contains(&format!("]({name}.report.html)")), "{md}");
        let out: PathBuf = root.path().join(format!("{name}.html"));
        let o = crate::support::bin()
            .arg("--root")
            .arg(root.path())
            .arg("report")
            .arg(results.join(name))
            .args(["--format", "html", "--out"])
            .arg(&out)
            .output()
            .unwrap();
        crate::support::assert_ok(&o);
        assert!(
            std::fs::read(&out).unwrap() == std::fs::read(report(name)).unwrap(),
            "details/{name}.report.html is not the report of results/{name}"
        );
    }
    let original: String = std::fs::read_to_string(report("sim-faithful")).unwrap();
    // A figure edited by hand: the headline's r.
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(results.join("sim-faithful/summary.json")).unwrap(),
    )
    .unwrap();
    let r: String = format!(
        "{:.3}",
        summary["reports_vs_learned"]["r"].as_f64().unwrap()
    );
    assert!(original.contains(&r), "r = {r} is not on the report");
    std::fs::write(report("sim-faithful"), original.replacen(&r, "0.999", 1)).unwrap();
    expect(
        &validate(root.path()),
        "details/sim-faithful.report.html",
        "",
        "line ",
    );
    // Another run's report (a stale copy) in its place.
    std::fs::copy(report("sim-partial"), report("sim-faithful")).unwrap();
    expect(
        &validate(root.path()),
        "details/sim-faithful.report.html",
        "",
        "line ",
    );
    std::fs::remove_file(report("sim-faithful")).unwrap();
    let problems: Vec<Problem> = validate(root.path());
    expect(&problems, "details/sim-faithful.report.html", "", "");
    assert!(
        problems.iter().any(|p| p.message.contains("missing")),
        "{problems:?}"
    );
    std::fs::write(report("sim-faithful"), &original).unwrap();
    std::fs::write(report("gone"), &original).unwrap();
    expect(&validate(root.path()), "details/gone.report.html", "", "");
    std::fs::remove_file(report("gone")).unwrap();
    assert_eq!(validate(root.path()), vec![]);
}

#[test]
fn a_stale_detail_page_is_refused() {
    let (root, results) = results();
    std::fs::write(results.join("details/gone.md"), "# gone\n").unwrap();
    expect(&validate(root.path()), "details/gone.md", "", "");
}

#[test]
fn an_adaptive_run_validates_and_its_chosen_pairs_are_checked() {
    let (root, results) = results();
    let dir: PathBuf = sim_run_with(
        root.path(),
        &results.join("sim-adaptive"),
        "faithful",
        "native",
        |q| q.ask.design = Some(selfinterp::design::Criterion::DOptimal),
    );
    let _ = std::fs::remove_file(dir.join("errors.jsonl"));
    std::fs::write(
        dir.join(leaderboard::ENTRY_FILE),
        entry_toml("Simulated: faithful, adaptive pairs", "faithful"),
    )
    .unwrap();
    write_leaderboard(&results);
    assert_eq!(validate(root.path()), vec![]);
    // The pairs an adaptive run asked are not the frozen ones; validate replays the design, so
    // an edited option value is still caught.
    edit(&dir.join("samples.jsonl"), |t| {
        let mut lines: Vec<String> = t.lines().map(String::from).collect();
        let mut v: serde_json::Value = serde_json::from_str(&lines[7]).unwrap();
        let x = v["options"]["A"][0].as_f64().unwrap();
        v["options"]["A"][0] = serde_json::json!(x + 1.0);
        lines[7] = v.to_string();
        lines.join("\n") + "\n"
    });
    expect(
        &validate(root.path()),
        "sim-adaptive",
        "samples.jsonl",
        "options",
    );
}

/// The committed leaderboard: no line over 200 bytes (a line of 201 bytes once slipped through
/// a count in characters), and the `random` agent's reason is what its numbers say: every
/// learned weight is 0, so no measurable preference, not "too little data" beside 400 choices.
#[test]
fn committed_leaderboard_lines_fit_and_random_has_no_measurable_preference() {
    let results = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("results");
    let md: String = std::fs::read_to_string(results.join(leaderboard::MD_FILE)).unwrap();
    for (i, l) in md.lines().enumerate() {
        assert!(
            l.len() <= leaderboard::MAX_MD_LINE,
            "LEADERBOARD.md:{}: {} bytes",
            i + 1,
            l.len()
        );
    }
    let random: &str = md
        .lines()
        .find(|l| l.contains("Simulated: random"))
        .expect("the random agent's row");
    assert!(random.contains("no measurable preference"), "{random}");
    assert!(!random.contains("too little data"), "{random}");
    // Every name is whole: a line kept short by cutting a name ("…, full prot…") hides
    // what the row is; a name that repeats its section's class is too long, not the line.
    for e in leaderboard::load_all(&results).unwrap() {
        let link: String = format!("[{}][", e.meta.display_name);
        assert!(md.contains(&link), "{} is cut in LEADERBOARD.md", e.name);
    }
}

/// Runs measured with a different protocol size are ranked in their own table, never against
/// the others (docs/comparability.md), and a class with a model entry comes before classes of
/// simulated agents only. Both faithful agents rank first, each in its own class.
#[test]
fn runs_are_ranked_only_within_their_comparability_class() {
    let (root, results) = results();
    for (name, display, simulated) in [
        ("sim-faithful-10", "Simulated: faithful, 10 pairs", true),
        ("model-10", "A model, 10 pairs", false),
    ] {
        let dir: PathBuf = sim_run_with(
            root.path(),
            &results.join(name),
            "faithful",
            "native",
            |q| q.ask.trials = Some(10),
        );
        let _ = std::fs::remove_file(dir.join("errors.jsonl"));
        let toml: String = entry_toml(display, "faithful")
            .replace("simulated = true", &format!("simulated = {simulated}"));
        std::fs::write(dir.join(leaderboard::ENTRY_FILE), toml).unwrap();
    }
    write_leaderboard(&results);
    let board = leaderboard::board(&leaderboard::load_all(&results).unwrap());
    assert_eq!(board.len(), 2, "{board:?}");
    assert!(
        board[0].class.contains(" × 10 pairs × "),
        "{}",
        board[0].class
    );
    assert_eq!(board[0].models.len(), 1, "the class with a model first");
    assert!(
        !board[1].class.contains(" × 10 pairs × "),
        "{}",
        board[1].class
    );
    assert!(board[1].models.is_empty());
    let rank_of = |b: &leaderboard::Board, entry: &str| {
        b.simulated
            .iter()
            .find(|r| r.entry == entry)
            .and_then(|r| r.rank)
    };
    assert_eq!(rank_of(&board[0], "sim-faithful-10"), Some(1));
    assert_eq!(rank_of(&board[1], "sim-faithful"), Some(1));
    assert_eq!(board[0].simulated.len() + board[1].simulated.len(), 4);
    let md: String = std::fs::read_to_string(results.join(leaderboard::MD_FILE)).unwrap();
    let headings: Vec<&str> = md.lines().filter(|l| l.starts_with("## ")).collect();
    assert_eq!(headings.len(), 2, "{md}");
    assert!(headings[0].contains(" × 10 pairs × ") && headings[0].contains("unconstrained"));
    let page: String = std::fs::read_to_string(results.join("details/sim-faithful-10.md")).unwrap();
    assert!(
        page.contains("- comparability class (ranked within it): native"),
        "{page}"
    );
}

/// A detail page printed "paired permutation p = 0.0005" where the reports and `compare`
/// print a p below 0.001 as "< 0.001".
#[test]
fn detail_pages_print_a_small_p_as_the_reports_do() {
    let details = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("results/details");
    let md: String = std::fs::read_to_string(details.join("sim-faithful-native-quick.md")).unwrap();
    assert!(
        md.contains("paired permutation p < 0.001, Holm-adjusted p < 0.001"),
        "{md}"
    );
    assert!(!md.contains("0.0005"), "{md}");
}
