//! The small amount of arithmetic the plots need: a least-squares line, a histogram of
//! per-context r, mean and standard deviation.

use serde::Serialize;

/// y = intercept + slope * x.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Line {
    pub slope: f64,
    pub intercept: f64,
}

/// Ordinary least squares of y on x; `None` with fewer than two points or constant x.
pub fn least_squares(x: &[f64], y: &[f64]) -> Option<Line> {
    let n: usize = x.len().min(y.len());
    if n < 2 {
        return None;
    }
    let mx: f64 = x[..n].iter().sum::<f64>() / n as f64;
    let my: f64 = y[..n].iter().sum::<f64>() / n as f64;
    let sxx: f64 = x[..n].iter().map(|a| (a - mx) * (a - mx)).sum();
    let sxy: f64 = x[..n]
        .iter()
        .zip(&y[..n])
        .map(|(a, b)| (a - mx) * (b - my))
        .sum();
    (sxx > 0.0).then(|| Line {
        slope: sxy / sxx,
        intercept: my - sxy / sxx * mx,
    })
}

pub fn mean(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

/// Sample standard deviation (n - 1); `None` below two values.
pub fn sd(v: &[f64]) -> Option<f64> {
    let m: f64 = mean(v)?;
    (v.len() >= 2)
        .then(|| (v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (v.len() - 1) as f64).sqrt())
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Bin {
    pub lo: f64,
    pub hi: f64,
    pub count: usize,
}

/// Per-context r in [`HISTOGRAM_BINS`] equal bins over [-1, 1] (the last bin includes 1).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Histogram {
    pub bins: Vec<Bin>,
    /// Contexts whose r is undefined (no valid report, no usable choice, or constant weights).
    pub undefined: usize,
}

pub const HISTOGRAM_BINS: usize = 10;

pub fn histogram(values: &[Option<f64>]) -> Histogram {
    let width: f64 = 2.0 / HISTOGRAM_BINS as f64;
    let mut bins: Vec<Bin> = (0..HISTOGRAM_BINS)
        .map(|i| Bin {
            lo: -1.0 + i as f64 * width,
            hi: -1.0 + (i + 1) as f64 * width,
            count: 0,
        })
        .collect();
    let mut undefined: usize = 0;
    for v in values {
        match v {
            Some(r) if r.is_finite() => {
                let i: usize =
                    (((r + 1.0) / width).floor().max(0.0) as usize).min(HISTOGRAM_BINS - 1);
                bins[i].count += 1;
            }
            _ => undefined += 1,
        }
    }
    Histogram { bins, undefined }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_bins() {
        let l = least_squares(&[0.0, 1.0, 2.0], &[1.0, 3.0, 5.0]).unwrap();
        assert!((l.slope - 2.0).abs() < 1e-12 && (l.intercept - 1.0).abs() < 1e-12);
        assert_eq!(least_squares(&[1.0, 1.0], &[0.0, 2.0]), None);
        let h = histogram(&[Some(-1.0), Some(1.0), Some(0.05), None]);
        assert_eq!(h.bins[0].count, 1);
        assert_eq!(h.bins[9].count, 1);
        assert_eq!(h.bins[5].count, 1);
        assert_eq!(h.undefined, 1);
    }
}
