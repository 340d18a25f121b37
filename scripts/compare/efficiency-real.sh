#!/usr/bin/env bash
# Calls per unit of precision on real behaviour: the SmolLM2 full-protocol run in results/,
# subsampled (k of 100 pairs, R of 10 reports per context), hard and soft labels, each
# subsample re-scored whole; prints how many calls each label kind needs to reach the study's
# precision (method: efficiency-real.py's header). The simulated counterpart: efficiency.sh.
# Usage: [BIN=selfinterp] scripts/compare/efficiency-real.sh [--replicates 8] [--json FILE]
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -n "${BIN:-}" ] || cargo build --release --quiet
exec python3 scripts/compare/efficiency-real.py --bin "${BIN:-target/release/selfinterp}" "$@"
