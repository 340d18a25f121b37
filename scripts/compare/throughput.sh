#!/usr/bin/env bash
# Requests/s of `selfinterp run` against a loopback OpenAI-compatible server (serve-sim), and of
# a plain Python aiohttp client sending the same choice requests at the same concurrency, in
# one run. Target (issue 19): the whole run, journal and response cache included, at least 2x
# the aiohttp client's rate. The two clients alternate ROUNDS times (default 3) against the
# same server; the ratio printed is the median of the rounds' ratios, each round's is shown
# too (on a shared machine one round's ratio can be off by half). Also prints both clients'
# CPU time per request. PROFILE=1 then records one more runner run with `perf record` and
# prints where its CPU goes: by phase (startup, requests, after the requests), by kind of
# work within the requests phase, and the top functions.
#
# Usage: [ROUNDS=3] [PROFILE=1] [BIN=path] scripts/compare/throughput.sh [CONCURRENCY]
# (needs: cargo, python3 with aiohttp; `perf` for PROFILE=1)
# The server is started with --threads 1 so that the two clients, run one after the other, get
# the same server; the whole native split's choices (10,000 with v1) are sent by each.
set -euo pipefail
cd "$(dirname "$0")/../.."
CONC="${1:-64}"
PORT="${PORT:-18089}"
python3 -c 'import aiohttp' 2>/dev/null || { echo "needs python3 aiohttp (pip install aiohttp)" >&2; exit 2; }
# BIN=path measures another build (e.g. an older commit's) against the same peer.
if [ -z "${BIN:-}" ]; then cargo build --release --quiet; BIN=target/release/selfinterp; fi
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

runner() { # $1: round name; extra args: a wrapper (perf record)
  local name="$1"; shift
  local start end
  start=$(date +%s.%N)
  /usr/bin/time -f "%U %S" -o "$WORK/cpu-$name" "$@" \
    "$BIN" --root "$ROOT" run --provider openai --base-url "$BASE" --model faithful --experiment native \
    --preset full --reports 0 --concurrency "$CONC" --cache-dir "$WORK/cache-$name" --max-invalid-rate 1 \
    --out "$WORK/run-$name" >/dev/null 2>&1
  end=$(date +%s.%N)
  python3 - "$(wc -l < "$WORK/run-$name/samples.jsonl")" "$start" "$end" "$(cat "$WORK/cpu-$name")" <<'PY'
import json, sys
n, s, e = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
user, system = (float(x) for x in sys.argv[4].split())
print(json.dumps({'client': 'selfinterp run (whole process: startup, journal, response cache, scoring)',
                  'requests': n, 'seconds': round(e - s, 3), 'requests_per_s': round(n / (e - s), 1),
                  'cpu_us_per_request': round(1e6 * (user + system) / n, 1),
                  'user_us_per_request': round(1e6 * user / n, 1), 'system_us_per_request': round(1e6 * system / n, 1)}))
PY
}
client() {
  /usr/bin/time -f "%U %S" -o "$WORK/cpu-py" \
    python3 scripts/compare/throughput.py --base-url "$BASE" --contexts-jsonl "$ROOT/benchmark/v1/contexts.jsonl" \
    --concurrency "$CONC" > "$WORK/py.json"
  python3 - "$WORK/py.json" "$(cat "$WORK/cpu-py")" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
user, system = (float(x) for x in sys.argv[2].split())
d['cpu_us_per_request'] = round(1e6 * (user + system) / d['requests'], 1)
print(json.dumps(d))
PY
}
ROUNDS="${ROUNDS:-3}"
for r in $(seq "$ROUNDS"); do
  runner "$r" >> "$WORK/rounds.jsonl"
  client >> "$WORK/rounds.jsonl"
done
cat "$WORK/rounds.jsonl"
python3 - "$WORK/rounds.jsonl" "$CONC" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
ours, py = rows[0::2], rows[1::2]
ratios = [a['requests_per_s'] / b['requests_per_s'] for a, b in zip(ours, py)]
med = lambda xs: statistics.median(xs)
print(f"rounds' ratios: {', '.join(f'{r:.2f}x' for r in ratios)}")
print(f"selfinterp run / aiohttp at concurrency {sys.argv[2]}: {med(ratios):.2f}x (median of {len(ratios)} rounds; target >= 2x); "
      f"CPU per request: runner {med([a['cpu_us_per_request'] for a in ours]):.0f} us "
      f"(user {med([a['user_us_per_request'] for a in ours]):.0f}, system {med([a['system_us_per_request'] for a in ours]):.0f}), "
      f"aiohttp {med([b['cpu_us_per_request'] for b in py]):.0f} us")
PY

if [ "${PROFILE:-0}" = 1 ]; then
  runner profile perf record -q -F 4999 -o "$WORK/perf.data" -- > /dev/null
  echo "== where the runner's CPU goes (one more run under perf record)"
  perf script -i "$WORK/perf.data" -F time,ip,sym 2>/dev/null | python3 -c '
import collections, re, sys
rows = []
for l in sys.stdin:
    m = re.match(r"\s*([\d.]+):\s+([0-9a-f]+)\s+(.*)", l)
    if m:
        rows.append((float(m[1]), int(m[2], 16), m[3].strip()))
# The requests phase: from the first to the last sample in request-only code.
req = [t for t, a, s in rows if re.search(r"ResponseCache::put|Resilient::send|send_request|flt2dec", s)]
fr, lr = min(req), max(req)
def kind(a, s):
    if a >= 0xffff000000000000: return "kernel (sockets, scheduling, files)"
    if re.search(r"^(malloc|_int_|cfree|realloc|unlink_chunk|__rdl|__rust_(de)?alloc)", s) or "drop_in_place" in s or "Drop>::drop" in s: return "allocation and drops"
    if re.search(r"memmove|memcpy|memcmp|memset|memchr", s): return "memory copies"
    if re.search(r"serde|indexmap|zmij", s): return "JSON (serde_json)"
    if re.search(r"flt2dec|fmt::|bignum|format|write_str", s): return "text formatting (prompts)"
    if "sha2" in s: return "sha256 (prompt hash, cache key)"
    if re.search(r"hyper|reqwest|h2::|http::|url::|idna|bytes::|tower|percent_encoding|httparse", s): return "HTTP client (hyper, reqwest)"
    if re.search(r"tokio|mio::|parking_lot|futures", s): return "tokio runtime"
    if "cache::" in s: return "response cache"
    if "journal" in s: return "journal"
    if re.search(r"estimation::|scoring::", s): return "scoring"
    return "other"
phase = collections.Counter("1 startup (benchmark, plan, pre-flight)" if t < fr else "2 requests" if t <= lr
                            else "3 after the requests (read back, canonical rewrite, scoring)" for t, a, s in rows)
n = len(rows)
print(f"{n} samples; by phase:")
for k in sorted(phase): print(f"  {100 * phase[k] / n:5.1f}%  {k}")
inreq = [kind(a, s) for t, a, s in rows if fr <= t <= lr]
print("within the requests phase:")
for k, v in collections.Counter(inreq).most_common(): print(f"  {100 * v / len(inreq):5.1f}%  {k}")
'
  echo "top functions, whole run:"
  perf report -i "$WORK/perf.data" --no-children --stdio --sort dso,symbol 2>/dev/null \
    | grep '%' | head -20 | sed 's/  *- *- *$//' || true
fi
