//! Each entry's full HTML report, `results/details/<entry>.report.html`: the page
//! `selfinterp report --format html` makes of the entry's bundle (plots, contexts, diagnosis),
//! linked from the entry's detail page. It is generated with the other pages, so `validate`
//! requires it to equal a fresh render of the raw samples: a hand-edited report, or one left
//! stale by a new harness or changed samples, is refused like a stale table.

use super::entry::DETAILS_DIR;
use crate::bundle::OpenError;
use crate::reports::{self, Format, ReportData, ReportOptions, Scored};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// The report's file name inside the details directory (the detail pages link it by this).
pub fn link(entry: &str) -> String {
    format!("{entry}.report.html")
}

/// The report's path relative to `results/`.
pub fn file(entry: &str) -> String {
    format!("{DETAILS_DIR}/{}", link(entry))
}

/// Why an entry's report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A link, pipe or device where a file should be: the bundle reader would follow it (to
    /// `/dev/zero`, it would never return), so nothing of such an entry is read.
    #[error("{file} is {kind}; an entry holds regular files only")]
    NotRegular { file: String, kind: &'static str },
    #[error("cannot list the entry: {0}")]
    List(#[source] std::io::Error),
    #[error(transparent)]
    Open(#[from] OpenError),
}

/// Every file of the entry must be a regular file before the bundle reader opens any.
fn regular_files_only(dir: &Path) -> Result<(), ReportError> {
    for e in std::fs::read_dir(dir).map_err(ReportError::List)? {
        let e = e.map_err(ReportError::List)?;
        // `DirEntry::file_type` does not follow links.
        let t: std::fs::FileType = e.file_type().map_err(ReportError::List)?;
        if !t.is_file() {
            return Err(ReportError::NotRegular {
                file: e.file_name().to_string_lossy().to_string(),
                kind: super::files::kind(&t),
            });
        }
    }
    Ok(())
}

/// The full HTML report of the bundle in `dir`, re-scored from its raw samples; without
/// prices, as `selfinterp report --format html` makes it.
pub fn render(benchmark_root: &Path, dir: &Path) -> Result<String, ReportError> {
    regular_files_only(dir)?;
    let scored: Scored = reports::load(benchmark_root, dir)?;
    let data: ReportData = reports::build(&scored, &ReportOptions::default());
    Ok(reports::exporter(Format::Html).render(&data))
}

/// The report of each (entry, directory), rendered in parallel, in the order given:
/// (path relative to `results/`, the page or why it could not be made).
pub fn render_all(
    benchmark_root: &Path,
    entries: &[(String, PathBuf)],
) -> Vec<(String, String, Result<String, ReportError>)> {
    entries
        .par_iter()
        .map(|(name, dir)| (name.clone(), file(name), render(benchmark_root, dir)))
        .collect()
}
