#!/usr/bin/env bash
# Statistical efficiency on simulated agents with the study's choice noise (~82% agreement):
# pairs per context that each label kind (hard letters, soft P(A): exact or sharing the
# letters' noise) and pair design (random = the study's, D-optimal, direction, boundary)
# needs to reach the precision of 100 hard-labelled random pairs, as r(learned, true weights)
# and as the width of the main score's bootstrap interval. Method: src/sim/efficiency.rs.
# Usage: scripts/compare/efficiency.sh [--replicates 10] [--contexts 100] [--json FILE] ...
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release --quiet --example efficiency
exec target/release/examples/efficiency "$@"
