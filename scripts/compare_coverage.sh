#!/usr/bin/env bash
# Coverage of `compare`'s paired interval for a difference in r on real data: the stored
# SmolLM2-135M runs (and the simulated faithful full run) in results/, which share their 100
# contexts, resampled to 20 and 50 contexts (5,000 replications each); the plain percentile
# interval and the expansion for G equal contexts beside it. The figures go into
# docs/statistics.md.
#
#   scripts/compare_coverage.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --release --locked --test integration \
    compare_family::paired_interval_coverage_on_stored_runs -- --ignored --nocapture
