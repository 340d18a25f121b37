//! A leaderboard entry: `results/<name>/` holding a run bundle and `entry.toml`.
//!
//! `entry.toml` says who ran what; everything measured comes from the bundle, whose
//! `summary.json` `selfinterp validate` re-derives from the raw samples.

use crate::bundle::{self, RunManifest};
use crate::scoring::Summary;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::{Path, PathBuf};

/// The Markdown leaderboard, under `results/`.
pub const MD_FILE: &str = "LEADERBOARD.md";
/// The HTML leaderboard, under `results/`.
pub const HTML_FILE: &str = "leaderboard.html";
/// Directory of the per-entry detail pages, under `results/`.
pub const DETAILS_DIR: &str = "details";

/// An entry's description ([`EntryMeta`]), in its directory.
pub const ENTRY_FILE: &str = "entry.toml";

/// Files an entry may hold; anything else is refused so that nothing unreviewed is published.
pub const ALLOWED_FILES: &[&str] = &[
    ENTRY_FILE,
    bundle::MANIFEST,
    bundle::SAMPLES,
    bundle::SUMMARY,
    bundle::ERRORS,
    bundle::TIMINGS,
    bundle::CONTEXTS,
];

/// Files every entry must hold.
pub const REQUIRED_FILES: &[&str] = &[
    ENTRY_FILE,
    bundle::MANIFEST,
    bundle::SAMPLES,
    bundle::SUMMARY,
];

/// `entry.toml`. Unknown keys are refused, so a typo cannot silently drop a field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntryMeta {
    /// The name shown in the table.
    pub display_name: String,
    /// Must equal the bundle's `manifest.json` model.
    pub model_id: String,
    /// Must equal the bundle's `manifest.json` provider.
    pub provider: String,
    /// When the run was made, YYYY-MM-DD.
    pub date: String,
    /// Who submitted the entry.
    pub submitted_by: String,
    /// Anything a reader should know about the run (optional).
    #[serde(default)]
    pub notes: String,
    /// True for the simulated reference agents (`--provider sim`).
    pub simulated: bool,
}

/// One thing wrong with the results, located as precisely as possible.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The entry's directory name, or the leaderboard file.
    pub entry: String,
    /// The file within the entry.
    pub file: String,
    /// The field (or line) within the file.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl Problem {
    /// A problem of `entry`'s `file` at `field`.
    pub fn new(
        entry: &str,
        file: &str,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Problem {
        Problem {
            entry: entry.to_string(),
            file: file.to_string(),
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<&str> = [
            self.entry.as_str(),
            self.file.as_str(),
            self.field.as_str(),
            self.message.as_str(),
        ]
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect();
        f.write_str(&parts.join(": "))
    }
}

fn valid_date(s: &str) -> bool {
    let b: &[u8] = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let digits = |r: std::ops::Range<usize>| {
        b[r.clone()]
            .iter()
            .all(u8::is_ascii_digit)
            .then(|| s[r].parse::<u32>().ok())
            .flatten()
    };
    match (digits(0..4), digits(5..7), digits(8..10)) {
        (Some(y), Some(m), Some(d)) => {
            let days: u32 = match m {
                1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
                4 | 6 | 9 | 11 => 30,
                2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
                2 => 28,
                _ => return false,
            };
            (2000..=2999).contains(&y) && (1..=days).contains(&d)
        }
        _ => false,
    }
}

impl EntryMeta {
    /// Schema rules beyond the types: (field, message) for each violation.
    pub fn check(&self) -> Vec<(&'static str, String)> {
        let mut out: Vec<(&'static str, String)> = Vec::new();
        for (field, v, max) in [
            ("display_name", &self.display_name, 80),
            ("model_id", &self.model_id, 200),
            ("provider", &self.provider, 40),
            ("submitted_by", &self.submitted_by, 80),
        ] {
            if v.trim().is_empty() {
                out.push((field, "must not be empty".into()));
            } else if v.chars().count() > max {
                out.push((field, format!("longer than {max} characters")));
            } else if v.chars().any(char::is_control) {
                out.push((field, "must be one line without control characters".into()));
            }
        }
        if !valid_date(&self.date) {
            out.push((
                "date",
                format!("{:?} is not a date written YYYY-MM-DD", self.date),
            ));
        }
        if self.notes.chars().count() > 500 {
            out.push(("notes", "longer than 500 characters".into()));
        }
        if let Some(f) = figures(&self.notes).first() {
            out.push((
                "notes",
                format!(
                    "states a figure ({f:?}); notes hold no figures: every figure on a page comes from summary.json and the manifest, which cannot go stale"
                ),
            ));
        }
        out
    }
}

/// The numbers in `text` that are figures: a run of digits (with `.` or `,` between digits and
/// an optional trailing `%`) that is not part of a name. Part of a name means glued to a letter
/// (`SmolLM2`, `135M`), or after a `-`, `.`, `_` or `/` that follows a letter or digit
/// (`gpt-4`, `Qwen2.5`, `llama-3`).
pub fn figures(text: &str) -> Vec<String> {
    let c: Vec<char> = text.chars().collect();
    let mut out: Vec<String> = Vec::new();
    let mut i: usize = 0;
    while i < c.len() {
        if !c[i].is_ascii_digit() || (i > 0 && c[i - 1].is_ascii_digit()) {
            i += 1;
            continue;
        }
        let start: usize = i;
        while i < c.len()
            && (c[i].is_ascii_digit()
                || (matches!(c[i], '.' | ',') && c.get(i + 1).is_some_and(char::is_ascii_digit)))
        {
            i += 1;
        }
        if c.get(i) == Some(&'%') {
            i += 1;
        }
        let joined_before: bool = match start.checked_sub(1).map(|k| c[k]) {
            Some(b) if b.is_alphabetic() => true,
            Some('-' | '.' | '_' | '/') => start >= 2 && c[start - 2].is_alphanumeric(),
            _ => false,
        };
        let joined_after: bool = c.get(i).is_some_and(|a| a.is_alphabetic());
        if !joined_before && !joined_after {
            out.push(c[start..i].iter().collect());
        }
    }
    out
}

/// The field a TOML error names (the first `backticked` word), or "" when it names none.
pub fn toml_error_field(message: &str) -> String {
    let mut parts = message.split('`');
    parts.next();
    parts.next().map(str::to_string).unwrap_or_default()
}

/// An entry as the leaderboard reads it: meta, manifest and stored summary.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The entry's directory name.
    pub name: String,
    /// The entry's directory.
    pub dir: PathBuf,
    /// Its `entry.toml`.
    pub meta: EntryMeta,
    /// Its bundle's `manifest.json`.
    pub manifest: RunManifest,
    /// Its stored `summary.json`'s score.
    pub summary: Summary,
}

/// The entry directories under `results`, sorted by name (the generated detail pages'
/// directory is not an entry).
pub fn entry_dirs(results: &Path) -> std::io::Result<Vec<(String, PathBuf)>> {
    let mut out: Vec<(String, PathBuf)> = Vec::new();
    for e in std::fs::read_dir(results)? {
        let e = e?;
        if e.file_type()?.is_dir() && e.file_name() != DETAILS_DIR {
            out.push((e.file_name().to_string_lossy().to_string(), e.path()));
        }
    }
    out.sort();
    Ok(out)
}

/// The text of the entry's file `file`, read strictly ([`super::files::read_text`]).
pub fn read_file(name: &str, dir: &Path, file: &str) -> Result<String, Problem> {
    super::files::read_text(dir, file).map_err(|m| Problem::new(name, file, "", m))
}

/// The entry's `entry.toml`, read and parsed strictly (unknown keys refused).
pub fn read_meta(name: &str, dir: &Path) -> Result<EntryMeta, Problem> {
    parse_meta(name, &read_file(name, dir, ENTRY_FILE)?)
}

/// `entry.toml`'s text as an [`EntryMeta`].
pub fn parse_meta(name: &str, text: &str) -> Result<EntryMeta, Problem> {
    toml::from_str::<EntryMeta>(text).map_err(|e| {
        let msg: String = e.message().to_string();
        Problem::new(name, ENTRY_FILE, toml_error_field(&msg), msg)
    })
}

/// Reads an entry for rendering; the first problem stops it.
pub fn load(name: &str, dir: &Path) -> Result<Entry, Problem> {
    let meta: EntryMeta = read_meta(name, dir)?;
    let text: String = read_file(name, dir, bundle::MANIFEST)?;
    let manifest: RunManifest = serde_json::from_str(&text)
        .map_err(|e| Problem::new(name, bundle::MANIFEST, "", e.to_string()))?;
    let text: String = read_file(name, dir, bundle::SUMMARY)?;
    let summary: Summary = serde_json::from_str(&text)
        .map_err(|e| Problem::new(name, bundle::SUMMARY, "", e.to_string()))?;
    Ok(Entry {
        name: name.to_string(),
        dir: dir.to_path_buf(),
        meta,
        manifest,
        summary,
    })
}

/// Every entry under `results`, or the problems that stopped some from loading.
pub fn load_all(results: &Path) -> Result<Vec<Entry>, Vec<Problem>> {
    let dirs = entry_dirs(results).map_err(|e| {
        vec![Problem::new(
            &results.display().to_string(),
            "",
            "",
            format!("cannot list: {e}"),
        )]
    })?;
    let mut entries: Vec<Entry> = Vec::new();
    let mut problems: Vec<Problem> = Vec::new();
    for (name, dir) in dirs {
        match load(&name, &dir) {
            Ok(e) => entries.push(e),
            Err(p) => problems.push(p),
        }
    }
    if problems.is_empty() {
        Ok(entries)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert!(valid_date("2026-02-28"));
        assert!(valid_date("2028-02-29"));
        assert!(!valid_date("2026-02-29"));
        assert!(!valid_date("2026-13-01"));
        assert!(!valid_date("26-01-01"));
        assert_eq!(toml_error_field("missing field `date`"), "date");
    }

    #[test]
    fn figures_in_notes_are_found_and_names_are_not() {
        // The stale note of the SmolLM2 full-protocol entry.
        assert_eq!(
            figures("behavioural reliability 0.27 (0.07 with 20 pairs), 34 of 100 contexts"),
            ["0.27", "0.07", "20", "34", "100"]
        );
        assert_eq!(
            figures("P(A) = 0.5; 99.9% of 11,000 calls; -0.06"),
            ["0.5", "99.9%", "11,000", "0.06"]
        );
        let names =
            "SmolLM2-135M-Instruct, gpt-4o, gpt-4, Qwen2.5, llama-3 on v1 via local-model.sh";
        assert!(figures(names).is_empty());
    }
}
