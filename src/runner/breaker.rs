//! The circuit breaker: a run whose requests all fail the same way stops early.

/// Consecutive requests failing after every retry, all the same way and with no answer in
/// between, that stop a run early (plus the concurrency, whose in-flight requests fail
/// together). Far above what a flaky server produces: in the fault tests a quarter of
/// requests fail and runs still finish.
pub const BREAKER_FAILURES: usize = 12;

/// Counts consecutive same-looking failures; trips at a threshold.
#[derive(Debug, Default)]
pub(crate) struct Breaker {
    run: usize,
    signature: String,
}

impl Breaker {
    /// The failure's shape: its message without digits (ports, counts, times vary).
    fn signature(message: &str) -> String {
        message
            .chars()
            .filter(|c| !c.is_ascii_digit())
            .take(120)
            .collect()
    }
    pub(crate) fn answered(&mut self) {
        self.run = 0;
    }
    /// Records a failure; true when the run should stop.
    pub(crate) fn failed(&mut self, message: &str, threshold: usize) -> bool {
        let sig: String = Breaker::signature(message);
        if sig == self.signature {
            self.run += 1;
        } else {
            self.signature = sig;
            self.run = 1;
        }
        self.run >= threshold
    }
}
