//! The documented range of every numeric option, in one place so help texts, the command
//! line's parsers and [`crate::runner::request::resolve`] agree: a value outside it is refused
//! with a message naming the range, never a panic, an abort or a hang (a timeout of `1e20`
//! seconds overflowed a `Duration`; `1000000000` design candidates asked for hundreds of
//! gigabytes).

use std::fmt::Display;

/// A value outside its documented range, or not a number at all.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RangeError {
    /// The text did not parse as a number (the parser's own message).
    #[error("{0}")]
    NotANumber(String),
    #[error("must be between {lo} and {hi}")]
    Int { lo: String, hi: String },
    #[error("must be a number {} {lo} up to {hi}", if *.open_lo { "above" } else { "from" })]
    Float { lo: f64, open_lo: bool, hi: f64 },
}

/// Upper bounds.
pub const MAX_TIMEOUT_S: f64 = 86_400.0;
pub const MAX_CONCURRENCY: usize = 10_000;
pub const MAX_RETRIES: u32 = 100;
pub const MAX_RPM: u32 = 1_000_000;
pub const MAX_TPM: u32 = 1_000_000_000;
pub const MAX_DESIGN_BATCH: usize = 1_000;
pub const MAX_DESIGN_CANDIDATES: usize = 4_096;
pub const MAX_REPLICATES: usize = 10_000;
pub const MAX_CONTEXTS: usize = 1_000_000;
pub const MAX_PAIRS: usize = 100_000;
pub const MAX_REPORTS: usize = 1_000;
pub const MAX_THREADS: usize = 1_024;
pub const MAX_PRICE: f64 = 1_000_000.0;
pub const MAX_COST_USD: f64 = 1_000_000.0;
pub const MAX_REQUESTS_LIMIT: u64 = 1_000_000_000;
pub const MAX_RESPONSE_BYTES: usize = 1 << 30;

/// An integer range, both ends included.
#[derive(Debug, Clone, Copy)]
pub struct IntRange<T> {
    pub lo: T,
    pub hi: T,
}

impl<T: PartialOrd + Display + Copy> IntRange<T> {
    pub fn check(&self, v: T) -> Result<T, RangeError> {
        if v < self.lo || v > self.hi {
            return Err(RangeError::Int {
                lo: self.lo.to_string(),
                hi: self.hi.to_string(),
            });
        }
        Ok(v)
    }

    /// Parses `s` (trimmed) and checks it.
    pub fn parse(&self, s: &str) -> Result<T, RangeError>
    where
        T: std::str::FromStr,
        T::Err: Display,
    {
        let v: T = s
            .trim()
            .parse()
            .map_err(|e: T::Err| RangeError::NotANumber(e.to_string()))?;
        self.check(v)
    }
}

/// A finite number in `lo..=hi` (`lo` excluded when `open_lo`).
#[derive(Debug, Clone, Copy)]
pub struct FloatRange {
    pub lo: f64,
    pub open_lo: bool,
    pub hi: f64,
}

impl FloatRange {
    pub fn check(&self, v: f64) -> Result<f64, RangeError> {
        let above: bool = if self.open_lo {
            v > self.lo
        } else {
            v >= self.lo
        };
        if !(v.is_finite() && above && v <= self.hi) {
            return Err(RangeError::Float {
                lo: self.lo,
                open_lo: self.open_lo,
                hi: self.hi,
            });
        }
        Ok(v)
    }

    /// Parses `s` (trimmed) and checks it.
    pub fn parse(&self, s: &str) -> Result<f64, RangeError> {
        let v: f64 = s
            .trim()
            .parse()
            .map_err(|e: std::num::ParseFloatError| RangeError::NotANumber(e.to_string()))?;
        self.check(v)
    }
}

const fn ints<T>(lo: T, hi: T) -> IntRange<T> {
    IntRange { lo, hi }
}

/// A run's per-attempt timeout: seconds, above 0 up to a day.
pub const TIMEOUT_S: FloatRange = FloatRange {
    lo: 0.0,
    open_lo: true,
    hi: MAX_TIMEOUT_S,
};
/// Requests in flight at once.
pub const CONCURRENCY: IntRange<usize> = ints(1, MAX_CONCURRENCY);
/// Retries of a retryable failure.
pub const RETRIES: IntRange<u32> = ints(0, MAX_RETRIES);
/// The largest response body a run reads, bytes: 1 KiB to 1 GiB.
pub const RESPONSE_BYTES: IntRange<usize> = ints(1 << 10, MAX_RESPONSE_BYTES);
/// Requests per minute.
pub const RPM: IntRange<u32> = ints(1, MAX_RPM);
/// Tokens per minute.
pub const TPM: IntRange<u32> = ints(1, MAX_TPM);
/// A rate (e.g. the invalid-answer threshold).
pub const RATE: FloatRange = FloatRange {
    lo: 0.0,
    open_lo: false,
    hi: 1.0,
};
/// Adaptive design: calls per context per round.
pub const DESIGN_BATCH: IntRange<usize> = ints(1, MAX_DESIGN_BATCH);
/// Adaptive design: candidate pairs drawn per pair picked.
pub const DESIGN_CANDIDATES: IntRange<usize> = ints(1, MAX_DESIGN_CANDIDATES);
/// Planner: simulated replicates.
pub const REPLICATES: IntRange<usize> = ints(1, MAX_REPLICATES);
/// Planner: resamples of the promise check.
pub const RESAMPLES: IntRange<usize> = ints(0, MAX_REPLICATES);
/// Planner: contexts searched.
pub const CONTEXTS: IntRange<usize> = ints(1, MAX_CONTEXTS);
/// Planner: pairs per context.
pub const PAIRS: IntRange<usize> = ints(1, MAX_PAIRS);
/// Planner: reports per context.
pub const REPORTS: IntRange<usize> = ints(0, MAX_REPORTS);
/// Planner: presentation orders.
pub const ORDERS: IntRange<usize> = ints(1, 2);
/// The simulated server's worker threads.
pub const THREADS: IntRange<usize> = ints(1, MAX_THREADS);
/// A price in US dollars per million tokens.
pub const PRICE: FloatRange = FloatRange {
    lo: 0.0,
    open_lo: false,
    hi: MAX_PRICE,
};
/// `run --max-cost`: US dollars, above 0.
pub const MAX_COST: FloatRange = FloatRange {
    lo: 0.0,
    open_lo: true,
    hi: MAX_COST_USD,
};
/// `run --max-requests`.
pub const MAX_REQUESTS: IntRange<u64> = ints(1, MAX_REQUESTS_LIMIT);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_range() {
        assert_eq!(
            CONCURRENCY.parse("0").unwrap_err().to_string(),
            "must be between 1 and 10000"
        );
        assert_eq!(
            TIMEOUT_S.parse("0").unwrap_err().to_string(),
            "must be a number above 0 up to 86400"
        );
        assert_eq!(
            RATE.parse("1.5").unwrap_err().to_string(),
            "must be a number from 0 up to 1"
        );
        assert!(matches!(
            CONCURRENCY.parse("x"),
            Err(RangeError::NotANumber(_))
        ));
        assert_eq!(TIMEOUT_S.parse(" 60 "), Ok(60.0));
        assert!(TIMEOUT_S.parse("inf").is_err());
    }
}
