//! Fixed-size symmetric positive-definite linear algebra for the 6-parameter fit.
//! Allocation-free: everything lives on the stack. Index loops mirror the textbook formulas.
#![allow(clippy::needless_range_loop)]

/// Number of parameters: intercept + five slopes.
pub(crate) const P: usize = 6;

pub(crate) type Mat = [[f64; P]; P];
pub(crate) type Vector = [f64; P];

/// Lower-triangular Cholesky factor L with A = L L^T, or `None` if A is not (numerically)
/// positive definite. Only the lower triangle of `a` is read.
pub(crate) fn cholesky(a: &Mat) -> Option<Mat> {
    let mut l: Mat = [[0.0; P]; P];
    for i in 0..P {
        for j in 0..=i {
            let mut s: f64 = a[i][j];
            for k in 0..j {
                s -= l[i][k] * l[j][k];
            }
            if i == j {
                if s <= 0.0 || !s.is_finite() {
                    return None;
                }
                l[i][i] = s.sqrt();
            } else {
                l[i][j] = s / l[j][j];
            }
        }
    }
    Some(l)
}

/// Solve L L^T x = b given the Cholesky factor L.
pub(crate) fn solve(l: &Mat, b: &Vector) -> Vector {
    let mut y: Vector = [0.0; P];
    for i in 0..P {
        let mut s: f64 = b[i];
        for k in 0..i {
            s -= l[i][k] * y[k];
        }
        y[i] = s / l[i][i];
    }
    let mut x: Vector = [0.0; P];
    for i in (0..P).rev() {
        let mut s: f64 = y[i];
        for k in i + 1..P {
            s -= l[k][i] * x[k];
        }
        x[i] = s / l[i][i];
    }
    x
}

/// Diagonal of (L L^T)^{-1}: entry i is |L^{-1} e_i|... computed as the squared column norms
/// of L^{-1}, i.e. diag(A^{-1})_i = sum_k (L^{-1})_{k i}^2.
pub(crate) fn inverse_diagonal(l: &Mat) -> Vector {
    // Invert the lower-triangular L column by column.
    let mut inv: Mat = [[0.0; P]; P];
    for j in 0..P {
        inv[j][j] = 1.0 / l[j][j];
        for i in j + 1..P {
            let mut s: f64 = 0.0;
            for k in j..i {
                s -= l[i][k] * inv[k][j];
            }
            inv[i][j] = s / l[i][i];
        }
    }
    let mut d: Vector = [0.0; P];
    for (i, di) in d.iter_mut().enumerate() {
        *di = (i..P).map(|k| inv[k][i] * inv[k][i]).sum();
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solve_and_inverse_match_a_known_matrix() {
        // A = M M^T + I for a fixed M: symmetric positive definite.
        let mut a: Mat = [[0.0; P]; P];
        for i in 0..P {
            for j in 0..P {
                let mut s: f64 = if i == j { 1.0 } else { 0.0 };
                for k in 0..P {
                    let mi: f64 = ((i * 7 + k * 3) % 5) as f64 - 2.0;
                    let mj: f64 = ((j * 7 + k * 3) % 5) as f64 - 2.0;
                    s += mi * mj;
                }
                a[i][j] = s;
            }
        }
        let l: Mat = cholesky(&a).unwrap();
        let b: Vector = [1.0, -2.0, 3.0, 0.5, 0.0, 4.0];
        let x: Vector = solve(&l, &b);
        for i in 0..P {
            let ax: f64 = (0..P).map(|j| a[i][j] * x[j]).sum();
            assert!((ax - b[i]).abs() < 1e-10);
        }
        let d: Vector = inverse_diagonal(&l);
        for i in 0..P {
            let mut e: Vector = [0.0; P];
            e[i] = 1.0;
            let col: Vector = solve(&l, &e);
            assert!((col[i] - d[i]).abs() < 1e-10);
        }
        let mut not_pd: Mat = a;
        not_pd[0][0] = -1.0;
        assert!(cholesky(&not_pd).is_none());
    }
}
