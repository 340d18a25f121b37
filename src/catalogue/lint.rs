//! `selfinterp domains check`: every rule the catalogue must satisfy, one problem per line.

use super::Catalogue;
use crate::types::N_ATTR;
use std::collections::{HashMap, HashSet};
use std::fmt;

/// Fewest personas the pool must hold.
pub const MIN_PERSONAS: usize = 300;

/// One lint finding: where (file, context id, field) and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The theme file, relative to the catalogue root.
    pub file: String,
    /// The context id, when the problem is in one context.
    pub context: Option<String>,
    /// The field (`id`, `question`, an attribute's, ...).
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.context {
            Some(id) => write!(f, "{}: {}: {}: {}", self.file, id, self.field, self.message),
            None => write!(f, "{}: {}: {}", self.file, self.field, self.message),
        }
    }
}

/// Whether `s` is snake_case: a lower-case letter first, then lower-case letters, digits and
/// single underscores, no trailing underscore.
pub fn is_snake_case(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !s.ends_with('_')
        && !s.contains("__")
}

/// Questions compared after lower-casing and dropping everything but letters and digits;
/// two questions whose normalised forms are equal are near-duplicates.
fn normalise_question(q: &str) -> String {
    q.to_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty() && !matches!(*w, "a" | "an" | "the" | "which" | "would" | "you"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Every problem of the catalogue (what `selfinterp domains check` prints): ids, questions,
/// attributes and their ranges, personas; empty for a valid catalogue.
pub fn lint(cat: &Catalogue) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut ids: HashMap<&str, &str> = HashMap::new();
    let mut questions: HashMap<String, &str> = HashMap::new();
    for c in &cat.contexts {
        let p = |field: &str, message: String| Problem {
            file: c.file.clone(),
            context: Some(c.id.0.clone()),
            field: field.to_string(),
            message,
        };
        if !is_snake_case(c.id.as_str()) {
            out.push(p("id", "not snake_case".into()));
        }
        if let Some(first) = ids.insert(c.id.as_str(), &c.file) {
            out.push(p("id", format!("duplicate id (also in {first})")));
        }
        if c.thing.trim().is_empty() {
            out.push(p("thing", "empty".into()));
        }
        if c.question.trim().is_empty() {
            out.push(p("question", "empty".into()));
        } else {
            let norm = normalise_question(&c.question);
            if let Some(other) = questions.get(&norm) {
                out.push(p(
                    "question",
                    format!("duplicate or near-duplicate of {other}'s question"),
                ));
            } else {
                questions.insert(norm, c.id.as_str());
            }
        }
        if c.attributes.len() != N_ATTR {
            out.push(p(
                "attributes",
                format!(
                    "has {} attributes, needs exactly {N_ATTR}",
                    c.attributes.len()
                ),
            ));
        }
        let mut names = HashSet::new();
        for (k, a) in c.attributes.iter().enumerate() {
            let field = |f: &str| format!("attributes[{k}].{f}");
            if !is_snake_case(&a.name) {
                out.push(p(&field("name"), format!("{:?} is not snake_case", a.name)));
            }
            if !names.insert(a.name.as_str()) {
                out.push(p(
                    &field("name"),
                    format!("duplicate attribute name {:?}", a.name),
                ));
            }
            if a.units.trim().is_empty() {
                out.push(p(&field("units"), "empty units".into()));
            }
            if !a.min.is_finite() {
                out.push(p(&field("min"), format!("not a finite number ({})", a.min)));
            }
            if !a.max.is_finite() {
                out.push(p(&field("max"), format!("not a finite number ({})", a.max)));
            }
            if a.min.is_finite() && a.max.is_finite() && a.min >= a.max {
                out.push(p(
                    &field("min"),
                    format!("min {} is not below max {}", a.min, a.max),
                ));
            }
        }
    }
    let pf = if cat.personas_file.is_empty() {
        "personas.toml".to_string()
    } else {
        cat.personas_file.clone()
    };
    let pp = |field: String, message: String| Problem {
        file: pf.clone(),
        context: None,
        field,
        message,
    };
    if cat.personas.len() < MIN_PERSONAS {
        out.push(pp(
            "personas".into(),
            format!(
                "has {} personas, needs at least {MIN_PERSONAS}",
                cat.personas.len()
            ),
        ));
    }
    let mut seen = HashSet::new();
    for (i, persona) in cat.personas.iter().enumerate() {
        if persona.trim().is_empty() {
            out.push(pp(format!("personas[{i}]"), "empty persona".into()));
        } else if !seen.insert(persona.trim().to_lowercase()) {
            out.push(pp(
                format!("personas[{i}]"),
                format!("duplicate persona {persona:?}"),
            ));
        }
    }
    out
}
