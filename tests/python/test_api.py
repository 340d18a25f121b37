"""The module against the installed wheel: every figure is checked against one computed here
from the tables or the bundle's own files, not against a stored number."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import selfinterp


def pearson(x: "pd.Series", y: "pd.Series") -> float:
    mx, my = x.mean(), y.mean()
    sxy = ((x - mx) * (y - my)).sum()
    return float(sxy / math.sqrt(((x - mx) ** 2).sum() * ((y - my) ** 2).sum()))


def test_the_module_is_the_installed_one_not_the_checkout():
    checkout = Path(__file__).resolve().parents[2]
    assert checkout not in Path(selfinterp.__file__).resolve().parents, selfinterp.__file__


def test_summary_r_is_pearson_of_the_weights_table(runs: Path):
    run = selfinterp.open(runs / "first")
    w = run.weights()
    both = w.dropna(subset=["learned", "reported"])
    assert len(both) == 100  # 20 contexts x 5 attributes
    r = run.summary["reports_vs_learned"]["r"]
    assert r == pytest.approx(pearson(both["learned"], both["reported"]), abs=1e-9)
    assert run.summary == selfinterp.score(runs / "first")


def test_samples_table_has_every_line_of_samples_jsonl(runs: Path):
    run = selfinterp.open(runs / "first")
    s = run.samples()
    lines = (runs / "first" / "samples.jsonl").read_text().splitlines()
    assert len(s) == len(lines) == run.manifest["counts"]["samples"]
    assert set(s["kind"]) == {"choice", "report"}
    assert s.loc[s["kind"] == "choice", "choice"].isin(["A", "B"]).all()


def test_tables_of_two_runs_concatenate_without_a_join(runs: Path):
    w = pd.concat([selfinterp.open(runs / d).weights() for d in ["first", "second"]])
    ids = w.groupby("run_id")[["model", "provider", "experiment", "preset", "benchmark"]].first()
    assert ids.loc["first"].tolist() == ["faithful", "sim", "native", "quick", "v1"]
    # Five contexts is not the quick preset's twenty: the counts say "custom".
    assert ids.loc["second"].tolist() == ["partial:0.5", "sim", "native", "custom", "v1"]
    assert w.groupby("run_id").size().to_dict() == {"first": 100, "second": 25}
    assert w["attribute"].notna().all() and (w["attribute"] != "").all()
    s = pd.concat([selfinterp.open(runs / d).samples() for d in ["first", "second"]])
    assert set(s["run_id"]) == {"first", "second"}


def test_report_formats(runs: Path):
    run = selfinterp.open(runs / "first")
    assert run.report("md").startswith("# faithful")
    assert json.loads(run.report("json"))["summary"]["reports_vs_learned"]["r"] == pytest.approx(
        run.summary["reports_vs_learned"]["r"]
    )
    assert "<html" in run.report("html").lower()


def test_compare_is_what_compare_json_prints(runs: Path):
    out = subprocess.run(
        [selfinterp.find_binary(), "compare", "first", "second", "--json"],
        cwd=runs, check=True, capture_output=True, text=True,
    ).stdout
    got = selfinterp.compare([runs / "first", runs / "second"])
    assert got["pairs"][0]["r_a"] == json.loads(out)["pairs"][0]["r_a"]
    assert got["pairs"][0]["n_shared_contexts"] == 5
    with pytest.raises(TypeError):
        selfinterp.compare(str(runs / "first"))


def test_run_returns_the_bundle_it_wrote(tmp_path: Path, capfd: pytest.CaptureFixture[str]):
    r = selfinterp.run(
        provider="sim", model="faithful", experiment="instilled", preset="quick",
        out=tmp_path / "inst", contexts=3, trials=10, reports=2, no_cache=True,
    )
    assert r.path == tmp_path / "inst"
    assert r.manifest["counts"]["samples"] == 3 * 10 + 3 * 2
    assert r.summary["learned_vs_target"]["r"] is not None
    # progress lines went to stderr as they came
    assert "requests answered" in capfd.readouterr().err


def test_run_default_out_is_the_clis(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    r = selfinterp.run(provider="sim", model="partial:0.5", experiment="native", preset="quick",
                       contexts=2, trials=5, reports=1, no_cache=True)
    assert r.path == Path("runs/partial-0.5-native-quick")
    assert (tmp_path / r.path / "summary.json").is_file()


def test_errors_carry_the_exit_code(tmp_path: Path):
    with pytest.raises(FileNotFoundError):
        selfinterp.open(tmp_path / "nothing")
    with pytest.raises(selfinterp.SelfinterpError) as e:
        selfinterp.score(tmp_path)
    assert e.value.code == 2 and str(tmp_path) in str(e.value)
    with pytest.raises(selfinterp.SelfinterpError) as e:
        selfinterp.run(provider="sim", model="faithful", experiment="native",
                       out=tmp_path / "x", contexts=0)
    assert e.value.code == 2 and "contexts" in str(e.value)


def test_a_usage_error_names_what_is_wrong(runs: Path):
    # The argument parser's error line, not its closing "try '--help'" hint.
    with pytest.raises(selfinterp.SelfinterpError) as e:
        selfinterp.open(runs / "first").report("pdf")
    assert e.value.code == 2 and "invalid value 'pdf'" in str(e.value), str(e.value)
    # ... with the values it takes, and the flag a mistyped keyword meant (both were dropped).
    assert "[possible values: md, json, html]" in str(e.value), str(e.value)
    with pytest.raises(selfinterp.SelfinterpError) as e:
        selfinterp.run(provider="sim", model="faithful", experiment="native", preset="quick",
                       out=runs / "never", context=5)
    assert e.value.code == 2, str(e.value)
    assert "unexpected argument '--context' found" in str(e.value), str(e.value)
    assert "tip: a similar argument exists: '--contexts'" in str(e.value), str(e.value)


def test_run_without_a_preset_keeps_the_paid_api_guard(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # No --preset is passed for a left-out preset (checked first with the call recorded, so a
    # regression never reaches the network) ...
    seen: list = []
    monkeypatch.setattr(selfinterp, "call", lambda args, **kw: seen.append(args) or "")
    with pytest.raises(FileNotFoundError):
        selfinterp.run(provider="sim", model="faithful", experiment="native", out=tmp_path / "s")
    assert "--preset" not in seen[0], seen[0]
    monkeypatch.undo()
    # ... so the binary refuses a hosted full-protocol run without --yes: nothing is sent.
    monkeypatch.setenv("OPENAI_API_KEY", "sk-never-sent")
    with pytest.raises(selfinterp.SelfinterpError) as e:
        selfinterp.run(provider="openai", model="gpt-4o-mini", experiment="native",
                       out=tmp_path / "hosted", no_cache=True)
    assert e.value.code == 2 and "--yes" in str(e.value), str(e.value)
    assert not (tmp_path / "hosted" / "samples.jsonl").exists()


def test_python_m_is_the_binary():
    via_m = subprocess.run([sys.executable, "-m", "selfinterp", "--version"],
                           check=True, capture_output=True, text=True).stdout
    direct = subprocess.run([selfinterp.find_binary(), "--version"],
                            check=True, capture_output=True, text=True).stdout
    assert via_m == direct and via_m.startswith("selfinterp ")
    code = subprocess.run([sys.executable, "-m", "selfinterp", "score", "/nonexistent"],
                          capture_output=True).returncode
    assert code == 2


def test_selfinterp_bin_overrides(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("SELFINTERP_BIN", str(tmp_path / "missing"))
    assert selfinterp.find_binary() == str(tmp_path / "missing")
    with pytest.raises(OSError):
        selfinterp.score(tmp_path)
    monkeypatch.delenv("SELFINTERP_BIN")
    assert os.path.isfile(selfinterp.find_binary())
