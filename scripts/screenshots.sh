#!/usr/bin/env bash
# Screenshots of every page a reader sees, at desktop (1280 px) and phone (390 px) widths, in
# headless Chromium: a simulated run's HTML report, the SmolLM2 full-protocol report, the
# leaderboard, and the viewer's index, report and sample browser. Look at them before a
# change to the pages lands: nothing cut off, nothing contradictory.
#
#   scripts/screenshots.sh [OUT_DIR]        (default: /tmp/selfinterp-screenshots)
#
# Uses target/release/selfinterp (run `cargo build --release` first) and Debian's chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-/tmp/selfinterp-screenshots}"
bin="$PWD/target/release/selfinterp"
browser="$(command -v chromium || command -v chromium-browser || true)"
[ -x "$bin" ] || { echo "$bin not found: cargo build --release" >&2; exit 2; }
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

# shot URL NAME: NAME-1280.png and NAME-390.png, tall enough for the whole page.
shot() {
    for w in 1280 390; do
        "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
            --disable-background-networking --disable-component-update --disable-sync \
            --hide-scrollbars=false --user-data-dir="$profile" \
            --screenshot="$out/$2-$w.png" --window-size="$w,4000" "$1" 2>/dev/null
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
if [ -d "$full" ]; then
    "$bin" report "$full" --format html --out "$work/smollm2.html"
    shot "file://$work/smollm2.html" report-smollm2-full
fi
shot "file://$PWD/results/leaderboard.html" leaderboard

"$bin" view results --port 0 >"$work/url" 2>"$work/view.log" &
viewer=$!
for _ in $(seq 1 200); do [ -s "$work/url" ] && break; sleep 0.1; done
url="$(head -1 "$work/url")"
[ -n "$url" ] || { echo "the viewer printed no URL:" >&2; cat "$work/view.log" >&2; exit 1; }
shot "$url" view-index
name="$(basename "$full")"
shot "${url}b/$name/samples" view-samples
