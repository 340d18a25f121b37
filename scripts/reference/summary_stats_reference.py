#!/usr/bin/env python3
"""Reference values for selfinterp's summary statistics (src/scoring/describe.rs,
src/scoring/partial.rs, src/scoring/missingness.rs influence).

Computed independently of the Rust code with numpy, scipy and statsmodels on deterministic
inputs (the inputs are saved in the fixture too):
  - pooled Pearson r (np.corrcoef);
  - calibration: statsmodels OLS of reported on learned with a constant, standard errors
    clustered by context (cov_type="cluster", statsmodels' default CR1 correction);
    magnitude ratio mean |reported| / mean |learned|;
  - by position: np.corrcoef of attribute k across contexts;
  - Kendall's tau-b within each context (scipy.stats.kendalltau), mean and sd (ddof 1);
  - jackknife standard error of the pooled r leaving out one context, and the design effect
    (its variance over the jackknife variance leaving out one point);
  - partial correlation of reported and learned given target: Pearson r of the OLS residuals
    of each on the target (statsmodels), and its context jackknife standard error;
  - leave-one-context-out pooled r for each context (influence);
  - the Fisher-z jackknife interval tanh(atanh(r) +/- t_{G-1,0.975} se_z) (scipy's t).

Writes tests/fixtures/scoring/summary_stats_reference.json. Usage:
    pip install numpy scipy statsmodels
    python3 scripts/reference/summary_stats_reference.py
"""
import json
import os

import numpy as np
import scipy
import scipy.stats
import statsmodels
import statsmodels.api as sm

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "scoring",
                   "summary_stats_reference.json")


def make_case(seed, contexts, shrink, noise, integer_reports):
    """Targets uniform(-100, 100) rescaled to max |w| = 100; learned = target + noise,
    rescaled; reported = shrink * learned + a per-context offset + noise (rounded to
    integers when asked, which makes ties)."""
    rng = np.random.default_rng(seed)
    target = rng.uniform(-100, 100, size=(contexts, 5))
    target = np.round(target / np.abs(target).max(axis=1, keepdims=True) * 100)
    learned = target + rng.normal(0, 35, size=(contexts, 5))
    learned = learned / np.abs(learned).max(axis=1, keepdims=True) * 100
    offset = rng.normal(0, 15, size=(contexts, 1))
    reported = shrink * learned + offset + rng.normal(0, noise, size=(contexts, 5))
    if integer_reports:
        reported = np.round(reported / 10) * 10
    return reported, learned, target


def pooled_r(x, y):
    return float(np.corrcoef(x.ravel(), y.ravel())[0, 1])


def jackknife_var(values):
    v = np.asarray(values)
    g = len(v)
    return float((g - 1) / g * np.sum((v - v.mean()) ** 2))


def partial_r(rep, lea, tar):
    t = sm.add_constant(tar.ravel())
    e1 = sm.OLS(rep.ravel(), t).fit().resid
    e2 = sm.OLS(lea.ravel(), t).fit().resid
    return float(np.corrcoef(e1, e2)[0, 1])


def reference(rep, lea, tar):
    g = rep.shape[0]
    x, y = rep.ravel(), lea.ravel()
    groups = np.repeat(np.arange(g), 5)
    ols = sm.OLS(x, sm.add_constant(y)).fit(cov_type="cluster", cov_kwds={"groups": groups})
    taus = []
    for c in range(g):
        t = scipy.stats.kendalltau(rep[c], lea[c]).statistic
        if np.isfinite(t):
            taus.append(float(t))
    loo_c = [pooled_r(np.delete(rep, c, axis=0), np.delete(lea, c, axis=0)) for c in range(g)]
    loo_p = [float(np.corrcoef(np.delete(x, i), np.delete(y, i))[0, 1]) for i in range(len(x))]
    var_c, var_p = jackknife_var(loo_c), jackknife_var(loo_p)
    z = np.arctanh(pooled_r(rep, lea))
    se_z = np.sqrt(jackknife_var(np.arctanh(loo_c)))
    t = scipy.stats.t.ppf(0.975, g - 1)
    part_loo_c = [partial_r(np.delete(rep, c, 0), np.delete(lea, c, 0), np.delete(tar, c, 0))
                  for c in range(g)]
    xt = tar.ravel()
    part_loo_p = [partial_r(np.delete(x, i), np.delete(y, i), np.delete(xt, i))
                  for i in range(len(x))]
    pv_c, pv_p = jackknife_var(part_loo_c), jackknife_var(part_loo_p)
    return {
        "r": pooled_r(rep, lea),
        "calibration": {
            "slope": float(ols.params[1]),
            "slope_se": float(ols.bse[1]),
            "intercept": float(ols.params[0]),
            "magnitude_ratio": float(np.abs(x).mean() / np.abs(y).mean()),
        },
        "by_position": [float(np.corrcoef(rep[:, k], lea[:, k])[0, 1]) for k in range(5)],
        "kendall_tau_mean": float(np.mean(taus)),
        "kendall_tau_sd": float(np.std(taus, ddof=1)),
        "kendall_tau_contexts": len(taus),
        "se": float(np.sqrt(var_c)),
        "design_effect": var_c / var_p,
        "ci_fisher_jackknife": [float(np.tanh(z - t * se_z)), float(np.tanh(z + t * se_z))],
        "partial": {
            "r": partial_r(rep, lea, tar),
            "se": float(np.sqrt(pv_c)),
            "design_effect": pv_c / pv_p,
        },
        "leave_one_out": loo_c,
    }


def main():
    cases = []
    for name, seed, contexts, shrink, noise, integer in [
        ("shrunk_reports", 1, 30, 0.3, 20.0, False),
        ("tied_integer_reports", 2, 20, 1.0, 40.0, True),
        ("quick_preset_size", 3, 20, 0.6, 60.0, False),
    ]:
        rep, lea, tar = make_case(seed, contexts, shrink, noise, integer)
        cases.append({
            "name": name,
            "reported": rep.tolist(),
            "learned": lea.tolist(),
            "target": tar.tolist(),
            "expected": reference(rep, lea, tar),
        })
    out = {
        "generator": "scripts/reference/summary_stats_reference.py",
        "versions": {"numpy": np.__version__, "scipy": scipy.__version__,
                     "statsmodels": statsmodels.__version__},
        "cases": cases,
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
