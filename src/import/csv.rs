//! Importing the original study's flat CSV data release as a run bundle.
//!
//! Layouts (header row required; columns are found by name, extra columns are ignored):
//!
//! | file       | columns                                                                                   |
//! |------------|-------------------------------------------------------------------------------------------|
//! | contexts   | `scenario,question,attr1..attr5,attr1_min..attr5_min,attr1_max..attr5_max`                |
//! | selections | `model,scenario,selection,A_attribute_1..A_attribute_5,B_attribute_1..B_attribute_5`      |
//! | reports    | `explaining_model,version,scenario,report_attr1..report_attr5,A_attribute_1..,B_attribute_1..` |
//! | targets    | `scenario,attr1..attr5`                                                                   |
//!
//! A selection becomes a choice sample whose raw response is the `selection` cell, parsed by
//! the same parser as a live run. A report row becomes a report sample whose raw response is
//! the JSON object of its five cells keyed by the attribute names (a number stays a number,
//! anything else becomes a string, an empty cell is left out), so the report parser gives the
//! same statuses as for a live model. Samples are numbered per context in file order. When a
//! file mixes several models (or report versions) one must be chosen, or the import refuses:
//! pooling different models would be a meaningless score.

use crate::bundle::finish::finish;
use crate::bundle::journal;
use crate::bundle::sample::{KindKey, Order, Parsed, Sample};
use crate::bundle::score_input::ContextTable;
use crate::bundle::{
    self, BundleAttribute, BundleContext, InputFile, RunManifest, RunStatus, ServerInfo, SoftLabels,
};
use crate::parsing::{parse_choice, parse_report};
use crate::types::{ContextId, N_ATTR, Pair, Values, Weights};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

pub use super::error::ImportError;

/// What to import.
#[derive(Clone, Debug, Default)]
pub struct ImportSpec {
    /// The contexts file (scenario, question, attribute names and ranges).
    pub contexts: PathBuf,
    /// The selections file: one row per choice, with both options' values.
    pub selections: PathBuf,
    /// The reports file (the weights a model gave), if any.
    pub reports: Option<PathBuf>,
    /// The target weights (instilled profiles), if any.
    pub targets: Option<PathBuf>,
    /// Keep only selections of this model (required when there are several).
    pub model: Option<String>,
    /// Keep only reports of this explaining model (required when there are several).
    pub explaining_model: Option<String>,
    /// Keep only reports of this version (required when there are several).
    pub version: Option<String>,
}

/// One CSV file opened with its header's column positions.
struct Table {
    path: PathBuf,
    headers: Vec<String>,
    rows: Vec<(u64, csv::StringRecord)>,
    sha256: String,
}

impl Table {
    fn read(path: &Path) -> Result<Table, ImportError> {
        let file_err = |message: String| ImportError::File {
            path: path.to_path_buf(),
            message,
        };
        let bytes: Vec<u8> =
            std::fs::read(path).map_err(|e| file_err(format!("cannot read: {e}")))?;
        let sha256: String = crate::benchmark::freeze::sha256_hex(&bytes);
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .trim(csv::Trim::All)
            .from_reader(&bytes[..]);
        let headers: Vec<String> = rdr
            .headers()
            .map_err(|e| file_err(format!("bad header: {e}")))?
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').to_string())
            .collect();
        let mut rows: Vec<(u64, csv::StringRecord)> = Vec::new();
        for rec in rdr.records() {
            let rec: csv::StringRecord = rec.map_err(|e| {
                let line: u64 = e.position().map(|p| p.line()).unwrap_or(0);
                ImportError::Row {
                    path: path.to_path_buf(),
                    line,
                    message: e.to_string(),
                }
            })?;
            // The file line where the record starts: the csv crate's position of the first
            // record is the header's line terminator, so its own line would name the header.
            let mut at: usize = rec
                .position()
                .map_or(0, |p| p.byte() as usize)
                .min(bytes.len());
            while at < bytes.len() && matches!(bytes[at], b'\n' | b'\r') {
                at += 1;
            }
            let line: u64 = 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count() as u64;
            rows.push((line, rec));
        }
        Ok(Table {
            path: path.to_path_buf(),
            headers,
            rows,
            sha256,
        })
    }

    /// Positions of the named columns, or an error naming the missing ones.
    fn columns(&self, names: &[String]) -> Result<Vec<usize>, ImportError> {
        let mut missing: Vec<&str> = Vec::new();
        let pos: Vec<usize> = names
            .iter()
            .map(|n| {
                self.headers.iter().position(|h| h == n).unwrap_or_else(|| {
                    missing.push(n);
                    usize::MAX
                })
            })
            .collect();
        if missing.is_empty() {
            Ok(pos)
        } else {
            Err(ImportError::File {
                path: self.path.clone(),
                message: format!(
                    "missing column(s) {} (header: {})",
                    missing.join(", "),
                    self.headers.join(",")
                ),
            })
        }
    }

    fn row_err(&self, line: u64, message: String) -> ImportError {
        ImportError::Row {
            path: self.path.clone(),
            line,
            message,
        }
    }

    fn number(
        &self,
        line: u64,
        rec: &csv::StringRecord,
        col: usize,
        name: &str,
    ) -> Result<f64, ImportError> {
        let cell: &str = rec.get(col).unwrap_or("");
        match cell.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ => Err(self.row_err(
                line,
                format!("column {name}: expected a number, got {cell:?}"),
            )),
        }
    }

    fn five(
        &self,
        line: u64,
        rec: &csv::StringRecord,
        cols: &[usize],
        names: &[String],
    ) -> Result<[f64; N_ATTR], ImportError> {
        let mut v: [f64; N_ATTR] = [0.0; N_ATTR];
        for k in 0..N_ATTR {
            v[k] = self.number(line, rec, cols[k], &names[k])?;
        }
        Ok(v)
    }
}

fn numbered(prefix: &str, suffix: &str) -> Vec<String> {
    (1..=N_ATTR)
        .map(|k| format!("{prefix}{k}{suffix}"))
        .collect()
}

/// The single value of a column after filtering, or an error listing the choices.
fn pick(
    table: &Table,
    col: usize,
    wanted: &Option<String>,
    flag: &str,
) -> Result<Option<String>, ImportError> {
    let values: BTreeSet<&str> = table
        .rows
        .iter()
        .map(|(_, r)| r.get(col).unwrap_or(""))
        .collect();
    match wanted {
        Some(w) if values.contains(w.as_str()) => Ok(Some(w.clone())),
        Some(w) => Err(ImportError::File {
            path: table.path.clone(),
            message: format!(
                "{flag} {w:?} not found; present: {}",
                values.into_iter().collect::<Vec<_>>().join(", ")
            ),
        }),
        None if values.len() <= 1 => Ok(values.into_iter().next().map(str::to_string)),
        None => Err(ImportError::File {
            path: table.path.clone(),
            message: format!(
                "several values ({}); choose one with {flag}",
                values.into_iter().collect::<Vec<_>>().join(", ")
            ),
        }),
    }
}

fn read_contexts(path: &Path) -> Result<(Table, Vec<BundleContext>), ImportError> {
    let t: Table = Table::read(path)?;
    let (attr, mins, maxs) = (
        numbered("attr", ""),
        numbered("attr", "_min"),
        numbered("attr", "_max"),
    );
    let base: Vec<usize> = t.columns(&["scenario".to_string(), "question".to_string()])?;
    let (ca, cmin, cmax) = (t.columns(&attr)?, t.columns(&mins)?, t.columns(&maxs)?);
    let mut out: Vec<BundleContext> = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    for (line, rec) in &t.rows {
        let id: String = rec.get(base[0]).unwrap_or("").to_string();
        if id.is_empty() {
            return Err(t.row_err(*line, "empty scenario".to_string()));
        }
        if let Some(first) = seen.insert(id.clone(), *line) {
            return Err(t.row_err(
                *line,
                format!("scenario {id:?} already defined on line {first}"),
            ));
        }
        let lo: [f64; N_ATTR] = t.five(*line, rec, &cmin, &mins)?;
        let hi: [f64; N_ATTR] = t.five(*line, rec, &cmax, &maxs)?;
        let mut attributes: Vec<BundleAttribute> = Vec::new();
        for k in 0..N_ATTR {
            let name: String = rec.get(ca[k]).unwrap_or("").to_string();
            if name.is_empty() {
                return Err(t.row_err(*line, format!("column {}: empty attribute name", attr[k])));
            }
            if hi[k] <= lo[k] {
                return Err(t.row_err(
                    *line,
                    format!("attribute {name}: max {} must exceed min {}", hi[k], lo[k]),
                ));
            }
            if let Some(j) = attributes.iter().position(|a| a.name == name) {
                // Two attributes of one name: reports keyed by name could not tell them apart.
                return Err(t.row_err(
                    *line,
                    format!(
                        "column {}: attribute name {name:?} is already the name of {}",
                        attr[k], attr[j]
                    ),
                ));
            }
            attributes.push(BundleAttribute {
                name,
                min: lo[k],
                max: hi[k],
            });
        }
        let question: String = rec.get(base[1]).unwrap_or("").to_string();
        out.push(BundleContext {
            id: ContextId(id),
            question,
            attributes,
            target: None,
        });
    }
    Ok((t, out))
}

fn read_targets(path: &Path, contexts: &mut [BundleContext]) -> Result<Table, ImportError> {
    let t: Table = Table::read(path)?;
    let attr: Vec<String> = numbered("attr", "");
    let cs: usize = t.columns(&["scenario".to_string()])?[0];
    let ca: Vec<usize> = t.columns(&attr)?;
    let pos: HashMap<String, usize> = contexts
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.0.clone(), i))
        .collect();
    let mut seen: HashMap<usize, u64> = HashMap::new();
    for (line, rec) in &t.rows {
        let id: &str = rec.get(cs).unwrap_or("");
        let Some(&i) = pos.get(id) else {
            return Err(t.row_err(
                *line,
                format!("scenario {id:?} is not in the contexts file"),
            ));
        };
        if let Some(first) = seen.insert(i, *line) {
            // The last would silently win.
            return Err(t.row_err(
                *line,
                format!("column scenario: {id:?} already has targets on line {first}"),
            ));
        }
        contexts[i].target = Some(Weights(t.five(*line, rec, &ca, &attr)?));
    }
    Ok(t)
}

/// The option values of a row, from `A_attribute_k` and `B_attribute_k`, each inside its
/// attribute's range in the contexts file (a value outside it is an error naming the column).
fn options(
    t: &Table,
    line: u64,
    rec: &csv::StringRecord,
    ctx: &BundleContext,
) -> Result<Pair, ImportError> {
    let (an, bn) = (numbered("A_attribute_", ""), numbered("B_attribute_", ""));
    let (ca, cb) = (t.columns(&an)?, t.columns(&bn)?);
    let (a, b) = (t.five(line, rec, &ca, &an)?, t.five(line, rec, &cb, &bn)?);
    for (values, names) in [(&a, &an), (&b, &bn)] {
        for (k, attr) in ctx.attributes.iter().enumerate() {
            let v: f64 = values[k];
            if v < attr.min || v > attr.max {
                return Err(t.row_err(
                    line,
                    format!(
                        "column {}: {v} is outside the range [{}, {}] of attribute {:?} of scenario {:?}",
                        names[k], attr.min, attr.max, attr.name, ctx.id.0
                    ),
                ));
            }
        }
    }
    Ok(Pair {
        a: Values(a),
        b: Values(b),
    })
}

/// The samples read so far, numbered per (kind, context) in reading order.
struct Collected<'a> {
    contexts: &'a [BundleContext],
    by_id: HashMap<String, usize>,
    samples: Vec<Sample>,
    next_index: HashMap<(KindKey, usize), usize>,
}

impl<'a> Collected<'a> {
    fn new(contexts: &'a [BundleContext]) -> Collected<'a> {
        Collected {
            contexts,
            by_id: contexts
                .iter()
                .enumerate()
                .map(|(i, c)| (c.id.0.clone(), i))
                .collect(),
            samples: Vec::new(),
            next_index: HashMap::new(),
        }
    }

    /// The context `id` of a row, or the row's error.
    fn find(&self, t: &Table, line: u64, id: &str) -> Result<usize, ImportError> {
        self.by_id
            .get(id)
            .copied()
            .ok_or_else(|| t.row_err(line, format!("scenario {id:?} is not in the contexts file")))
    }

    fn push(&mut self, kind: KindKey, ctx: usize, mut s: Sample) {
        let n: &mut usize = self.next_index.entry((kind, ctx)).or_insert(0);
        s.index = *n;
        *n += 1;
        self.samples.push(s);
    }
}

/// The choices of the selections file (of `--model`, or its only model) and that model.
fn read_selections(
    spec: &ImportSpec,
    got: &mut Collected,
) -> Result<(Table, Option<String>), ImportError> {
    let contexts: &[BundleContext] = got.contexts;
    let sel: Table = Table::read(&spec.selections)?;
    let sc: Vec<usize> = sel.columns(&[
        "model".to_string(),
        "scenario".to_string(),
        "selection".to_string(),
    ])?;
    let model: Option<String> = pick(&sel, sc[0], &spec.model, "--model")?;
    for (line, rec) in &sel.rows {
        if model.as_deref().is_some_and(|m| rec.get(sc[0]) != Some(m)) {
            continue;
        }
        let ctx: usize = got.find(&sel, *line, rec.get(sc[1]).unwrap_or(""))?;
        let text: String = rec.get(sc[2]).unwrap_or("").to_string();
        let c = parse_choice(&text);
        let s: Sample = sample(
            KindKey::Choice,
            &contexts[ctx].id,
            options(&sel, *line, rec, &contexts[ctx])?,
            text,
            c.choice.map(Parsed::Choice),
            c.status.as_str(),
            None,
        );
        got.push(KindKey::Choice, ctx, s);
    }

    Ok((sel, model))
}

/// The reports of a reports file (of `--explaining-model` and `--version`, or its only ones).
fn read_reports(p: &Path, spec: &ImportSpec, got: &mut Collected) -> Result<Table, ImportError> {
    let contexts: &[BundleContext] = got.contexts;
    let rep: Table = Table::read(p)?;
    let rc: Vec<usize> = rep.columns(&[
        "explaining_model".to_string(),
        "version".to_string(),
        "scenario".to_string(),
    ])?;
    let rn: Vec<String> = numbered("report_attr", "");
    let rv: Vec<usize> = rep.columns(&rn)?;
    let explaining: Option<String> =
        pick(&rep, rc[0], &spec.explaining_model, "--explaining-model")?;
    let version: Option<String> = pick(&rep, rc[1], &spec.version, "--version")?;
    for (line, rec) in &rep.rows {
        if explaining
            .as_deref()
            .is_some_and(|m| rec.get(rc[0]) != Some(m))
            || version
                .as_deref()
                .is_some_and(|v| rec.get(rc[1]) != Some(v))
        {
            continue;
        }
        let ctx: usize = got.find(&rep, *line, rec.get(rc[2]).unwrap_or(""))?;
        let names: Vec<&str> = contexts[ctx]
            .attributes
            .iter()
            .map(|a| a.name.as_str())
            .collect();
        let mut obj = serde_json::Map::new();
        for k in 0..N_ATTR {
            let cell: &str = rec.get(rv[k]).unwrap_or("");
            if cell.is_empty() {
                continue;
            }
            let v: serde_json::Value = match cell.parse::<f64>() {
                Ok(x) if x.is_finite() => serde_json::json!(x),
                _ => serde_json::Value::String(cell.to_string()),
            };
            obj.insert(names[k].to_string(), v);
        }
        let text: String = serde_json::Value::Object(obj).to_string();
        let r = parse_report(&text, &names);
        let oor: Option<bool> = r.weights.map(|_| r.out_of_range);
        let s: Sample = sample(
            KindKey::Report,
            &contexts[ctx].id,
            options(&rep, *line, rec, &contexts[ctx])?,
            text,
            r.weights.map(Parsed::Weights),
            r.status.as_str(),
            oor,
        );
        got.push(KindKey::Report, ctx, s);
    }
    Ok(rep)
}

/// An imported bundle: its manifest, and why it was not scored when it was not.
#[derive(Debug)]
pub struct ImportedCsv {
    /// The manifest written.
    pub manifest: RunManifest,
    /// Contexts imported (from the contexts file).
    pub contexts: usize,
    /// Why no `summary.json` was written (the samples do not score), when none was.
    pub score_error: Option<String>,
}

/// Builds the samples and writes the bundle into `out` (which must not hold a bundle),
/// finished as a run's: samples, `summary.json` when they score, then the manifest.
pub fn import(spec: &ImportSpec, out: &Path) -> Result<ImportedCsv, ImportError> {
    if out.join(bundle::MANIFEST).exists() {
        return Err(ImportError::File {
            path: out.to_path_buf(),
            message: "already holds a bundle".to_string(),
        });
    }
    let (ctx_table, mut contexts) = read_contexts(&spec.contexts)?;
    let mut inputs: Vec<InputFile> = vec![input("contexts", &ctx_table)];
    if let Some(p) = &spec.targets {
        inputs.push(input("targets", &read_targets(p, &mut contexts)?));
    }
    let mut got: Collected = Collected::new(&contexts);
    let (sel, model): (Table, Option<String>) = read_selections(spec, &mut got)?;
    inputs.push(input("selections", &sel));
    if let Some(p) = &spec.reports {
        inputs.push(input("reports", &read_reports(p, spec, &mut got)?));
    }
    let samples: Vec<Sample> = got.samples;
    let samples: Vec<Sample> = bundle::canonical(samples);
    std::fs::create_dir_all(out).map_err(|e| ImportError::File {
        path: out.to_path_buf(),
        message: format!("cannot create: {e}"),
    })?;
    journal::write_atomic(&out.join(bundle::CONTEXTS), &journal::to_jsonl(&contexts))?;
    let now: String = crate::bundle::time::now_rfc3339();
    let mut manifest = RunManifest {
        format: bundle::FORMAT,
        source: crate::bundle::score_input::IMPORTED_CSV.to_string(),
        harness: crate::bundle::harness::harness(),
        provider: "import".to_string(),
        model: model.unwrap_or_default(),
        benchmark: None,
        benchmark_sha256: None,
        prompt_version: None,
        constraint: "unknown".to_string(),
        parameters: None,
        settings: None,
        seeds: bundle::Seeds {
            benchmark: None,
            provider: 0,
            scoring: crate::bundle::manifest::SCORING_SEED,
        },
        soft_labels: SoftLabels {
            used: false,
            method: "none: the data release has sampled letters only".to_string(),
        },
        server: ServerInfo::default(),
        status: RunStatus::Running,
        started_at: now,
        finished_at: None,
        resumed_at: Vec::new(),
        counts: bundle::Counts::default(),
        inputs,
        cache_check: None,
        spending: None,
    };
    let table: ContextTable = ContextTable::Bundle(&contexts);
    let planned: usize = samples.len();
    let finished = finish(out, &samples, planned, 0, &mut manifest, table)?;
    Ok(ImportedCsv {
        manifest,
        contexts: contexts.len(),
        score_error: finished.score_error,
    })
}

fn input(role: &str, t: &Table) -> InputFile {
    InputFile {
        role: role.to_string(),
        path: t.path.display().to_string(),
        sha256: t.sha256.clone(),
    }
}

fn sample(
    kind: KindKey,
    ctx: &ContextId,
    options: Pair,
    response: String,
    parsed: Option<Parsed>,
    status: &str,
    out_of_range: Option<bool>,
) -> Sample {
    Sample {
        kind,
        context: ctx.clone(),
        index: 0,
        order: Order::Ab,
        prompt_sha256: None,
        options,
        response,
        parsed,
        status: status.to_string(),
        out_of_range,
        logprobs: None,
        p_a: None,
        p_a_status: None,
        tokens_in: None,
        tokens_out: None,
    }
}
