//! One progress bar per phase, with rate, ETA and the invalid-answer count. Drawn only when
//! stderr is a terminal, so logs and CI output stay clean.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

pub struct PhaseBar {
    bar: ProgressBar,
    invalid: u64,
    failed: u64,
    /// The last request failure, shown so a stalled run says why.
    last_error: Option<String>,
}

impl PhaseBar {
    /// A bar for `total` requests of which `done` were completed by an earlier session.
    pub fn new(phase: &str, total: u64, done: u64) -> PhaseBar {
        let target: ProgressDrawTarget = if std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar: ProgressBar = ProgressBar::with_draw_target(Some(total), target);
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix:>8} [{bar:30}] {pos}/{len} {per_sec:>10} ETA {eta:>4} {msg}",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        bar.set_prefix(phase.to_string());
        bar.set_position(done);
        bar.reset_eta();
        let mut p = PhaseBar {
            bar,
            invalid: 0,
            failed: 0,
            last_error: None,
        };
        p.message();
        p
    }

    fn message(&mut self) {
        let last: String = match &self.last_error {
            Some(e) => format!("  last error: {}", e.chars().take(80).collect::<String>()),
            None => String::new(),
        };
        self.bar.set_message(format!(
            "invalid {}  failed {}{last}",
            self.invalid, self.failed
        ));
    }

    pub fn answered(&mut self, invalid: bool) {
        if invalid {
            self.invalid += 1;
            self.message();
        }
        self.bar.inc(1);
    }

    pub fn failed(&mut self, error: &str) {
        self.failed += 1;
        self.last_error = Some(error.to_string());
        self.message();
        self.bar.inc(1);
    }

    pub fn finish(&self) {
        self.bar.abandon();
    }
}
