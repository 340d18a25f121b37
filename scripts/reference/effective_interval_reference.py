#!/usr/bin/env python3
"""Reference values for compare's interval of a difference (src/scoring/bootstrap.rs:
`jackknife` and `Distribution::effective_ci`), computed independently of the Rust code with
numpy and scipy on deterministic inputs (saved in the fixture too):
  - the jackknife standard error sqrt((G - 1) / G * sum u_i^2), u_i the deviations of the
    leave-one-out estimates from their mean;
  - the effective number of clusters G* = kappa_0 G / kappa, kappa = G sum u^4 / (sum u^2)^2
    (scipy.stats.kurtosis with fisher=False, bias=True), kappa_0 = 3 (G - 1) / (G + 1),
    clamped to [3, G];
  - the expanded tail alpha'/2 = Phi(-sqrt(G*/(G*-1)) t_{G*-1, 0.975}) (scipy.stats);
  - the percentile interval at alpha'/2 and 1 - alpha'/2 of the given resampled values
    (numpy's default "linear" quantile, Hyndman and Fan's type 7);
  - the jackknife-t interval estimate -/+ t_{G*-1, 0.975} se, and the hull of the two.

Writes tests/fixtures/scoring/effective_interval_reference.json. Usage:
    pip install numpy scipy
    python3 scripts/reference/effective_interval_reference.py
"""
import json
import os

import numpy as np
import scipy.stats as st

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "scoring",
                   "effective_interval_reference.json")


def case(name, leave_one_out, values, estimate):
    t = np.asarray(leave_one_out, float)
    g = len(t)
    u = t.mean() - t
    s2 = float((u ** 2).sum())
    s4 = float((u ** 4).sum())
    se = float(np.sqrt((g - 1) / g * s2))
    kappa = float(st.kurtosis(t, fisher=False, bias=True))
    assert abs(kappa - g * s4 / s2 ** 2) < 1e-9 * kappa if s4 > 0 else True
    kappa_0 = 3 * (g - 1) / (g + 1)
    eff = float(min(g, max(3.0, kappa_0 * g / kappa))) if s4 > 0 else float(g)
    tq = float(st.t.ppf(0.975, eff - 1))
    alpha = float(st.norm.cdf(-np.sqrt(eff / (eff - 1)) * tq))
    pct = np.quantile(np.asarray(values, float), [alpha, 1 - alpha])
    jack = [estimate - tq * se, estimate + tq * se]
    return {
        "name": name,
        "leave_one_out": list(map(float, t)),
        "values": list(map(float, values)),
        "estimate": estimate,
        "se": se,
        "effective": eff,
        "alpha": alpha,
        "percentile": list(map(float, pct)),
        "jackknife_t": jack,
        "interval": [float(min(pct[0], jack[0])), float(max(pct[1], jack[1]))],
    }


def main():
    rng = np.random.default_rng(27)
    cases = []
    # Twenty contexts of similar influence: G* near G, the percentile leg is the wider.
    loo = 0.1 + 0.01 * rng.standard_normal(20)
    cases.append(case("similar contexts", loo, 0.1 + 0.05 * rng.standard_normal(300), 0.1))
    # One context carries the statistic: G* falls to about 3 and the jackknife-t
    # leg is the wider.
    loo = 0.2 + 0.005 * rng.standard_normal(20)
    loo[7] = -0.4
    cases.append(case("one dominant context", loo, 0.2 + 0.1 * rng.standard_normal(300), 0.17))
    # Skewed resamples and a few heavy contexts: G* in between.
    loo = 0.05 + 0.02 * rng.standard_t(3, 50)
    cases.append(case("heavy-tailed contexts", loo, 0.05 + 0.08 * rng.gamma(2.0, 1.0, 500),
                      0.06))
    # All leave-one-out estimates equal: no spread, G* = G, se = 0.
    cases.append(case("no spread", [0.3] * 5, list(np.linspace(0.1, 0.5, 41)), 0.3))
    meta = {"numpy": np.__version__, "scipy": __import__("scipy").__version__}
    with open(OUT, "w") as f:
        json.dump({"generated_by": "scripts/reference/effective_interval_reference.py",
                   "versions": meta, "cases": cases}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
