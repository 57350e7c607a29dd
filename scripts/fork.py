"""`ape run fork`: the same as `softliq fork` (see softliq/cli/fork.py), for ape users.

    ape run fork --upstream http://127.0.0.1:8545 [--scenario crash] [scenario options]
    ape run fork --upstream https://<mainnet RPC> --fork-block 21000000 --borrowers 5
"""

from __future__ import annotations

import sys

import click


@click.command(short_help="Fork a chain with anvil and run a scenario on the fork",
               context_settings={"ignore_unknown_options": True, "help_option_names": []})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def cli(args: tuple[str, ...]) -> None:
    """Run `softliq fork ARGS`."""
    from softliq.cli import main

    sys.exit(main(["fork", *args]))
