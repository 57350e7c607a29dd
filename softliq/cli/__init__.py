"""`softliq <command>` (also `python -m softliq`): the project's one command line.

Commands live in this package, one module each; every module has an
`add_<name>(sub: argparse._SubParsersAction) -> None` that calls `sub.add_parser(...)`
and `p.set_defaults(run=...)` with `run(args) -> exit status`. Add new ones to
`COMMANDS`. The same flags mean the same thing everywhere: `--network` (an ape network
choice or a node URL), `--params` (a market parameters file), `--out` (where results
go), `--seed`. Bad input: one line on stderr, exit status 2, nothing written.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from softliq.cli.common import FAILED, USAGE_ERROR, CliParser, InputError, positive_float, positive_int, seed_int
from softliq.cli.compare import add_compare
from softliq.cli.deploy import add_deploy
from softliq.cli.fork import add_fork
from softliq.cli.fuzz import add_fuzz
from softliq.cli.keepers import add_keepers
from softliq.cli.scenario import add_scenario
from softliq.risklab.cli import add_calibrate, add_montecarlo

COMMANDS: Sequence[Callable[[argparse._SubParsersAction], None]] = (
    add_deploy,
    add_scenario,
    add_fork,
    add_fuzz,
    add_keepers,
    add_compare,
    add_montecarlo,
    add_calibrate,
)


def parser() -> argparse.ArgumentParser:
    """The top-level parser with every subcommand."""
    p = CliParser(prog="softliq", description="softliq: deploy, simulate, fuzz and operate soft-liquidation markets. "
                                               "`softliq <command> --help` for each command's options.")
    sub = p.add_subparsers(dest="command", required=True, metavar="command")
    for add in COMMANDS:
        add(sub)
    return p


def input_errors() -> tuple[type[BaseException], ...]:
    """The exceptions that mean bad input (exit 2, one line): ours, the scenarios',
    the parameters', the deployment records' and the network choice's."""
    from softliq.ape_deploy import ChainMismatchError
    from softliq.chain_ape import ConnectError
    from softliq.params import ParamsError
    from softliq.scenarios import ScenarioError

    return (InputError, ScenarioError, ParamsError, ChainMismatchError, ConnectError)


def failures() -> tuple[type[BaseException], ...]:
    """Expected failures while running (exit 1, one line): a transaction or deployment
    the chain refused (with the contract's reason), a report that could not be written."""
    from softliq.ape_deploy import DeploymentError
    from softliq.chain import TxReverted
    from softliq.report import ReportError
    from softliq.revm import RevmRevert

    return (TxReverted, RevmRevert, DeploymentError, ReportError)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse `argv` (default: sys.argv[1:]) and run the command; returns the exit status.
    Bad input: `softliq <command>: error: <what>` on stderr and 2."""
    p = parser()
    try:
        args = p.parse_args(argv)
    except SystemExit as exited:  # --help (0) or a usage error (2, already printed)
        return int(exited.code or 0)
    try:
        return int(args.run(args))
    except input_errors() as error:
        print(f"{args.prog}: error: {error}", file=sys.stderr)
        return USAGE_ERROR
    except failures() as error:
        print(f"{args.prog}: failed: {error}", file=sys.stderr)
        return FAILED
    except KeyboardInterrupt:
        print(f"{args.prog}: interrupted", file=sys.stderr)
        return 130


def console() -> None:
    """Entry point of the `softliq` console script."""
    sys.exit(main())


__all__ = ["COMMANDS", "InputError", "main", "parser", "positive_float", "positive_int", "seed_int"]
