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

# The model's download and the server's build (the first time only) go on while selfinterp
# compiles. Both builds are CPU-bound, so the overlap saves the stretches where one of them
# leaves a core idle (cargo's serial crates, the downloads), not CPU. The server's build runs
# under `nice`, but in its own session: where the kernel groups sessions for scheduling
# (autogroup) the two share the cores about equally anyway (measured on two cores: cargo
# done after 254-262 s beside the server's build, 128 s alone; the job ends when both do).
# (Once installed, `install` only says so.) In its own session where setsid exists, so that a
# failed cargo build stops the whole install (cmake, ninja, compilers) with it.
if command -v setsid >/dev/null 2>&1; then
    setsid -w scripts/local-model.sh install &
else
    scripts/local-model.sh install &
fi
install_pid=$!
trap '[ -n "$install_pid" ] && kill -- -"$install_pid" 2>/dev/null; [ -n "$install_pid" ] && kill "$install_pid" 2>/dev/null' EXIT
echo "main-job: building selfinterp (release)" >&2
cargo build --release --locked --quiet
echo "main-job: selfinterp built after $SECONDS s" >&2
bin=target/release/selfinterp
if [ -n "$install_pid" ]; then
    kill -0 "$install_pid" 2>/dev/null && echo "main-job: waiting for the local model's install" >&2
    wait "$install_pid" || { install_pid=""; echo "main-job: installing the local model failed (above)" >&2; exit 1; }
    install_pid=""
fi

echo "main-job: the local model's install done after $SECONDS s" >&2
SELFINTERP_LOCAL_PORT=$port scripts/local-model.sh start --port "$port"
trap 'scripts/local-model.sh stop' EXIT

resume=()
[ -f "$out/manifest.json" ] && resume=(--resume)
start=$(date +%s)
# Reports are constrained to the JSON schema (llama.cpp's grammar): unconstrained, this small
# model almost never answers with JSON at all. The bundle records the constraint.
"$bin" run --provider openai --base-url "http://127.0.0.1:$port/v1" --model "$model" \
    --server-flavour llama-cpp --constrain json --experiment native --preset "$preset" \
    --concurrency 2 --timeout 120 --max-invalid-rate 1 --out "$out" "${resume[@]}"
echo "main-job: run took $(( $(date +%s) - start )) s; bundle in $out" >&2

"$bin" report "$out" --format md
"$bin" report "$out" --format html --out "$out/report.html"
echo "main-job: HTML report: $out/report.html" >&2
