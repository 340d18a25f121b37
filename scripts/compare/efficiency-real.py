#!/usr/bin/env python3
"""Calls per unit of precision on real behaviour: the SmolLM2 full-protocol run, subsampled.

scripts/compare/efficiency.sh measures how many calls soft labels and the adaptive design need
to reach the study's precision on simulated agents that follow the fitted model exactly (an
upper bound). This measures the label half of that claim on a real model's answers: the
bundle results/smollm2-135m-instruct-native-full (100 native contexts x 100 random pairs + 10
reports, SmolLM2-135M-Instruct, each choice's log-probabilities recorded).

For each label kind (hard: the letter only, P(A) removed from every sample; soft: P(A) as
recorded), pairs per context k and reports per context R, REPLICATES bundles are made that
keep, in every context, k of its 100 pairs and R of its 10 reports drawn at random (seeded);
each is re-scored whole by `selfinterp score --json` (the same checks, fits and 2,000-resample
context bootstrap as any score). Per cell it prints the mean over replicates of
  - width: the width of the main score's (reports vs learned) bootstrap interval;
  - r_full: pooled r of the cell's learned weights with the full run's (soft labels, all
    100 pairs): how close k pairs come to what 100 give (a real-data stand-in for r with the
    true weights, which a real model does not have);
  - rel: the behavioural split-half reliability;
  - unlearned: contexts with no learned weights (no usable choice), left out of r_full.
The study's precision is the hard-labelled full protocol (k = 100, R = 10). The adaptive
design cannot be measured from this run: its pairs depend on the answers, so it needs new
model calls. Usage: [BIN=selfinterp] scripts/compare/efficiency-real.sh [--replicates 8]
[--json FILE]
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
BUNDLE = os.path.join(ROOT, "results", "smollm2-135m-instruct-native-full")
PAIRS = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
REPORTS = [5, 10]


def pooled_r(x, y):
    n = len(x)
    mx, my = sum(x) / n, sum(y) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y))
    sxx = sum((a - mx) ** 2 for a in x)
    syy = sum((b - my) ** 2 for b in y)
    return sxy / (sxx * syy) ** 0.5


def score(binary, lines, manifest, tmp):
    d = tempfile.mkdtemp(dir=tmp)
    shutil.copy(manifest, os.path.join(d, "manifest.json"))
    with open(os.path.join(d, "samples.jsonl"), "w") as f:
        f.writelines(lines)
    out = subprocess.run([binary, "--root", ROOT, "score", d, "--json"], check=True,
                         stdout=subprocess.PIPE).stdout
    shutil.rmtree(d)
    return json.loads(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--replicates", type=int, default=8)
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "selfinterp"))
    ap.add_argument("--json", help="also write every cell's figures to this file")
    args = ap.parse_args()
    raw = open(os.path.join(BUNDLE, "samples.jsonl")).read().splitlines(keepends=True)
    samples = [json.loads(x) for x in raw]
    hard = []
    for s, line in zip(samples, raw):
        if s["kind"] == "choice":
            s = dict(s, p_a=None)
            line = json.dumps(s, separators=(",", ":")) + "\n"
        hard.append(line)
    by_ctx = {}
    for i, s in enumerate(samples):
        by_ctx.setdefault(s["context"], {"choice": [], "report": []})[s["kind"]].append(i)
    manifest = os.path.join(BUNDLE, "manifest.json")
    tmp = tempfile.mkdtemp()
    full = score(args.bin, raw, manifest, tmp)
    ref = {c["id"]: c["learned"] for c in full["contexts"]}
    cells = []
    for label, lines in [("hard", hard), ("soft", raw)]:
        for reports in REPORTS:
            for pairs in PAIRS:
                reps = 1 if (pairs, reports) == (100, 10) else args.replicates
                got = []
                for rep in range(reps):
                    rng = random.Random(f"{pairs}-{reports}-{rep}")
                    keep = []
                    for ctx in by_ctx.values():
                        keep += rng.sample(ctx["choice"], pairs) + rng.sample(ctx["report"], reports)
                    s = score(args.bin, [lines[i] for i in sorted(keep)], manifest, tmp)
                    lo, hi = s["reports_vs_learned"]["ci_bootstrap"]
                    # Contexts whose weights could not be learned (no usable choice) are left out.
                    both = [(c["learned"], ref[c["id"]]) for c in s["contexts"] if c["learned"]]
                    x = [w for a, _ in both for w in a]
                    y = [w for _, b in both for w in b]
                    got.append((hi - lo, pooled_r(x, y),
                                s["quality"]["behavioural_reliability"]["value"],
                                len(s["contexts"]) - len(both)))
                mean = [sum(g[i] for g in got) / len(got) for i in range(4)]
                cells.append({"labels": label, "pairs": pairs, "reports": reports,
                              "replicates": reps, "width": mean[0], "r_full": mean[1],
                              "reliability": mean[2], "unlearned": mean[3],
                              "calls": pairs + reports})
                print(f"  {label:4s} pairs {pairs:3d} reports {reports:2d}: width {mean[0]:.3f}  "
                      f"r_full {mean[1]:.3f}  rel {mean[2]:.3f}  unlearned {mean[3]:.1f}  ({reps} replicates)", file=sys.stderr)
    shutil.rmtree(tmp)
    study = next(c for c in cells if (c["labels"], c["pairs"], c["reports"]) == ("hard", 100, 10))
    print(f"SmolLM2-135M-Instruct, full protocol, {len(by_ctx)} contexts; mean of {args.replicates} "
          f"random subsamples per cell")
    print(f"study's precision (hard labels, 100 pairs, 10 reports: {study['calls']} calls per context): "
          f"interval width {study['width']:.3f}, r_full {study['r_full']:.3f}, reliability "
          f"{study['reliability']:.3f}")
    print(f"{'labels':6s} {'reports':>7s} {'pairs':>5s} {'calls':>5s} {'width':>7s} {'r_full':>7s} "
          f"{'rel':>6s} {'unlearned':>9s}")
    for c in cells:
        print(f"{c['labels']:6s} {c['reports']:7d} {c['pairs']:5d} {c['calls']:5d} {c['width']:7.3f} "
              f"{c['r_full']:7.3f} {c['reliability']:6.3f} {c['unlearned']:9.1f}")
    for label in ["hard", "soft"]:
        for what, better in [("width", lambda c: c["width"] <= study["width"]),
                             ("reliability", lambda c: c["reliability"] >= study["reliability"]),
                             ("r_full", lambda c: c["r_full"] >= study["r_full"])]:
            ok = [c for c in cells if c["labels"] == label and better(c)]
            if ok:
                c = min(ok, key=lambda c: (c["calls"], c["width"]))
                print(f"{label} labels reach the study's {what} with {c['pairs']} pairs and "
                      f"{c['reports']} reports: {c['calls']} of {study['calls']} calls "
                      f"({100 * c['calls'] / study['calls']:.0f}%)")
            else:
                print(f"{label} labels do not reach the study's {what} at any measured size")
    if args.json:
        json.dump({"study": study, "cells": cells}, open(args.json, "w"), indent=1)


if __name__ == "__main__":
    main()
