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



def check_bad_input(tmp_path: Path, capsys: Any, argv: list[str], files: dict[str, str], message: str) -> None:
    """`softliq ARGV` (an "@name" argument becomes a file of tmp_path holding files[name])
    exits 2 with one line on stderr holding `message`, and writes nothing under --out
    (tmp_path/out), not even a temporary directory beside it."""
    args = []
    for a in argv:
        if a in files:
            (tmp_path / a[1:]).write_text(files[a])
            a = str(tmp_path / a[1:])
        args.append(a)
    out = tmp_path / "out"
    assert run_cli(*args, "--quiet", "--out", str(out)) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]
