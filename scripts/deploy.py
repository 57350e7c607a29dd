"""Deploy a whole softliq market and print what was deployed.

    ape run deploy --network ethereum:local:foundry     (what `make run` runs)

ape test account 0 deploys, test account 1 administers the market. ape's
per-transaction INFO lines are hidden while deploying unless a more verbose
level was asked for (`-v DEBUG`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields
from typing import Any

from ape import accounts, chain
from ape.logging import logger
from rich.console import Console
from rich.table import Table

from softliq.ape_deploy import ONCHAIN_VIEWS, deploy_ape, onchain_params
from softliq.deploy import Market
from softliq.params import WAD, MarketParams

# How to show each WAD-scaled parameter next to its raw value.
WAD_PRICES = {"price", "debt_ceiling"}
WAD_FRACTIONS = {"fee", "loan_discount", "liquidation_discount"}
WAD_FACTORS = {"amplification"}


@contextmanager
def quiet_ape() -> Iterator[None]:
    """Hide ape's INFO lines (one per transaction) unless DEBUG was asked for."""
    level = logger.level
    if logging.INFO <= level < logging.WARNING:
        logger.set_level(logging.WARNING)
    try:
        yield
    finally:
        logger.set_level(level)


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


def main() -> None:
    deployer, admin = accounts.test_accounts[0], accounts.test_accounts[1]
    with quiet_ape():
        market = deploy_ape(MarketParams(), deployer=deployer, admin=admin)
    console = Console(width=max(Console().width, 140))
    provider = chain.provider
    console.print(
        f"network {provider.network.ecosystem.name}:{provider.network.name}:{provider.name}, "
        f"chain id {chain.chain_id}, block {chain.blocks.height}"
    )
    console.print(addresses_table(market, str(deployer.address)))
    console.print(params_table(market))
