#!/usr/bin/env python3
"""Speed and agreement of selfinterp's fit against statsmodels, on the same data, in one run.

Simulates 1,000 contexts x 100 trials (seeded), fits every context with
  - statsmodels: penalised GLM (Binomial, PenalizedMixin + L2 = the same MAP objective), Newton;
  - selfinterp: the ignored integration test `fit_shared_data_for_timing` (release build),
and prints both wall times and the largest relative difference of the parameters.
The Rust time excludes process start and JSON parsing; the statsmodels time excludes
data generation. Usage (from the repository root):
    pip install numpy scipy statsmodels
    python3 scripts/reference/fit_timing.py [--contexts 1000] [--trials 100]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import statsmodels.api as sm

sys.path.insert(0, os.path.dirname(__file__))
from fit_reference import LAM, PenalizedGLM, L2, simulate  # noqa: E402


def simulate_contexts(n_contexts, n_trials):
    """The timed data (seeded, also used by scripts/compare/fit.py): per context, slopes w
    uniform(-4, 4), intercept 0.2, differences d = U(0,1) - U(0,1) and hard labels y.
    Returns [(d, y, w)]."""
    rng = np.random.default_rng(7)
    contexts = []
    for _ in range(n_contexts):
        w = rng.uniform(-4, 4, 5)
        d, y, _ = simulate(rng, n_trials, w, 0.2)
        contexts.append((d, y, w))
    return contexts


def fit_statsmodels_timed(contexts):
    """Fits every (d, y, w) context with statsmodels' penalised GLM (Newton).
    Returns (params as a (contexts, 6) array, wall seconds of the fits alone)."""
    start = time.perf_counter()
    params = []
    for d, y, _ in contexts:
        X = np.column_stack([np.ones(len(y)), d])
        model = PenalizedGLM(y, X, family=sm.families.Binomial(), penal=L2(weights=LAM / 2.0), pen_weight=1.0)
        params.append(model.fit(method="newton", maxiter=100, tol=1e-12, disp=False).params)
    seconds = time.perf_counter() - start
    return np.array(params), seconds


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--contexts", type=int, default=1000)
    ap.add_argument("--trials", type=int, default=100)
    args = ap.parse_args()
    contexts = simulate_contexts(args.contexts, args.trials)
    sm_params, sm_seconds = fit_statsmodels_timed(contexts)

    root = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
    with tempfile.TemporaryDirectory() as tmp:
        data_path = os.path.join(tmp, "data.json")
        out_path = os.path.join(tmp, "out.json")
        with open(data_path, "w") as f:
            json.dump([{"diff": d.tolist(), "p_a": y.tolist()} for d, y, _ in contexts], f)
        env = dict(os.environ, SELFINTERP_FIT_DATA=data_path, SELFINTERP_FIT_OUT=out_path)
        subprocess.run(
            ["cargo", "test", "--release", "--test", "integration", "fit_shared_data_for_timing", "--",
             "--ignored", "--nocapture"],
            cwd=root, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(out_path) as f:
            rust = json.load(f)
    rust_params = np.array(rust["params"])
    rel = np.max(np.abs(rust_params - sm_params) / np.maximum(np.abs(sm_params), 1e-3))
    n = f"{args.contexts} contexts x {args.trials} trials"
    print(f"statsmodels (penalised GLM, Newton): {sm_seconds:8.3f} s for {n}")
    print(f"selfinterp  (release)              : {rust['seconds']:8.3f} s for {n}")
    print(f"speed-up: {sm_seconds / rust['seconds']:.0f}x; largest relative parameter difference: {rel:.2e}")


if __name__ == "__main__":
    main()
