#!/usr/bin/env python3
"""Reference value of `partial_reports_learned_given_target` on a stored run bundle, computed
from the bundle's raw samples independently of the Rust code (src/scoring/partial.rs and the
pipeline that feeds it).

For every context of the bundle (benchmark contexts from benchmark/<version>/contexts.jsonl):
  - learned weights: the MAP logistic fit of the context's valid choices (scipy trust-exact on
    the same objective as src/estimation/fit.rs: slopes ~ N(0, 1), intercept ~ N(0, 2.5);
    label = the sample's soft label P(A) when the bundle used soft labels and the sample has
    one, else the letter), each difference scaled by the attribute's range, slopes rescaled to
    max |w| = 100;
  - reported weights: the mean of the context's valid reports;
  - target: the context's profile.
Then, over the pooled (context, attribute) points: Pearson r of reported and learned, and the
partial r of reported and learned given the target as the correlation of statsmodels OLS
residuals (each regressed on [1, target]), with its context jackknife standard error.

Writes tests/fixtures/scoring/partial_bundle_reference.json. Usage:
    pip install numpy scipy statsmodels
    python3 scripts/reference/partial_bundle_reference.py [BUNDLE]
(default BUNDLE: results/sim-faithful-instilled-quick, the stored simulated faithful agent on
the instilled split).
"""
import hashlib
import json
import os
import sys

import numpy as np
import scipy
import scipy.optimize
import scipy.special
import statsmodels
import statsmodels.api as sm

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
OUT = os.path.join(ROOT, "tests", "fixtures", "scoring", "partial_bundle_reference.json")
LAM = np.array([1 / 2.5**2, 1.0, 1.0, 1.0, 1.0, 1.0])


def map_fit(X, y):
    def neg(b):
        eta = X @ b
        return -(np.sum(y * eta - np.logaddexp(0.0, eta)) - 0.5 * np.sum(LAM * b * b))

    def grad(b):
        return -(X.T @ (y - scipy.special.expit(X @ b)) - LAM * b)

    def hess(b):
        p = scipy.special.expit(X @ b)
        return (X.T * (p * (1 - p))) @ X + np.diag(LAM)

    res = scipy.optimize.minimize(neg, np.zeros(6), jac=grad, hess=hess, method="trust-exact",
                                  options={"gtol": 1e-12, "maxiter": 1000})
    slopes = res.x[1:]
    return slopes * 100.0 / np.max(np.abs(slopes))


def residuals(v, t):
    return sm.OLS(v, sm.add_constant(t)).fit().resid


def partial_r(rep, lea, tar):
    x, y, t = rep.ravel(), lea.ravel(), tar.ravel()
    return float(np.corrcoef(residuals(x, t), residuals(y, t))[0, 1])


def jackknife_se(values):
    v = np.asarray(values)
    g = len(v)
    return float(np.sqrt((g - 1) / g * np.sum((v - v.mean()) ** 2)))


def main():
    bundle = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "results", "sim-faithful-instilled-quick")
    manifest = json.load(open(os.path.join(bundle, "manifest.json")))
    soft = bool(manifest.get("soft_labels", {}).get("used"))
    version = manifest["benchmark"]
    contexts = {}
    for line in open(os.path.join(ROOT, "benchmark", version, "contexts.jsonl")):
        c = json.loads(line)
        contexts[c["id"]] = c
    raw = open(os.path.join(bundle, "samples.jsonl"), "rb").read()
    choices, reports, order = {}, {}, []
    for line in raw.decode().splitlines():
        s = json.loads(line)
        cid = s["context"]
        if cid not in order:
            order.append(cid)
        if s["kind"] == "choice" and s["parsed"] in ("A", "B"):
            if s["order"] != "ab":
                sys.exit("counterbalanced bundles are not handled by this script")
            label = s["p_a"] if soft and s.get("p_a") is not None else float(s["parsed"] == "A")
            choices.setdefault(cid, []).append((s["options"]["A"], s["options"]["B"], label))
        elif s["kind"] == "report" and s["status"] == "valid":
            reports.setdefault(cid, []).append(s["parsed"])
    ids, rep, lea, tar = [], [], [], []
    for cid in order:
        if cid not in choices or cid not in reports:
            continue
        ranges = np.array([[a["min"], a["max"]] for a in contexts[cid]["attributes"]])
        d = np.array([(np.array(a) - np.array(b)) / (ranges[:, 1] - ranges[:, 0])
                      for a, b, _ in choices[cid]])
        y = np.array([lab for _, _, lab in choices[cid]])
        ids.append(cid)
        lea.append(map_fit(np.column_stack([np.ones(len(y)), d]), y))
        rep.append(np.mean(np.array(reports[cid]), axis=0))
        tar.append(np.array(contexts[cid]["profile"], dtype=float))
    rep, lea, tar = np.array(rep), np.array(lea), np.array(tar)
    loo = [partial_r(np.delete(rep, c, 0), np.delete(lea, c, 0), np.delete(tar, c, 0))
           for c in range(len(ids))]
    out = {
        "generator": "scripts/reference/partial_bundle_reference.py",
        "versions": {"numpy": np.__version__, "scipy": scipy.__version__, "statsmodels": statsmodels.__version__},
        "bundle": os.path.relpath(os.path.abspath(bundle), os.path.abspath(ROOT)),
        "samples_sha256": hashlib.sha256(raw).hexdigest(),
        "soft_labels": soft,
        "n_contexts": len(ids),
        "reports_vs_learned_r": float(np.corrcoef(rep.ravel(), lea.ravel())[0, 1]),
        "partial_r": partial_r(rep, lea, tar),
        "partial_se_jackknife": jackknife_se(loo),
        "contexts": [{"id": i, "learned": list(map(float, l)), "reported": list(map(float, r))}
                     for i, l, r in zip(ids, lea, rep)],
    }
    print(f"{out['bundle']}: {len(ids)} contexts, r {out['reports_vs_learned_r']:.6f}, "
          f"partial r {out['partial_r']:.6f} (jackknife se {out['partial_se_jackknife']:.6f})")
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
