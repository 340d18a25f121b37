//! The documented range of every numeric flag, as clap value parsers: a value outside it is
//! a usage error (exit 2) naming the flag and the range, never a panic, an abort or a hang
//! (`--timeout 1e20` overflowed a `Duration`; `--design-candidates 1000000000` asked for
//! hundreds of gigabytes).

/// An integer in `lo..=hi`.
fn int_in<T>(s: &str, lo: T, hi: T) -> Result<T, String>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy,
    T::Err: std::fmt::Display,
{
    let v: T = s.trim().parse().map_err(|e| format!("{e}"))?;
    if v < lo || v > hi {
        return Err(format!("must be between {lo} and {hi}"));
    }
    Ok(v)
}

/// A finite number in `lo..=hi` (`lo` excluded when `open_lo`).
fn float_in(s: &str, lo: f64, open_lo: bool, hi: f64) -> Result<f64, String> {
    let v: f64 = s.trim().parse().map_err(|e| format!("{e}"))?;
    let above: bool = if open_lo { v > lo } else { v >= lo };
    if !(v.is_finite() && above && v <= hi) {
        let open: &str = if open_lo { "above" } else { "from" };
        return Err(format!("must be a number {open} {lo} up to {hi}"));
    }
    Ok(v)
}

/// Upper bounds, in one place so help texts and checks agree.
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

/// `--timeout`: seconds, above 0 up to a day.
pub fn timeout(s: &str) -> Result<f64, String> {
    float_in(s, 0.0, true, MAX_TIMEOUT_S)
}
/// `--concurrency`: 1 to 10,000.
pub fn concurrency(s: &str) -> Result<usize, String> {
    int_in(s, 1, MAX_CONCURRENCY)
}
/// `--max-retries`: 0 to 100.
pub fn retries(s: &str) -> Result<u32, String> {
    int_in(s, 0, MAX_RETRIES)
}
/// `--rpm`: 1 to 1,000,000.
pub fn rpm(s: &str) -> Result<u32, String> {
    int_in(s, 1, MAX_RPM)
}
/// `--tpm`: 1 to 1,000,000,000.
pub fn tpm(s: &str) -> Result<u32, String> {
    int_in(s, 1, MAX_TPM)
}
/// A rate: 0 to 1.
pub fn rate(s: &str) -> Result<f64, String> {
    float_in(s, 0.0, false, 1.0)
}
/// `--design-batch`: 1 to 1,000.
pub fn design_batch(s: &str) -> Result<usize, String> {
    int_in(s, 1, MAX_DESIGN_BATCH)
}
/// `--design-candidates`: 1 to 4,096.
pub fn design_candidates(s: &str) -> Result<usize, String> {
    int_in(s, 1, MAX_DESIGN_CANDIDATES)
}
/// `plan --replicates`: 1 to 10,000.
pub fn replicates(s: &str) -> Result<usize, String> {
    int_in(s, 1, MAX_REPLICATES)
}
/// `plan --promise-resamples`: 0 to 10,000.
pub fn resamples(s: &str) -> Result<usize, String> {
    int_in(s, 0, MAX_REPLICATES)
}
/// `plan --max-contexts`: 1 to 1,000,000.
pub fn contexts(s: &str) -> Result<usize, String> {
    int_in(s, 1, MAX_CONTEXTS)
}
/// `plan --pairs`: each 1 to 100,000.
pub fn pairs(s: &str) -> Result<usize, String> {
    int_in(s, 1, MAX_PAIRS)
}
/// `plan --reports`: 0 to 1,000.
pub fn reports(s: &str) -> Result<usize, String> {
    int_in(s, 0, MAX_REPORTS)
}
/// `plan --orders`: 1 or 2.
pub fn orders(s: &str) -> Result<usize, String> {
    int_in(s, 1, 2)
}
/// `serve-sim --threads`: 1 to 1,024.
pub fn threads(s: &str) -> Result<usize, String> {
    int_in(s, 1, MAX_THREADS)
}
/// `report --price-in/--price-out`: US dollars per million tokens, 0 to 1,000,000.
pub fn price(s: &str) -> Result<f64, String> {
    float_in(s, 0.0, false, MAX_PRICE)
}
