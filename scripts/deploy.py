"""Deploy a whole softliq market (or reuse the recorded one) and print it.

    ape run deploy --network ethereum:local:foundry [--params FILE] [--deployment FILE] [--force]
    ape run deploy --network http://127.0.0.1:8545        (an anvil you started)

Parameters come from `--params` (.json or .toml: fields of MarketParams; the rest keep
their documented defaults) or the defaults. The result is recorded in
`deployments/<ecosystem>-<network>.json` (or `--deployment FILE`): chain id, block,
addresses, contract names, parameters and bytecode hashes. Run again with the same
parameters against the same chain and the recorded market is reused, after checking the
code at every address and the parameters read back from the chain. A record for
another chain id is an error unless `--force` (deploy afresh, overwrite it).

ape test account 0 deploys, test account 1 administers the market. ape's
per-transaction INFO lines are hidden while deploying unless a more verbose
level was asked for (`-v DEBUG`).
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import click
from ape import accounts, chain
from rich.console import Console
from rich.table import Table

from softliq.ape_deploy import (
    ONCHAIN_VIEWS,
    cli_errors,
    cli_options,
    deploy_or_reuse,
    deployment_path,
    network_label,
    onchain_params,
    quiet_ape,
)
from softliq.chain_ape import connected
from softliq.deploy import Market
from softliq.params import WAD, MarketParams

# How to show each WAD-scaled parameter next to its raw value.
WAD_PRICES = {"price", "debt_ceiling"}
WAD_FRACTIONS = {"fee", "loan_discount", "liquidation_discount"}
WAD_FACTORS = {"amplification"}


def human(field: str, value: Any) -> str:
    """A parameter value in its own unit: WAD prices and factors as numbers,
    fractions as percentages, the rate as APY, e.g. 6*10**15 fee -> `0.6%`."""
    if not isinstance(value, int) or isinstance(value, bool):
        return str(value)
    if field in WAD_PRICES:
        return f"{value // WAD:,}" if value % WAD == 0 else f"{value / WAD:,.6f}"
    if field in WAD_FRACTIONS:
        return f"{value * 100 / WAD:g}%"
    if field in WAD_FACTORS:
        return f"{value / WAD:g}"
    if field == "rate":
        return f"{value}/s ({(1 + value / WAD) ** (365 * 86400) - 1:.2%} APY)"
    return str(value)


def addresses_table(market: Market, deployer: str) -> Table:
    """Deployed contracts and the accounts that deployed and administer them."""
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


def params_table(market: Market) -> Table:
    """Every MarketParams field as configured and as the contracts report it."""
    onchain = onchain_params(market)
    has_ema = str(market.price_source.address) != str(market.oracle.address)
    table = Table(title="softliq: market parameters")
    table.add_column("parameter")
    table.add_column("configured", justify="right")
    table.add_column("on chain", justify="right")
    table.add_column("raw on chain", justify="right")
    table.add_column("read from")
    for f in fields(MarketParams):
        configured, read = getattr(market.params, f.name), onchain[f.name]
        role, view = ONCHAIN_VIEWS[f.name]
        source = f"{role}.{view}()"
        if f.name == "ema_time" and not has_ema:
            source = "(none: the AMM reads the oracle)"
        shown = human(f.name, read) if read == configured else f"[red]{human(f.name, read)} MISMATCH[/red]"
        table.add_row(f.name, human(f.name, configured), shown, str(read), source)
    return table


def print_deployment(market: Market, deployer: str, note: str) -> None:
    """The network line, what happened, and the two tables."""
    console = Console(width=max(Console().width, 140))
    provider = chain.provider
    console.print(
        f"network {provider.network.ecosystem.name}:{provider.network.name}:{provider.name}, "
        f"chain id {chain.chain_id}, block {chain.blocks.height}"
    )
    console.print(note)
    console.print(addresses_table(market, deployer))
    console.print(params_table(market))


@click.command(short_help="Deploy softliq or reuse the recorded deployment")
@cli_options
def cli(network: str, params: MarketParams, deployment: str | None, force: bool) -> None:
    """Deploy softliq (or reuse the recorded deployment) and print it."""
    with cli_errors(), connected(network) as provider:
        deployer, admin = accounts.test_accounts[0], accounts.test_accounts[1]
        path = deployment_path(provider, deployment)
        with quiet_ape():
            result = deploy_or_reuse(params, path, deployer, admin, force=force, network=network_label(provider))
        print_deployment(result.market, result.record["deployer"], f"{result.reason}; record: {path}")
