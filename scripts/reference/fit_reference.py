#!/usr/bin/env python3
"""Reference fits for selfinterp's MAP logistic regression (src/estimation/fit.rs).

Model: P(A) = logistic(b0 + sum_k b_k d_k), priors b_k ~ N(0, 1), b0 ~ N(0, 2.5).
The MAP estimate maximises
    f(b) = sum_i w_i [y_i eta_i - log(1 + exp(eta_i))] - b0^2 / (2 * 2.5^2) - sum_k b_k^2 / 2.

Two independent fits of the same objective are made and must agree to 1e-7 (relative, floor 1e-3):
  1. scipy.optimize.minimize (trust-exact, analytic gradient and Hessian, gtol 1e-12);
  2. statsmodels' maximum penalised likelihood: GLM(Binomial, freq_weights=w) with its
     PenalizedMixin and an L2 penalty of weights lambda_j / 2 (pen_weight 1), i.e. the same f(b),
     maximised by statsmodels' own Newton iteration.
Standard errors: sqrt(diag(H^-1)) of the penalised negative Hessian at the optimum.

Writes tests/fixtures/estimation/reference_fits.json. Usage:
    pip install numpy scipy statsmodels
    python3 scripts/reference/fit_reference.py
"""
import json
import os
import sys

import numpy as np
import scipy
import scipy.optimize
import statsmodels
import statsmodels.api as sm
from statsmodels.base._penalized import PenalizedMixin
from statsmodels.base._penalties import L2

LAM = np.array([1 / 2.5**2, 1.0, 1.0, 1.0, 1.0, 1.0])
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "estimation", "reference_fits.json")


def objective(b, X, y, w):
    eta = X @ b
    ll = np.sum(w * (y * eta - np.logaddexp(0.0, eta)))
    return ll - 0.5 * np.sum(LAM * b * b), ll


def fit_scipy(X, y, w):
    def neg(b):
        return -objective(b, X, y, w)[0]

    def grad(b):
        p = scipy.special.expit(X @ b)
        return -(X.T @ (w * (y - p)) - LAM * b)

    def hess(b):
        p = scipy.special.expit(X @ b)
        return (X.T * (w * p * (1 - p))) @ X + np.diag(LAM)

    res = scipy.optimize.minimize(neg, np.zeros(6), jac=grad, hess=hess, method="trust-exact",
                                  options={"gtol": 1e-12, "maxiter": 1000})
    b = res.x
    se = np.sqrt(np.diag(np.linalg.inv(hess(b))))
    return b, se


class PenalizedGLM(PenalizedMixin, sm.GLM):
    pass


def fit_statsmodels(X, y, w):
    model = PenalizedGLM(y, X, family=sm.families.Binomial(), freq_weights=w,
                         penal=L2(weights=LAM / 2.0), pen_weight=1.0)
    res = model.fit(method="newton", maxiter=200, tol=1e-14, disp=False)
    return np.asarray(res.params)


def simulate(rng, n, slopes, intercept, soft=False, weighted=False):
    d = rng.uniform(0, 1, (n, 5)) - rng.uniform(0, 1, (n, 5))
    eta = intercept + d @ np.asarray(slopes, dtype=float)
    p = scipy.special.expit(eta)
    if soft:
        # Soft labels: a noisy version of P(A), as log-probabilities would give.
        y = scipy.special.expit(eta + rng.normal(0, 1.0, n))
    else:
        y = (rng.uniform(0, 1, n) < p).astype(float)
    w = rng.uniform(0.5, 2.0, n) if weighted else np.ones(n)
    return d, y, w


def main():
    rng = np.random.default_rng(20250401)
    cases = []
    specs = [
        ("hard_50_moderate", dict(n=50, slopes=[3, -2, 1, 0.5, -4], intercept=0.2)),
        ("hard_100_native", dict(n=100, slopes=[1, 0.5, -0.5, 2, 0], intercept=-0.3)),
        ("hard_100_strong", dict(n=100, slopes=[12, -8, 5, 3, -10], intercept=0.0)),
        ("hard_20_small", dict(n=20, slopes=[2, 2, -2, 1, 0], intercept=0.5)),
        ("hard_1000_large", dict(n=1000, slopes=[4, -3, 2, 1, -1], intercept=0.4)),
        ("soft_100", dict(n=100, slopes=[3, -1, 2, 0, -2], intercept=0.1, soft=True)),
        ("weighted_80", dict(n=80, slopes=[-2, 4, 0, 1, 3], intercept=-0.5, weighted=True)),
        ("soft_weighted_60", dict(n=60, slopes=[5, 0, -3, 2, 1], intercept=0.0, soft=True, weighted=True)),
    ]
    for name, spec in specs:
        d, y, w = simulate(rng, **spec)
        cases.append((name, d, y, w))
    # Perfectly separated by the first attribute.
    d = rng.uniform(0, 1, (50, 5)) - rng.uniform(0, 1, (50, 5))
    cases.append(("separated_50", d, (d[:, 0] > 0).astype(float), np.ones(50)))
    # Always the same letter.
    d = rng.uniform(0, 1, (50, 5)) - rng.uniform(0, 1, (50, 5))
    cases.append(("all_a_50", d, np.ones(50), np.ones(50)))
    cases.append(("all_b_50", d, np.zeros(50), np.ones(50)))

    out = {
        "generator": "scripts/reference/fit_reference.py",
        "versions": {"numpy": np.__version__, "scipy": scipy.__version__, "statsmodels": statsmodels.__version__},
        "model": "MAP logistic regression, slopes ~ N(0,1), intercept ~ N(0,2.5)",
        "cases": [],
    }
    worst = 0.0
    for name, d, y, w in cases:
        X = np.column_stack([np.ones(len(y)), d])
        b, se = fit_scipy(X, y, w)
        b_sm = fit_statsmodels(X, y, w)
        diff = float(np.max(np.abs(b - b_sm) / np.maximum(np.abs(b), 1e-3)))
        worst = max(worst, diff)
        obj, ll = objective(b, X, y, w)
        print(f"{name:20s} b={np.round(b, 4)} scipy-vs-statsmodels max rel diff {diff:.2e}")
        out["cases"].append({
            "name": name,
            "trials": [{"diff": list(map(float, d[i])), "p_a": float(y[i]), "weight": float(w[i])} for i in range(len(y))],
            "intercept": float(b[0]),
            "slopes": list(map(float, b[1:])),
            "intercept_se": float(se[0]),
            "slope_se": list(map(float, se[1:])),
            "log_likelihood": float(ll),
            "log_posterior": float(obj),
            "statsmodels_params": list(map(float, b_sm)),
        })
    print(f"worst scipy-vs-statsmodels relative difference: {worst:.2e}")
    if worst > 1e-7:
        print("reference fits disagree", file=sys.stderr)
        sys.exit(1)
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(f"wrote {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
