"""Shared fixtures: simulated run bundles made with the installed binary in a temporary directory."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

import selfinterp

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding `first` (faithful agent, quick preset) and `second` (an agent that
    reports half its weights faithfully, 5 contexts)."""
    d = tmp_path_factory.mktemp("runs")
    common = ["--provider", "sim", "--experiment", "native", "--preset", "quick", "--no-cache"]
    for out, model, extra in [("first", "faithful", []), ("second", "partial:0.5", ["--contexts", "5"])]:
        subprocess.run(
            [selfinterp.find_binary(), "run", "--model", model, *common, *extra, "--out", out],
            cwd=d,
            check=True,
            capture_output=True,
        )
    return d
