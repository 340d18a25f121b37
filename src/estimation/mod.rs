//! Behavioural weights: per-context MAP logistic regression of the choices on the
//! normalised attribute differences.
//!
//! Model: P(A) = logistic(b0 + sum_k b_k * (A_k - B_k) / (max_k - min_k)), priors
//! b_k ~ normal(0, 1) and b0 ~ normal(0, 2.5), fitted by Newton's method (see [`fit()`]).

pub(crate) mod fit;
mod linalg;
#[cfg(test)]
mod reference;
pub(crate) mod trial;

pub use fit::{
    Fit, FitOptions, INTERCEPT_PRIOR_SD, SLOPE_PRIOR_SD, fit, fit_point, fit_point_from, fit_with,
};
pub use trial::{Trial, TrialError, check_ranges};
