//! The catalogue's lint rules, each with a failing fixture, and the committed catalogue.

use selfinterp::catalogue::{Catalogue, lint};
use std::path::Path;

const GOOD_CONTEXT: &str = r#"
[[context]]
id = "electric_kettle"
thing = "electric kettle"
question = "Which electric kettle would you buy?"
attributes = [
  { name = "capacity", units = "litres", min = 0.5, max = 2.0 },
  { name = "boil_time", units = "seconds", min = 90, max = 300 },
  { name = "price", units = "dollars", min = 15, max = 150 },
  { name = "noise_level", units = "decibels", min = 45, max = 75 },
  { name = "warranty", units = "years", min = 1, max = 5 },
]
"#;

fn personas(n: usize) -> String {
    let list: Vec<String> = (0..n)
        .map(|i| format!("\"a test persona number {i}\""))
        .collect();
    format!("personas = [{}]\n", list.join(", "))
}

/// Writes a catalogue with one theme file and returns its lint lines.
fn lint_lines(theme: &str, persona_count: usize) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("home.toml"), theme).unwrap();
    std::fs::write(dir.path().join("personas.toml"), personas(persona_count)).unwrap();
    let cat = Catalogue::load(dir.path()).unwrap();
    lint(&cat).iter().map(|p| p.to_string()).collect()
}

fn assert_one_problem(theme: &str, expected: &str) {
    let lines = lint_lines(theme, 300);
    assert_eq!(
        lines.len(),
        1,
        "expected exactly one problem, got {lines:#?}"
    );
    assert!(
        lines[0].contains(expected),
        "{:?} does not mention {expected:?}",
        lines[0]
    );
}

#[test]
fn a_clean_fixture_passes_lint() {
    assert!(lint_lines(GOOD_CONTEXT, 300).is_empty());
}

#[test]
fn lint_flags_duplicate_ids() {
    let second = GOOD_CONTEXT.replace(
        "Which electric kettle would you buy?",
        "Which kettle suits a small kitchen?",
    );
    let lines = lint_lines(&format!("{GOOD_CONTEXT}{second}"), 300);
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert!(
        lines[0].starts_with("home.toml: electric_kettle: id: duplicate id"),
        "{}",
        lines[0]
    );
}

#[test]
fn lint_flags_near_duplicate_questions() {
    let second = GOOD_CONTEXT
        .replace("id = \"electric_kettle\"", "id = \"kettle_two\"")
        .replace(
            "Which electric kettle would you buy?",
            "Which  Electric kettle would you buy",
        );
    assert_one_problem(
        &format!("{GOOD_CONTEXT}{second}"),
        "kettle_two: question: duplicate or near-duplicate",
    );
}

#[test]
fn lint_flags_wrong_attribute_count() {
    let four = GOOD_CONTEXT.replace(
        "  { name = \"warranty\", units = \"years\", min = 1, max = 5 },\n",
        "",
    );
    assert_one_problem(&four, "attributes: has 4 attributes, needs exactly 5");
}

#[test]
fn lint_flags_duplicate_attribute_names() {
    let dup = GOOD_CONTEXT.replace("name = \"warranty\"", "name = \"price\"");
    assert_one_problem(&dup, "attributes[4].name: duplicate attribute name");
}

#[test]
fn lint_flags_min_not_below_max() {
    let bad = GOOD_CONTEXT.replace("min = 45, max = 75", "min = 75, max = 75");
    assert_one_problem(&bad, "attributes[3].min: min 75 is not below max 75");
}

#[test]
fn lint_flags_non_finite_numbers() {
    let bad = GOOD_CONTEXT.replace("min = 15, max = 150", "min = 15, max = inf");
    assert_one_problem(&bad, "attributes[2].max: not a finite number");
    let nan = GOOD_CONTEXT.replace("min = 15, max = 150", "min = nan, max = 150");
    assert_one_problem(&nan, "attributes[2].min: not a finite number");
}

#[test]
fn lint_flags_empty_units() {
    let bad = GOOD_CONTEXT.replace("units = \"decibels\"", "units = \" \"");
    assert_one_problem(&bad, "attributes[3].units: empty units");
}

#[test]
fn lint_flags_ids_that_are_not_snake_case() {
    for id in ["ElectricKettle", "electric-kettle", "1kettle", "kettle_"] {
        let bad = GOOD_CONTEXT.replace("id = \"electric_kettle\"", &format!("id = \"{id}\""));
        assert_one_problem(&bad, "id: not snake_case");
    }
}

#[test]
fn lint_flags_attribute_names_that_are_not_snake_case() {
    let bad = GOOD_CONTEXT.replace("name = \"boil_time\"", "name = \"Boil Time\"");
    assert_one_problem(&bad, "attributes[1].name: \"Boil Time\" is not snake_case");
}

#[test]
fn lint_flags_a_small_or_duplicated_persona_pool() {
    let lines = lint_lines(GOOD_CONTEXT, 12);
    assert_eq!(
        lines,
        vec!["personas.toml: personas: has 12 personas, needs at least 300".to_string()]
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("home.toml"), GOOD_CONTEXT).unwrap();
    let mut p = personas(300);
    p = p.replace("\"a test persona number 7\"", "\"a test persona number 6\"");
    std::fs::write(dir.path().join("personas.toml"), p).unwrap();
    let lines: Vec<String> = lint(&Catalogue::load(dir.path()).unwrap())
        .iter()
        .map(|p| p.to_string())
        .collect();
    assert_eq!(
        lines,
        vec![
            "personas.toml: personas[7]: duplicate persona \"a test persona number 6\"".to_string()
        ]
    );
}

#[test]
fn a_toml_syntax_error_names_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("home.toml"),
        format!("{GOOD_CONTEXT}\n[[context]]\nid = \n"),
    )
    .unwrap();
    std::fs::write(dir.path().join("personas.toml"), personas(300)).unwrap();
    let err = Catalogue::load(dir.path()).unwrap_err().to_string();
    assert!(err.contains("home.toml: line 15:"), "{err}");
}

#[test]
fn the_committed_catalogue_passes_lint_and_is_large_enough() {
    let cat = Catalogue::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("domains")).unwrap();
    let problems: Vec<String> = lint(&cat).iter().map(|p| p.to_string()).collect();
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(cat.contexts.len() >= 300, "{} contexts", cat.contexts.len());
    assert!(cat.personas.len() >= 300, "{} personas", cat.personas.len());
}
