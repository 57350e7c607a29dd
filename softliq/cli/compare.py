"""`softliq compare DIR DIR...`: scenario reports side by side on one HTML page."""

from __future__ import annotations

import argparse
from pathlib import Path

from softliq.cli.common import InputError, add_out, writable_dir


def add_compare(sub: argparse._SubParsersAction) -> None:
    """The `compare` command."""
    p = sub.add_parser("compare", help="compare scenario reports on one HTML page",
                       description="Put scenario reports (folders written by `softliq scenario run`) side by side: "
                                   "their key numbers in one table, the parameters that differ, overlaid plots. "
                                   "Writes <out>/compare-<time>/index.html.")
    p.add_argument("reports", nargs="+", type=Path, metavar="DIR", help="report folders (two or more)")
    add_out(p, "reports", "directory the comparison folder goes under")
    p.set_defaults(run=run_compare)


def run_compare(args: argparse.Namespace) -> int:
    from softliq.report.compare import CompareError, write_comparison

    writable_dir(args.out, "--out")
    try:
        path = write_comparison(args.reports, args.out)
    except CompareError as error:
        raise InputError(str(error)) from None
    print(f"comparison: {path / 'index.html'}")
    return 0
