//! The study's experiments end to end: the fine-tuning files that instil profiles and train
//! introspection, their validation, and the combinations of
//! runs (control, held-out halves, studies) that turn runs into the study's table.

pub mod check;
pub mod combine;
pub mod finetune;
pub mod study;
pub mod tokens;
