#!/usr/bin/env bash
# Whole-process `selfinterp score DIR --json` against statsmodels' fits of the same data, both
# timed from process start to exit, alternating, in one run (method: score-process.py's header).
# Data: 1,000 contexts x 100 choices + 10 reports (simulated, seeded; made in a temporary root).
# Usage: scripts/compare/score-process.sh [--rounds 5] [--base OTHER_SELFINTERP] [--keep DIR]
# (--base: another build, e.g. an older commit's, timed in the same rounds; its summaries are
# compared byte for byte. --keep: make the data in DIR and keep it for the next call.)
# Needs: cargo, python3 with numpy scipy statsmodels (installed by pip if missing).
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! python3 -c 'import numpy, scipy, statsmodels' 2>/dev/null; then
  echo "installing numpy scipy statsmodels with pip..." >&2
  python3 -m pip install --quiet numpy scipy statsmodels || {
    echo "needs python3 with numpy scipy statsmodels: pip install numpy scipy statsmodels" >&2
    exit 2
  }
fi
[ -n "${BIN:-}" ] || cargo build --release --quiet
exec python3 scripts/compare/score-process.py --bin "${BIN:-target/release/selfinterp}" "$@"
