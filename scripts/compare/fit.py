#!/usr/bin/env python3
"""Fitting and scoring: selfinterp vs statsmodels and scikit-learn on the same data, in one run.

Data (seeded): CONTEXTS contexts x TRIALS hard-labelled trials, slopes uniform(-4, 4),
intercept 0.2, differences d = U(0,1) - U(0,1) (as benches/fit.rs; the generator and the
statsmodels fits are scripts/reference/fit_timing.py's). Every tool fits the same MAP objective
    sum_i [y_i eta_i - log(1 + exp(eta_i))] - b0^2 / (2 * 2.5^2) - sum_k b_k^2 / 2:
  - statsmodels: penalised GLM (Binomial + PenalizedMixin, L2), Newton (scripts/reference);
  - scikit-learn: LogisticRegression(C=1, newton-cholesky, fit_intercept=False) on X = (2.5, d), which
    is the same objective exactly (coefficient c0 on the constant 2.5 is b0 / 2.5);
  - selfinterp: examples/compare_fit.rs (release build), best of --repeat runs.
Scoring (pooled r of learned vs true weights with a 2,000-resample context bootstrap and a
1,000-permutation null, as `scoring::score` does) is timed in numpy (vectorised) and in
selfinterp's `score` (which refits every context too). Prints times, speed-ups and the
largest differences of the estimates. Timings exclude data generation, process start and
JSON parsing. Usage: [COMPARE_FIT=path] scripts/compare/fit.sh [--contexts 1000] [--trials 100]
(COMPARE_FIT: a prebuilt examples/compare_fit, e.g. an older commit's, instead of this checkout's).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

try:
    import numpy as np
    import scipy.special  # noqa: F401 (used through fit_timing; imported here for the message below)
    import statsmodels.api  # noqa: F401
    from sklearn.linear_model import LogisticRegression
except ImportError as e:  # pragma: no cover
    sys.exit(f"missing Python package ({e.name}): pip install numpy scipy statsmodels scikit-learn")

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "scripts", "reference"))
from fit_timing import fit_statsmodels_timed, simulate_contexts  # noqa: E402


def rescale(b):
    m = np.max(np.abs(b), axis=-1, keepdims=True)
    return np.where(m > 0, b * 100.0 / np.where(m > 0, m, 1), b)


def pooled_r(x, y):
    """Pooled Pearson r of (contexts, 5) arrays, vectorised over a leading resample axis."""
    x = x.reshape(x.shape[:-2] + (-1,))
    y = y.reshape(y.shape[:-2] + (-1,))
    xc = x - x.mean(-1, keepdims=True)
    yc = y - y.mean(-1, keepdims=True)
    return (xc * yc).sum(-1) / np.sqrt((xc * xc).sum(-1) * (yc * yc).sum(-1))


def score_numpy(learned, target, rng):
    r = float(pooled_r(learned, target))
    m = len(learned)
    idx = rng.integers(0, m, (2000, m))
    boot = pooled_r(learned[idx], target[idx])
    ci = np.quantile(boot, [0.025, 0.975])
    # Uniform random cyclic permutations (no context paired with itself): order the contexts
    # at random and map each to the next one in that order.
    sigma = np.argsort(rng.random((1000, m)), axis=1)
    perms = np.empty_like(sigma)
    np.put_along_axis(perms, sigma, np.roll(sigma, -1, axis=1), axis=1)
    null = pooled_r(learned[None, :, :].repeat(1000, 0), target[perms])
    return r, ci, float(null.mean())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--contexts", type=int, default=1000)
    ap.add_argument("--trials", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    contexts = simulate_contexts(args.contexts, args.trials)
    target = rescale(np.array([w for _, _, w in contexts]))

    cpu = time.process_time()
    sm_params, sm_fit = fit_statsmodels_timed(contexts)
    sm_cpu = time.process_time() - cpu

    t = time.perf_counter()
    sk_params = []
    for d, y, _ in contexts:
        X = np.column_stack([np.full(len(y), 2.5), d])
        lr = LogisticRegression(C=1.0, fit_intercept=False, solver="newton-cholesky", tol=1e-10,
                                max_iter=1000)
        c = lr.fit(X, y).coef_[0]
        sk_params.append(np.concatenate([[2.5 * c[0]], c[1:]]))
    sk_fit = time.perf_counter() - t
    sk_params = np.array(sk_params)

    t = time.perf_counter()
    np_r, np_ci, np_null = score_numpy(rescale(sm_params[:, 1:]), target, np.random.default_rng(1))
    np_score = time.perf_counter() - t

    with tempfile.TemporaryDirectory() as tmp:
        data, out = os.path.join(tmp, "data.json"), os.path.join(tmp, "out.json")
        with open(data, "w") as f:
            json.dump([{"diff": d.tolist(), "p_a": y.tolist(), "target": list(tw)}
                       for (d, y, _), tw in zip(contexts, target)], f)
        # COMPARE_FIT=path measures another build of the example (e.g. an older commit's).
        runner = ([os.environ["COMPARE_FIT"]] if os.environ.get("COMPARE_FIT") else
                  ["cargo", "run", "--release", "--quiet", "--example", "compare_fit", "--"])
        subprocess.run(runner + [data, out, "--repeat", str(args.repeat)], cwd=ROOT, check=True)
        with open(out) as f:
            rust = json.load(f)
    rs_params = np.array(rust["params"])

    def rel(a, b):
        return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-3)))

    n = f"{args.contexts} contexts x {args.trials} trials"
    print(f"fitting {n} (same MAP objective):")
    print(f"  statsmodels  penalised GLM, Newton : {sm_fit:9.4f} s")
    print(f"  scikit-learn LogisticRegression    : {sk_fit:9.4f} s")
    print(f"  selfinterp   estimation::fit       : {rust['fit_seconds']:9.4f} s (best of {rust['repeat']})")
    print(f"  speed-up vs statsmodels: {sm_fit / rust['fit_seconds']:.0f}x   vs scikit-learn: "
          f"{sk_fit / rust['fit_seconds']:.0f}x   (target >= 20x vs statsmodels)")
    print(f"  largest relative parameter difference: vs statsmodels {rel(rs_params, sm_params):.1e}, "
          f"vs scikit-learn {rel(rs_params, sk_params):.1e} (floor 1e-3)")
    learned_sm = rescale(sm_params[:, 1:])
    print(f"  largest learned-weight difference (0..100 scale) vs statsmodels: "
          f"{np.max(np.abs(np.array(rust['learned']) - learned_sm)):.1e}")
    print("scoring (pooled r learned vs true, 2,000-resample context bootstrap, 1,000-permutation null):")
    print(f"  statsmodels fits + numpy scoring   : {sm_fit + np_score:9.4f} s (scoring alone {np_score:.4f} s)")
    print(f"  selfinterp scoring::score, whole   : {rust['score_seconds']:9.4f} s on {rust['threads']} threads, "
          f"{rust['score_seconds_1_thread']:.4f} s on 1 (summaries byte-identical: {rust['thread_count_identical']})")
    print(f"  speed-up, fit + score: {(sm_fit + np_score) / rust['score_seconds']:.0f}x")
    print(f"  whole score (fits, split-half reliability, held-out fit, bootstraps, nulls) vs statsmodels "
          f"fitting alone: {sm_fit / rust['score_seconds']:.1f}x ({sm_fit / rust['score_seconds_1_thread']:.1f}x "
          f"on one thread; target >= 20x)")
    print(f"  the same in CPU time (what a shared machine's load does not distort): statsmodels "
          f"{sm_cpu:.3f} s, selfinterp score {rust['score_cpu_seconds']:.3f} s on one thread: "
          f"{sm_cpu / rust['score_cpu_seconds']:.1f}x")
    print(f"  r: selfinterp {rust['r']:.6f}, numpy {np_r:.6f} (difference {abs(rust['r'] - np_r):.1e}); "
          f"bootstrap CI selfinterp [{rust['ci_bootstrap'][0]:.4f}, {rust['ci_bootstrap'][1]:.4f}], "
          f"numpy [{np_ci[0]:.4f}, {np_ci[1]:.4f}] (different resampling streams); null mean {np_null:.3f}")


if __name__ == "__main__":
    main()
