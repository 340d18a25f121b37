//! `selfinterp verify`: regenerate each frozen version and name whatever differs.

use super::freeze::{SeedSource, freeze};
use super::{CONTEXTS_FILE, MANIFEST_FILE, Manifest};
use crate::catalogue::Catalogue;
use serde_json::Value;
use std::path::Path;

/// One difference between a frozen file and its regeneration.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch(pub String);

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a frozen version could not be verified at all.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("{}: {source}", path.display())]
    Read {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("{}: line {line}: {source}", path.display())]
    Parse {
        path: std::path::PathBuf,
        line: usize,
        source: serde_json::Error,
    },
    #[error("{}: drawn from a private seed; pass --private-seed-file to verify it", path.display())]
    PrivateSeed { path: std::path::PathBuf },
}

/// Verifies `<root>/<version>` against `cat`. A private-seed version is checked only when its
/// seed is given. Returns every mismatch found, each naming the file and field.
pub fn verify_version(
    cat: &Catalogue,
    root: &Path,
    version: &str,
    private_seed: Option<&str>,
) -> Result<Vec<Mismatch>, VerifyError> {
    let dir = root.join(version);
    let mpath = dir.join(MANIFEST_FILE);
    let mtext = std::fs::read_to_string(&mpath).map_err(|source| VerifyError::Read {
        path: mpath.clone(),
        source,
    })?;
    let manifest: Manifest = serde_json::from_str(&mtext).map_err(|source| VerifyError::Parse {
        path: mpath.clone(),
        line: source.line(),
        source,
    })?;
    let seed = match (&manifest.seed, private_seed) {
        (Some(s), _) => SeedSource::Public(s.clone()),
        (None, Some(p)) => SeedSource::Private(p.to_string()),
        (None, None) => return Err(VerifyError::PrivateSeed { path: mpath }),
    };
    let mut out = Vec::new();
    let fresh_cat_hash = super::freeze::catalogue_hash(cat);
    if fresh_cat_hash != manifest.catalogue_sha256 {
        out.push(Mismatch(format!(
            "{}: catalogue_sha256: domains/ changed under frozen version {version} (frozen {}, now {}); freeze a new version instead",
            mpath.display(), short(&manifest.catalogue_sha256), short(&fresh_cat_hash)
        )));
    }
    let fresh = freeze(cat, version, &seed, manifest.counts);
    // Data file first, line by line and field by field.
    let cpath = dir.join(CONTEXTS_FILE);
    match std::fs::read_to_string(&cpath) {
        Err(e) => out.push(Mismatch(format!("{}: {e}", cpath.display()))),
        Ok(text) => {
            let old: Vec<&str> = text.lines().collect();
            let new: Vec<&str> = fresh.contexts_jsonl.lines().collect();
            for i in 0..old.len().max(new.len()) {
                match (old.get(i), new.get(i)) {
                    (Some(o), Some(n)) if o == n => {}
                    (Some(o), Some(n)) => {
                        let ov: Value =
                            serde_json::from_str(o).unwrap_or(Value::String(o.to_string()));
                        let nv: Value = serde_json::from_str(n).unwrap_or(Value::Null);
                        let id = nv.get("id").and_then(Value::as_str).unwrap_or("?");
                        let mut diffs = Vec::new();
                        diff_values("", &ov, &nv, &mut diffs);
                        if diffs.is_empty() {
                            diffs.push("formatting differs".to_string());
                        }
                        for d in diffs.into_iter().take(5) {
                            out.push(Mismatch(format!(
                                "{}: line {} (context {id}): {d}",
                                cpath.display(),
                                i + 1
                            )));
                        }
                    }
                    (Some(_), None) => out.push(Mismatch(format!(
                        "{}: line {}: extra line not regenerated",
                        cpath.display(),
                        i + 1
                    ))),
                    (None, Some(_)) => out.push(Mismatch(format!(
                        "{}: line {}: missing (file is shorter than regenerated)",
                        cpath.display(),
                        i + 1
                    ))),
                    (None, None) => {}
                }
            }
        }
    }
    if mtext != fresh.manifest_json {
        let ov: Value = serde_json::from_str(&mtext).unwrap_or(Value::Null);
        let nv: Value = serde_json::from_str(&fresh.manifest_json).unwrap_or(Value::Null);
        let mut diffs = Vec::new();
        diff_values("", &ov, &nv, &mut diffs);
        let skip_cat = |d: &String| d.starts_with("catalogue_sha256");
        let diffs: Vec<_> = diffs.into_iter().filter(|d| !skip_cat(d)).collect();
        if diffs.is_empty() && out.is_empty() {
            out.push(Mismatch(format!(
                "{}: formatting differs from the regenerated file",
                mpath.display()
            )));
        }
        for d in diffs.into_iter().take(10) {
            out.push(Mismatch(format!("{}: {d}", mpath.display())));
        }
    }
    Ok(out)
}

fn short(h: &str) -> &str {
    &h[..h.len().min(12)]
}

/// Field paths where two JSON values differ, as "path: frozen X, regenerated Y".
fn diff_values(path: &str, old: &Value, new: &Value, out: &mut Vec<String>) {
    match (old, new) {
        (Value::Object(o), Value::Object(n)) => {
            for (k, nv) in n {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                match o.get(k) {
                    Some(ov) => diff_values(&p, ov, nv, out),
                    None => out.push(format!("{p}: missing in frozen file")),
                }
            }
            for k in o.keys().filter(|k| !n.contains_key(*k)) {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                out.push(format!("{p}: not in regenerated file"));
            }
        }
        (Value::Array(o), Value::Array(n)) if o.len() == n.len() => {
            for (i, (ov, nv)) in o.iter().zip(n).enumerate() {
                diff_values(&format!("{path}[{i}]"), ov, nv, out);
            }
        }
        _ if old == new => {}
        _ => out.push(format!(
            "{path}: frozen {}, regenerated {}",
            compact(old),
            compact(new)
        )),
    }
}

fn compact(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 60 {
        format!("{}...", &s[..57])
    } else {
        s
    }
}
