//! The study's experiments end to end: the fine-tuning files that instil profiles and train
//! introspection, their validation, and the combinations of
//! runs (control, held-out halves, studies) that turn runs into the study's table.

pub(crate) mod check;
pub(crate) mod combine;
pub(crate) mod finetune;
pub(crate) mod study;
pub(crate) mod tokens;

pub use check::check_text;
pub use combine::{position_bias, with_reports_from};
pub use finetune::{
    Export, ExportManifest, Half, export_instill, export_introspection, half_ids, halves,
    instill_examples, introspection_examples, master_seed,
};
