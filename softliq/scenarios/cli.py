"""`python -m softliq.scenarios NAME [options]`: the same as `softliq scenario run NAME
[options]` (see softliq.cli.scenario), kept for existing scripts."""

from __future__ import annotations

import sys

from softliq.cli import main as softliq_main


def main(argv: list[str] | None = None) -> int:
    """Run `softliq scenario run ARGV`; returns the exit status."""
    return softliq_main(["scenario", "run", *(sys.argv[1:] if argv is None else argv)])
