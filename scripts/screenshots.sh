#!/usr/bin/env bash
# Screenshots of every page a reader sees, at desktop (1280 px) and phone (390 px) widths, in
# headless Chromium: the HTML reports of two simulated runs (faithful, random), the leaderboard,
# the SmolLM2 full-protocol entry's detail page and full report, and the viewer's index, report
# and sample browser. Look at them before a change to the pages lands: nothing cut off, nothing
# contradictory.
#
#   [BIN=path] scripts/screenshots.sh [OUT_DIR]        (default: /tmp/selfinterp-screenshots)
#
# Uses target/release/selfinterp (run `cargo build --release` first) or BIN, and Debian's
# chromium. Pages are shot 6,000 px tall; a longer page shows its top 6,000 px.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-/tmp/selfinterp-screenshots}"
bin="${BIN:-$PWD/target/release/selfinterp}"
browser="$(command -v chromium || command -v chromium-browser || true)"
[ -x "$bin" ] || { echo "$bin not found: cargo build --release, or give BIN=path" >&2; exit 2; }
[ -n "$browser" ] || { echo "chromium not found: apt-get install -y chromium" >&2; exit 2; }
mkdir -p "$out"
work="$(mktemp -d)"
profile="$(mktemp -d)"
viewer=""
cleanup() {
    [ -n "$viewer" ] && kill "$viewer" 2>/dev/null
    rm -rf "$work" "$profile"
}
trap cleanup EXIT

# shot URL NAME: NAME-1280.png and NAME-390.png; scripts get 5 s of virtual time to draw.
shot() {
    for w in 1280 390; do
        "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
            --disable-background-networking --disable-component-update --disable-sync \
            --hide-scrollbars=false --user-data-dir="$profile" \
            --virtual-time-budget=5000 \
            --screenshot="$out/$2-$w.png" --window-size="$w,6000" "$1" 2>/dev/null
        echo "$out/$2-$w.png"
    done
}

"$bin" run --provider sim --model faithful --experiment native --preset quick \
    --out "$work/faithful" >/dev/null 2>&1
"$bin" report "$work/faithful" --format html --out "$work/faithful.html"
shot "file://$work/faithful.html" report-faithful
"$bin" run --provider sim --model random --experiment native --preset quick \
    --out "$work/random" >/dev/null 2>&1 || true
"$bin" report "$work/random" --format html --out "$work/random.html"
shot "file://$work/random.html" report-random
full="results/smollm2-135m-instruct-native-full"
name="$(basename "$full")"
shot "file://$PWD/results/leaderboard.html" leaderboard
# The entry's detail page as committed, and its full report as this binary renders it (the
# committed copy, details/$name.report.html, must equal it: `selfinterp validate`).
shot "file://$PWD/results/details/$name.html" detail-smollm2-full
"$bin" report "$full" --format html --out "$work/smollm2.html"
shot "file://$work/smollm2.html" report-smollm2-full

"$bin" view results --port 0 >"$work/url" 2>"$work/view.log" &
viewer=$!
for _ in $(seq 1 200); do [ -s "$work/url" ] && break; sleep 0.1; done
url="$(head -1 "$work/url")"
[ -n "$url" ] || { echo "the viewer printed no URL:" >&2; cat "$work/view.log" >&2; exit 1; }
shot "$url" view-index
shot "${url}b/$name/report" view-report
shot "${url}b/$name/samples" view-samples
