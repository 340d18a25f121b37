#!/usr/bin/env python3
"""Write REPS context sets for a coverage study: WORK/ctx{s}.txt holds 20 of the frozen v1
benchmark's instilled contexts, one id a line, drawn with Python's random.Random(s).sample
(s = 0..REPS-1), so every study that draws its sets here draws the same ones.

Usage (from the repository root): python3 scripts/context_sets.py WORK REPS
"""
import json
import random
import sys

work, reps = sys.argv[1], int(sys.argv[2])
ids = [c["id"] for c in map(json.loads, open("benchmark/v1/contexts.jsonl")) if c["split"] == "instilled"]
for s in range(reps):
    open(f"{work}/ctx{s}.txt", "w").write("\n".join(random.Random(s).sample(ids, 20)) + "\n")
