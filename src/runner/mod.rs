//! The runner: asks a provider every request of a run and keeps the answers in a run bundle.
//!
//! [`request`] checks what a user asks ([`request::RunRequest`]) into a validated
//! [`config::RunConfig`] in one function, [`request::resolve`]; [`connect`] makes the provider
//! it names; [`execute`] asks the requests the
//! bundle's plan ([`crate::bundle::plan`], [`crate::bundle::rounds`] for adaptive designs)
//! lists, through the providers' `Resilient` wrapper (limits, retries) and the [`cache`], and
//! appends samples to the bundle ([`crate::bundle`]) through journals that survive a kill,
//! telling a [`events::Reporter`] what happens (the binary draws its progress bars from
//! those events; the runner draws nothing). [`session::Session`] is a whole run as `run` and
//! `study` make it: resolve, connect, runtime, pre-flight, execute, cancel, ending.

mod breaker;
pub mod budget;
pub mod cache;
pub mod config;
pub mod connect;
pub mod events;
pub mod execute;
pub mod observe;
pub mod recheck;
pub mod request;
pub mod session;

pub use config::RunConfig;
pub use events::{Reporter, RunEvent};
pub use execute::{RunOutcome, execute, execute_with};
pub use request::{ConfigError, RunRequest, resolve};
pub use session::{Ending, Finished, Session, SessionError, StopSignal};
