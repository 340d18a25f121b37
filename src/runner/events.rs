//! What a run tells its onlookers, as it happens: the runner emits [`RunEvent`]s to a
//! [`Reporter`] and draws nothing itself (the binary's progress bars are one reporter; a test
//! can record them with its own). Events are sent from the run loop alone, in order.

use crate::bundle::sample::{KindKey, SampleKey};
use crate::bundle::{Counts, RunStatus};

/// One thing that happened in a run.
#[derive(Clone, Debug, PartialEq)]
pub enum RunEvent {
    /// The plan is known: `planned` requests in all, `done` of them answered by earlier
    /// sessions (a resume).
    Planned {
        /// Requests in the whole plan (choices and reports).
        planned: usize,
        /// Of those, already answered in the bundle.
        done: usize,
    },
    /// A phase (choices, then reports) starts: `total` requests of that kind, `done` of them
    /// answered earlier; `reports_after` reports are still to ask once this phase is over.
    Phase {
        /// Choices or reports.
        kind: KindKey,
        /// Requests of this kind in the plan.
        total: usize,
        /// Of those, already answered.
        done: usize,
        /// Reports still to ask after this phase (0 in the report phase).
        reports_after: usize,
    },
    /// A request was answered; `valid` is false when its answer could not be parsed.
    Answered {
        /// The request answered.
        key: SampleKey,
        /// Whether its answer parsed (a letter, or a complete report).
        valid: bool,
    },
    /// A request failed after every retry (it goes to `errors.jsonl`).
    Failed {
        /// The request that failed.
        key: SampleKey,
        /// The last error, as `errors.jsonl` records it (keys redacted).
        error: String,
    },
    /// The current phase ended (all asked, or the run stopped).
    PhaseEnd {
        /// The phase that ended.
        kind: KindKey,
    },
    /// The run ended with this status and these counts (the manifest's).
    Finished {
        /// The manifest's status.
        status: RunStatus,
        /// The manifest's counts.
        counts: Counts,
    },
}

/// Receives a run's events.
pub trait Reporter: Send {
    /// Called once per event, in order, from the run loop (keep it quick: the run waits).
    fn event(&mut self, event: &RunEvent);
}

/// Ignores every event.
#[derive(Debug, Default)]
pub struct Silent;

impl Reporter for Silent {
    fn event(&mut self, _: &RunEvent) {}
}
