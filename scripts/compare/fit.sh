#!/usr/bin/env bash
# Fitting and scoring speed and agreement: selfinterp vs statsmodels and scikit-learn on the
# same simulated data (1,000 contexts x 100 trials by default), in one run. Prints the times,
# the speed-ups (target: >= 20x faster than statsmodels) and the largest estimate differences.
# Usage: [COMPARE_FIT=path] scripts/compare/fit.sh [--contexts N] [--trials N] [--repeat N]
# (COMPARE_FIT: a prebuilt examples/compare_fit, e.g. an older commit's, measured instead)
# Needs: cargo, python3 with numpy scipy statsmodels scikit-learn (installed by pip if missing).
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! python3 -c 'import numpy, scipy, statsmodels, sklearn' 2>/dev/null; then
  echo "installing numpy scipy statsmodels scikit-learn with pip..." >&2
  python3 -m pip install --quiet numpy scipy statsmodels scikit-learn || {
    echo "needs python3 with numpy scipy statsmodels scikit-learn: pip install numpy scipy statsmodels scikit-learn" >&2
    exit 2
  }
fi
[ -n "${COMPARE_FIT:-}" ] || cargo build --release --quiet --example compare_fit
exec python3 scripts/compare/fit.py "$@"
