"""`ape run deploy`: the same as `softliq deploy` (see softliq/cli/deploy.py), for ape users.

    ape run deploy --network ethereum:local:foundry [--params FILE] [--deployment FILE] [--force]
    ape run deploy --network http://127.0.0.1:8545        (an anvil you started)
"""

from __future__ import annotations

from pathlib import Path

import click

from softliq.ape_deploy import cli_errors, cli_options
from softliq.cli.deploy import deploy_and_print
from softliq.params import MarketParams


@click.command(short_help="Deploy softliq or reuse the recorded deployment")
@cli_options
def cli(network: str, params: MarketParams, deployment: str | None, force: bool) -> None:
    """Deploy softliq (or reuse the recorded deployment) and print it."""
    with cli_errors():
        deploy_and_print(network, params, Path(deployment) if deployment else None, force)
