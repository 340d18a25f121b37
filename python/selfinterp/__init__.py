"""selfinterp from Python: open, score, compare and run benchmark bundles.

The wheel ships the `selfinterp` binary; this module calls it and reads what it prints with
`--json` and the tidy tables of `export table` (docs/python.md says why and shows examples).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Union

from selfinterp._binary import SelfinterpError, call, find_binary

__all__ = [
    "Run",
    "SelfinterpError",
    "compare",
    "find_binary",
    "open",
    "run",
    "score",
]

PathLike = Union[str, "os.PathLike[str]"]


def score(path: PathLike) -> Dict[str, Any]:
    """The summary of the bundle in `path`, re-scored from its raw samples: what
    `selfinterp score PATH --json` prints, as a dict."""
    return json.loads(call(["score", os.fspath(path), "--json"]))


def compare(paths: Sequence[PathLike]) -> Dict[str, Any]:
    """What `selfinterp compare A B ... --json` prints, as a dict."""
    if isinstance(paths, (str, os.PathLike)):
        raise TypeError("compare takes a list of bundle directories")
    return json.loads(call(["compare", *(os.fspath(p) for p in paths), "--json"]))


class Run:
    """A run bundle on disk. Nothing is read until asked; each call re-reads the bundle."""

    def __init__(self, path: PathLike) -> None:
        self.path = Path(path)
        if not (self.path / "manifest.json").is_file():
            raise FileNotFoundError(f"{self.path}: not a run bundle (no manifest.json)")
        self._summary: Optional[Dict[str, Any]] = None

    def __repr__(self) -> str:
        return f"selfinterp.Run({str(self.path)!r})"

    @property
    def manifest(self) -> Dict[str, Any]:
        """manifest.json as a dict (what was run, with what, and how it stands)."""
        with (self.path / "manifest.json").open(encoding="utf-8") as f:
            return json.load(f)

    @property
    def summary(self) -> Dict[str, Any]:
        """The summary re-scored from the raw samples (as `score --json`), computed once."""
        if self._summary is None:
            self._summary = score(self.path)
        return self._summary

    def _table(self, name: str) -> "Any":
        import pandas as pd

        with tempfile.TemporaryDirectory(prefix="selfinterp-table-") as out:
            call(["export", "table", os.fspath(self.path), "--format", "jsonl", "--out", out])
            # dtype=False: columns keep the JSON types (no string-to-date guessing).
            return pd.read_json(Path(out) / f"{name}.jsonl", lines=True, dtype=False)

    def weights(self) -> "Any":
        """One row per (context, attribute): learned and reported weights and the context's fit,
        with the run identity columns (run_id, provider, model, experiment, preset, benchmark);
        a pandas DataFrame (columns: docs/data.md)."""
        return self._table("weights")

    def samples(self) -> "Any":
        """One row per sample of samples.jsonl, with the run identity columns; a DataFrame."""
        return self._table("samples")

    def report(self, format: str = "md") -> str:
        """The report as text: "md", "json" or "html" (a self-contained page)."""
        with tempfile.TemporaryDirectory(prefix="selfinterp-report-") as out:
            target = Path(out) / f"report.{format}"
            call(["report", os.fspath(self.path), "--format", format, "--out", str(target)])
            return target.read_text(encoding="utf-8")


def open(path: PathLike) -> Run:  # noqa: A001 (the name the docs promise)
    """The run bundle in `path` (a directory written by `run`, `study` or `import`)."""
    return Run(path)


def _default_out(model: str, experiment: str, preset: str) -> Path:
    # The CLI's default (`run --help`): runs/<model>-<experiment>-<preset>, model made path-safe.
    safe = "".join(c if (c.isascii() and c.isalnum()) or c in ".-_" else "-" for c in model)
    return Path("runs") / f"{safe}-{experiment}-{preset}"


def _flags(options: Dict[str, Any]) -> List[str]:
    args: List[str] = []
    for key, value in options.items():
        flag = "--" + key.replace("_", "-")
        if value is None or value is False:
            continue
        if value is True:
            args.append(flag)
        elif isinstance(value, (list, tuple)):
            for v in value:
                args += [flag, os.fspath(v) if isinstance(v, os.PathLike) else str(v)]
        else:
            args += [flag, os.fspath(value) if isinstance(value, os.PathLike) else str(value)]
    return args


def run(
    *,
    provider: str,
    model: str,
    experiment: str,
    preset: Optional[str] = None,
    out: Optional[PathLike] = None,
    **options: Any,
) -> Run:
    """Runs `selfinterp run` and returns the bundle it wrote.

    Every option of `selfinterp run --help` is a keyword argument with `-` spelled `_`
    (`base_url="http://127.0.0.1:8000/v1"`, `contexts=5`, `no_cache=True`, `resume=True`).
    Progress goes to stderr as it comes (a notebook shows it under the cell). A non-zero exit
    raises `SelfinterpError` with the exit code; the bundle stays on disk either way (a stopped
    run resumes with `resume=True`).

    Without `preset` none is passed, as on the command line: the full protocol, except that a
    hosted API (OpenAI's or Anthropic's) is refused until `yes=True` or a preset is given, so a
    paid run of every request is never started by a left-out argument."""
    # Without --preset the binary runs the full protocol (or refuses): its default --out says full.
    target = Path(out) if out is not None else _default_out(model, experiment, preset or "full")
    args = ["run", "--provider", provider, "--model", model, "--experiment", experiment]
    if preset is not None:
        args += ["--preset", preset]
    args += ["--out", os.fspath(target), *_flags(options)]
    headline = call(args, stream_stderr=True)
    sys.stdout.write(headline)
    return Run(target)
