//! The public leaderboard under `results/`: entries (a run bundle plus `entry.toml`), the
//! rendered tables and detail pages, and the validation CI runs on every change.

pub mod board;
pub mod cells;
pub mod detail;
pub mod entry;
pub mod export;
pub mod files;
pub mod provenance;
pub mod published;
pub mod render;
pub mod secrets;
pub mod ties;
pub mod validate;

pub use entry::{Entry, EntryMeta, Problem};
pub use render::{DETAILS_DIR, HTML_FILE, MD_FILE};
pub use validate::validate;
