//! Why an import failed ([`ImportError`]).

use crate::bundle::{self, journal};
use std::path::PathBuf;

/// Why an import failed; each names its file, and its line when one row is at fault.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// A whole file is unreadable or wrong (missing columns, several models, ...).
    #[error("{path}: {message}")]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// One row is wrong.
    #[error("{path}: line {line}: {message}")]
    Row {
        /// The file.
        path: PathBuf,
        /// The row's line (1 is the header).
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// The bundle could not be written.
    #[error(transparent)]
    Bundle(#[from] bundle::BundleError),
    /// The samples could not be written.
    #[error(transparent)]
    Journal(#[from] journal::JournalError),
}
