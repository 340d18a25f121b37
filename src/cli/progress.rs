//! The progress display of `run` and `study`: a [`BarReporter`] fed by the runner's events
//! draws one progress bar per phase, with rate, ETA and the invalid-answer count, and clears it
//! when the phase ends (the run's headline follows on a clean screen). Drawn only when stderr
//! is a terminal, so logs and CI output stay clean. A line fits 80 columns for runs of up to
//! 99,999 requests per phase; the ETA covers the phases still to come, not only this one.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressFinish, ProgressState, ProgressStyle};
use selfinterp::bundle::sample::KindKey;
use selfinterp::runner::{Reporter, RunEvent};
use std::fmt::Write as _;
use std::io::IsTerminal;

/// How many choices one report costs in time, for the ETA of phases not yet started. Reports
/// generate tens of tokens where choices generate one: on the SmolLM2 full run (llama.cpp, two
/// cores) the median latency was 3.6 s per report against 1.2 s per choice.
pub const REPORT_COST_IN_CHOICES: f64 = 3.0;

pub struct PhaseBar {
    bar: ProgressBar,
    invalid: u64,
    failed: u64,
    /// The last request failure, shown so a stalled run says why.
    last_error: Option<String>,
}

/// `6181.4` as `6,181`; below 10, one decimal (`2.5`).
pub fn rate_text(per_sec: f64) -> String {
    if !per_sec.is_finite() || per_sec <= 0.0 {
        return "–".into();
    }
    if per_sec < 10.0 {
        return format!("{per_sec:.1}");
    }
    let digits: String = format!("{:.0}", per_sec);
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Seconds as `45s`, `3m05s`, `1h02m`.
pub fn duration_text(secs: f64) -> String {
    if !secs.is_finite() || secs < 0.0 {
        return "–".into();
    }
    let s = secs.round() as u64;
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
    }
}

impl PhaseBar {
    /// A bar for `total` requests of which `done` were completed by an earlier session;
    /// `later` is the work of the phases after this one, in this phase's requests.
    pub fn new(phase: &str, total: u64, done: u64, later: f64) -> PhaseBar {
        let target: ProgressDrawTarget = if std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        // Cleared however the phase ends (its end, an error, an interruption): the headline
        // printed next must start on a clean line, not after a bar left on screen.
        let bar: ProgressBar = ProgressBar::with_draw_target(Some(total), target)
            .with_finish(ProgressFinish::AndClear);
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix:>7} [{bar:14}] {pos}/{len} {rate:>7}/s ETA {eta_all:>6} {msg}",
            )
            .expect("valid template")
            .with_key("rate", |s: &ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = w.write_str(&rate_text(s.per_sec()));
            })
            .with_key(
                "eta_all",
                move |s: &ProgressState, w: &mut dyn std::fmt::Write| {
                    let left = s.len().unwrap_or(0).saturating_sub(s.pos()) as f64 + later;
                    let _ = w.write_str(&duration_text(left / s.per_sec()));
                },
            )
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
        let mut m = format!("invalid {}", self.invalid);
        if self.failed > 0 {
            let _ = write!(m, ", failed {}", self.failed);
        }
        if let Some(e) = &self.last_error {
            // Short: the bar keeps to 80 columns; the whole error is in errors.jsonl.
            let _ = write!(
                m,
                "  last error: {}",
                e.chars().take(40).collect::<String>()
            );
        }
        self.bar.set_message(m);
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

    /// Removes the bar from the terminal: the run's summary says how the phase ended.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// Draws the runner's events as progress bars on stderr.
#[derive(Default)]
pub struct BarReporter {
    bar: Option<PhaseBar>,
}

impl Reporter for BarReporter {
    fn event(&mut self, event: &RunEvent) {
        match event {
            RunEvent::Phase {
                kind,
                total,
                done,
                reports_after,
            } => {
                let phase: &str = match kind {
                    KindKey::Choice => "choices",
                    KindKey::Report => "reports",
                };
                // The reports still to ask, in choices' time, so the choices' ETA covers the
                // whole run.
                let later: f64 = *reports_after as f64 * REPORT_COST_IN_CHOICES;
                self.bar = Some(PhaseBar::new(phase, *total as u64, *done as u64, later));
            }
            RunEvent::Answered { valid, .. } => {
                if let Some(b) = &mut self.bar {
                    b.answered(!valid);
                }
            }
            RunEvent::Failed { error, .. } => {
                if let Some(b) = &mut self.bar {
                    b.failed(error);
                }
            }
            RunEvent::PhaseEnd { .. } => {
                if let Some(b) = self.bar.take() {
                    b.finish();
                }
            }
            RunEvent::Planned { .. } | RunEvent::Finished { .. } => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_and_durations_read_well() {
        assert_eq!(rate_text(6181.4), "6,181");
        assert_eq!(rate_text(1234567.0), "1,234,567");
        assert_eq!(rate_text(999.6), "1,000");
        assert_eq!(rate_text(12.0), "12");
        assert_eq!(rate_text(2.46), "2.5");
        assert_eq!(rate_text(0.0), "–");
        assert_eq!(duration_text(45.2), "45s");
        assert_eq!(duration_text(185.0), "3m05s");
        assert_eq!(duration_text(3720.0), "1h02m");
        assert_eq!(duration_text(f64::INFINITY), "–");
    }

    #[test]
    fn the_longest_usual_line_fits_80_columns() {
        // The template's fixed parts with a five-digit phase, a rate, an ETA and both counts.
        let line = format!(
            "{:>7} [{}] {}/{} {:>7}/s ETA {:>6} {}",
            "choices",
            "=".repeat(14),
            99_999,
            99_999,
            rate_text(11_800.0),
            duration_text(3599.0),
            "invalid 999, failed 99"
        );
        assert!(
            line.chars().count() <= 80,
            "{} columns: {line}",
            line.chars().count()
        );
    }
}
