#!/usr/bin/env bash
# Coverage of the context-bootstrap interval for pooled r (src/scoring/comparison.rs):
# 2,000 simulated replications of 100 contexts x 5 attributes with a known pooled r, in
# three clustering scenarios; prints the share of replications whose interval covers the
# true r (target 93-97% for a nominal 95%). Runs the ignored test in release mode.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --release --test integration bootstrap_coverage_over_2000_replications -- --ignored --nocapture 2>&1 \
  | grep -E "coverage over|test result|panicked"
