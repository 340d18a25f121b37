//! The library's import layers as docs/architecture.md lists them: every top-level module
//! imports only from layers below its own, so no two modules depend on each other. And the
//! two sections of docs/architecture.md that name code: the data flow (every module it names
//! exists) and the public API (the list is what lib.rs exports, both ways).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// docs/architecture.md, *Imports*, from the bottom.
const LAYERS: &[&[&str]] = &[
    &["types", "probability", "limits", "loopback"],
    &["catalogue"],
    &["benchmark"],
    &["prompts", "parsing", "estimation"],
    &["providers", "design", "scoring"],
    &["bundle", "planner"],
    &["sim"],
    &["runner"],
    &["experiments", "import", "reports"],
    &["batch", "leaderboard", "table", "view"],
];

/// Every `.rs` file below `dir`, depth first.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p: PathBuf = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The top-level modules `crate::x` that the non-test code of `text` names, comments aside.
fn imports(text: &str) -> Vec<String> {
    let code: &str = text.split("#[cfg(test)]\nmod ").next().unwrap();
    let mut out: Vec<String> = Vec::new();
    for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
        for (i, _) in line.match_indices("crate::") {
            let name: String = line[i + 7..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            out.push(name);
        }
    }
    out
}

#[test]
fn every_module_imports_only_from_the_layers_below_it() {
    let src: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let layer: BTreeMap<&str, usize> = LAYERS
        .iter()
        .enumerate()
        .flat_map(|(i, l)| l.iter().map(move |m| (*m, i)))
        .collect();
    let mut files: Vec<PathBuf> = Vec::new();
    rust_files(&src, &mut files);
    let mut wrong: Vec<String> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for f in &files {
        let rel: PathBuf = f.strip_prefix(&src).unwrap().to_path_buf();
        let first: String = rel.iter().next().unwrap().to_string_lossy().into_owned();
        let module: String = first.trim_end_matches(".rs").to_string();
        // The binary's own code, the crate root and unit-test files are not layered.
        if ["cli", "main", "lib"].contains(&module.as_str())
            || rel.iter().any(|c| c == "tests" || c == "tests.rs")
        {
            continue;
        }
        let Some(&own) = layer.get(module.as_str()) else {
            wrong.push(format!("{}: module {module} is in no layer", rel.display()));
            continue;
        };
        seen.push(module.clone());
        for m in imports(&std::fs::read_to_string(f).unwrap()) {
            match layer.get(m.as_str()) {
                Some(&l) if l < own || m == module => {}
                Some(&l) => wrong.push(format!(
                    "{}: {module} (layer {}) imports crate::{m} (layer {})",
                    rel.display(),
                    own + 1,
                    l + 1
                )),
                None => wrong.push(format!("{}: crate::{m} is in no layer", rel.display())),
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    for m in layer.keys() {
        assert!(
            seen.iter().any(|s| s == m),
            "layer lists {m}, src/ has no such module"
        );
    }
}

/// The binary parses arguments, calls the library and prints: the runtimes (of `run`,
/// `study`, `view`, `serve-sim`) are built in the library, so `src/cli/` names none.
#[test]
fn no_tokio_runtime_is_built_under_src_cli() {
    let cli: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/cli");
    let mut files: Vec<PathBuf> = Vec::new();
    rust_files(&cli, &mut files);
    assert!(files.len() > 10, "src/cli/ has its command files");
    let banned: [&str; 6] = [
        "runtime::Builder",
        "new_current_thread",
        "new_multi_thread",
        "Runtime::new",
        "tokio::main",
        "block_on",
    ];
    let mut found: Vec<String> = Vec::new();
    for f in &files {
        let text: String = std::fs::read_to_string(f).unwrap();
        for (i, line) in text.lines().enumerate() {
            for b in banned.iter().filter(|b| line.contains(**b)) {
                found.push(format!("{}:{}: {b}", f.display(), i + 1));
            }
        }
    }
    assert!(
        found.is_empty(),
        "a runtime under src/cli/:\n{}",
        found.join("\n")
    );
}

/// A bundle records time in one format, from one helper (`bundle::time::now_rfc3339`).
#[test]
fn one_timestamp_helper() {
    let src: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files: Vec<PathBuf> = Vec::new();
    rust_files(&src, &mut files);
    let others: Vec<String> = files
        .iter()
        .filter(|f| !f.ends_with("bundle/time.rs"))
        .filter(|f| {
            let text: String = std::fs::read_to_string(f).unwrap();
            text.contains("Utc::now") || text.contains("to_rfc3339")
        })
        .map(|f| f.display().to_string())
        .collect();
    assert!(
        others.is_empty(),
        "timestamps made outside bundle/time.rs: {others:?}"
    );
}

/// One HTML escaper (`reports::text::html`, which escapes `&<>"'`): no other file writes an
/// HTML entity of its own.
#[test]
fn one_html_escaper() {
    let src: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files: Vec<PathBuf> = Vec::new();
    rust_files(&src, &mut files);
    let others: Vec<String> = files
        .iter()
        .filter(|f| !f.ends_with("reports/text.rs"))
        .filter(|f| {
            let text: String = std::fs::read_to_string(f).unwrap();
            ["&amp;", "&lt;", "&quot;", "&#39;", "&#x27;", "&apos;"]
                .iter()
                .any(|e| text.contains(&format!("\"{e}\"")))
        })
        .map(|f| f.display().to_string())
        .collect();
    assert!(
        others.is_empty(),
        "HTML escaped outside reports/text.rs: {others:?}"
    );
}

/// Longest `src/` file and function, in lines (the project's style rule, CONTRIBUTING.md).
const MAX_FILE_LINES: usize = 600;
const MAX_FN_LINES: usize = 120;

/// The functions of `text` with a body, as (first line number, lines from the `fn` line to
/// its closing brace). rustfmt puts the closing brace of a body alone on a line, at the
/// indentation of the `fn` line, which is what ends a function here.
fn function_lengths(text: &str) -> Vec<(usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out: Vec<(usize, usize)> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let code: &str = line.trim_start();
        let indent: &str = &line[..line.len() - code.len()];
        let is_fn: bool = [
            "pub ",
            "pub(crate) ",
            "pub(super) ",
            "const ",
            "async ",
            "unsafe ",
        ]
        .iter()
        .fold(code, |c, p| c.strip_prefix(p).unwrap_or(c))
        .starts_with("fn ");
        if !is_fn {
            continue;
        }
        // The signature ends at the first line ending in `{` (a body), `;` (none) or `}`
        // (a body on one line).
        let Some(open) = (i..lines.len()).find(|&j| {
            let t: &str = lines[j].trim_end();
            t.ends_with('{') || t.ends_with(';') || t.ends_with('}')
        }) else {
            continue;
        };
        if !lines[open].trim_end().ends_with('{') {
            continue;
        }
        let close: String = format!("{indent}}}");
        let end: usize = (open + 1..lines.len())
            .find(|&j| lines[j] == close)
            .unwrap_or_else(|| panic!("line {}: no closing brace at its indentation", i + 1));
        out.push((i + 1, end - i + 1));
    }
    out
}

#[test]
fn function_lengths_count_from_the_fn_line_to_its_closing_brace() {
    let text: &str = "fn a() -> u8 {\n    1\n}\n\nimpl X {\n    pub(crate) async fn b(\n        \
x: u8,\n    ) -> u8 {\n        if x > 0 {\n            x\n        } else {\n            0\n        \
}\n    }\n    fn c(&self);\n    fn d() { }\n}\n";
    assert_eq!(function_lengths(text), vec![(1, 3), (6, 9)]);
}

#[test]
fn no_src_file_over_600_lines_and_no_function_over_120() {
    let src: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files: Vec<PathBuf> = Vec::new();
    rust_files(&src, &mut files);
    let mut long: Vec<String> = Vec::new();
    for f in &files {
        let text: String = std::fs::read_to_string(f).unwrap();
        let rel = f.strip_prefix(&src).unwrap().display();
        let n: usize = text.lines().count();
        if n > MAX_FILE_LINES {
            long.push(format!("src/{rel}: {n} lines (at most {MAX_FILE_LINES})"));
        }
        for (line, len) in function_lengths(&text) {
            if len > MAX_FN_LINES {
                long.push(format!(
                    "src/{rel}:{line}: a function of {len} lines (at most {MAX_FN_LINES})"
                ));
            }
        }
    }
    assert!(files.len() > 100, "src/ has its files");
    assert!(long.is_empty(), "{}", long.join("\n"));
}

/// The text of `docs/architecture.md` from the heading `## {title}` to the next `## `.
fn architecture_section(title: &str) -> String {
    let path: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/architecture.md");
    let doc: String = std::fs::read_to_string(&path).unwrap();
    let start: usize = doc
        .find(&format!("\n## {title}\n"))
        .unwrap_or_else(|| panic!("docs/architecture.md has no section {title}"));
    let body: &str = &doc[start + title.len() + 5..];
    body[..body.find("\n## ").unwrap_or(body.len())].to_string()
}

/// Every `code span` of `text`.
fn code_spans(text: &str) -> Vec<String> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

#[test]
fn every_module_the_data_flow_names_exists() {
    let section: String = architecture_section("Where a run's data flows");
    let src: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let modules: Vec<String> = code_spans(&section)
        .into_iter()
        .filter(|s| {
            !s.is_empty()
                && s.split("::")
                    .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        })
        .collect();
    assert!(modules.len() >= 20, "too few modules named: {modules:?}");
    let missing: Vec<&String> = modules
        .iter()
        .filter(|m| {
            let rel: String = m.replace("::", "/");
            !src.join(format!("{rel}.rs")).is_file() && !src.join(&rel).join("mod.rs").is_file()
        })
        .collect();
    assert!(
        missing.is_empty(),
        "docs/architecture.md names no such module: {missing:?}"
    );
}

/// The names `src/lib.rs` makes public at the crate root: each `pub use` (its last segment,
/// or the name after `as`), each `pub fn`, and separately each `pub mod`.
fn root_api() -> (Vec<String>, Vec<String>) {
    let lib: String =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    let code: String = lib
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<&str>>()
        .join("\n");
    let mut names: Vec<String> = Vec::new();
    let mut modules: Vec<String> = Vec::new();
    for item in code.split(';') {
        let item: &str = item.trim();
        if let Some(rest) = item.strip_prefix("pub use ") {
            let list: &str = match (rest.find('{'), rest.rfind('}')) {
                (Some(a), Some(b)) => &rest[a + 1..b],
                _ => rest,
            };
            for one in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                let name: &str = match one.split_once(" as ") {
                    Some((_, alias)) => alias,
                    None => one.rsplit("::").next().unwrap(),
                };
                names.push(name.trim().to_string());
            }
        } else if let Some(rest) = item.strip_prefix("pub mod ") {
            modules.push(rest.trim().to_string());
        }
    }
    for line in code.lines() {
        if let Some(rest) = line.strip_prefix("pub fn ") {
            names.push(rest.split('(').next().unwrap().to_string());
        }
    }
    (names, modules)
}

#[test]
fn the_public_api_in_the_docs_is_what_lib_rs_exports() {
    let section: String = architecture_section("The public API");
    let listed: Vec<String> = section
        .lines()
        .filter_map(|l| l.strip_prefix("- `"))
        .map(|l| l.split('`').next().unwrap().to_string())
        .collect();
    let (names, modules) = root_api();
    assert!(names.len() >= 30, "lib.rs exports too few names: {names:?}");
    let unlisted: Vec<&String> = names.iter().filter(|n| !listed.contains(n)).collect();
    assert!(
        unlisted.is_empty(),
        "lib.rs exports, docs/architecture.md does not list: {unlisted:?}"
    );
    let stale: Vec<&String> = listed.iter().filter(|n| !names.contains(n)).collect();
    assert!(
        stale.is_empty(),
        "docs/architecture.md lists, lib.rs does not export: {stale:?}"
    );
    let spans: Vec<String> = code_spans(&section);
    let unnamed: Vec<&String> = modules.iter().filter(|m| !spans.contains(m)).collect();
    assert!(
        unnamed.is_empty(),
        "public modules the docs do not name: {unnamed:?}"
    );
}
