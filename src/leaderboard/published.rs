//! The committed leaderboard files against a fresh render of the entries: a stale or
//! hand-edited page (a table, a detail page or an entry's full report) is named by file, line
//! and the entry whose row differs.

use super::entry::{Entry, Problem};
use super::full_report;
use super::render;
use super::secrets;
use std::path::{Path, PathBuf};

/// The entry whose row a leaderboard line shows, by its id, for the message: the entry whose
/// display name is a whole cell of the row, else the longest display name the line holds
/// (so "Agent" never claims the row of "Agent (tuned)").
pub fn row_owner(line: &str, entries: &[Entry]) -> Option<String> {
    let named = |e: &&Entry| !e.meta.display_name.is_empty();
    let cells: Vec<&str> = line.split('|').map(str::trim).collect();
    entries
        .iter()
        .filter(named)
        .find(|e| cells.contains(&e.meta.display_name.as_str()))
        .or_else(|| {
            entries
                .iter()
                .filter(named)
                .filter(|e| line.contains(&e.meta.display_name))
                .max_by_key(|e| e.meta.display_name.len())
        })
        .map(|e| e.name.clone())
}

/// The stretch of two lines around their first difference, so long table rows stay readable.
fn differing_window(a: &str, b: &str) -> (String, String) {
    let (ac, bc): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let p: usize = ac.iter().zip(&bc).take_while(|(x, y)| x == y).count();
    let start: usize = p.saturating_sub(30);
    let take = |c: &[char]| -> String {
        let end: usize = (start + 90).min(c.len());
        let body: String = c[start.min(c.len())..end].iter().collect();
        format!(
            "{}{body}{}",
            if start > 0 { "…" } else { "" },
            if end < c.len() { "…" } else { "" }
        )
    };
    (take(&ac), take(&bc))
}

/// Compares the committed leaderboard files, detail pages and full reports with a fresh
/// render; `benchmark_root` (`<root>/benchmark`) is where the reports' bundles find their
/// contexts.
pub fn check_leaderboard(results: &Path, entries: &[Entry], benchmark_root: &Path) -> Vec<Problem> {
    let mut out: Vec<Problem> = Vec::new();
    let mut rendered: Vec<(String, String)> = render::render(entries);
    let dirs: Vec<(String, PathBuf)> = entries
        .iter()
        .map(|e| (e.name.clone(), e.dir.clone()))
        .collect();
    // A report that cannot be made is a problem of its own; its committed file is not stale.
    let mut unrenderable: Vec<String> = Vec::new();
    for (entry, file, page) in full_report::render_all(benchmark_root, &dirs) {
        match page {
            Ok(page) => rendered.push((file, page)),
            Err(e) => {
                out.push(Problem::new(
                    &file,
                    "",
                    "",
                    format!("the full report of entry {entry} cannot be rendered: {e}"),
                ));
                unrenderable.push(file);
            }
        }
    }
    // A detail page whose entry is gone would stay published: refuse it.
    if let Ok(dir) = std::fs::read_dir(results.join(render::DETAILS_DIR)) {
        let mut stale: Vec<String> = dir
            .filter_map(|e| e.ok())
            .map(|e| {
                format!(
                    "{}/{}",
                    render::DETAILS_DIR,
                    e.file_name().to_string_lossy()
                )
            })
            .filter(|name| !rendered.iter().any(|(f, _)| f == name) && !unrenderable.contains(name))
            .collect();
        stale.sort();
        for name in stale {
            out.push(Problem::new(
                &name,
                "",
                "",
                "not a page of any entry; run `selfinterp leaderboard` (it removes stale pages)",
            ));
        }
    }
    for (file, want) in rendered {
        let file: &str = file.as_str();
        let path = results.join(file);
        let Ok(got) = std::fs::read_to_string(&path) else {
            out.push(Problem::new(
                file,
                "",
                "",
                "missing; run `selfinterp leaderboard`",
            ));
            continue;
        };
        if got == want {
            continue;
        }
        let (g, w): (Vec<&str>, Vec<&str>) = (got.lines().collect(), want.lines().collect());
        let n: usize = (0..g.len().max(w.len()))
            .find(|&i| g.get(i) != w.get(i))
            .unwrap_or(0);
        let (gl, wl): (&str, &str) = (
            g.get(n).copied().unwrap_or(""),
            w.get(n).copied().unwrap_or(""),
        );
        let owner: String = row_owner(gl, entries)
            .or_else(|| row_owner(wl, entries))
            .map(|e| format!(" (row of entry {e})"))
            .unwrap_or_default();
        let (gw, ww): (String, String) = differing_window(gl, wl);
        // A detail page prints entry.toml's notes: never echo what looks like a secret.
        let message: String = if secrets::scan(gl).is_empty() && secrets::scan(wl).is_empty() {
            format!(
                "committed {gw:?} but rendering the entries gives {ww:?}; run `selfinterp leaderboard`"
            )
        } else {
            "differs from a fresh render (text withheld: it looks like a secret); run `selfinterp leaderboard`".into()
        };
        out.push(Problem::new(
            file,
            "",
            format!("line {}{owner}", n + 1),
            message,
        ));
    }
    out
}
