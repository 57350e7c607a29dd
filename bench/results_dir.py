"""Where a benchmark writes its JSON: `reports/bench/<name>.json` (untracked) unless
`--record` asks for the tracked `bench/results/<name>.json`; and the exit status of a
run whose printed bars were missed."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RECORDED = ROOT / "bench" / "results"
SCRATCH = ROOT / "reports" / "bench"
BAR_MISSED = 1
"""Exit status when a bar the benchmark prints is missed."""


def add_record(p: argparse.ArgumentParser) -> None:
    """`--record`: write the tracked results file instead of the scratch one."""
    p.add_argument("--record", action="store_true",
                   help=f"write {RECORDED.relative_to(ROOT)}/<name>.json (tracked) instead of "
                        f"{SCRATCH.relative_to(ROOT)}/<name>.json")


def results_path(name: str, record: bool) -> Path:
    """The JSON file benchmark `name` writes."""
    return (RECORDED if record else SCRATCH) / f"{name}.json"


def write_results(name: str, record: bool, data: Any) -> Path:
    """Write `data` as JSON where `name`'s results go; returns the file."""
    path = results_path(name, record)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")
    print(f"results: {path.relative_to(ROOT)}")
    return path


def verdict(bars: dict[str, bool]) -> int:
    """Print every missed bar; 0 if all held, BAR_MISSED otherwise."""
    missed = [name for name, held in bars.items() if not held]
    for name in missed:
        print(f"BAR MISSED: {name}")
    return BAR_MISSED if missed else 0
