#!/usr/bin/env python3
"""Error rate of the at-chance test (src/scoring/fit_quality.rs) on choices made at random,
computed independently of selfinterp.

Per simulated context: n option differences, each attribute's (uniform - uniform) on [-1, 1]
(the range-normalised differences of two options drawn uniformly in the attribute's range),
letters A/B drawn with P(A) = 1/2 regardless of the options. The full model (intercept and
five slopes) is fitted with the at-chance test's nearly flat prior (sd 100 on every
coefficient, scipy L-BFGS-B); the letter-only model by its MLE. LR = 2 (LL_full - LL_letter).
Prints, for n = 20 (quick preset) and n = 100 (full preset), the share of contexts called
fitted at 5% by LR on chi-square(5) and by LR / 5 on F(5, n - 6).

    pip install numpy scipy
    python3 scripts/reference/at_chance_calibration.py [--contexts 2000] [--seed 1]

Seed 1, 2,000 contexts each (2026-12-07): n = 20: chi-square 0.1615, F 0.0715;
n = 100: chi-square 0.0615, F 0.0505.
"""
import argparse

import numpy as np
from scipy.optimize import minimize
from scipy.stats import chi2
from scipy.stats import f as fdist

PRIOR_SD = 100.0


def max_log_likelihood(x, y):
    lam = 1.0 / PRIOR_SD**2

    def objective(b):
        eta = x @ b
        return -(y * eta - np.logaddexp(0.0, eta)).sum() + 0.5 * lam * (b @ b)

    def gradient(b):
        p = 1.0 / (1.0 + np.exp(-(x @ b)))
        return -x.T @ (y - p) + lam * b

    res = minimize(objective, np.zeros(x.shape[1]), jac=gradient, method="L-BFGS-B",
                   options={"maxiter": 2000, "gtol": 1e-9})
    eta = x @ res.x
    return (y * eta - np.logaddexp(0.0, eta)).sum()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--contexts", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    for n in (20, 100):
        by_chi2 = by_f = 0
        for _ in range(a.contexts):
            d = rng.uniform(size=(n, 5)) - rng.uniform(size=(n, 5))
            x = np.hstack([np.ones((n, 1)), d])
            y = rng.integers(0, 2, n).astype(float)
            ll = max_log_likelihood(x, y)
            p = y.mean()
            ll0 = (y * np.log(p) + (1 - y) * np.log(1 - p)).sum() if 0 < p < 1 else 0.0
            lr = max(2.0 * (ll - ll0), 0.0)
            by_chi2 += chi2.sf(lr, 5) < 0.05
            by_f += fdist.sf(lr / 5, 5, n - 6) < 0.05
        print(f"n = {n}: called fitted by chi-square {by_chi2 / a.contexts:.4f}, "
              f"by F {by_f / a.contexts:.4f} ({a.contexts} contexts)")


if __name__ == "__main__":
    main()
