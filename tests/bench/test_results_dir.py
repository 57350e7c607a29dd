"""Benchmarks write to an untracked folder unless asked to record, and exit non-zero
when a bar they print is missed (bench/results_dir.py, used by every bench script)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture(scope="module")
def results_dir() -> ModuleType:
    spec = importlib.util.spec_from_file_location("softliq_bench_results_dir", BENCH / "results_dir.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_scratch_unless_recording(results_dir: ModuleType) -> None:
    scratch, recorded = results_dir.results_path("gas", False), results_dir.results_path("gas", True)
    assert recorded == BENCH / "results" / "gas.json"
    assert scratch.parent != recorded.parent
    ignored = subprocess.run(["git", "check-ignore", "-q", str(scratch)], cwd=BENCH.parent)
    assert ignored.returncode == 0, f"{scratch} would show in git status"
    tracked = subprocess.run(["git", "check-ignore", "-q", str(recorded)], cwd=BENCH.parent)
    assert tracked.returncode == 1


def test_verdict(results_dir: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    assert results_dir.verdict({"fast enough": True}) == 0
    assert results_dir.verdict({"fast enough": True, "small enough": False}) == 1
    assert "BAR MISSED: small enough" in capsys.readouterr().out


@pytest.mark.parametrize("script", ["gas.py", "econ.py", "fuzz_throughput.py", "mutants.py", "scenario_speed.py"])
def test_every_benchmark_takes_record(script: str) -> None:
    text = (BENCH / script).read_text()
    assert "add_record(" in text and "write_results(" in text
    assert "bench\" / \"results\"" not in text and "RESULTS.write_text" not in text
