#!/usr/bin/env bash
# Regenerate the simulated reference entries of results/ (marked simulated = true) and the
# leaderboard, then validate. Real model entries are left alone.
#
#   scripts/seed-results.sh            # uses target/release/selfinterp (builds it if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${SELFINTERP_BIN:-target/release/selfinterp}"
[ -x "$bin" ] || cargo build --release
date="${SEED_DATE:-$(date -u +%F)}"

entry() { # name agent experiment display notes [run options...]
  local name="$1" agent="$2" exp="$3" display="$4" notes="$5"
  shift 5
  local dir="results/$name"
  rm -rf "$dir"
  "$bin" run --provider sim --model "$agent" --experiment "$exp" --no-cache --out "$dir" "$@" >/dev/null 2>&1 || {
    rc=$?
    # Simulated agents built to fail (position-biased) may trip --max-invalid-rate; keep them.
    [ "$rc" -eq 1 ] || { echo "run $name failed ($rc)" >&2; exit "$rc"; }
  }
  rm -f "$dir/timings.jsonl" # latencies: not part of the measurement, and never reproducible
  [ -s "$dir/errors.jsonl" ] || rm -f "$dir/errors.jsonl"
  cat > "$dir/entry.toml" <<TOML
display_name = "$display"
model_id = "$agent"
provider = "sim"
date = "$date"
submitted_by = "selfinterp maintainers"
notes = "$notes"
simulated = true
TOML
  echo "$dir"
}

entry sim-faithful-native-full faithful native "Simulated: faithful (full)" \
  "Reports its true weights plus noise; the ceiling a perfectly introspective model would reach." --preset full
entry sim-faithful-native-quick faithful native "Simulated: faithful" \
  "Reports its true weights plus noise." --preset quick
entry sim-partial-native-quick partial:0.5 native "Simulated: partial (0.5)" \
  "Reports half true weights, half unrelated ones." --preset quick
entry sim-confabulator-native-quick confabulator native "Simulated: confabulator" \
  "Chooses like faithful but reports unrelated plausible weights: should sit at chance." --preset quick
entry sim-position-biased-native-quick position-biased native "Simulated: position-biased" \
  "Always answers A; reports unrelated weights." --preset quick
entry sim-random-native-quick random native "Simulated: random" \
  "Answers A or B at random with P(A) = 0.5, so no weight can be learned from its choices and r is undefined; reports unrelated weights." --preset quick
entry sim-faithful-instilled-quick faithful instilled "Simulated: faithful (instilled)" \
  "Behaves as if fine-tuned on the hidden profiles and reports them plus noise." --preset quick

"$bin" leaderboard --results results
"$bin" validate results
