//! One behavioural observation for the logistic fit.

use crate::types::{N_ATTR, Pair};

/// One choice trial: normalised attribute differences and the (possibly soft) label.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Trial {
    /// (A_k - B_k) / (max_k - min_k) for each attribute k, in attribute order.
    pub diff: [f64; N_ATTR],
    /// The label: 1.0 for A, 0.0 for B, or a soft P(A) in [0, 1] (from log-probabilities).
    pub p_a: f64,
    /// The trial's weight in the likelihood (1.0 for an ordinary trial), finite and >= 0.
    pub weight: f64,
}

/// Why a trial could not be built.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum TrialError {
    /// An attribute's range is empty or reversed: (attribute index, min, max).
    #[error("attribute {0}: range max must be greater than min, got [{1}, {2}]")]
    BadRange(usize, f64, f64),
    /// An option value of this attribute is NaN or infinite.
    #[error("attribute {0}: non-finite value")]
    NonFiniteValue(usize),
    /// A label outside [0, 1].
    #[error("label P(A) must be finite and in [0, 1], got {0}")]
    BadLabel(f64),
    /// A negative or non-finite trial weight.
    #[error("trial weight must be finite and >= 0, got {0}")]
    BadWeight(f64),
}

impl Trial {
    /// A validated trial.
    pub fn new(diff: [f64; N_ATTR], p_a: f64, weight: f64) -> Result<Trial, TrialError> {
        if let Some(k) = diff.iter().position(|d| !d.is_finite()) {
            return Err(TrialError::NonFiniteValue(k));
        }
        if !(0.0..=1.0).contains(&p_a) {
            return Err(TrialError::BadLabel(p_a));
        }
        if !(weight.is_finite() && weight >= 0.0) {
            return Err(TrialError::BadWeight(weight));
        }
        Ok(Trial { diff, p_a, weight })
    }

    /// A trial from a displayed pair and the context's attribute ranges `(min, max)`.
    pub fn from_pair(
        pair: &Pair,
        ranges: &[(f64, f64); N_ATTR],
        p_a: f64,
        weight: f64,
    ) -> Result<Trial, TrialError> {
        check_ranges(ranges)?;
        let diff: [f64; N_ATTR] =
            std::array::from_fn(|k| (pair.a.0[k] - pair.b.0[k]) / (ranges[k].1 - ranges[k].0));
        Trial::new(diff, p_a, weight)
    }
}

/// Check that every attribute range is finite with max > min.
pub fn check_ranges(ranges: &[(f64, f64); N_ATTR]) -> Result<(), TrialError> {
    for (k, &(lo, hi)) in ranges.iter().enumerate() {
        if !(lo.is_finite() && hi.is_finite() && hi > lo) {
            return Err(TrialError::BadRange(k, lo, hi));
        }
    }
    Ok(())
}
