#!/usr/bin/env bash
# The README's main job: evaluate the default local model (SmolLM2-135M-Instruct served by
# llama.cpp's server on loopback) on the native experiment, print its report, stop the server.
#
# Environment: PRESET (default quick), OUT (default runs/smollm2-135m-native-$PRESET),
# PORT (default 8765), SELFINTERP_CACHE (default ~/.cache/selfinterp).
set -euo pipefail
cd "$(dirname "$0")/.."

preset=${PRESET:-quick}
port=${PORT:-8765}
out=${OUT:-runs/smollm2-135m-native-$preset}
model=smollm2-135m-instruct

echo "main-job: building selfinterp (release)" >&2
cargo build --release --locked --quiet
bin=target/release/selfinterp

scripts/local-model.sh start --port "$port"
trap 'scripts/local-model.sh stop' EXIT

resume=()
[ -f "$out/manifest.json" ] && resume=(--resume)
start=$(date +%s)
"$bin" run --provider openai --base-url "http://127.0.0.1:$port/v1" --model "$model" \
    --experiment native --preset "$preset" --out "$out" "${resume[@]}"
echo "main-job: run took $(( $(date +%s) - start )) s; bundle in $out" >&2

"$bin" report "$out" --format md
"$bin" report "$out" --format html --out "$out/report.html"
echo "main-job: HTML report: $out/report.html" >&2
