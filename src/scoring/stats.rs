//! Plain descriptive statistics on paired samples (no resampling here).

/// Sufficient statistics of a set of (x, y) points for Pearson's r. Adding two of them
/// pools their points, which makes the context bootstrap O(contexts) per resample.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Moments {
    /// Number of points.
    pub n: f64,
    /// Sum of x.
    pub sx: f64,
    /// Sum of y.
    pub sy: f64,
    /// Sum of x².
    pub sxx: f64,
    /// Sum of y².
    pub syy: f64,
    /// Sum of x y.
    pub sxy: f64,
}

/// One variable's count, sum and sum of squares: the part of [`Moments`] that does not
/// depend on which y a set of x values is paired with.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Sums {
    pub n: f64,
    pub s: f64,
    pub ss: f64,
}

impl Sums {
    /// The same additions, in the same order, as [`Moments::of`] makes for either variable,
    /// so moments assembled from these are bit-identical to `Moments::of`'s.
    pub fn of(v: &[f64]) -> Sums {
        let mut m: Sums = Sums::default();
        for a in v {
            m.n += 1.0;
            m.s += a;
            m.ss += a * a;
        }
        m
    }
}

impl Moments {
    /// The moments of the points (x_i, y_i) from each side's own sums and the cross sum
    /// (for pairings that change while each side's sums do not: the permutation null).
    pub fn from_sums(x: &Sums, y: &Sums, sxy: f64) -> Moments {
        Moments {
            n: x.n,
            sx: x.s,
            sy: y.s,
            sxx: x.ss,
            syy: y.ss,
            sxy,
        }
    }

    /// The moments of the points (x_i, y_i), added in order.
    pub fn of(x: &[f64], y: &[f64]) -> Moments {
        let mut m: Moments = Moments::default();
        for (a, b) in x.iter().zip(y) {
            m.n += 1.0;
            m.sx += a;
            m.sy += b;
            m.sxx += a * a;
            m.syy += b * b;
            m.sxy += a * b;
        }
        m
    }

    /// Pools `o`'s points into these.
    pub fn add(&mut self, o: &Moments) {
        self.n += o.n;
        self.sx += o.sx;
        self.sy += o.sy;
        self.sxx += o.sxx;
        self.syy += o.syy;
        self.sxy += o.sxy;
    }

    /// Takes `o`'s points out of these (a leave-one-out total).
    pub fn sub(&mut self, o: &Moments) {
        self.n -= o.n;
        self.sx -= o.sx;
        self.sy -= o.sy;
        self.sxx -= o.sxx;
        self.syy -= o.syy;
        self.sxy -= o.sxy;
    }

    /// Pearson's r, or `None` with fewer than 3 points or a (numerically) constant variable.
    pub fn r(&self) -> Option<f64> {
        if self.n < 3.0 {
            return None;
        }
        let vx: f64 = self.sxx - self.sx * self.sx / self.n;
        let vy: f64 = self.syy - self.sy * self.sy / self.n;
        let cxy: f64 = self.sxy - self.sx * self.sy / self.n;
        // Guard against cancellation making a constant variable look variable.
        let eps: f64 = 1e-12;
        let varies = |v: f64, ss: f64| -> bool { v > eps * ss.max(1e-300) };
        if !varies(vx, self.sxx) || !varies(vy, self.syy) {
            return None;
        }
        Some((cxy / (vx * vy).sqrt()).clamp(-1.0, 1.0))
    }
}

/// Pearson's r computed in two passes (centred), `None` if undefined (see [`Moments::r`]) or
/// a value is not finite. r does not depend on scale: when a side's largest magnitude is
/// beyond 1e60 (or below 1e-60, but not 0), where the product of the sums of squares could
/// overflow to infinity (r = 0) or underflow to 0, that side is divided by it first. Values
/// in that range are used as they are, so every stored figure keeps its bits.
pub fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    let n: usize = x.len().min(y.len());
    if n < 3 {
        return None;
    }
    let (x, y) = (&x[..n], &y[..n]);
    if !x.iter().chain(y).all(|v| v.is_finite()) {
        return None;
    }
    let largest = |v: &[f64]| -> f64 { v.iter().fold(0.0_f64, |m, a| m.max(a.abs())) };
    let safe = |m: f64| m == 0.0 || (1e-60..=1e60).contains(&m);
    let (bx, by) = (largest(x), largest(y));
    if !safe(bx) || !safe(by) {
        let scaled = |v: &[f64], m: f64| -> Vec<f64> { v.iter().map(|a| a / m).collect() };
        return pearson_centred(&scaled(x, bx), &scaled(y, by));
    }
    pearson_centred(x, y)
}

fn pearson_centred(x: &[f64], y: &[f64]) -> Option<f64> {
    let n: usize = x.len();
    let mx: f64 = x.iter().sum::<f64>() / n as f64;
    let my: f64 = y.iter().sum::<f64>() / n as f64;
    let (mut sxy, mut sxx, mut syy) = (0.0_f64, 0.0_f64, 0.0_f64);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    if !(sxx > 0.0 && syy > 0.0) {
        return None;
    }
    Some((sxy / (sxx * syy).sqrt()).clamp(-1.0, 1.0))
}

/// Ranks 1..n with ties given their average rank.
pub fn ranks(v: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..v.len()).collect();
    idx.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut out: Vec<f64> = vec![0.0; v.len()];
    let mut i: usize = 0;
    while i < idx.len() {
        let mut j: usize = i + 1;
        while j < idx.len() && v[idx[j]] == v[idx[i]] {
            j += 1;
        }
        let avg: f64 = (i + j + 1) as f64 / 2.0;
        for &k in &idx[i..j] {
            out[k] = avg;
        }
        i = j;
    }
    out
}

/// Spearman's rho: Pearson's r of the tie-averaged ranks.
pub fn spearman(x: &[f64], y: &[f64]) -> Option<f64> {
    pearson(&ranks(x), &ranks(y))
}

/// The q-quantile (0 <= q <= 1) of sorted data by linear interpolation between order
/// statistics (Hyndman and Fan type 7, R's default). `None` for empty data.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let h: f64 = (sorted.len() - 1) as f64 * q.clamp(0.0, 1.0);
    let lo: usize = h.floor() as usize;
    let hi: usize = h.ceil() as usize;
    Some(sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo]))
}

/// Index of the largest |w| (first on ties).
pub fn top_index(w: &[f64]) -> usize {
    let mut best: usize = 0;
    for (i, v) in w.iter().enumerate() {
        if v.abs() > w[best].abs() {
            best = i;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basics() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        let y = [2.0, 4.1, 5.9, 8.2, 9.9];
        let r = pearson(&x, &y).unwrap();
        let m = Moments::of(&x, &y).r().unwrap();
        assert!((r - m).abs() < 1e-12 && r > 0.99);
        assert_eq!(pearson(&x, &[1.0; 5]), None);
        assert_eq!(ranks(&[3.0, 1.0, 3.0, 2.0]), vec![3.5, 1.0, 3.5, 2.0]);
        assert!((spearman(&x, &[1.0, 3.0, 2.0, 5.0, 4.0]).unwrap() - 0.8).abs() < 1e-12);
        assert_eq!(quantile_sorted(&[1.0, 2.0, 3.0, 4.0, 5.0], 0.25), Some(2.0));
        assert_eq!(quantile_sorted(&[1.0, 2.0], 0.5), Some(1.5));
        assert_eq!(top_index(&[10.0, -50.0, 50.0, 3.0]), 1);
    }

    #[test]
    fn moments_from_each_sides_sums_are_bit_identical_to_moments_of() {
        // Values whose sums round differently in another order, so an order change shows.
        let x: Vec<f64> = (0..97)
            .map(|i| ((i * 37 % 101) as f64 - 50.3) * 1.1e-3)
            .collect();
        let y: Vec<f64> = (0..97)
            .map(|i| ((i * 53 % 89) as f64).sqrt() * 7.7)
            .collect();
        let sxy: f64 = x.iter().zip(&y).fold(0.0, |acc, (a, b)| acc + a * b);
        let assembled = Moments::from_sums(&Sums::of(&x), &Sums::of(&y), sxy);
        assert_eq!(assembled, Moments::of(&x, &y));
    }

    /// Pearson's r of values whose squares overflow an f64 is still r (scale-free), not 0.
    #[test]
    fn pearson_is_scale_free_up_to_the_largest_f64() {
        let x: [f64; 5] = [1.0, 2.0, 3.0, 4.0, 6.0];
        let y: [f64; 5] = [2.0, 1.0, 4.0, 3.0, 5.0];
        let r: f64 = pearson(&x, &y).unwrap();
        for k in [1e160, 1e300, 1e-300] {
            let xs: Vec<f64> = x.iter().map(|v| v * k).collect();
            let got: f64 = pearson(&xs, &y).unwrap();
            assert!((got - r).abs() < 1e-12, "{k}: {got} vs {r}");
        }
        assert_eq!(pearson(&[1.0, f64::NAN, 2.0], &[1.0, 2.0, 3.0]), None);
    }
}
