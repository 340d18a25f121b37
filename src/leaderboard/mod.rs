//! The public leaderboard under `results/`: entries (a run bundle plus `entry.toml`), the
//! rendered tables and detail pages, and the validation CI runs on every change.

pub(crate) mod board;
pub(crate) mod cells;
pub(crate) mod detail;
pub(crate) mod entry;
pub(crate) mod export;
pub(crate) mod files;
pub(crate) mod full_report;
pub(crate) mod provenance;
pub(crate) mod published;
pub(crate) mod render;
pub(crate) mod secrets;
pub(crate) mod ties;
pub(crate) mod validate;

pub use board::{Board, board};
pub use entry::{ENTRY_FILE, load_all, read_meta};
pub use export::{ExportFormat, csv as export_csv, json as export_json};
pub use render::{MAX_MD_LINE, WriteError, render, write};
pub use ties::{Tie, TieMethod, holm};
pub use validate::check_leaderboard;

pub use entry::{Entry, EntryMeta, Problem};
pub use render::{DETAILS_DIR, HTML_FILE, MD_FILE};
pub use validate::validate;
