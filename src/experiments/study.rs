//! A whole study from one TOML file: which model plays which part, which runs that implies,
//! and the combined table with a row per condition, like the study's own table.
//!
//! ```toml
//! benchmark = "v1"
//! out = "results/studies/gpt-4o"
//! preset = "full"            # or "quick"; contexts / trials / reports override it
//! counterbalance = false     # ask every pair in both orders (position-bias control);
//!                            # omitted: the preset's default (`run --counterbalance`)
//!
//! [[models]]
//! label = "gpt-4o"
//! provider = "openai"        # openai | anthropic | sim
//! base = "gpt-4o-2024-08-06"                  # untrained: the control's reports
//! instilled = "ft:gpt-4o:org:instilled:abc"   # fine-tuned on `export instill`
//! introspection_first = "ft:...:intro-first"  # + `export introspection --half first`
//! introspection_second = "ft:...:intro-second"
//! native_before = "gpt-4o-2024-08-06"         # defaults to `base`
//! native_after = "ft:...:intro-first"         # defaults to `introspection_first`
//! ```
//!
//! Every part is optional: a condition is run when the models it needs are named.

use super::combine::{self, HeldOut};
use super::finetune::{Half, halves};
use crate::benchmark::{Benchmark, Split};
use crate::bundle::parameters::{Experiment, ProviderKind};
use crate::runner::config::Preset;
use crate::scoring::comparison::clamp_r;
use crate::scoring::{ContextInput, PairedComparison, Summary, score};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

fn default_benchmark() -> String {
    "v1".into()
}

fn default_preset() -> Preset {
    Preset::Full
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StudyConfig {
    #[serde(default = "default_benchmark")]
    pub benchmark: String,
    /// Where the bundles (`<out>/<label>/<run>/`) and the table (`<out>/study.md`) go; a
    /// relative path is relative to the config file.
    pub out: PathBuf,
    #[serde(default = "default_preset")]
    pub preset: Preset,
    pub contexts: Option<usize>,
    pub trials: Option<usize>,
    pub reports: Option<usize>,
    /// Ask every pair in both orders; `None` follows the preset's default.
    #[serde(default)]
    pub counterbalance: Option<bool>,
    pub models: Vec<ModelSpec>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSpec {
    pub label: String,
    pub provider: ProviderKind,
    pub base_url: Option<String>,
    /// Seed of the simulated agents (`run --seed`).
    #[serde(default)]
    pub seed: u64,
    pub base: Option<String>,
    pub instilled: Option<String>,
    pub introspection_first: Option<String>,
    pub introspection_second: Option<String>,
    pub native_before: Option<String>,
    pub native_after: Option<String>,
}

/// Why a study description was refused.
#[derive(Debug, thiserror::Error)]
pub enum StudyConfigError {
    #[error("{0}")]
    Toml(#[from] toml::de::Error),
    #[error("model label {0:?}: use letters, digits, '-', '_' or '.'")]
    BadLabel(String),
    #[error("model label {0:?} appears twice")]
    LabelTwice(String),
    #[error("{0}: introspection training needs both halves' models")]
    OneHalf(String),
    #[error("no [[models]]")]
    NoModels,
    #[error("model {label:?}: {field}: {source}")]
    SimAgent {
        label: String,
        field: &'static str,
        source: crate::sim::AgentNameError,
    },
}

impl StudyConfig {
    pub fn parse(text: &str) -> Result<StudyConfig, StudyConfigError> {
        let c: StudyConfig = toml::from_str(text)?;
        let mut labels = std::collections::BTreeSet::new();
        for m in &c.models {
            if m.label.is_empty()
                || !m
                    .label
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || "-_.".contains(ch))
            {
                return Err(StudyConfigError::BadLabel(m.label.clone()));
            }
            if !labels.insert(&m.label) {
                return Err(StudyConfigError::LabelTwice(m.label.clone()));
            }
            if m.introspection_first.is_some() != m.introspection_second.is_some() {
                return Err(StudyConfigError::OneHalf(m.label.clone()));
            }
            m.check_agents()?;
        }
        if c.models.is_empty() {
            return Err(StudyConfigError::NoModels);
        }
        Ok(c)
    }
}

impl ModelSpec {
    /// A simulated model's agents, every one checked before the study's first run (a
    /// mistyped one stopped the study at its run, after the runs before it).
    fn check_agents(&self) -> Result<(), StudyConfigError> {
        if self.provider != ProviderKind::Sim {
            return Ok(());
        }
        let fields = [
            ("base", &self.base),
            ("instilled", &self.instilled),
            ("introspection_first", &self.introspection_first),
            ("introspection_second", &self.introspection_second),
            ("native_before", &self.native_before),
            ("native_after", &self.native_after),
        ];
        for (field, name) in fields {
            if let Some(Err(source)) = name.as_deref().map(str::parse::<crate::sim::AgentKind>) {
                return Err(StudyConfigError::SimAgent {
                    label: self.label.clone(),
                    field,
                    source,
                });
            }
        }
        Ok(())
    }
}

/// The part a run plays in the study.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The fine-tuned model on the instilled split.
    Instilled,
    /// The base model's reports on the instilled split (no choices: the control needs none).
    BaseReports,
    /// Trained on the first half's introspection examples, tested on the instilled split.
    TrainedFirst,
    TrainedSecond,
    NativeBefore,
    NativeAfter,
}

impl Role {
    pub fn dir_name(&self) -> &'static str {
        match self {
            Role::Instilled => "instilled",
            Role::BaseReports => "base_reports",
            Role::TrainedFirst => "introspection_first",
            Role::TrainedSecond => "introspection_second",
            Role::NativeBefore => "native_before",
            Role::NativeAfter => "native_after",
        }
    }
}

/// One run the study makes.
#[derive(Clone, Debug, PartialEq)]
pub struct PlannedRun {
    pub role: Role,
    pub model: String,
    pub experiment: Experiment,
    /// Ask reports only (`--trials 0`).
    pub reports_only: bool,
    /// Ask only this half of the split (`--half`): an introspection-trained model is tested
    /// only where it was not trained, so the other half would be calls thrown away.
    pub half: Option<Half>,
}

/// One planned run before filtering: its role, model, experiment, whether it uses the
/// introspection half, and which half of the contexts.
type Slot = (Role, Option<String>, Experiment, bool, Option<Half>);

/// The runs a model's spec implies, in the order they are made.
pub fn planned_runs(m: &ModelSpec) -> Vec<PlannedRun> {
    let native_before = m.native_before.as_ref().or(m.base.as_ref());
    let native_after = m.native_after.as_ref().or(m.introspection_first.as_ref());
    let with_instilled = |x: Option<&String>| x.filter(|_| m.instilled.is_some()).cloned();
    let list: [Slot; 6] = [
        (
            Role::Instilled,
            m.instilled.clone(),
            Experiment::Instilled,
            false,
            None,
        ),
        (
            Role::BaseReports,
            with_instilled(m.base.as_ref()),
            Experiment::Instilled,
            true,
            None,
        ),
        (
            Role::TrainedFirst,
            with_instilled(m.introspection_first.as_ref()),
            Experiment::Instilled,
            false,
            Some(combine::test_half(Half::First)),
        ),
        (
            Role::TrainedSecond,
            with_instilled(m.introspection_second.as_ref()),
            Experiment::Instilled,
            false,
            Some(combine::test_half(Half::Second)),
        ),
        (
            Role::NativeBefore,
            native_before.cloned(),
            Experiment::Native,
            false,
            None,
        ),
        (
            Role::NativeAfter,
            native_after.cloned(),
            Experiment::Native,
            false,
            None,
        ),
    ];
    list.into_iter()
        .filter_map(|(role, model, experiment, reports_only, half)| {
            Some(PlannedRun {
                role,
                model: model?,
                experiment,
                reports_only,
                half,
            })
        })
        .collect()
}

/// One row of the combined table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub label: String,
    pub condition: String,
    pub models: String,
    pub summary: Summary,
    /// The paired effect against this row's reference condition, when it has one.
    pub versus: Option<(String, PairedComparison)>,
}

/// The scored conditions of one model, from the scoring inputs of its runs.
pub fn rows(
    bench: &Benchmark,
    m: &ModelSpec,
    runs: &BTreeMap<Role, Vec<ContextInput>>,
) -> Result<Vec<Row>, crate::scoring::ScoreError> {
    let opts = crate::bundle::score_input::score_options();
    let model_of = |r: Role| {
        planned_runs(m)
            .into_iter()
            .find(|p| p.role == r)
            .map(|p| p.model)
            .unwrap_or_default()
    };
    let row = |condition: &str,
               models: String,
               summary: Summary,
               versus: Option<(String, PairedComparison)>| Row {
        label: m.label.clone(),
        condition: condition.into(),
        models,
        summary,
        versus,
    };
    let mut out = Vec::new();
    if let Some(inst) = runs.get(&Role::Instilled) {
        let s = score(inst, &opts)?;
        out.push(row("instilled", model_of(Role::Instilled), s, None));
        if let Some(base) = runs.get(&Role::BaseReports) {
            let c = combine::control(inst, base)?;
            let models = format!(
                "choices {}, reports {}",
                model_of(Role::Instilled),
                model_of(Role::BaseReports)
            );
            out.push(row("control: base model's reports", models, c, None));
        }
        if let (Some(t1), Some(t2)) = (
            runs.get(&Role::TrainedFirst),
            runs.get(&Role::TrainedSecond),
        ) {
            let HeldOut {
                summary,
                versus_untrained,
            } = combine::held_out(inst, t1, t2, &halves(bench, Split::Instilled))?;
            let models = format!(
                "{} / {}",
                model_of(Role::TrainedFirst),
                model_of(Role::TrainedSecond)
            );
            out.push(row(
                "introspection-trained (held-out halves)",
                models,
                summary,
                Some(("instilled".into(), versus_untrained)),
            ));
        }
    }
    let mut before: Option<Summary> = None;
    if let Some(nb) = runs.get(&Role::NativeBefore) {
        let s = score(nb, &opts)?;
        before = Some(s.clone());
        out.push(row(
            "native, before training",
            model_of(Role::NativeBefore),
            s,
            None,
        ));
    }
    if let Some(na) = runs.get(&Role::NativeAfter) {
        let s = score(na, &opts)?;
        let versus = before
            .as_ref()
            .map(|b| ("native, before".to_string(), combine::paired(b, &s)));
        out.push(row(
            "native, after introspection training",
            model_of(Role::NativeAfter),
            s,
            versus,
        ));
    }
    Ok(out)
}

/// Privileged access (after Binder et al. 2024 and Song et al. 2025), when a study names two
/// or more models: for every ordered pair (A, B) of models that both have a native run
/// before introspection training, A's choices scored against B's reports of the same
/// contexts, paired against A's own reports (`versus`: this row's r minus A's own, over the
/// contexts both runs asked). Negative means A's own reports predict A's behaviour better
/// than another model's reports of the same contexts: access no outside observer has.
/// Native runs only: instilled runs share the trained profile, which any model trained on
/// it could report.
pub fn privileged_rows(
    models: &[(ModelSpec, BTreeMap<Role, Vec<ContextInput>>)],
) -> Result<Vec<Row>, crate::scoring::ScoreError> {
    let opts = crate::bundle::score_input::score_options();
    let native = |m: &ModelSpec| {
        planned_runs(m)
            .into_iter()
            .find(|p| p.role == Role::NativeBefore)
            .map(|p| p.model)
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    for (a, runs_a) in models {
        let Some(own) = runs_a.get(&Role::NativeBefore).filter(|v| !v.is_empty()) else {
            continue;
        };
        let own_summary: Summary = score(own, &opts)?;
        for (b, runs_b) in models {
            if a.label == b.label {
                continue;
            }
            let Some(other) = runs_b.get(&Role::NativeBefore).filter(|v| !v.is_empty()) else {
                continue;
            };
            let control: Summary = combine::control(own, other)?;
            let versus = combine::paired(&own_summary, &control);
            out.push(Row {
                label: a.label.clone(),
                condition: format!("privileged access: {}'s reports (native)", b.label),
                models: format!("choices {}, reports {}", native(a), native(b)),
                summary: control,
                versus: Some((format!("{}'s own reports", a.label), versus)),
            });
        }
    }
    Ok(out)
}

fn f2(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.2}")).unwrap_or_else(|| "-".into())
}

fn pct(x: Option<f64>) -> String {
    x.map(|v| format!("{:.1}%", 100.0 * v))
        .unwrap_or_else(|| "-".into())
}

fn ci(x: Option<[f64; 2]>) -> String {
    x.map(|[a, b]| format!("[{a:.2}, {b:.2}]"))
        .unwrap_or_else(|| "-".into())
}

/// The combined Markdown table: one row per (model, condition).
pub fn markdown(rows: &[Row]) -> String {
    let mut s = String::new();
    s.push_str(
        "| model | condition | contexts | reports vs learned r | 95% CI (contexts) | 95% CI (study, clamped to [-1, 1]) | \
         change in r [95% CI] | learned vs target r | choices agreeing with profile | invalid reports | answered A |\n",
    );
    s.push_str("|---|---|---:|---:|---|---|---|---:|---:|---:|---:|\n");
    for r in rows {
        let rvl = r.summary.reports_vs_learned.as_ref();
        let versus = match &r.versus {
            Some((what, p)) => match p.difference {
                Some(d) => format!("{d:+.2} {} vs {what}", ci(p.ci_bootstrap)),
                None => "-".into(),
            },
            None => "-".into(),
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            r.label,
            r.condition,
            rvl.map(|c| c.n_contexts).unwrap_or(0),
            f2(rvl.and_then(|c| c.r)),
            ci(rvl.and_then(|c| c.ci_bootstrap)),
            ci(clamp_r(rvl.and_then(|c| c.ci_study))),
            versus,
            f2(r.summary.learned_vs_target.as_ref().and_then(|c| c.r)),
            pct(r.summary.choice_agreement),
            pct(r.summary.invalid_report_rate),
            pct(r.summary.p_answer_a),
        );
    }
    s
}

/// Which half each trained model is tested on, for the report's footnote.
pub fn footnote() -> String {
    format!(
        "Held-out halves: instilled context ids sorted; the model trained on the {} half is scored on the {} half and \
vice versa, pooled. Control: the instilled model's learned weights against the base model's reports. Privileged access (studies \
of two or more models): a model's native choices against another model's reports of the same contexts; its \
change in r against the model's own reports is negative when its own reports predict its behaviour better. \
Changes in r are paired over the same contexts (context bootstrap).",
        Half::First.as_str(),
        Half::First.other().as_str()
    )
}
