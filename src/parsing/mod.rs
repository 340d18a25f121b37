//! Parsing model output: choice answers ("A"/"B") and weight reports (JSON objects).
//!
//! Both parsers are total: every input string, however malformed, yields a status and
//! never a panic. Nothing is guessed: an answer is accepted only in the exact form or in
//! one of a small, documented set of tolerant forms, each counted under its own status so
//! that a reader can see how much tolerance was needed.

pub(crate) mod choice;
pub(crate) mod report;

pub use choice::{ChoiceStatus, ParsedChoice, letter_token, parse_choice};
pub use report::{
    IMPLAUSIBLE_MAGNITUDE, ParsedReport, REPORT_RANGE, ReportStatus, parse_report, plausible,
};
