#!/usr/bin/env bash
# How `selfinterp validate` scales: the repository's results/ entries copied 1, 2 and 4 times
# (leaderboard re-rendered for each), validated with one thread and with every core, in one
# run. Prints entries, wall seconds, CPU seconds, seconds per entry and the parallel speed-up:
# linear growth means a constant seconds-per-entry column; "both cores" means a speed-up near 2.
# Usage: [BIN=path] scripts/compare/validate.sh [COPIES...]   (default: 1 2 4)
# BIN=path measures another build (e.g. an older commit's) on the same entries.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ -z "${BIN:-}" ]; then cargo build --release --quiet; BIN="$PWD/target/release/selfinterp"; fi
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
copies=("${@:-1}")
[ $# -eq 0 ] && copies=(1 2 4)
timed() { # prints "wall cpu" of the command
  /usr/bin/time -f "%e %U %S" -o "$WORK/time" "$@" >/dev/null 2>"$WORK/err" || { cat "$WORK/err" >&2; exit 1; }
  awk '{printf "%.3f %.3f\n", $1, $2 + $3}' "$WORK/time"
}
printf "%8s %10s %10s %10s %12s %10s\n" entries "1 thread s" "all s" "cpu s" "s/entry(1t)" speed-up
for k in "${copies[@]}"; do
  dir="$WORK/results-$k"; mkdir -p "$dir"
  for e in results/*/; do
    [ -f "$e/entry.toml" ] || continue  # details/ holds pages, not an entry
    for i in $(seq "$k"); do cp -r "$e" "$dir/$(basename "$e")-$i"; done
  done
  "$BIN" --root . leaderboard "$dir" >/dev/null 2>&1
  n=$(find "$dir" -mindepth 2 -maxdepth 2 -name entry.toml | wc -l)
  read -r w1 _ < <(RAYON_NUM_THREADS=1 timed "$BIN" --root . validate "$dir")
  read -r wn cn < <(timed "$BIN" --root . validate "$dir")
  awk -v n="$n" -v w1="$w1" -v wn="$wn" -v cn="$cn" \
    'BEGIN { printf "%8d %10.3f %10.3f %10.3f %12.4f %9.2fx\n", n, w1, wn, cn, w1 / n, w1 / wn }'
done
echo "(cores: $(getconf _NPROCESSORS_ONLN); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg))"
