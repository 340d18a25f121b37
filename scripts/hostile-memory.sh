#!/usr/bin/env bash
# Peak resident memory (GNU time's "Maximum resident set size") of a quick run against a
# hostile server that answers every chat request with a 1 GiB body, streamed in chunks without
# a Content-Length, and of the same run against one that states a 1 GiB Content-Length
# (docs/reliability.md, "Hostile servers"). The server is a small Python script on loopback.
# The run must end with exit 4 (its requests failed), its errors naming the size limit, and
# a peak far below 200 MB.
# Usage: scripts/hostile-memory.sh [GIB_PER_ANSWER]   (needs: cargo, python3, /usr/bin/time)
set -euo pipefail
cd "$(dirname "$0")/.."
GIB="${1:-1}"
[ -x /usr/bin/time ] || { echo "needs GNU time at /usr/bin/time (apt-get install time)" >&2; exit 2; }
cargo build --release --quiet
BIN="$PWD/target/release/selfinterp"
WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

cat >"$WORK/server.py" <<'PY'
import http.server, json, sys
size, mode = int(float(sys.argv[2]) * (1 << 30)), sys.argv[3]
chunk = b"x" * (1 << 16)
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_GET(self):
        body = json.dumps({"object": "list", "data": [{"id": "m", "object": "model"}]}).encode()
        self.send_response(200); self.send_header("content-length", str(len(body))); self.end_headers()
        self.wfile.write(body)
    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(200)
        if mode == "chunked":
            self.send_header("transfer-encoding", "chunked"); self.end_headers()
            sent, piece = 0, b"%x\r\n" % len(chunk) + chunk + b"\r\n"
            try:
                while sent < size:
                    self.wfile.write(piece); sent += len(chunk)
                self.wfile.write(b"0\r\n\r\n")
            except OSError:
                pass
        else:
            self.send_header("content-length", str(size)); self.end_headers()
            try:
                for _ in range(size // len(chunk)):
                    self.wfile.write(chunk)
            except OSError:
                pass
        self.close_connection = True
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY

PORT=18931
for mode in chunked length; do
  python3 "$WORK/server.py" "$PORT" "$GIB" "$mode" & SERVER_PID=$!
  # Until the server listens (a loaded machine may take seconds to start Python).
  for _ in $(seq 100); do
    python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 1)" "$PORT" 2>/dev/null && break
    sleep 0.1
  done
  rc=0
  /usr/bin/time -v "$BIN" run --provider openai --model m --base-url "http://127.0.0.1:$PORT/v1" \
    --experiment native --preset quick --no-cache --max-retries 0 --out "$WORK/run-$mode" \
    >"$WORK/out.txt" 2>"$WORK/time.txt" || rc=$?
  kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time.txt")
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$WORK/time.txt")
  errors=$(wc -l < "$WORK/run-$mode/errors.jsonl" 2>/dev/null || echo 0)
  limit=$(grep -c "over the limit" "$WORK/run-$mode/errors.jsonl" 2>/dev/null || echo 0)
  printf '%-8s %s GiB per answer: exit %s, peak RSS %6.1f MiB, wall %s, %s errors (%s name the limit)\n' \
    "$mode" "$GIB" "$rc" "$(echo "$kb / 1024" | bc -l)" "$wall" "$errors" "$limit"
  kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
  PORT=$((PORT + 1))
done
