#!/usr/bin/env python3
"""Whole-process `selfinterp score DIR --json` against statsmodels' fits of the same data.

Makes (seeded, in a temporary root, nothing in the repository changes) a benchmark version
"score1k" of 1,000 native contexts (v1's 100 native contexts, each ten times under new ids,
with 100 fresh pairs each drawn like the freeze's), runs `selfinterp run --provider sim`
on it (100 choices + 10 reports per context: 110,000 samples), then times, alternating,
  - `selfinterp score DIR --json` as a process (start to exit: reading, every check,
    fits, split halves, bootstraps, nulls, JSON out), on all threads and on one;
  - a Python process that reads the same samples.jsonl, builds each context's design
    (option differences over the attribute's range, label 1 when A was chosen) and fits
    every context with statsmodels' penalised GLM (the same MAP objective, Newton;
    scripts/reference/fit_timing.py), start to exit.
Prints best-of-ROUNDS wall times, their ratio, CPU times, the load average, and whether the
summaries of the rounds (and of BASE, when given) are byte-identical.
Usage: [BIN=selfinterp] scripts/compare/score-process.sh [--rounds 5] [--base OTHER_BINARY] [--keep DIR]
"""
import argparse
import hashlib
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))

STATSMODELS_FITS = r"""
import json, sys
import numpy as np
import statsmodels.api as sm
sys.path.insert(0, sys.argv[3])
from fit_reference import LAM, PenalizedGLM, L2
bench = {}
for line in open(sys.argv[2]):
    c = json.loads(line)
    bench[c["id"]] = [(a["min"], a["max"]) for a in c["attributes"]]
rows = {}
for line in open(sys.argv[1]):
    s = json.loads(line)
    if s["kind"] != "choice" or s["parsed"] not in ("A", "B"):
        continue
    rng = bench[s["context"]]
    a, b = s["options"]["A"], s["options"]["B"]
    rows.setdefault(s["context"], []).append(
        ([(x - y) / (hi - lo) for x, y, (lo, hi) in zip(a, b, rng)], 1.0 if s["parsed"] == "A" else 0.0))
params = []
for ctx, r in rows.items():
    d = np.array([x for x, _ in r])
    y = np.array([v for _, v in r])
    X = np.column_stack([np.ones(len(y)), d])
    m = PenalizedGLM(y, X, family=sm.families.Binomial(), penal=L2(weights=LAM / 2.0), pen_weight=1.0)
    params.append(m.fit(method="newton", maxiter=100, tol=1e-12, disp=False).params)
print(json.dumps({"contexts": len(params), "choices": sum(len(r) for r in rows.values())}))
"""


def make_benchmark(root, copies, pairs):
    out = os.path.join(root, "benchmark", "score1k")
    os.makedirs(out)
    rng = random.Random(1)
    m = json.load(open(os.path.join(ROOT, "benchmark", "v1", "manifest.json")))
    lines, native = [], []

    def value(a):
        v = rng.uniform(a["min"], a["max"])
        return round(v, a["decimals"]) if a["decimals"] else float(round(v))

    for line in open(os.path.join(ROOT, "benchmark", "v1", "contexts.jsonl")):
        c = json.loads(line)
        if c["split"] != "native":
            lines.append(json.dumps(c, separators=(",", ":")))
            continue
        for k in range(copies):
            d = dict(c)
            d["id"] = c["id"] if k == 0 else f"{c['id']}_{k}"
            d["pairs"] = [{"A": [value(a) for a in c["attributes"]],
                           "B": [value(a) for a in c["attributes"]]} for _ in range(pairs)]
            native.append(d["id"])
            lines.append(json.dumps(d, separators=(",", ":")))
    text = "\n".join(lines) + "\n"
    m["version"] = "score1k"
    m["splits"]["native"] = native
    m["counts"]["native_contexts"] = len(native)
    m["counts"]["native_pairs"] = pairs
    m.setdefault("files", {})["contexts.jsonl"] = hashlib.sha256(text.encode()).hexdigest()
    open(os.path.join(out, "contexts.jsonl"), "w").write(text)
    json.dump(m, open(os.path.join(out, "manifest.json"), "w"), indent=2)
    return os.path.join(out, "contexts.jsonl")


def timed(cmd, env=None):
    """Runs cmd; returns (wall s, CPU s of the child, stdout bytes)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, env=env, check=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, p.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "selfinterp"))
    ap.add_argument("--base", help="another build of selfinterp, timed in the same rounds")
    ap.add_argument("--keep", help="make the data here (kept) instead of a temporary directory")
    args = ap.parse_args()
    tmp = args.keep or tempfile.mkdtemp()
    root = os.path.join(tmp, "root")
    run = os.path.join(tmp, "run")
    if not os.path.exists(os.path.join(run, "samples.jsonl")):
        contexts = make_benchmark(root, 10, 100)
        subprocess.run([args.bin, "--root", root, "run", "--provider", "sim", "--model", "faithful",
                        "--experiment", "native", "--benchmark", "score1k", "--preset", "full",
                        "--trials", "100", "--reports", "10", "--concurrency", "64", "--no-cache",
                        "--out", run], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    contexts = os.path.join(root, "benchmark", "score1k", "contexts.jsonl")
    samples = os.path.join(run, "samples.jsonl")
    n = sum(1 for _ in open(samples))
    print(f"data: {n} samples, samples.jsonl {os.path.getsize(samples) / 1e6:.1f} MB "
          f"(1,000 contexts x 100 choices + 10 reports, simulated)")
    sm_cmd = [sys.executable, "-c", STATSMODELS_FITS, samples, contexts,
              os.path.join(ROOT, "scripts", "reference")]
    builds = [("score", args.bin)] + ([("base", args.base)] if args.base else [])
    one = dict(os.environ, RAYON_NUM_THREADS="1")
    results = {}
    outputs = {}
    loads = []
    for _ in range(args.rounds):
        loads.append(os.getloadavg()[0])
        results.setdefault("statsmodels", []).append(timed(sm_cmd)[:2])
        for name, binary in builds:
            cmd = [binary, "--root", root, "score", run, "--json"]
            w, c, out = timed(cmd)
            results.setdefault(f"{name}, all threads", []).append((w, c))
            outputs.setdefault(name, set()).add(hashlib.sha256(out).hexdigest())
            w, c, out = timed(cmd, one)
            results.setdefault(f"{name}, one thread", []).append((w, c))
            outputs.setdefault(name, set()).add(hashlib.sha256(out).hexdigest())
    loads.append(os.getloadavg()[0])
    best = {k: min(v) for k, v in results.items()}
    sm_wall, sm_cpu = best["statsmodels"]
    print(f"best of {args.rounds} alternating rounds, whole processes (start to exit); "
          f"load average {min(loads):.1f}-{max(loads):.1f} on {os.cpu_count()} cores")
    print(f"  {'process':28s} {'wall':>9s} {'CPU':>9s}  {'statsmodels / it, wall':>22s} {'CPU':>6s}")
    for k, (w, c) in best.items():
        print(f"  {k:28s} {w:8.3f}s {c:8.3f}s  {sm_wall / w:21.1f}x {sm_cpu / c:5.1f}x")
    print("  (target: whole score >= 20x statsmodels' fits in wall time on an idle two-core machine)")
    for name, hashes in outputs.items():
        print(f"  {name}: summaries of every round and thread count byte-identical: {len(hashes) == 1}")
    if args.base:
        print(f"  score and base summaries byte-identical: {outputs['score'] == outputs['base']}")
    print(json.dumps({"samples": n, "load": [min(loads), max(loads)],
                      "best": {k: {"wall": w, "cpu": c} for k, (w, c) in best.items()},
                      "ratio_wall": sm_wall / best["score, all threads"][0]}))
    if not args.keep:
        subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    main()
