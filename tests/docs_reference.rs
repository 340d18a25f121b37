//! The reference pages state facts about the binary; these tests hold them to it. docs/cli.md's
//! command table names every command the binary has, with `[--json]` exactly where the command
//! takes `--json` and a `--format` where it takes one; its conventions list the commands with
//! and without `--json`; the exit-code tables of README.md and docs/cli.md list every code the
//! binary's help lists. Change notes live in CHANGELOG.md, not in the reference pages, and the
//! jargon the README and docs use is defined in docs/glossary.md. The README's figures are
//! those of the committed results, and its quick start prints what the README shows.
//!
//! The commands and their flags are read from the binary's own `--help`, so a command added,
//! a flag added or dropped, or a row edited out of the page fails here.

use crate::support::{assert_ok, bin};
use std::collections::BTreeSet;
use std::path::Path;

fn read(rel: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn help(words: &[&str]) -> String {
    let o = bin().args(words).arg("--help").output().unwrap();
    assert_ok(&o);
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The subcommands a `--help` lists under "Commands:" (`help` left out).
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|w| *w != "help")
        .map(String::from)
        .collect()
}

/// Whether a `--help` lists the option `flag` (an option line, not a mention in prose).
fn has_option(help: &str, flag: &str) -> bool {
    help.lines().any(|l| {
        let t: &str = l.trim_start();
        // "-j, --json" as well as "--json".
        let t: &str = match t.as_bytes() {
            [b'-', c, b',', b' ', ..] if *c != b'-' => &t[4..],
            _ => t,
        };
        t.starts_with(flag)
            && t[flag.len()..]
                .chars()
                .next()
                .is_none_or(|c| !c.is_alphanumeric() && c != '-')
    })
}

/// Every command that does something (a leaf of the command tree), with whether it takes
/// `--json` and `--format`.
fn leaves() -> Vec<(String, bool, bool)> {
    let mut out = Vec::new();
    for top in subcommands(&help(&[])) {
        let h = help(&[&top]);
        let subs = subcommands(&h);
        if subs.is_empty() {
            out.push((
                top.clone(),
                has_option(&h, "--json"),
                has_option(&h, "--format"),
            ));
        }
        for sub in subs {
            let h = help(&[&top, &sub]);
            out.push((
                format!("{top} {sub}"),
                has_option(&h, "--json"),
                has_option(&h, "--format"),
            ));
        }
    }
    out
}

/// The commands a cell names: `export instill\|introspection` is two, `run [--json]` one.
fn commands_named(cell: &str) -> Vec<String> {
    let cell = cell.replace("\\|", "|");
    let words: Vec<&str> = cell
        .split_whitespace()
        .take_while(|w| !w.starts_with('-') && !w.starts_with('[') && *w == w.to_lowercase())
        .filter(|w| !w.chars().any(|c| c.is_ascii_uppercase()))
        .collect();
    match words.as_slice() {
        [] => vec![],
        [one] => one.split('|').map(String::from).collect(),
        [first, second, ..] => second.split('|').map(|s| format!("{first} {s}")).collect(),
    }
}

/// docs/cli.md's command table: (commands a row names, the whole row).
fn command_table(page: &str) -> Vec<(Vec<String>, String)> {
    let section: &str = &page[page.find("## Commands").expect("a Commands section")..];
    section
        .lines()
        .skip_while(|l| !l.starts_with("| command"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            let cell: &str = l.split(" | ").next().unwrap().trim_start_matches("| ");
            let cmd: &str = cell.trim_matches('`');
            (commands_named(cmd), l.to_string())
        })
        .collect()
}

/// The backticked names in the parentheses that follow `lead` in `text`.
fn listed_after(text: &str, lead: &str) -> Vec<String> {
    let flat: String = text.split_whitespace().collect::<Vec<&str>>().join(" ");
    let at: usize = flat
        .find(lead)
        .unwrap_or_else(|| panic!("docs/cli.md no longer says {lead:?}"));
    let rest: &str = &flat[at + lead.len()..];
    let open: usize = rest.find('(').unwrap();
    let close: usize = open + rest[open..].find(')').unwrap();
    rest[open + 1..close]
        .split('`')
        .skip(1)
        .step_by(2)
        .flat_map(commands_named)
        .collect()
}

#[test]
fn the_cli_page_names_every_command_and_where_it_takes_json_and_format() {
    let page: String = read("docs/cli.md");
    let table = command_table(&page);
    let leaves = leaves();
    assert!(leaves.len() >= 20, "{leaves:?}");
    let mut problems: Vec<String> = Vec::new();
    for (cmd, json, format) in &leaves {
        let rows: Vec<&String> = table
            .iter()
            .filter(|(names, _)| names.iter().any(|n| n == cmd))
            .map(|(_, row)| row)
            .collect();
        if rows.is_empty() {
            problems.push(format!("`{cmd}` has no row in the command table"));
            continue;
        }
        let says_json: bool = rows.iter().any(|r| {
            r.split(" | ")
                .next()
                .is_some_and(|cell| cell.contains("--json"))
        });
        if says_json != *json {
            problems.push(format!(
                "`{cmd}` {} --json, its row says otherwise: {}",
                if *json { "takes" } else { "does not take" },
                rows[0]
            ));
        }
        if *format && !rows.iter().any(|r| r.contains("--format")) {
            problems.push(format!(
                "`{cmd}` takes --format, its row does not say: {}",
                rows[0]
            ));
        }
    }
    let with: BTreeSet<String> =
        listed_after(&page, "is `--json` on every command that prints a result")
            .into_iter()
            .collect();
    let without: BTreeSet<String> =
        listed_after(&page, "A `--json` given to a command that prints no result")
            .into_iter()
            .collect();
    let formats: BTreeSet<String> = listed_after(&page, "`--format` names a file's format")
        .into_iter()
        .collect();
    let named = |set: &BTreeSet<String>, cmd: &str| {
        set.contains(cmd) || set.contains(cmd.split(' ').next().unwrap())
    };
    for (cmd, json, format) in &leaves {
        if *json && !named(&with, cmd) {
            problems.push(format!(
                "`{cmd}` takes --json, the conventions' --json list lacks it"
            ));
        }
        if !*json && !named(&without, cmd) {
            problems.push(format!(
                "`{cmd}` takes no --json, the conventions' list of such commands lacks it"
            ));
        }
        if *json && named(&without, cmd) || !*json && named(&with, cmd) {
            problems.push(format!(
                "`{cmd}` is in the wrong --json list of the conventions"
            ));
        }
        if *format != named(&formats, cmd) {
            problems.push(format!(
                "`{cmd}`: the conventions' --format list is wrong about it (takes --format: {format})"
            ));
        }
    }
    assert!(problems.is_empty(), "docs/cli.md:\n{}", problems.join("\n"));
}

/// The codes of a Markdown table under the heading `## Exit codes`.
fn exit_codes_of(page: &str) -> BTreeSet<u32> {
    let section: &str = &page[page.find("## Exit codes").expect("an Exit codes section")..];
    section
        .lines()
        .skip(1)
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .filter_map(|l| {
            l.trim_start_matches('|')
                .split('|')
                .next()?
                .trim()
                .parse()
                .ok()
        })
        .collect()
}

#[test]
fn the_exit_code_tables_list_every_code_the_binary_uses() {
    let h: String = help(&[]);
    let from_help: BTreeSet<u32> = h
        .lines()
        .skip_while(|l| !l.starts_with("Exit codes:"))
        .skip(1)
        .filter_map(|l| l.split_whitespace().next()?.parse().ok())
        .collect();
    assert!(from_help.contains(&141) && from_help.contains(&143), "{h}");
    for page in ["README.md", "docs/cli.md"] {
        assert_eq!(exit_codes_of(&read(page)), from_help, "{page}'s exit codes");
    }
}

/// Reference pages describe what is; what changed for users of an earlier build is in
/// CHANGELOG.md (a change note such as "Changed: ... now `rows`" once sat in docs/reports.md).
#[test]
fn change_notes_are_in_the_changelog_not_the_reference_pages() {
    let changelog: String = read("CHANGELOG.md");
    assert!(changelog.contains("\n## Unreleased\n"), "{changelog}");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut pages: Vec<String> = vec!["README.md".into()];
    for e in std::fs::read_dir(root.join("docs")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "md") {
            pages.push(format!("docs/{}", p.file_name().unwrap().to_string_lossy()));
        }
    }
    // A change note opens with its kind ("Changed: ...", "**Renamed**", "- Deprecated:") or
    // names the old spelling in parentheses ("(was `entries`)").
    let opens = ["changed", "renamed", "deprecated", "breaking change"];
    let mut notes: Vec<String> = Vec::new();
    for page in &pages {
        for (i, line) in read(page).lines().enumerate() {
            let l: String = line.to_lowercase();
            let head: &str = l.trim_start_matches(|c: char| " -*>".contains(c));
            let opened: bool = opens.iter().any(|o| {
                head.strip_prefix(o)
                    .is_some_and(|r| r.starts_with(':') || r.starts_with("**"))
            });
            if opened || l.contains("(was `") || l.contains("(formerly") {
                notes.push(format!("{page}:{}: {line}", i + 1));
            }
        }
    }
    assert!(
        notes.is_empty(),
        "move these to CHANGELOG.md:\n{}",
        notes.join("\n")
    );
}

/// Jargon the README and docs use, each with the glossary entry that defines it (the
/// entry's bold heading contains the second string). A term used nowhere need not be defined.
const JARGON: &[(&str, &str)] = &[
    ("noise ceiling", "Noise ceiling"),
    ("Spearman-Brown", "Spearman-Brown"),
    ("McFadden", "McFadden"),
    ("Holm", "Holm"),
    ("D-optimal", "D-optimal"),
    ("A-optimal", "A-optimal"),
    ("BCa", "BCa"),
    ("Fisher z", "Fisher z"),
    ("design effect", "Design effect"),
    ("attenuation", "Attenuation"),
    ("split-half", "Split-half"),
    ("soft label", "Soft label"),
    ("chance level", "Chance level"),
    ("at chance", "At chance"),
    ("behavioural reliability", "Behavioural reliability"),
    ("report reliability", "Report reliability"),
    ("privileged access", "Privileged access"),
    ("context bootstrap", "Context bootstrap"),
    ("jackknife", "Jackknife"),
    (
        "effective number of contexts",
        "Effective number of contexts",
    ),
    ("permutation test", "Permutation test"),
    ("calibration slope", "Calibration slope"),
    ("MAP", "MAP fit"),
    ("ideal observer", "Ideal observer"),
    ("family-wise", "Holm"),
    ("comparability class", "Comparability class"),
    ("position bias", "Position bias"),
    ("counterbalance", "Counterbalancing"),
    ("partial r", "Partial r"),
    ("within-context r", "Within-context r"),
    ("coverage", "Coverage"),
    ("pilot", "Pilot"),
    ("introspection training", "Introspection training"),
];

#[test]
fn the_glossary_defines_the_jargon_the_docs_use() {
    let glossary: String = read("docs/glossary.md");
    let headings: Vec<&str> = glossary
        .lines()
        .filter_map(|l| l.strip_prefix("**"))
        .filter_map(|l| l.split("**").next())
        .collect();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut text: String = read("README.md");
    for e in std::fs::read_dir(root.join("docs")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "md") && !p.ends_with("glossary.md") {
            text.push_str(&std::fs::read_to_string(&p).unwrap());
        }
    }
    let lower: String = text.to_lowercase();
    let used = |term: &str| {
        if term.chars().all(|c| c.is_ascii_uppercase()) {
            // An acronym: as a word, in its case.
            text.split(|c: char| !c.is_alphanumeric())
                .any(|w| w == term)
        } else {
            lower.contains(&term.to_lowercase())
        }
    };
    let missing: Vec<String> = JARGON
        .iter()
        .filter(|(term, _)| used(term))
        .filter(|(_, entry)| !headings.iter().any(|h| h.contains(entry)))
        .map(|(term, entry)| format!("{term:?} is used; no glossary entry **{entry}...**"))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/glossary.md:\n{}",
        missing.join("\n")
    );
    assert!(
        read("README.md").contains("](docs/glossary.md)"),
        "the README links the glossary"
    );
}

/// The summary of a committed results/ entry.
fn summary_of(entry: &str) -> serde_json::Value {
    serde_json::from_str(&read(&format!("results/{entry}/summary.json"))).unwrap()
}

fn r3(v: &serde_json::Value) -> String {
    format!("{:.3}", v.as_f64().unwrap())
}

/// The README's figures from `results/` are those of the committed summaries (which `validate`
/// re-scores from the raw samples): the table of what r means and the SmolLM2 paragraph.
#[test]
fn the_readmes_figures_are_those_of_the_committed_results() {
    let readme: String = read("README.md");
    let r = |entry: &str| r3(&summary_of(entry)["reports_vs_learned"]["r"]);
    let mut want: Vec<String> = vec![
        format!(
            "| {} / {} | simulated `faithful`",
            r("sim-faithful-native-full"),
            r("sim-faithful-native-quick")
        ),
        format!(
            "| {} | simulated `partial:0.5`",
            r("sim-partial-native-quick")
        ),
        format!(
            "| {} | simulated `confabulator`",
            r("sim-confabulator-native-quick")
        ),
    ];
    let s = summary_of("smollm2-135m-instruct-native-full");
    let c = &s["reports_vs_learned"];
    let ci = c["ci_bootstrap"].as_array().unwrap();
    want.push(format!(
        "| {} [{}, {}] | SmolLM2-135M-Instruct",
        r3(&c["r"]),
        r3(&ci[0]),
        r3(&ci[1])
    ));
    want.push(format!(
        "r = {}, 95% bootstrap interval [{}, {}],\nchance {}",
        r3(&c["r"]),
        r3(&ci[0]),
        r3(&ci[1]),
        r3(&c["null"]["mean"])
    ));
    let q = &s["quality"];
    want.push(format!(
        "behavioural reliability {:.2}; {} of {} contexts' choices indistinguishable from chance",
        q["behavioural_reliability"]["value"].as_f64().unwrap(),
        q["fit"]["n_at_chance"],
        s["n_contexts"]
    ));
    let invalid: f64 =
        1.0 - s["n_choices_valid"].as_f64().unwrap() / s["n_choices"].as_f64().unwrap();
    want.push(format!("{:.1}% invalid choices", 100.0 * invalid));
    want.push(format!(
        "A to {:.2}% of the choices",
        100.0 * s["p_answer_a"].as_f64().unwrap()
    ));
    let flat = |t: &str| t.split_whitespace().collect::<Vec<&str>>().join(" ");
    let text: String = flat(&readme);
    let missing: Vec<&String> = want.iter().filter(|w| !text.contains(&flat(w))).collect();
    assert!(missing.is_empty(), "README.md does not say: {missing:#?}");
}

/// The README shows what the quick start prints; the run is seeded, so it prints exactly that.
#[test]
fn the_quick_start_prints_what_the_readme_shows() {
    let readme: String = read("README.md");
    let quick: &str = "selfinterp run --provider sim --model faithful --experiment native --preset quick --out first";
    let at: usize = readme.find(quick).expect("the quick start's run");
    let rest: &str = &readme[at..];
    let block: &str = &rest[rest.find("```text\n").expect("its output") + 8..];
    let shown: &str = &block[..block.find("```").unwrap()];
    let tmp = tempfile::tempdir().unwrap();
    let args: Vec<&str> = quick.split_whitespace().skip(1).collect();
    let o = crate::support::bin_in(tmp.path(), &args);
    assert_ok(&o);
    assert_eq!(String::from_utf8_lossy(&o.stdout), shown);
}

/// docs/cli.md says which `--json` outputs are arrays (one object per item): each of them is
/// an array of objects, as printed.
#[test]
fn the_listings_the_cli_page_names_print_arrays_of_objects() {
    let page: String = read("docs/cli.md");
    let listings: Vec<String> =
        listed_after(&page, "an array of one object per item for the listings");
    assert!(listings.len() >= 4, "{listings:?}");
    let root: &str = env!("CARGO_MANIFEST_DIR");
    for cmd in &listings {
        let mut args: Vec<&str> = vec!["--root", root];
        args.extend(cmd.split(' '));
        if cmd == "benchmark show" {
            args.push("v1");
        }
        args.push("--json");
        let o = bin().args(&args).output().unwrap();
        let v = crate::support::json_of(&o);
        let items = v
            .as_array()
            .unwrap_or_else(|| panic!("`{cmd} --json` is not an array: {v}"));
        assert!(
            !items.is_empty() && items.iter().all(serde_json::Value::is_object),
            "`{cmd} --json`: {v}"
        );
    }
}

/// CHANGELOG.md: the renamed flags' old spellings still work, hidden from `--help`
/// (`batch export --flavour`, `leaderboard --results DIR`, `batch import --into`).
#[test]
fn the_changelogs_old_flag_spellings_still_work_hidden_from_help() {
    let changelog: String = read("CHANGELOG.md");
    for old in [
        "`batch import\n  --into`",
        "`batch export --flavour`",
        "`leaderboard\n  --results DIR`",
    ] {
        let flat = |t: &str| t.split_whitespace().collect::<Vec<&str>>().join(" ");
        assert!(
            flat(&changelog).contains(&flat(old)),
            "CHANGELOG.md no longer names {old}"
        );
    }
    for (words, old) in [
        (&["batch", "export"][..], "--flavour"),
        (&["batch", "import"], "--into"),
        (&["leaderboard"], "--results"),
    ] {
        assert!(
            !has_option(&help(words), old),
            "{words:?} {old} is shown in --help"
        );
    }
    let tmp = tempfile::tempdir().unwrap();
    let d: &Path = tmp.path();
    let batch = |flag: &str, out: &str| {
        let o = crate::support::bin_in(
            d,
            &[
                "batch",
                "export",
                "--provider",
                "openai",
                "--model",
                "m",
                "--experiment",
                "native",
                "--preset",
                "quick",
                "--constrain",
                "letters",
                flag,
                "vllm",
                "--out",
                out,
            ],
        );
        assert_ok(&o);
        std::fs::read(d.join(out)).unwrap()
    };
    assert_eq!(
        batch("--flavour", "old.jsonl"),
        batch("--server-flavour", "new.jsonl")
    );
    let root: &str = env!("CARGO_MANIFEST_DIR");
    let results: String = format!("{root}/results");
    let rows = |args: &[&str]| {
        let o = bin()
            .args(["--root", root, "leaderboard", "--format", "csv"])
            .args(args)
            .output()
            .unwrap();
        assert_ok(&o);
        o.stdout
    };
    assert_eq!(rows(&["--results", &results]), rows(&[&results]));
}
