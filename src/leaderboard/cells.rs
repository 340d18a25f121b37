//! The cells of a leaderboard row shared by the tables ([`super::render`]) and the detail
//! pages ([`super::detail`]).

use super::board::Row;
use crate::reports::text::{count, flag_words, interval, num};
use crate::scoring::quality::QualityFlag;

/// Marks a row whose order against the next row is not established by the data.
pub const TIE_MARK: &str = "≈";
/// Follows the date of a run made from a working tree with uncommitted changes.
pub const DIRTY_MARK: &str = "‡";

/// Starts the reliability mark of a run that is not ranked.
pub const NOT_RANKED: &str = "✗";

/// The rank cell: the rank, ≈ when tied with the next row, a dash when not ranked.
pub fn rank_cell(r: &Row) -> String {
    match r.rank {
        Some(k) if r.tied_with_next() => format!("{k} {TIE_MARK}"),
        Some(k) => k.to_string(),
        None => "–".into(),
    }
}

/// r with its 95% context-bootstrap interval.
pub fn score_cell(r: &Row) -> String {
    match r.ci_bootstrap {
        Some(_) => format!("{} {}", num(r.r, 3), interval(r.ci_bootstrap)),
        None => num(r.r, 3),
    }
}

/// The reliability mark: "ranked", or why not, in a few words.
pub fn reliability_mark(r: &Row) -> String {
    match r.flag {
        _ if r.rankable => "ranked".into(),
        Some(QualityFlag::UnreliableBehaviour) => format!(
            "{NOT_RANKED} unreliable behaviour ({})",
            num(r.behavioural_reliability, 3)
        ),
        Some(QualityFlag::InsufficientData) if r.no_preference => {
            format!("{NOT_RANKED} no measurable preference")
        }
        Some(QualityFlag::InsufficientData) => format!("{NOT_RANKED} too little data"),
        f => format!("{NOT_RANKED} {}", flag_words(f)),
    }
}

pub fn counts_cell(r: &Row) -> String {
    format!(
        "{} × {} × {}",
        count(r.n_contexts),
        count(r.n_choices),
        count(r.n_reports)
    )
}

/// The date cell: the date, then [`DIRTY_MARK`] when the run's code had uncommitted changes.
pub fn date_cell(r: &Row) -> String {
    if r.git_dirty == Some(true) {
        format!("{} {DIRTY_MARK}", r.date)
    } else {
        r.date.clone()
    }
}

/// Which code made the run: its commit and whether the working tree was clean.
pub fn provenance_cell(r: &Row) -> String {
    match (&r.harness_commit, r.git_dirty) {
        (None, _) => "not recorded".into(),
        (Some(c), Some(true)) => format!("{c}, with uncommitted changes {DIRTY_MARK}"),
        (Some(c), Some(false)) => format!("{c}, clean working tree"),
        (Some(c), None) => format!("{c} (working tree not recorded)"),
    }
}
