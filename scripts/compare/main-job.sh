#!/usr/bin/env bash
# The README's main job timed whole, as a new user meets it: a fresh `git clone` of this
# checkout (at REV, default HEAD) into a temporary directory, then `scripts/main-job.sh` there
# with an empty SELFINTERP_CACHE (so llama.cpp's server is built and the weights downloaded)
# and no pip cache. Prints when `selfinterp` was built, when the local model's install was
# done, how long the quick run took, the whole job's wall and CPU time against the target
# (under 10 minutes), and the sha256 of the bundle's samples.jsonl and summary.json (equal
# hashes across builds mean the same answers and the same score). Last line: one JSON object.
#
# Cargo's download cache (~/.cargo/registry) is used as it is: the figure leaves out
# downloading crates, not compiling them. FRESH=1 empties every cache first, as on a new
# machine: a scratch HOME and CARGO_HOME (so every crate is downloaded from crates.io; the
# Rust toolchain itself, RUSTUP_HOME, is kept), no pip cache, an empty SELFINTERP_CACHE.
# Also printed: the prompt tokens llama.cpp's server evaluated (its log's "prompt eval"
# lines: what its prompt cache did not spare) against the prompt tokens sent, and the load
# average before and after. Nothing else may run on the machine meanwhile: the job is
# CPU-bound, so any other load lengthens it.
# Usage: [FRESH=1] [KEEP=1] [PORT=18765] scripts/compare/main-job.sh [REV]
set -euo pipefail
cd "$(dirname "$0")/../.."
rev="${1:-HEAD}"
command -v /usr/bin/time >/dev/null 2>&1 || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 2; }
commit="$(git rev-parse --verify -q "$rev^{commit}")" || { echo "not a commit: $rev" >&2; exit 2; }
work="$(mktemp -d)"
[ -n "${KEEP:-}" ] || trap 'rm -rf "$work"' EXIT
git clone -q "$PWD" "$work/clone"
git -C "$work/clone" checkout -q "$commit"
mkdir "$work/cache"
fresh=()
caches="crates from cargo's download cache"
if [ -n "${FRESH:-}" ]; then
  mkdir "$work/home" "$work/cargo-home"
  fresh=(HOME="$work/home" CARGO_HOME="$work/cargo-home" RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
         XDG_CACHE_HOME="$work/home/.cache")
  caches="no caches (scratch HOME and CARGO_HOME)"
fi
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "main job of ${commit:0:12} from a fresh clone in $work, $caches (log: $work/job.log)" >&2
set +e
(cd "$work/clone" && env "${fresh[@]}" PRESET=quick SELFINTERP_CACHE="$work/cache" PIP_NO_CACHE_DIR=1 \
    PORT="${PORT:-18765}" \
    /usr/bin/time -f "%e %U %S" -o "$work/time" scripts/main-job.sh >"$work/report.md" 2>"$work/job.log")
status=$?
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
set -e
if [ "$status" -ne 0 ]; then
  tail -n 20 "$work/job.log" >&2
  echo "main job failed (exit $status); log: $work/job.log" >&2
  [ -n "${KEEP:-}" ] || trap - EXIT
  exit 1
fi
after() { grep -oE "$1 [0-9]+ s" "$work/job.log" | grep -oE '[0-9]+' | tail -n 1; }
# The server's own count of prompt tokens it evaluated (llama.cpp logs "prompt eval time =
# ... / N tokens" per request), against the prompt tokens the requests held.
evaluated="$(grep -hoE 'prompt eval time = +[0-9.]+ ms / +[0-9]+ tokens' "$work"/cache/*.log 2>/dev/null \
  | awk '{n += $(NF-1); c++} END {if (c) print n, c}')"
built="$(after 'selfinterp built after')"
installed="$(after "install done after")"
run="$(after 'run took')"
read -r wall user sys <"$work/time"
bundle="$work/clone/runs/smollm2-135m-native-quick"
samples="$(sha256sum "$bundle/samples.jsonl" | cut -c1-16)"
sent="$(python3 -c 'import json, sys; print(sum(json.loads(l).get("tokens_in") or 0 for l in open(sys.argv[1])))' \
  "$bundle/samples.jsonl")"
summary="$(sha256sum "$bundle/summary.json" | cut -c1-16)"
awk -v b="$built" -v i="$installed" -v r="$run" -v w="$wall" -v u="$user" -v s="$sys" \
    -v sh="$samples" -v sm="$summary" 'BEGIN {
  printf "selfinterp built after          %6s s\n", b
  printf "local model installed after     %6s s (downloads and the server build, beside cargo)\n", i
  printf "quick run (460 requests)        %6s s\n", r
  printf "whole job, wall                 %6.1f s = %d min %02d s (target: under 10 min: %s)\n", w, int(w / 60), w % 60, (w < 600 ? "met" : "NOT met")
  printf "whole job, CPU (user + system)  %6.1f s\n", u + s
  printf "samples.jsonl sha256 %s..., summary.json sha256 %s...\n", sh, sm
}'
echo "caches: $caches; load average before $load_before, after $load_after (1, 5, 15 min)"
echo "prompt tokens sent ${sent}; evaluated by the server: ${evaluated:-not found in its log} (tokens, requests)"
printf '{"commit": "%s", "fresh": %s, "selfinterp_built_s": %s, "install_done_s": %s, "run_s": %s, "wall_s": %s, "cpu_s": %s, "prompt_tokens_sent": %s, "prompt_tokens_evaluated": %s, "load_before": "%s", "load_after": "%s", "samples_sha256_16": "%s", "summary_sha256_16": "%s"}\n' \
  "$commit" "$([ -n "${FRESH:-}" ] && echo true || echo false)" "${built:-null}" "${installed:-null}" "${run:-null}" "$wall" \
  "$(awk -v u="$user" -v s="$sys" 'BEGIN{print u + s}')" "${sent:-null}" "${evaluated:+${evaluated%% *}}" "$load_before" "$load_after" "$samples" "$summary"
