"""The Python examples of docs/python.md, run in order in one namespace against the installed
wheel, in a directory where `first` exists (the page's quick start)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

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
