"""Shared helpers of the AMM suite: oracle moves, band snapshots, protocol constants.

Funding and loans go through softliq.actors; deployment through the conftest fixtures.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path

import boa

from softliq import actors
from softliq.bands import reader_for

WAD = 10**18
MAX_UINT = 2**256 - 1
CONTRACTS = Path(__file__).resolve().parents[2] / "contracts"


def _read_constants() -> dict[str, int]:
    """Every integer constant of contracts/modules/constants.vy, so bound tests follow
    the contracts rather than copies of their numbers."""
    out: dict[str, int] = {}
    text = (CONTRACTS / "modules" / "constants.vy").read_text()
    for name, expr in re.findall(r"^(\w+): constant\(\w+\) = ([0-9* ()+-]+)$", text, re.M):
        out[name] = int(eval(expr, {"__builtins__": {}}))  # noqa: S307 - digits and operators only
    return out


C = _read_constants()


def set_oracle(market, price: int) -> None:
    """Move the settable oracle (its admin is the market's admin)."""
    with boa.env.prank(market.admin):
        market.oracle.set_price(price)


@contextmanager
def as_amm_admin(market):
    """Act as the AMM's admin, which is the Controller."""
    with boa.env.prank(market.controller.address):
        yield


def units(market, amount_wad: int) -> int:
    """Collateral amount in token units."""
    return actors.collateral_units(market, amount_wad)


def open_borrowers(market, borrowers, specs) -> list[tuple[int, int]]:
    """Open one loan per (collateral_wad, n_bands, share_of_max) in `specs`."""
    return [
        actors.open_loan_at(market, who, units(market, col), share, n)
        for who, (col, n, share) in zip(borrowers, specs)
    ]


def fund_trader(market, trader, stable: int = 10**6 * WAD, collateral_wad: int = 1000 * WAD) -> None:
    """Give a trader stablecoin (through a far-away loan) and collateral, approvals set."""
    actors.fund_stablecoin(market, trader, stable)
    actors.fund_collateral(market, trader, units(market, collateral_wad))


def band_numbers(amm) -> range:
    return range(amm.min_band(), amm.max_band() + 1)


def snapshot_bands(amm, ns) -> dict[int, tuple[int, int]]:
    """{n: (x, y)} of the bands in `ns`, read from raw storage in one walk (softliq.bands;
    the views would sum each virgin band's pending withdrawals from V)."""
    ns = list(ns)
    if not ns:
        return {}
    bands = reader_for(amm).bands(min(ns), max(ns))
    return {n: bands[n][:2] for n in ns}


def balances(market, who) -> tuple[int, int]:
    return market.stablecoin.balanceOf(who), market.collateral.balanceOf(who)


def amm_state(market) -> tuple:
    """Everything a reverted call must leave untouched (bands near the active one,
    pointers, fee state, coins)."""
    amm = market.amm
    ns = range(amm.min_band() - 2, amm.active_band() + 30)
    return (
        snapshot_bands(amm, ns),
        reader_for(amm).band_range(),  # V and the carry included
        amm.active_band(),
        amm.min_band(),
        amm.max_band(),
        tuple(amm.oracle_state()),
        amm.fee(),
        amm.rate(),
        amm.get_rate_mul(),
        amm.admin(),
        balances(market, amm.address),
    )


def trade(market, trader, i: int, amount: int, min_out: int = 0):
    """exchange(i, 1 - i, amount, min_out) as `trader`; returns [used, received]."""
    with boa.env.prank(trader):
        return market.amm.exchange(i, 1 - i, amount, min_out)


def amplification(amm) -> float:
    return amm.AMPLIFICATION() / WAD


def collateral_in_amm(market, name: str, amount: int):
    """A fresh user whose `amount` of collateral already sits in the AMM, as the Controller
    arranges before deposit_range."""
    who = boa.env.generate_address(name)
    actors.fund_collateral(market, who, amount)
    with boa.env.prank(who):
        market.collateral.transfer(market.amm.address, amount)
    return who
