"""Command line of titanoboa scenario runs:

    python -m softliq.scenarios NAME [--borrowers N] [--steps S] [--seed K]
        [--max-bands B] [--latency-blocks L] [--gas-price-gwei G] [--path-file CSV]
        [--out DIR] [--no-progress]

Runs the scenario on a fresh titanoboa market, prints the summary table and the report
directory. Bad input: a message on stderr and exit status 2; nothing is written.
"""

from __future__ import annotations

import argparse
import sys

from softliq.scenarios.definitions import SCENARIOS, ScenarioError, ScenarioOptions


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so main() owns the exit status."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise ScenarioError(message)


def build_parser() -> argparse.ArgumentParser:
    """The scenario command's argument parser."""
    p = _Parser(prog="python -m softliq.scenarios", description="Run a named liquidation scenario on titanoboa.")
    p.add_argument("name", help=f"scenario: {', '.join(SCENARIOS)}")
    p.add_argument("--borrowers", type=int, default=ScenarioOptions.borrowers)
    p.add_argument("--steps", type=int, default=ScenarioOptions.steps)
    p.add_argument("--seed", type=int, default=ScenarioOptions.seed)
    p.add_argument("--max-bands", type=int, default=ScenarioOptions.max_bands)
    p.add_argument("--latency-blocks", type=int, default=None)
    p.add_argument("--gas-price-gwei", type=float, default=None)
    p.add_argument("--path-file", default=None, help="CSV of seconds,price rows: the market follows its shape")
    p.add_argument("--out", default="reports", help="directory the report goes under (default: reports)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def parse_options(argv: list[str]) -> tuple[str, ScenarioOptions, str]:
    """(name, options, out dir) from the command line; ScenarioError on bad input."""
    from softliq.scenarios.definitions import get_scenario

    args = build_parser().parse_args(argv)
    get_scenario(args.name)
    options = ScenarioOptions(
        borrowers=args.borrowers,
        steps=args.steps,
        seed=args.seed,
        max_bands=args.max_bands,
        latency_blocks=args.latency_blocks,
        gas_price_gwei=args.gas_price_gwei,
        progress=not args.no_progress,
        path_file=args.path_file,
    ).validate()
    return args.name, options, args.out


def main(argv: list[str] | None = None) -> int:
    """Run the command; returns the exit status."""
    from softliq.report import ReportError, summary_table, write_report
    from softliq.scenarios.engine import run_scenario

    try:
        name, options, out = parse_options(sys.argv[1:] if argv is None else argv)
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    result = run_scenario(name, None, options)
    try:
        path = write_report(result, out)
    except ReportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(summary_table(result))
    print(f"report: {path / 'index.html'}")
    return 0
