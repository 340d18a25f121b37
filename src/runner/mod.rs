//! The runner: asks a provider every request of a run and keeps the answers in a run bundle.
//!
//! `request` checks what a user asks ([`request::RunRequest`]) into a validated
//! [`config::RunConfig`] in one function, [`request::resolve`]; `connect` makes the provider
//! it names; [`execute`] asks the requests the
//! bundle's plan (`crate::bundle::plan`, `crate::bundle::rounds` for adaptive designs)
//! lists, through the providers' `Resilient` wrapper (limits, retries) and the `cache`, and
//! appends samples to the bundle ([`crate::bundle`]) through journals that survive a kill,
//! telling a [`events::Reporter`] what happens (the binary draws its progress bars from
//! those events; the runner draws nothing). [`session::Session`] is a whole run as `run` and
//! `study` make it: resolve, connect, runtime, pre-flight, execute, cancel, ending.

mod ask;
mod breaker;
pub(crate) mod budget;
pub(crate) mod cache;
pub(crate) mod config;
pub(crate) mod connect;
pub(crate) mod events;
pub(crate) mod execute;
pub(crate) mod observe;
pub(crate) mod recheck;
pub(crate) mod request;
pub(crate) mod session;
pub(crate) mod shortcut;
pub(crate) mod spend;

pub use config::Preset;
pub use connect::{provider, sim_seed};

pub use config::RunConfig;
pub use events::{Reporter, RunEvent, Silent};
pub use execute::{RunOutcome, execute, execute_with};
pub use request::{ConfigError, RunRequest, resolve};
pub use session::{Ending, Finished, Session, SessionError, StopSignal};
pub use spend::Limits;
