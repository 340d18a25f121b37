#!/usr/bin/env bash
# Coverage of the `privileged_access` intervals (the three rows, their three paired
# differences and the two partial r) at the quick preset's size. The figures go into
# docs/statistics.md (Privileged access).
#
#   scripts/privileged_coverage.sh [REPLICATIONS] [REFERENCE_RUNS]    (defaults 150 and 8)
#
# Design: the simulated `faithful` agent on the instilled split, observed by itself (the
# simulated `faithful` observer, shown 5 of each context's 20 choices). Each replication draws
# 20 of the split's 100 contexts (Python's random.Random(seed)), runs the agent with that seed
# at the quick preset (20 pairs, 3 reports a context), runs the observer with the same seed and
# scores the observer run. The reference value of each figure is its mean over REFERENCE_RUNS
# runs of all 100 contexts at the same design (agent seeds 1..REFERENCE_RUNS). About 1 s a
# replication (release build, idle machine). SELFINTERP_BIN names another build to measure.
set -euo pipefail
cd "$(dirname "$0")/.."
reps="${1:-150}"
refs="${2:-8}"
[[ -n "${SELFINTERP_BIN:-}" ]] || cargo build --release --locked --quiet
bin="${SELFINTERP_BIN:-$PWD/target/release/selfinterp}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 scripts/context_sets.py "$work" "$reps"
run() {  # run SEED OUT [extra args]: the agent's run, its observer's run, the observer's score
  local seed="$1" out="$2"; shift 2
  local common=(--provider sim --model faithful --preset quick --seed "$seed" --yes --no-cache)
  "$bin" run "${common[@]}" --experiment instilled --out "$out" "$@" >/dev/null 2>&1
  "$bin" run "${common[@]}" --experiment observe --of "$out" --examples 5 --out "$out-obs" \
    "$@" >/dev/null 2>&1
  "$bin" score "$out-obs" --json >"$out.json"
  rm -rf "$out" "$out-obs"
}
for s in $(seq 1 "$refs"); do run "$s" "$work/all$s" --contexts 100; done
for s in $(seq 0 $((reps - 1))); do run "$s" "$work/r$s" --contexts-file "$work/ctx$s.txt"; done
python3 - "$work" "$reps" "$refs" <<'EOF'
import json, sys
import numpy as np
work, reps, refs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
figures = [("self_report", "r"), ("observer_model", "r"), ("ideal_observer", "r"),
           ("self_minus_observer", "difference"), ("self_minus_ideal", "difference"),
           ("observer_minus_ideal", "difference"), ("partial_self", "r"),
           ("partial_observer", "r")]
load = lambda name: json.load(open(f"{work}/{name}.json"))["privileged_access"]
full = [load(f"all{s}") for s in range(1, refs + 1)]
runs = [load(f"r{s}") for s in range(reps)]
print(f"{reps} replications of 20 contexts; reference: mean of {refs} runs of 100 contexts")
print("figure | reference (sd over runs) | mean at 20 | coverage | below | above | width | mean G*")
for key, field in figures:
    ref = np.array([f[key][field] for f in full], dtype=float)
    v = np.array([x[key][field] for x in runs], dtype=float)
    ci = np.array([x[key]["ci_bootstrap"] for x in runs], dtype=float)
    t = ref.mean()
    cover = np.mean((ci[:, 0] <= t) & (ci[:, 1] >= t))
    g = [x[key].get("effective_contexts") for x in runs]
    g = np.mean([x for x in g if x is not None]) if any(x is not None for x in g) else float("nan")
    print(f"{key} | {t:.3f} ({ref.std(ddof=1):.3f}) | {v.mean():.3f} | {100 * cover:.1f}% | "
          f"{100 * np.mean(ci[:, 1] < t):.1f}% | {100 * np.mean(ci[:, 0] > t):.1f}% | "
          f"{np.mean(ci[:, 1] - ci[:, 0]):.3f} | {g:.1f}")
EOF
