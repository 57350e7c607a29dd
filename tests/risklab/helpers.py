"""Helpers of the risk-lab tests: run the command line in-process, read summaries."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from softliq.cli import main


def run_cli(*argv: str) -> int:
    """`softliq ARGV` in this process; its exit status (argparse's SystemExit included)."""
    try:
        return main(list(argv))
    except SystemExit as exit_:
        return int(exit_.code or 0)


def summary(out: Path) -> dict[str, Any]:
    return json.loads((out / "summary.json").read_text())


def results_only(data: dict[str, Any]) -> dict[str, Any]:
    """summary.json without what may differ between equal runs (timing, where it ran)."""
    return {k: v for k, v in data.items() if k not in ("run", "validation")}

