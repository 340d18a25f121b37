"""Finding and calling the `selfinterp` binary that the wheel installs beside the interpreter."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Iterable, List, Optional

_EXE = "selfinterp" + (".exe" if sys.platform == "win32" else "")


class SelfinterpError(RuntimeError):
    """The binary exited with a non-zero code; `code` is its exit code (see `selfinterp --help`)."""

    def __init__(self, args: List[str], code: int, stderr: str) -> None:
        lines = stderr.strip().splitlines()
        # The binary's own error line; a usage error from the argument parser ends with a hint
        # ("For more information, try '--help'.") after the line that says what is wrong, and
        # may carry the values it takes or the flag meant on the lines between: those are kept.
        errors = [i for i, line in enumerate(lines) if line.startswith("error:")]
        if errors:
            hints = [
                line.strip()
                for line in lines[errors[-1] + 1 :]
                if line.strip().startswith(("[possible values:", "tip:"))
            ]
            last = "; ".join([lines[errors[-1]], *hints])
        else:
            last = lines[-1] if lines else "(no message)"
        super().__init__(f"selfinterp {' '.join(args)}: exit {code}: {last}")
        self.code = code
        self.stderr = stderr


def find_binary() -> str:
    """The binary's path: $SELFINTERP_BIN, else the scripts directory of this environment (where
    pip put it), else the user scheme's, else the first `selfinterp` on PATH."""
    env = os.environ.get("SELFINTERP_BIN")
    if env:
        return env
    candidates = [Path(sysconfig.get_path("scripts")) / _EXE]
    user_scheme = f"{os.name}_user"
    if user_scheme in sysconfig.get_scheme_names():
        candidates.append(Path(sysconfig.get_path("scripts", scheme=user_scheme)) / _EXE)
    for c in candidates:
        if c.is_file():
            return str(c)
    found = shutil.which(_EXE)
    if found:
        return found
    raise FileNotFoundError(
        "the selfinterp binary was not found beside this Python "
        f"({candidates[0]}) nor on PATH; reinstall the wheel or set SELFINTERP_BIN"
    )


def run_binary(args: Iterable[str]) -> int:
    """Runs the binary with `args`, its output passed through; returns its exit code."""
    return subprocess.call([find_binary(), *args])


def call(args: List[str], stream_stderr: bool = False, cwd: Optional[str] = None) -> str:
    """Runs the binary and returns its stdout; a non-zero exit raises `SelfinterpError`.

    With `stream_stderr`, progress lines are copied to `sys.stderr` as they come (a notebook
    shows them under the cell) and kept for the error message. The binary's stdin is empty: it
    never waits on a question nobody sees (a hosted run without a preset is refused instead)."""
    cmd = [find_binary(), *args]
    if not stream_stderr:
        p = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, stdin=subprocess.DEVNULL)
        if p.returncode != 0:
            raise SelfinterpError(args, p.returncode, p.stderr)
        return p.stdout
    with subprocess.Popen(
        cmd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
    ) as p:
        assert p.stderr is not None and p.stdout is not None
        lines: List[str] = []
        for line in p.stderr:
            lines.append(line)
            sys.stderr.write(line)
            sys.stderr.flush()
        out = p.stdout.read()
        code = p.wait()
    if code != 0:
        raise SelfinterpError(args, code, "".join(lines))
    return out
