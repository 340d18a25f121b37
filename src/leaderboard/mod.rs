//! The public leaderboard under `results/`: entries (a run bundle plus `entry.toml`), the
//! rendered tables, and the validation CI runs on every change.

pub mod entry;
pub mod provenance;
pub mod render;
pub mod secrets;
pub mod validate;

pub use entry::{Entry, EntryMeta, Problem};
pub use render::{HTML_FILE, MD_FILE};
pub use validate::validate;
