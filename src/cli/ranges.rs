//! The command line's parsers of numeric options: the ranges themselves are the library's
//! ([`selfinterp::limits`]); a value outside one is a usage error (exit 2) naming the option and
//! the range.

use selfinterp::limits::{self, RangeError};

/// `--timeout`: seconds, above 0 up to a day.
pub fn timeout(s: &str) -> Result<f64, RangeError> {
    limits::TIMEOUT_S.parse(s)
}
/// `--concurrency`: 1 to 10,000.
pub fn concurrency(s: &str) -> Result<usize, RangeError> {
    limits::CONCURRENCY.parse(s)
}
/// `--max-retries`: 0 to 100.
pub fn retries(s: &str) -> Result<u32, RangeError> {
    limits::RETRIES.parse(s)
}
/// `--max-response-bytes`: 1 KiB to 1 GiB.
pub fn response_bytes(s: &str) -> Result<usize, RangeError> {
    limits::RESPONSE_BYTES.parse(s)
}
/// `--rpm`: 1 to 1,000,000.
pub fn rpm(s: &str) -> Result<u32, RangeError> {
    limits::RPM.parse(s)
}
/// `--tpm`: 1 to 1,000,000,000.
pub fn tpm(s: &str) -> Result<u32, RangeError> {
    limits::TPM.parse(s)
}
/// A rate: 0 to 1.
pub fn rate(s: &str) -> Result<f64, RangeError> {
    limits::RATE.parse(s)
}
/// `--design-batch`: 1 to 1,000.
pub fn design_batch(s: &str) -> Result<usize, RangeError> {
    limits::DESIGN_BATCH.parse(s)
}
/// `--design-candidates`: 1 to 4,096.
pub fn design_candidates(s: &str) -> Result<usize, RangeError> {
    limits::DESIGN_CANDIDATES.parse(s)
}
/// `plan --replicates`: 1 to 10,000.
pub fn replicates(s: &str) -> Result<usize, RangeError> {
    limits::REPLICATES.parse(s)
}
/// `plan --promise-resamples`: 0 to 10,000.
pub fn resamples(s: &str) -> Result<usize, RangeError> {
    limits::RESAMPLES.parse(s)
}
/// `plan --max-contexts`: 1 to 1,000,000.
pub fn contexts(s: &str) -> Result<usize, RangeError> {
    limits::CONTEXTS.parse(s)
}
/// `plan --pairs`: each 1 to 100,000.
pub fn pairs(s: &str) -> Result<usize, RangeError> {
    limits::PAIRS.parse(s)
}
/// `plan --reports`: 0 to 1,000.
pub fn reports(s: &str) -> Result<usize, RangeError> {
    limits::REPORTS.parse(s)
}
/// `plan --orders`: 1 or 2.
pub fn orders(s: &str) -> Result<usize, RangeError> {
    limits::ORDERS.parse(s)
}
/// `serve-sim --threads`: 1 to 1,024.
pub fn threads(s: &str) -> Result<usize, RangeError> {
    limits::THREADS.parse(s)
}
/// `report --price-in/--price-out`: US dollars per million tokens, 0 to 1,000,000.
pub fn price(s: &str) -> Result<f64, RangeError> {
    limits::PRICE.parse(s)
}
/// `run --max-cost`: US dollars, above 0 up to 1,000,000.
pub fn max_cost(s: &str) -> Result<f64, RangeError> {
    limits::MAX_COST.parse(s)
}
/// `run --max-requests`: 1 to 1,000,000,000.
pub fn max_requests(s: &str) -> Result<u64, RangeError> {
    limits::MAX_REQUESTS.parse(s)
}
