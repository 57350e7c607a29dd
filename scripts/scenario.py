"""`ape run scenario`: the same as `softliq scenario run NAME --network ...` (see
softliq/cli/scenario.py), for ape users.

    ape run scenario crash --network ethereum:local:foundry --borrowers 10 --steps 100
    ape run scenario oracle-lag --network http://127.0.0.1:8545 --params my.toml
"""

from __future__ import annotations

import sys

import click

from softliq.ape_deploy import DEFAULT_NETWORK


@click.command(short_help="Run a liquidation scenario on a node and write its report",
               context_settings={"ignore_unknown_options": True, "help_option_names": []})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def cli(args: tuple[str, ...]) -> None:
    """Run `softliq scenario run ARGS` (on --network, default ethereum:local:foundry)."""
    from softliq.cli import main

    argv = list(args) if "--network" in args else [*args, "--network", DEFAULT_NETWORK]
    sys.exit(main(["scenario", "run", *argv]))
