#!/usr/bin/env bash
# Screenshots of every page a reader sees, whole, at desktop (1280 px) and phone (390 px) widths,
# in headless Chromium: the HTML reports of four simulated runs (faithful and random native runs,
# an instilled run, an observer run), the leaderboard, the SmolLM2 full-protocol entry's detail
# page and full report, and the viewer's index, report and sample browser. Look at them before a
# change to the pages lands: nothing cut off, nothing contradictory.
#
#   [BIN=path] [TILES=1] scripts/screenshots.sh [OUT_DIR]   (default: /tmp/selfinterp-screenshots)
#
# Uses target/release/selfinterp (run `cargo build --release` first) or BIN, Debian's chromium
# and python3. Each page is shot as tall as it is laid out at that width (scripts/fullpage.py),
# and a page wider than its window is reported on stderr. TILES=1 also cuts each shot into
# 1280x1000 tiles (OUT_DIR/tiles/NAME-WIDTH-NN.png), small enough for an image viewer to show at
# full size; that needs ImageMagick (`apt-get install -y imagemagick`).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-/tmp/selfinterp-screenshots}"
bin="${BIN:-$PWD/target/release/selfinterp}"
browser="$(command -v chromium || command -v chromium-browser || true)"
[ -x "$bin" ] || { echo "$bin not found: cargo build --release, or give BIN=path" >&2; exit 2; }
[ -n "$browser" ] || { echo "chromium not found: apt-get install -y chromium" >&2; exit 2; }
if [ "${TILES:-0}" = 1 ] && ! command -v convert >/dev/null; then
    echo "TILES=1 needs ImageMagick: apt-get install -y imagemagick" >&2
    exit 2
fi
mkdir -p "$out"
work="$(mktemp -d)"
viewer=""
cleanup() {
    [ -n "$viewer" ] && kill "$viewer" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

# Debian's ImageMagick refuses pictures over 16,384 px tall, and a phone-width report is taller:
# a policy of our own, the first one ImageMagick reads, raises that limit for the tiles.
mkdir -p "$work/magick"
cat >"$work/magick/policy.xml" <<'EOF'
<policymap>
  <policy domain="resource" name="width" value="256KP"/>
  <policy domain="resource" name="height" value="256KP"/>
  <policy domain="resource" name="area" value="2GP"/>
</policymap>
EOF
export MAGICK_CONFIGURE_PATH="$work/magick"

# shot URL NAME: NAME-1280.png and NAME-390.png, each the whole page (scripts/fullpage.py).
shot() {
    local w size h sw file
    for w in 1280 390; do
        file="$out/$2-$w.png"
        size="$(BROWSER="$browser" python3 scripts/fullpage.py "$1" "$w" "$file")"
        h="${size% *}"
        sw="${size#* }"
        if [ "${TILES:-0}" = 1 ]; then
            mkdir -p "$out/tiles"
            rm -f "$out/tiles/$2-$w-"*.png
            convert "$file" -crop 1280x1000 +repage +adjoin "$out/tiles/$2-$w-%02d.png"
        fi
        # A page wider than its window is cut off at the right on a phone.
        if [ "$sw" -gt "$w" ]; then
            echo "$file: the page is $sw px wide, wider than its $w px window" >&2
        fi
        echo "$file ($w x $h)"
    done
}

run_report() { # run_report NAME RUN-ARGS...: a simulated run and its HTML report, shot.
    local name="$1"
    shift
    "$bin" run --provider sim "$@" --preset quick --out "$work/$name" >/dev/null 2>&1 || true
    "$bin" report "$work/$name" --format html --out "$work/$name.html"
    shot "file://$work/$name.html" "report-$name"
}

run_report faithful --model faithful --experiment native
run_report random --model random --experiment native
run_report instilled --model faithful --experiment instilled
run_report observe --model faithful --experiment observe --of "$work/faithful" --examples 10

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
