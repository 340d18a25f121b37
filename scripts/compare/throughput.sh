#!/usr/bin/env bash
# Requests/s of `selfinterp run` against a loopback OpenAI-compatible server (serve-sim), and of
# a plain Python aiohttp client sending the same choice requests at the same concurrency, in
# one run. Target (issue 5): the runner sustains >= 2,000 requests/s.
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

start=$(date +%s.%N)
"$BIN" --root "$ROOT" run --provider openai --base-url "$BASE" --model faithful --experiment native \
  --preset full --reports 0 --concurrency "$CONC" --no-cache --max-invalid-rate 1 --out "$WORK/run" 2>/dev/null
end=$(date +%s.%N)
N=$(wc -l < "$WORK/run/samples.jsonl")
python3 - "$N" "$start" "$end" <<'PY'
import json, sys
n, s, e = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
print(json.dumps({'client': 'selfinterp run (whole process, incl. startup and scoring)', 'requests': n,
                  'seconds': round(e - s, 3), 'requests_per_s': round(n / (e - s), 1)}))
PY
python3 scripts/compare/throughput.py --base-url "$BASE" --contexts-jsonl "$ROOT/benchmark/v1/contexts.jsonl" --concurrency "$CONC"
