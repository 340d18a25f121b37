//! `selfinterp view`: the served pages over HTTP, and the sample browser in a real headless
//! browser (Chromium) when one is installed.

use crate::support::{ServerProcess, assert_ok, bin_in as bin};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The viewer of `target`, started in `dir`, killed when dropped.
fn start_viewer(dir: &Path, target: &str) -> ServerProcess {
    let mut c = crate::support::bin();
    c.current_dir(dir)
        .env_remove("SELFINTERP_ROOT")
        .args(["view", target, "--port", "0"]);
    let viewer = ServerProcess::start(c);
    assert!(
        viewer.url.starts_with("http://127.0.0.1:"),
        "{:?}",
        viewer.url
    );
    viewer
}

/// GET over plain HTTP/1.1; returns (status, body).
fn get(url: &str) -> (u16, String) {
    let rest = url.strip_prefix("http://").unwrap();
    let host: &str = &rest[..rest.find('/').unwrap()];
    get_as(url, Some(host))
}

/// GET `url` with this `Host` header (none when `None`); returns (status, body).
fn get_as(url: &str, host_header: Option<&str>) -> (u16, String) {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_at(rest.find('/').unwrap());
    let mut s = TcpStream::connect(host).unwrap();
    let header: String = host_header
        .map(|h| format!("Host: {h}\r\n"))
        .unwrap_or_default();
    write!(
        s,
        "GET {path} HTTP/1.1\r\n{header}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let status: u16 = raw[9..12].parse().unwrap();
    let body = raw
        .split_once("\r\n\r\n")
        .map(|x| x.1)
        .unwrap_or("")
        .to_string();
    (status, body)
}

fn sim_run(dir: &Path, name: &str) {
    let out = bin(
        dir,
        &[
            "run",
            "--provider",
            "sim",
            "--model",
            "partial:0.5",
            "--experiment",
            "instilled",
            "--contexts",
            "4",
            "--trials",
            "10",
            "--reports",
            "2",
            "--out",
            name,
        ],
    );
    assert_ok(&out);
}

#[test]
fn the_viewer_serves_reports_samples_and_prompts_that_match_their_hashes() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("runs")).unwrap();
    sim_run(&tmp.path().join("runs"), "a");
    sim_run(&tmp.path().join("runs"), "b");
    let v = start_viewer(tmp.path(), "runs");
    let (st, index) = get(&v.url);
    assert_eq!(st, 200);
    assert!(
        index.contains("/b/a/samples") && index.contains("/b/b/report"),
        "{index}"
    );
    // The index says what each run measured and whether the leaderboard would rank it.
    assert!(
        index.contains("<th>experiment</th>") && index.contains("<th>leaderboard</th>"),
        "{index}"
    );
    // (Its numbers are kept with their units by no-break spaces.)
    assert!(
        index.replace('\u{a0}', " ").contains(
            "<td data-label=\"experiment\">instilled · custom: 4 contexts × 10 pairs × 2 reports</td>"
        ),
        "{index}"
    );
    assert!(index.contains("ranked</td>"), "{index}");
    let (st, report) = get(&format!("{}b/a/report", v.url));
    assert_eq!(st, 200);
    assert!(report.starts_with("<!DOCTYPE html>"));
    let (st, data) = get(&format!("{}b/a/data.js", v.url));
    assert_eq!(st, 200);
    let json = data
        .trim()
        .strip_prefix("window.VIEW_DATA = ")
        .unwrap()
        .trim_end_matches(';');
    let data: serde_json::Value = serde_json::from_str(json).unwrap();
    let n = data["samples"].as_array().unwrap().len();
    assert_eq!(n, 4 * 10 + 4 * 2);
    // Every prompt re-rendered from the benchmark has the hash the run recorded.
    for i in [0, n / 2, n - 1] {
        let (st, p) = get(&format!("{}b/a/prompt/{i}", v.url));
        assert_eq!(st, 200);
        let p: serde_json::Value = serde_json::from_str(&p).unwrap();
        assert_eq!(p["matches"], true, "{p}");
    }
    assert_eq!(get(&format!("{}b/a/prompt/{n}", v.url)).0, 404);
    assert_eq!(get(&format!("{}b/nope/samples", v.url)).0, 404);
    // A bundle given directly is served alone.
    let one = start_viewer(tmp.path(), "runs/b");
    assert!(get(&one.url).1.contains("/b/b/samples"));
    let missing = bin(tmp.path(), &["view", "nothing-here", "--port", "0"]);
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn the_viewer_answers_only_loopback_host_names() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("runs")).unwrap();
    sim_run(&tmp.path().join("runs"), "a");
    let v = start_viewer(tmp.path(), "runs/a");
    let port: &str = v.url.trim_end_matches('/').rsplit(':').next().unwrap();
    let data: String = format!("{}b/a/data.js", v.url);
    for ok in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("LOCALHOST:{port}"),
        format!("[::1]:{port}"),
        "localhost".to_string(),
        "[::1]".to_string(),
    ] {
        assert_eq!(get_as(&data, Some(&ok)).0, 200, "Host: {ok}");
    }
    // A rebinding attacker's page sends its own name; none of these may read a sample.
    for bad in [
        format!("evil.example:{port}"),
        "evil.example".to_string(),
        format!("localhost.evil.example:{port}"),
        format!("127.0.0.1.nip.io:{port}"),
        format!("127.0.0.2:{port}"),
        format!("[::2]:{port}"),
        String::new(),
    ] {
        let (st, body) = get_as(&data, Some(&bad));
        assert_eq!(st, 421, "Host: {bad:?}");
        assert!(!body.contains("VIEW_DATA"), "Host: {bad:?}: {body}");
    }
    let (st, body) = get_as(&data, None);
    assert_eq!(st, 421, "no Host header");
    assert!(!body.contains("VIEW_DATA"));
}

fn chromium() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| {
            std::env::var_os("PATH").and_then(|paths| {
                std::env::split_paths(&paths)
                    .map(|d| d.join(name))
                    .find(|p| p.is_file())
            })
        })
}

/// The page as a headless browser leaves it after its scripts ran, and the browser's log.
fn dump_dom(browser: &Path, url: &str, profile: &Path) -> (String, String) {
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(url)
        .output()
        .unwrap();
    (
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[test]
fn the_sample_browser_filters_in_a_real_browser_without_console_errors() {
    let Some(browser) = chromium() else {
        eprintln!("SKIPPED: no Chromium found (apt-get install -y chromium, or set CHROMIUM)");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    sim_run(tmp.path(), "run");
    let samples = std::fs::read_to_string(tmp.path().join("run/samples.jsonl")).unwrap();
    let lines: Vec<serde_json::Value> = samples
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ctx: String = lines[0]["context"].as_str().unwrap().to_string();
    let v = start_viewer(tmp.path(), "run");
    let profile = tempfile::tempdir().unwrap();

    // Unfiltered: every sample is a row, the weights of every context are there.
    let (dom, log) = dump_dom(&browser, &format!("{}b/run/samples", v.url), profile.path());
    assert!(
        dom.contains("data-ready=\"1\""),
        "page did not finish: {dom}\n{log}"
    );
    assert_eq!(dom.matches("<tr data-i=").count(), lines.len());
    assert_eq!(dom.matches("class=\"context\"").count(), 4);

    // Filtered by context and kind through the URL the filters write.
    let url = format!("{}b/run/samples?context={ctx}&kind=report", v.url);
    let (dom, log2) = dump_dom(&browser, &url, profile.path());
    let expected = lines
        .iter()
        .filter(|l| l["context"] == ctx.as_str() && l["kind"] == "report")
        .count();
    assert!(expected > 0);
    assert_eq!(dom.matches("<tr data-i=").count(), expected, "{dom}");
    assert_eq!(dom.matches("data-kind=\"report\"").count(), expected);
    assert_eq!(
        dom.matches(&format!("data-context=\"{ctx}\"")).count(),
        expected + 1
    );
    assert!(dom.contains(&format!("{expected} of {} samples", lines.len())));
    // The selected context's weights, learned beside reported.
    assert!(
        dom.contains("<th>learned</th><th>reported</th><th>target</th>"),
        "{dom}"
    );

    // No script error reached the page or the console.
    for (d, l) in [(&dom, &log), (&dom, &log2)] {
        assert!(
            d.contains("<pre id=\"errors\" class=\"errors\" hidden=\"\"></pre>"),
            "{d}"
        );
        for line in l.lines() {
            assert!(
                !(line.contains("CONSOLE") || line.contains("Uncaught")),
                "browser console: {line}"
            );
        }
    }
}

/// The index of the repository's results, as its screenshots at 390 px showed it: a table
/// scrolling sideways with the score off screen and "100" over "contexts" in five-line cells,
/// sample counts without thousands separators ("11000" where the reports print "11,000"),
/// the random agent "not ranked: too little usable choice data" where the leaderboard says
/// it has no measurable preference, and its score "r = – [–, –], chance –"; a local model's
/// server named only "openai". Now a card per run on a phone, nothing off screen, no number
/// split from its unit. In a browser the sample browser counts the same way and keeps a
/// pair's number with its order ("10 ab", not "10" over "ab").
#[test]
fn the_viewer_index_fits_a_phone_and_counts_as_the_reports_do() {
    let repo: &Path = Path::new(env!("CARGO_MANIFEST_DIR"));
    let v = start_viewer(repo, "results");
    let (st, index) = get(&v.url);
    assert_eq!(st, 200);
    assert!(
        index.contains("<td data-label=\"samples\" class=\"num\">11,000</td>"),
        "{index}"
    );
    assert!(!index.contains(">11000<"), "{index}");
    let row = |entry: &str| -> String {
        index
            .lines()
            .find(|l| l.contains(&format!("/b/{entry}/report")))
            .unwrap()
            .replace('\u{a0}', " ")
    };
    let random: String = row("sim-random-native-quick");
    assert!(
        random.contains("not ranked: no measurable preference"),
        "{random}"
    );
    assert!(
        random.contains("no score: no measurable preference (every learned weight is 0)"),
        "{random}"
    );
    assert!(!random.contains("[–, –]"), "{random}");
    let local: String = row("smollm2-135m-instruct-native-full");
    assert!(
        local.contains("smollm2-135m-instruct (llama.cpp server at 127.0.0.1:8765, smollm2"),
        "{local}"
    );

    let Some(browser) = chromium() else {
        eprintln!("SKIPPED: no Chromium found (apt-get install -y chromium, or set CHROMIUM)");
        return;
    };
    // Laid out at phone and desktop widths with its style sheet inlined (the check script
    // is inline, which the viewer's own policy refuses).
    let (_, css) = get(&format!("{}static/view.css", v.url));
    let page: String = index.replace(
        "<link rel=\"stylesheet\" href=\"/static/view.css\">",
        &format!("<style>{css}</style>"),
    );
    let tmp = tempfile::tempdir().unwrap();
    let check: String = format!(
        "{}{}",
        crate::browser::BAD_BREAKS,
        crate::browser::DETAIL_CHECK
    );
    for width in [390, 1280] {
        let found = crate::browser::check(&browser, tmp.path(), &page, &check, width);
        assert_eq!(
            found["overflow"], 0,
            "the index scrolls sideways at {width} px: {found}"
        );
        assert_eq!(
            found["badBreaks"],
            serde_json::json!([]),
            "the index breaks a line badly at {width} px"
        );
    }
    let profile = tempfile::tempdir().unwrap();
    let url: String = format!("{}b/sim-faithful-native-full/samples", v.url);
    let (dom, log) = dump_dom(&browser, &url, profile.path());
    assert!(dom.contains("data-ready=\"1\""), "{dom}\n{log}");
    assert!(
        dom.contains("11,000 of 11,000 samples (first 200 shown)"),
        "{dom}"
    );
    assert!(dom.contains("<td class=\"nowrap\">10 ab</td>"), "{dom}");
}

/// The sample browser of the SmolLM2 full-protocol run opened on 200 rows of "A" from one
/// context: that it answers A to nearly every choice, that 296 choices did not parse and that
/// most reports are out of range showed only to a reader who scrolled the table sideways and
/// tried the status filter. Now a tally of answers and parse statuses, counted here from
/// samples.jsonl, leads the page, and each status links to its rows.
#[test]
fn the_sample_browser_tallies_answers_and_statuses_and_links_each_status() {
    let Some(browser) = chromium() else {
        eprintln!("SKIPPED: no Chromium found (apt-get install -y chromium, or set CHROMIUM)");
        return;
    };
    let repo: &Path = Path::new(env!("CARGO_MANIFEST_DIR"));
    let entry: &str = "smollm2-135m-instruct-native-full";
    let samples: Vec<serde_json::Value> =
        std::fs::read_to_string(repo.join("results").join(entry).join("samples.jsonl"))
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
    let choices: Vec<&serde_json::Value> =
        samples.iter().filter(|s| s["kind"] == "choice").collect();
    let n_where = |f: &dyn Fn(&serde_json::Value) -> bool| choices.iter().filter(|s| f(s)).count();
    let answered_a: usize = n_where(&|s| s["parsed"] == "A");
    let invalid: usize = n_where(&|s| s["status"] == "invalid");
    assert!(invalid > 0 && answered_a > 9 * choices.len() / 10);
    let grouped = |n: usize| {
        let s = n.to_string();
        let mut out = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        out
    };
    let pct = |n: usize| format!("{:.1}%", 100.0 * n as f64 / choices.len() as f64);

    let v = start_viewer(repo, "results");
    let profile = tempfile::tempdir().unwrap();
    let (dom, log) = dump_dom(
        &browser,
        &format!("{}b/{entry}/samples", v.url),
        profile.path(),
    );
    assert!(dom.contains("data-ready=\"1\""), "{dom}\n{log}");
    let dom: String = dom.replace("&nbsp;", " ");
    let tally: &str = &dom[dom.find("<section id=\"tally\"").unwrap()..];
    let tally: &str = &tally[..tally.find("</section>").unwrap()];
    let want_a: String = format!("answered A {} ({})", grouped(answered_a), pct(answered_a));
    assert!(tally.contains(&want_a), "{want_a}: {tally}");
    let link: String = "?kind=choice&amp;status=invalid".to_string();
    let want_invalid: String = format!(
        "<a class=\"bad\" href=\"{link}\" data-status=\"invalid\">invalid {} ({})</a>",
        grouped(invalid),
        pct(invalid)
    );
    assert!(tally.contains(&want_invalid), "{want_invalid}: {tally}");
    assert!(tally.contains("<b>reports 1,000:</b>"), "{tally}");

    // The link opens the rows it counts.
    let url: String = format!("{}b/{entry}/samples?kind=choice&status=invalid", v.url);
    let (dom, log) = dump_dom(&browser, &url, profile.path());
    assert!(dom.contains("data-ready=\"1\""), "{dom}\n{log}");
    assert!(
        dom.contains(&format!(
            "{} of {} samples (first 200 shown)",
            grouped(invalid),
            grouped(samples.len())
        )),
        "{dom}"
    );
}

/// The rules of a style sheet whose selector list names `selector`, their bodies.
fn css_rules<'a>(css: &'a str, selector: &str) -> Vec<&'a str> {
    css.split('}')
        .filter_map(|r| r.split_once('{'))
        .filter(|(sel, _)| sel.split(',').any(|s| s.trim() == selector))
        .map(|(_, body)| body)
        .collect()
}

/// What the sample browser's screenshots at 390 px showed: a prompt's `<pre>` ran off the
/// right edge instead of wrapping, and a report's five parsed numbers wrapped onto four
/// lines. The style sheet wraps the one and keeps the other on a line, and the page gives the
/// parsed cell the class the rule names.
#[test]
fn the_sample_browser_wraps_prompts_and_keeps_parsed_numbers_on_one_line() {
    let tmp = tempfile::tempdir().unwrap();
    sim_run(tmp.path(), "run");
    let v = start_viewer(tmp.path(), "run");
    let (st, css) = get(&format!("{}static/view.css", v.url));
    assert_eq!(st, 200);
    let pre: Vec<&str> = css_rules(&css, "pre");
    assert!(
        pre.iter()
            .any(|r| r.contains("white-space: pre-wrap") && r.contains("overflow-wrap: anywhere")),
        "{css}"
    );
    assert!(
        css_rules(&css, "td.parsed")
            .iter()
            .any(|r| r.contains("white-space: nowrap")),
        "{css}"
    );
    let Some(browser) = chromium() else {
        eprintln!("SKIPPED: no Chromium found (apt-get install -y chromium, or set CHROMIUM)");
        return;
    };
    let profile = tempfile::tempdir().unwrap();
    let (dom, log) = dump_dom(&browser, &format!("{}b/run/samples", v.url), profile.path());
    assert!(dom.contains("data-ready=\"1\""), "{dom}\n{log}");
    assert!(dom.contains("<td class=\"parsed\">"), "{dom}");
}
