//! Importers: other data sources turned into run bundles ([`crate::bundle`]).
//!
//! `csv` reads the original study's flat CSV data release.

pub(crate) mod csv;
pub(crate) mod error;

pub use csv::{ImportError, ImportSpec, ImportedCsv, import};
