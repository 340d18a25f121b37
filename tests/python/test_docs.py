"""The Python examples of docs/python.md, run in order in one namespace against the installed
wheel, in a directory where `first` exists (the page's quick start); and docs/data.md's, after
its `selfinterp export table first`."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

import selfinterp

DOC = Path(__file__).resolve().parents[2] / "docs" / "python.md"


def blocks() -> list:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def test_the_page_has_examples():
    assert len(blocks()) >= 2


def test_examples_run(runs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    shutil.copytree(runs / "first", tmp_path / "first")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for i, code in enumerate(blocks()):
        exec(compile(code, f"{DOC.name} python block {i + 1}", "exec"), namespace)
    assert (tmp_path / "second" / "summary.json").is_file()


DATA = DOC.parent / "data.md"


def test_the_data_page_examples_run_and_give_the_summarys_r(runs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """docs/data.md's pandas example, after its own `selfinterp export table first`: it runs,
    and the correlation it calls "the pooled r of the summary" is that r."""
    shutil.copytree(runs / "first", tmp_path / "first")
    monkeypatch.chdir(tmp_path)
    subprocess.run([selfinterp.find_binary(), "export", "table", "first"], check=True, capture_output=True)
    codes = re.findall(r"```python\n(.*?)```", DATA.read_text(encoding="utf-8"), flags=re.S)
    assert codes, "docs/data.md has no Python example"
    namespace: dict = {}
    for i, code in enumerate(codes):
        exec(compile(code, f"{DATA.name} python block {i + 1}", "exec"), namespace)
    w = namespace["w"]
    r = selfinterp.open("first").summary["reports_vs_learned"]["r"]
    assert abs(w[["learned", "reported"]].corr().loc["learned", "reported"] - r) < 1e-9
