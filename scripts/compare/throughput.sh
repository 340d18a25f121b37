#!/usr/bin/env bash
# Requests/s of `selfinterp run` against a loopback OpenAI-compatible server (serve-sim), and of
# a plain Python aiohttp client sending the same choice requests at the same concurrency, in
# one run. Target (issue 19): the whole run, journal and response cache included, at least 2x
# the aiohttp client's rate. Also prints the runner's CPU time per request; PROFILE=1 records
# a perf profile of the runner (needs `perf`) and prints its top functions.
#
# Usage: scripts/compare/throughput.sh [CONCURRENCY]   (needs: cargo, python3 with aiohttp)
# The server is started with --threads 1 so that the two clients, run one after the other, get
# the same server; the whole native split's choices (10,000 with v1) are sent by each.
set -euo pipefail
cd "$(dirname "$0")/../.."
CONC="${1:-64}"
PORT="${PORT:-18089}"
python3 -c 'import aiohttp' 2>/dev/null || { echo "needs python3 aiohttp (pip install aiohttp)" >&2; exit 2; }
cargo build --release --quiet
BIN=target/release/selfinterp
WORK="$(mktemp -d)"
trap 'kill "$SERVER" 2>/dev/null || true; rm -rf "$WORK"' EXIT
# A frozen benchmark: the repository's v1 if present, else freshly frozen into the work dir.
ROOT=.
if [ ! -f benchmark/v1/contexts.jsonl ]; then
  mkdir -p "$WORK/root"; cp -r domains "$WORK/root/"; ROOT="$WORK/root"
  "$BIN" --root "$ROOT" freeze --version v1 >/dev/null 2>&1
fi
"$BIN" --root "$ROOT" serve-sim --agent faithful --port "$PORT" --threads 1 >/dev/null 2>&1 &
SERVER=$!
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done
BASE="http://127.0.0.1:$PORT/v1"

PERF=()
[ "${PROFILE:-0}" = 1 ] && PERF=(perf record -q -o "$WORK/perf.data" --)
start=$(date +%s.%N)
/usr/bin/time -f "%U %S" -o "$WORK/cpu" "${PERF[@]}" \
  "$BIN" --root "$ROOT" run --provider openai --base-url "$BASE" --model faithful --experiment native \
  --preset full --reports 0 --concurrency "$CONC" --cache-dir "$WORK/cache" --max-invalid-rate 1 \
  --out "$WORK/run" >/dev/null 2>&1
end=$(date +%s.%N)
N=$(wc -l < "$WORK/run/samples.jsonl")
python3 - "$N" "$start" "$end" "$(cat "$WORK/cpu")" > "$WORK/runner.json" <<'PY'
import json, sys
n, s, e = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
user, system = (float(x) for x in sys.argv[4].split())
print(json.dumps({'client': 'selfinterp run (whole process: startup, journal, response cache, scoring)',
                  'requests': n, 'seconds': round(e - s, 3), 'requests_per_s': round(n / (e - s), 1),
                  'cpu_us_per_request': round(1e6 * (user + system) / n, 1)}))
PY
if [ "${PROFILE:-0}" = 1 ]; then
  # Where the runner's CPU goes: by binary (kernel, libc, selfinterp), then the top symbols.
  # (`|| true`: head closing the pipe early is not a failure.)
  perf report -i "$WORK/perf.data" --no-children --stdio --sort dso 2>/dev/null \
    | grep '%' | head -8 || true
  perf report -i "$WORK/perf.data" --no-children --stdio --sort dso,symbol 2>/dev/null \
    | grep '%' | head -25 | sed 's/  *- *- *$//' || true
fi
python3 scripts/compare/throughput.py --base-url "$BASE" --contexts-jsonl "$ROOT/benchmark/v1/contexts.jsonl" --concurrency "$CONC" > "$WORK/client.json"
cat "$WORK/runner.json" "$WORK/client.json"
python3 - "$WORK/runner.json" "$WORK/client.json" "$CONC" <<'PY'
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
print(f"selfinterp run / aiohttp at concurrency {sys.argv[3]}: {a['requests_per_s'] / b['requests_per_s']:.2f}x "
      f"(target >= 2x); runner CPU {a['cpu_us_per_request']} us per request")
PY
