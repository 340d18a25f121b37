//! Which run a table row belongs to: the columns that let tables of several runs be
//! concatenated (`pd.concat`) and grouped without a join against their manifests.

use crate::benchmark::Benchmark;
use crate::bundle::Bundle;
use crate::bundle::parameters::Parameters;
use crate::runner::config::preset_of;
use std::path::Path;

/// The run identity columns, the same on every row of a run's tables.
#[derive(Clone, Debug, PartialEq)]
pub struct RunIdentity {
    /// The bundle directory's name (what `compare` and the reports call the run).
    pub run_id: String,
    /// The manifest's provider (`openai`, `anthropic`, `sim`, ...).
    pub provider: String,
    /// The model asked.
    pub model: String,
    /// "native" or "instilled"; empty for an import without parameters.
    pub experiment: Option<String>,
    /// "quick" or "full" when the counts are exactly a preset's, "custom" otherwise; empty for
    /// an import. Manifests record the counts, not the flag, so this is read back from them.
    pub preset: Option<String>,
    /// The benchmark version; empty for an import.
    pub benchmark: Option<String>,
}

impl RunIdentity {
    /// The identity of `bundle`; `bench` (the benchmark it names) tells the presets' counts.
    pub fn of(bundle: &Bundle, bench: Option<&Benchmark>) -> RunIdentity {
        let m = &bundle.manifest;
        let p: Option<&Parameters> = m.parameters.as_ref();
        RunIdentity {
            run_id: dir_name(&bundle.dir),
            provider: m.provider.clone(),
            model: m.model.clone(),
            experiment: p.map(|p| p.experiment.split().as_str().to_string()),
            preset: p.map(|p| preset_of(p, bench).to_string()),
            benchmark: m.benchmark.clone(),
        }
    }
}

fn dir_name(dir: &Path) -> String {
    let canonical = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    canonical
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| dir.display().to_string())
}
