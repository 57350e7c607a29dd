"""`softliq scenario list` and `softliq scenario run NAME|FILE.toml`.

A run goes in-process (pyrevm, the default, or titanoboa's py-evm) unless `--network`
names a node, in which case it goes through ape on that node (anvil or a fork): deploy
or reuse the market, run the keepers, write the report.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from softliq.cli.common import (
    InputError,
    add_deployment,
    add_network,
    add_out,
    add_params,
    add_seed,
    writable_dir,
)

def add_scenario(sub: argparse._SubParsersAction) -> None:
    """The `scenario` command and its `list` and `run` subcommands."""
    p = sub.add_parser("scenario", help="list or run liquidation scenarios",
                       description="List the scenarios, or run one and write its report.")
    inner = p.add_subparsers(dest="action", required=True, metavar="list|run")
    listing = inner.add_parser("list", help="the scenarios with their descriptions",
                               description="List every scenario under scenarios/ with its description.")
    listing.set_defaults(run=run_list)
    _add_run(inner)


def add_scenario_options(p: argparse.ArgumentParser) -> None:
    """Options of any scenario run (here and in `softliq fork`): its size, keepers,
    path, market parameters and where the report goes."""
    from softliq.scenarios import ScenarioOptions

    d = ScenarioOptions()
    p.add_argument("--borrowers", type=int, default=d.borrowers, help="borrowers spawned (1..200)")
    p.add_argument("--steps", type=int, default=d.steps, help="price-path steps: its resolution, not its duration (10..20000)")
    add_seed(p, d.seed, "seed of the borrowers' sizes (and of noisy paths)")
    p.add_argument("--max-bands", type=int, default=d.max_bands, help="largest band count a borrower uses (4..50)")
    p.add_argument("--latency-blocks", type=int, default=None,
                   help="override every keeper's latency in blocks (default: the scenario's)")
    p.add_argument("--gas-price-gwei", type=float, default=None,
                   help="override every keeper's gas price (default: the scenario's)")
    p.add_argument("--path-file", default=None, metavar="CSV",
                   help="seconds,price rows: the market follows this shape instead of the scenario's path")
    add_params(p)
    add_out(p, "reports", "directory the report folder goes under")
    p.add_argument("--max-blocks-per-sleep", type=int, default=1,
                   help="on a node: blocks mined per time step at most, 0: one per 12 s (slow)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def _add_run(inner: argparse._SubParsersAction) -> None:
    from softliq.scenarios.local import EVMS

    p = inner.add_parser(
        "run", help="run one scenario and write its report",
        description="Run a scenario (a name from `softliq scenario list`, or a TOML file) with borrowers "
                    "and keepers, print the summary table and write <out>/<name>-<time>/.",
    )
    p.add_argument("scenario", metavar="NAME|FILE.toml", help="a scenario name or a scenario file")
    add_scenario_options(p)
    add_network(p, None, "default: none, run in-process on --evm")
    p.add_argument("--evm", choices=EVMS, default=EVMS[0], help="in-process EVM (without --network)")
    add_deployment(p)
    p.set_defaults(run=run_run)


def run_list(args: argparse.Namespace) -> int:
    """Print every scenario's name and description."""
    from softliq.scenarios import SCENARIOS

    width = max(len(name) for name in SCENARIOS)
    for name, scenario in SCENARIOS.items():
        print(f"{name:<{width}}  {scenario.description}")
    return 0


def options_from(args: argparse.Namespace) -> Any:
    """ScenarioOptions from the command line (validated: ScenarioError names a bad one)."""
    from softliq.scenarios import ScenarioOptions

    return ScenarioOptions(
        borrowers=args.borrowers, steps=args.steps, seed=args.seed, max_bands=args.max_bands,
        latency_blocks=args.latency_blocks, gas_price_gwei=args.gas_price_gwei,
        progress=not args.no_progress, path_file=args.path_file,
    ).validate()


def checked_run(args: argparse.Namespace) -> tuple[Any, Any]:
    """(scenario, options) of a run, every input checked before anything starts."""
    from softliq.scenarios import get_scenario

    scenario = get_scenario(args.scenario)
    options = options_from(args)
    writable_dir(args.out, "--out")
    if args.max_blocks_per_sleep < 0:
        raise InputError(f"--max-blocks-per-sleep must be >= 0, got {args.max_blocks_per_sleep}")
    return scenario, options


def print_result(result: Any, report: Path) -> None:
    """The summary table and where the report is."""
    from softliq.report import summary_table

    print(summary_table(result))
    print(f"report: {report / 'index.html'}")


def run_run(args: argparse.Namespace) -> int:
    """Check everything, run the scenario, write the report, print the summary."""
    scenario, options = checked_run(args)
    if args.network is None:
        result, report = _run_in_process(scenario, options, args)
    else:
        result, report = _run_on_node(scenario, options, args)
    print_result(result, report)
    return 0


def _run_in_process(scenario: Any, options: Any, args: argparse.Namespace) -> tuple[Any, Path]:
    from softliq.report import write_report
    from softliq.scenarios import run_scenario
    from softliq.scenarios.local import local_chain

    chain = local_chain(scenario.market_params(args.params), args.evm)
    result = run_scenario(scenario, chain, options)
    return result, write_report(result, args.out)


def _run_on_node(scenario: Any, options: Any, args: argparse.Namespace) -> tuple[Any, Path]:
    from softliq.chain_ape import connected, run_scenario_here

    from softliq.ape_deploy import ephemeral_warning

    with connected(args.network) as provider:
        dep, result, report = run_scenario_here(
            scenario, options, args.params, args.deployment, args.force, str(args.out), args.max_blocks_per_sleep,
        )
        warning = ephemeral_warning(provider)
    print(dep.reason)
    if warning:
        print(warning, file=sys.stderr)
    return result, report
