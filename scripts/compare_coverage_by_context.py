#!/usr/bin/env python3
"""Why compare's paired interval under-covers at 50 contexts on the stored SmolLM2-135M runs:
its coverage split by whether a resampled set of contexts holds the context with the largest
share of the first run's report variance (docs/statistics.md, Coverage of a difference).

    python3 scripts/compare_coverage_by_context.py A B CONTEXTS REPLICATIONS
    e.g. python3 scripts/compare_coverage_by_context.py smollm2-135m-instruct-native-full \
             smollm2-135m-instruct-native-100x20 50 2000

Design as scripts/compare_coverage.sh (the truth is the difference in pooled r over every
shared context; each replication draws CONTEXTS of them with replacement; 2,000 bootstrap
resamples), with compare's interval written again in numpy for this split (the hull of the
expanded percentile interval and the jackknife-t interval at the effective number of contexts
G*, scoring::bootstrap). Its overall coverage agrees with the Rust test's within about one
point; the random draws are numpy's, not the test's.
"""
import json
import sys

import numpy as np
from scipy import stats


def moments(entry):
    s = json.load(open(f"results/{entry}/summary.json"))
    out = {}
    for c in s["contexts"]:
        if c.get("reported") and c.get("learned"):
            x, y = np.array(c["reported"], float), np.array(c["learned"], float)
            out[c["id"]] = np.array([len(x), x.sum(), y.sum(), x @ x, y @ y, x @ y])
    return out


def r_of(m):
    n, sx, sy, sxx, syy, sxy = (m[..., k] for k in range(6))
    return (sxy - sx * sy / n) / np.sqrt((sxx - sx * sx / n) * (syy - sy * sy / n))


def main():
    a, b, g_n, reps = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    ma, mb = moments(a), moments(b)
    ids = sorted(set(ma) & set(mb))
    A, B = np.array([ma[i] for i in ids]), np.array([mb[i] for i in ids])
    truth = r_of(B.sum(0)) - r_of(A.sum(0))
    var_x = A[:, 3] - A[:, 1] ** 2 / A[:, 0]
    dom = int(np.argmax(var_x))
    print(f"{a} -> {b}: truth {truth:.4f}; {ids[dom]} holds {var_x[dom] / var_x.sum():.0%} "
          f"of {a}'s report variance")
    rng = np.random.default_rng(27)
    covered, holds, effective = [], [], []
    for _ in range(reps):
        pick = rng.integers(0, len(ids), g_n)
        xa, xb = A[pick], B[pick]
        d = r_of(xb.sum(0)) - r_of(xa.sum(0))
        counts = np.zeros((2000, g_n))
        draws = rng.integers(0, g_n, (2000, g_n))
        np.add.at(counts, (np.repeat(np.arange(2000), g_n), draws.ravel()), 1)
        boot = r_of(counts @ xb) - r_of(counts @ xa)
        loo = r_of(xb.sum(0) - xb) - r_of(xa.sum(0) - xa)
        u = loo - loo.mean()
        s2, s4 = (u ** 2).sum(), (u ** 4).sum()
        g = np.clip(3 * (g_n - 1) / (g_n + 1) * s2 * s2 / s4, 3, g_n) if s4 > 0 else g_n
        se = np.sqrt((g_n - 1) / g_n * s2)
        t = stats.t.ppf(0.975, g - 1)
        alpha = stats.norm.cdf(-np.sqrt(g / (g - 1)) * t)
        lo, hi = np.quantile(boot, [alpha, 1 - alpha])
        lo, hi = min(lo, d - t * se, d), max(hi, d + t * se, d)
        covered.append(lo <= truth <= hi)
        effective.append(g)
        holds.append(dom in pick)
    covered, holds, effective = np.array(covered), np.array(holds), np.array(effective)
    print(f"{g_n} contexts, {reps} replications: coverage {covered.mean():.1%}; "
          f"{holds.mean():.0%} of the sets hold {ids[dom]}: coverage {covered[holds].mean():.1%} "
          f"(median G* {np.median(effective[holds]):.1f}), the others {covered[~holds].mean():.1%} "
          f"(median G* {np.median(effective[~holds]):.1f})")


if __name__ == "__main__":
    main()
