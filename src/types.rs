//! Small explicit types shared by every stage.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Every decision context has exactly this many attributes.
pub const N_ATTR: usize = 5;

/// A context's identifier: snake_case, unique in the catalogue.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ContextId(pub String);

impl ContextId {
    /// The identifier as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ContextId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for ContextId {
    fn from(s: &str) -> Self {
        ContextId(s.to_string())
    }
}

/// Five attribute weights in attribute order (learned, reported or target).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Weights(pub [f64; N_ATTR]);

impl Weights {
    /// Rescale so that the largest |w| is 100, keeping signs. All-zero stays all-zero.
    pub fn rescaled_to_100(&self) -> Weights {
        let m = self.0.iter().fold(0.0_f64, |m, w| m.max(w.abs()));
        if m == 0.0 || !m.is_finite() {
            return *self;
        }
        Weights(self.0.map(|w| w * 100.0 / m))
    }
}

/// The values of one option's five attributes, in attribute order, as displayed.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Values(pub [f64; N_ATTR]);

/// An option pair as shown to a model: option A and option B.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Pair {
    /// Option A, shown first (`"A"` in JSON).
    #[serde(rename = "A")]
    pub a: Values,
    /// Option B, shown second (`"B"` in JSON).
    #[serde(rename = "B")]
    pub b: Values,
}

impl Pair {
    /// The pair with A and B swapped (position-bias control).
    pub fn swapped(&self) -> Pair {
        Pair {
            a: self.b,
            b: self.a,
        }
    }
}

/// A hidden preference profile: five integer weights, max |w| = 100.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Profile(pub [i32; N_ATTR]);

impl Profile {
    /// The profile as (integer-valued) weights.
    pub fn weights(&self) -> Weights {
        Weights(self.0.map(f64::from))
    }
}

/// Which letter a model chose.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Choice {
    /// The first option shown.
    A,
    /// The second option shown.
    B,
}
