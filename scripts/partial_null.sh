#!/usr/bin/env bash
# What `partial_reports_learned_given_target` gives a reporter that is faithful and whose
# behaviour is its instilled target plus noise (the simulated `faithful` agent on the instilled
# split): its distribution at the quick preset's size and how often its interval covers 0 and
# the value at 100 contexts. The figures go into docs/statistics.md (partial r section).
#
#   scripts/partial_null.sh [REPLICATIONS]    (default 200; about 0.3 s each, release build)
#
# Each replication draws 20 of the split's 100 contexts (Python's random.Random(seed)) and runs
# the agent with that seed at the quick preset (20 pairs, 3 reports a context); the reference
# value is the mean over agent seeds 1-5 of a run of all 100 contexts at the same design.
set -euo pipefail
cd "$(dirname "$0")/.."
reps="${1:-200}"
[[ -n "${SELFINTERP_BIN:-}" ]] || cargo build --release --locked --quiet
bin="${SELFINTERP_BIN:-$PWD/target/release/selfinterp}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 scripts/context_sets.py "$work" "$reps"
run() {  # run SEED OUT [extra args]
  local seed="$1" out="$2"; shift 2
  "$bin" run --provider sim --model faithful --experiment instilled --preset quick --seed "$seed" \
    --out "$out" --yes --no-cache "$@" >/dev/null 2>&1
  "$bin" score "$out" --json >"$out.json"
  rm -rf "$out"
}
for s in 1 2 3 4 5; do run "$s" "$work/all$s" --contexts 100; done
for s in $(seq 0 $((reps - 1))); do run "$s" "$work/r$s" --contexts-file "$work/ctx$s.txt"; done
python3 - "$work" "$reps" <<'EOF'
import json, sys
import numpy as np
work, reps = sys.argv[1], int(sys.argv[2])
key = "partial_reports_learned_given_target"
full = [json.load(open(f"{work}/all{s}.json"))[key]["r"] for s in range(1, 6)]
ref = float(np.mean(full))
p = [json.load(open(f"{work}/r{s}.json"))[key] for s in range(reps)]
r = np.array([x["r"] for x in p])
ci = np.array([x["ci_bootstrap"] for x in p])
print(f"100 contexts, agent seeds 1-5: {np.round(full, 3).tolist()}, mean {ref:.3f}")
print(f"20 contexts, {reps} replications: mean {r.mean():.3f}, sd {r.std(ddof=1):.3f}, "
      f"2.5-97.5% {np.quantile(r, 0.025):.3f} to {np.quantile(r, 0.975):.3f}")
for name, t in (("0", 0.0), (f"the 100-context mean {ref:.3f}", ref)):
    cover = np.mean((ci[:, 0] <= t) & (ci[:, 1] >= t))
    print(f"interval covers {name}: {100 * cover:.1f}% "
          f"(entirely below: {100 * np.mean(ci[:, 1] < t):.1f}%, above: {100 * np.mean(ci[:, 0] > t):.1f}%)")
EOF
