
//! The single integration-test binary: one module per concept.

mod benchmark;
mod catalogue;
