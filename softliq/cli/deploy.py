"""`softliq deploy`: deploy a whole market through ape (or reuse the recorded one) and
print its addresses and parameters. `ape run deploy` is a thin wrapper over `deploy`.

Parameters come from `--params` (human units, see params/defaults.toml) or the defaults.
The record goes to `deployments/chain-<chain id>.json` (or `--deployment FILE`, mode
0644): chain id, block, addresses, contract names, parameters, bytecode hashes and each
contract's ABI (`abi`, by contract name). Deploying to a node that ape starts for the
command (the default network) warns that the node, and so the deployment, ends with it.
Run again with the same parameters against the same chain and the recorded market is
reused, after checking the code at every address and the parameters read back from the
chain. ape test account 0 deploys, 1 administers.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import fields
from pathlib import Path
from typing import Any

from softliq.cli.common import add_deployment, add_network, add_params
from softliq.params import MarketParams, human

def add_deploy(sub: argparse._SubParsersAction) -> None:
    """The `deploy` command."""
    p = sub.add_parser("deploy", help="deploy a market through ape (or reuse the recorded one)",
                       description=__doc__.split("\n\n", 1)[1])
    add_network(p)
    add_params(p)
    add_deployment(p)
    p.set_defaults(run=run_deploy)


def run_deploy(args: argparse.Namespace) -> int:
    deploy_and_print(args.network, args.params or MarketParams(), args.deployment, args.force)
    return 0


def deploy_and_print(network: str, params: MarketParams, deployment: Path | str | None, force: bool) -> None:
    """Connect to `network`, deploy or reuse, write the record, print the tables."""
    from ape import accounts

    from softliq.ape_deploy import deploy_or_reuse, deployment_path, ephemeral_warning, network_label, quiet_ape
    from softliq.chain_ape import connected

    with connected(network) as provider:
        deployer, admin = accounts.test_accounts[0], accounts.test_accounts[1]
        path = deployment_path(provider, deployment)
        with quiet_ape():
            result = deploy_or_reuse(params, path, deployer, admin, force=force, network=network_label(provider))
        print_deployment(result.market, result.record["deployer"], f"{result.reason}; record: {path} (with ABIs)")
        warning = ephemeral_warning(provider)
        if warning:
            print(warning, file=sys.stderr)


def addresses_table(market: Any, deployer: str) -> Any:
    """Deployed contracts and the accounts that deployed and administer them."""
    from rich.table import Table

    table = Table(title="softliq: deployed contracts")
    table.add_column("role")
    table.add_column("address")
    for role, address in market.addresses().items():
        if role == "price_source" and address == str(market.oracle.address):
            continue  # the AMM reads the settable oracle directly
        table.add_row(role, address)
    table.add_row("deployer (account)", deployer)
    table.add_row("admin (account)", market.admin)
    return table


def params_table(market: Any) -> Any:
    """Every MarketParams field as configured and as the contracts report it."""
    from rich.table import Table

    from softliq.ape_deploy import ONCHAIN_VIEWS, onchain_params

    onchain = onchain_params(market)
    has_ema = str(market.price_source.address) != str(market.oracle.address)
    table = Table(title="softliq: market parameters")
    for column in ("parameter", "configured", "on chain", "raw on chain", "read from"):
        table.add_column(column, justify="right" if column in ("configured", "on chain", "raw on chain") else "left")
    for f in fields(MarketParams):
        configured, read = getattr(market.params, f.name), onchain[f.name]
        role, view = ONCHAIN_VIEWS[f.name]
        source = f"{role}.{view}()"
        if f.name == "ema_time" and not has_ema:
            source = "(none: the AMM reads the oracle)"
        curve = market.params.auction_curve
        shown = human(f.name, read, curve)
        shown = shown if read == configured else f"[red]{shown} MISMATCH[/red]"
        table.add_row(f.name, human(f.name, configured, curve), shown, str(read), source)
    return table


def print_deployment(market: Any, deployer: str, note: str) -> None:
    """The network line, what happened, and the two tables."""
    from ape import chain
    from rich.console import Console

    console = Console(width=max(Console().width, 140))
    provider = chain.provider
    console.print(
        f"network {provider.network.ecosystem.name}:{provider.network.name}:{provider.name}, "
        f"chain id {chain.chain_id}, block {chain.blocks.height}"
    )
    console.print(note)
    console.print(addresses_table(market, deployer))
    console.print(params_table(market))
