#!/usr/bin/env bash
# Peak resident memory (GNU time's "Maximum resident set size") of
#   0. the full protocol simulated (`run --provider sim --preset full`: 100 native contexts x
#      100 choices + 10 reports, 11,000 samples) and a re-score of it (`score --json`);
#   1. a 100,000-sample simulated run: `selfinterp run --provider sim` over the native split
#      with 1,000 pairs per context (100 contexts x 1,000 choices, no reports);
#   2. `selfinterp validate results/` (re-scores every leaderboard entry), when results/ exists.
# The frozen v1 has 100 pairs per native context, so the run uses a copy of it ("mem1", in a
# temporary root) whose native contexts get 900 more pairs, drawn uniformly and rounded like
# the freeze's (seeded), with the manifest's counts and hash updated. Nothing in the
# repository is changed.
# Usage: [BIN=selfinterp] scripts/compare/memory.sh [PAIRS_PER_CONTEXT]
# (needs: cargo, python3, /usr/bin/time; BIN: a prebuilt binary measured instead of this
# checkout's release build)
set -euo pipefail
cd "$(dirname "$0")/../.."
PAIRS="${1:-1000}"
[ -x /usr/bin/time ] || { echo "needs GNU time at /usr/bin/time (apt-get install time)" >&2; exit 2; }
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet
  BIN="$PWD/target/release/selfinterp"
fi
BIN="$(realpath "$BIN")"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/root/benchmark/mem1"
python3 - "$PAIRS" "$WORK/root/benchmark/mem1" <<'PY'
import hashlib, json, random, sys
pairs, out = int(sys.argv[1]), sys.argv[2]
rng = random.Random(1)
lines = []
for line in open("benchmark/v1/contexts.jsonl"):
    c = json.loads(line)
    if c["split"] == "native":
        def value(a):
            return round(rng.uniform(a["min"], a["max"]), a["decimals"]) if a["decimals"] else float(round(rng.uniform(a["min"], a["max"])))
        while len(c["pairs"]) < pairs:
            c["pairs"].append({"A": [value(a) for a in c["attributes"]], "B": [value(a) for a in c["attributes"]]})
    lines.append(json.dumps(c, separators=(",", ":")))
text = "\n".join(lines) + "\n"
m = json.load(open("benchmark/v1/manifest.json"))
m["version"] = "mem1"
m["counts"]["native_pairs"] = pairs
m.setdefault("files", {})["contexts.jsonl"] = hashlib.sha256(text.encode()).hexdigest()
open(f"{out}/contexts.jsonl", "w").write(text)
json.dump(m, open(f"{out}/manifest.json", "w"), indent=2)
PY
peak() {  # label, command...: runs it under GNU time, prints peak RSS and wall time
  local label="$1"; shift
  local rc=0
  /usr/bin/time -v "$@" >"$WORK/out.txt" 2>"$WORK/time.txt" || rc=$?
  local kb wall
  kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time.txt")
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$WORK/time.txt")
  printf '%-58s peak RSS %7.1f MiB   wall %s\n' "$label" "$(echo "$kb / 1024" | bc -l)" "$wall"
  # validate exits 1 when it finds problems: the memory figure still stands; say so.
  [ "$rc" = 0 ] || echo "  (exit status $rc: $(grep -v '^\s' "$WORK/time.txt" | grep -v 'Command being timed' | tail -1 | cut -c1-120))"
}
peak "run --provider sim --preset full: 11,000 samples" \
  "$BIN" --root "$WORK/root" run --provider sim --model faithful --experiment native \
  --preset full --concurrency 64 --no-cache --out "$WORK/full"
peak "score --json of that run" "$BIN" --root "$WORK/root" score "$WORK/full" --json
peak "run --provider sim: $((PAIRS * 100)) choice samples" \
  "$BIN" --root "$WORK/root" run --provider sim --model faithful --experiment native --benchmark mem1 \
  --preset full --trials "$PAIRS" --reports 0 --concurrency 64 --no-cache --out "$WORK/run"
echo "  samples written: $(wc -l < "$WORK/run/samples.jsonl"), samples.jsonl $(du -h "$WORK/run/samples.jsonl" | cut -f1)"
peak "score of that run (re-fit from samples.jsonl)" "$BIN" --root "$WORK/root" score "$WORK/run"
if [ -d results ]; then
  peak "validate results/ ($(find results -name samples.jsonl | wc -l) bundles)" "$BIN" validate results
fi
