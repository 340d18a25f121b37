#!/usr/bin/env bash
# Render an HTML report (or any HTML page) in headless Chromium and save a PNG screenshot,
# to check with eyes that the self-contained page draws correctly offline.
#
#   scripts/screenshot-report.sh PAGE.html [OUT.png] [WIDTHxHEIGHT]
#
# Needs Debian's chromium (`apt-get update && apt-get install -y chromium`). Every network
# feature is switched off: the page must render from its own inline SVG, CSS and script.
set -euo pipefail
page="${1:?usage: $0 PAGE.html [OUT.png] [WIDTHxHEIGHT]}"
out="${2:-/tmp/report.png}"
size="${3:-1280x2400}"
browser="$(command -v chromium || command -v chromium-browser || true)"
if [ -z "$browser" ]; then
  echo "chromium not found: apt-get update && apt-get install -y chromium" >&2
  exit 2
fi
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
abs="$(cd "$(dirname "$page")" && pwd)/$(basename "$page")"
"$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$profile" --screenshot="$out" --window-size="${size/x/,}" \
  "file://$abs" 2>/dev/null
echo "$out"
