//! What a run tells its onlookers, as it happens: the runner emits [`RunEvent`]s to a
//! [`Reporter`] and draws nothing itself (the binary's progress bars are one reporter; a test
//! can record them with [`Recorder`]). Events are sent from the run loop alone, in order.

use crate::bundle::sample::{KindKey, SampleKey};
use crate::bundle::{Counts, RunStatus};

/// One thing that happened in a run.
#[derive(Clone, Debug, PartialEq)]
pub enum RunEvent {
    /// The plan is known: `planned` requests in all, `done` of them answered by earlier
    /// sessions (a resume).
    Planned { planned: usize, done: usize },
    /// A phase (choices, then reports) starts: `total` requests of that kind, `done` of them
    /// answered earlier; `reports_after` reports are still to ask once this phase is over.
    Phase {
        kind: KindKey,
        total: usize,
        done: usize,
        reports_after: usize,
    },
    /// A request was answered; `valid` is false when its answer could not be parsed.
    Answered { key: SampleKey, valid: bool },
    /// A request failed after every retry (it goes to `errors.jsonl`).
    Failed { key: SampleKey, error: String },
    /// The current phase ended (all asked, or the run stopped).
    PhaseEnd { kind: KindKey },
    /// The run ended with this status and these counts (the manifest's).
    Finished { status: RunStatus, counts: Counts },
}

/// Receives a run's events.
pub trait Reporter: Send {
    fn event(&mut self, event: &RunEvent);
}

/// Ignores every event.
#[derive(Debug, Default)]
pub struct Silent;

impl Reporter for Silent {
    fn event(&mut self, _: &RunEvent) {}
}
