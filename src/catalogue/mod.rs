//! The authored catalogue in `domains/`: decision contexts grouped by theme, and personas.
//!
//! Loading keeps every record as written (even a malformed one) so that `lint` can name
//! each problem; consumers that need a valid catalogue call [`Catalogue::load_valid`].

mod lint;
mod load;

pub use lint::{Problem, lint};
pub use load::{Catalogue, LoadError};

use crate::types::{ContextId, N_ATTR};
use serde::{Deserialize, Serialize};

/// One attribute of a decision context.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Attribute {
    /// snake_case name, unique in its context (the key of a report).
    pub name: String,
    /// The unit values are shown in ("USD", "litres").
    pub units: String,
    /// Lowest value an option may take.
    pub min: f64,
    /// Highest value an option may take (above `min`).
    pub max: f64,
}

impl Attribute {
    /// Range width, the denominator that puts attributes on a common scale.
    pub fn width(&self) -> f64 {
        self.max - self.min
    }
}

/// One decision context as authored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Context {
    /// snake_case, unique in the catalogue.
    pub id: ContextId,
    /// The thing chosen ("electric kettle").
    pub thing: String,
    /// The question without a persona ("Which electric kettle would you buy?").
    pub question: String,
    /// Its five attributes, in the order prompts and weights use.
    pub attributes: Vec<Attribute>,
    /// The file it came from, relative to the catalogue root (not serialised in freezes).
    #[serde(skip)]
    pub file: String,
}

impl Context {
    /// The attributes' names, in order.
    pub fn attribute_names(&self) -> Vec<&str> {
        self.attributes.iter().map(|a| a.name.as_str()).collect()
    }

    /// `(min, max)` per attribute. Panics unless the context has exactly five (lint first).
    pub fn ranges(&self) -> [(f64, f64); N_ATTR] {
        std::array::from_fn(|k| (self.attributes[k].min, self.attributes[k].max))
    }
}
