//! The one way a bundle is finished, whoever wrote its samples (a run, a batch import, a CSV
//! import): the counts in the manifest, `samples.jsonl` in canonical order, `summary.json`
//! when the samples score, and the manifest last, with its end time. A reader that finds a
//! finished manifest therefore finds the samples and the summary it describes.

use super::observed::summary_of;
use super::score_input::ContextTable;
use super::summary::BundleSummary;
use super::time::now_rfc3339;
use super::{BundleError, RunManifest, RunStatus, Sample, count, write_manifest};
use super::{write_samples, write_summary};
use std::path::Path;

/// What [`finish`] scored.
#[derive(Debug)]
pub struct Finished {
    /// The summary written to `summary.json`, when the samples scored.
    pub summary: Option<BundleSummary>,
    /// Why no summary was written (e.g. too few samples to score), when none was.
    pub score_error: Option<String>,
}

/// Records the counts of `samples` (of `planned` requests, `errors` of them failed) in the
/// manifest.
pub fn record_counts(
    manifest: &mut RunManifest,
    samples: &[Sample],
    planned: usize,
    errors: usize,
) {
    manifest.counts = count(samples, planned, errors);
    if manifest.source == super::score_input::IMPORTED_CSV {
        manifest.counts.unknown_invalid_reports();
    }
    manifest.soft_labels.used = manifest.counts.soft_labels > 0;
}

/// Finishes the bundle in `dir` whose requests were all asked: `samples` (every session's, in
/// canonical order) written, scored against `table` into `summary.json` (an observer run
/// against its observed run), and the manifest written last, complete, or incomplete when
/// `errors` requests failed.
pub fn finish(
    dir: &Path,
    samples: &[Sample],
    planned: usize,
    errors: usize,
    manifest: &mut RunManifest,
    table: ContextTable<'_>,
) -> Result<Finished, BundleError> {
    record_counts(manifest, samples, planned, errors);
    write_samples(dir, samples)?;
    let finished: Finished = match summary_of(dir, samples, manifest, table) {
        Ok(summary) => {
            write_summary(dir, &summary)?;
            Finished {
                summary: Some(summary),
                score_error: None,
            }
        }
        Err(e) => Finished {
            summary: None,
            score_error: Some(e.to_string()),
        },
    };
    manifest.status = if errors > 0 {
        RunStatus::Incomplete
    } else {
        RunStatus::Complete
    };
    end(dir, manifest)?;
    Ok(finished)
}

/// Ends a run stopped before all its requests were asked (interrupted, or refused by its
/// provider) with `status`: the counts and the end time in the manifest; the samples stay as
/// the journal holds them and nothing is scored (a resume finishes it).
pub fn stop(
    dir: &Path,
    samples: &[Sample],
    planned: usize,
    errors: usize,
    manifest: &mut RunManifest,
    status: RunStatus,
) -> Result<(), BundleError> {
    record_counts(manifest, samples, planned, errors);
    manifest.status = status;
    end(dir, manifest)
}

fn end(dir: &Path, manifest: &mut RunManifest) -> Result<(), BundleError> {
    manifest.finished_at = Some(now_rfc3339());
    write_manifest(dir, manifest)
}
