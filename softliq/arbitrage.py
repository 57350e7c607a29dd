"""Profit-maximising arbitrage of the AMM against an external market price.

Used by the econ benchmark, the tests and (later) the keeper bots. It needs only the
AMM's views, so it works on any backend whose handles expose them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

WAD = 10**18
GOLDEN = 0.6180339887498949


@dataclass(frozen=True)
class Arbitrage:
    """One trade: sell `amount` of coin `i` to the AMM for coin `1 - i`."""

    i: int
    amount: int
    out: int
    profit: int
    """In stablecoin wei, valuing collateral at the market price."""


def _profit(amm: Any, i: int, amount: int, market: int, precision: int) -> tuple[int, int]:
    if amount <= 0:
        return 0, 0
    used, out = amm.get_dxdy(i, 1 - i, amount)
    if i == 0:
        return out * precision * market // WAD - used, out
    return out - used * precision * market // WAD, out


def _best_amount(amm: Any, i: int, market: int, cap: int, precision: int) -> Arbitrage:
    """Golden-section search in log space for the most profitable input up to `cap`."""
    import math

    if cap <= 0:
        return Arbitrage(i, 0, 0, 0)
    lo, hi = 0.0, math.log(cap)
    best = Arbitrage(i, 0, 0, 0)
    cache: dict[int, tuple[int, int]] = {}

    def value(t: float) -> int:
        nonlocal best
        amount = max(1, min(cap, int(math.exp(t))))
        if amount not in cache:
            cache[amount] = _profit(amm, i, amount, market, precision)
        profit, out = cache[amount]
        if profit > best.profit:
            best = Arbitrage(i, amount, out, profit)
        return profit

    a, b = lo + (1 - GOLDEN) * (hi - lo), lo + GOLDEN * (hi - lo)
    fa, fb = value(a), value(b)
    for _ in range(60):
        if fa < fb:
            lo, a, fa = a, b, fb
            b = lo + GOLDEN * (hi - lo)
            fb = value(b)
        else:
            hi, b, fb = b, a, fa
            a = lo + (1 - GOLDEN) * (hi - lo)
            fa = value(a)
    value(hi)
    return best


def find_arbitrage(amm: Any, market: int, stable_cap: int, collateral_cap: int) -> Arbitrage | None:
    """The more profitable of buying or selling collateral at `market` (WAD), or None."""
    precision = amm.COLLATERAL_PRECISION()
    buy = _best_amount(amm, 0, market, stable_cap, precision)
    sell = _best_amount(amm, 1, market, collateral_cap, precision)
    best = buy if buy.profit >= sell.profit else sell
    return best if best.profit > 0 and best.out > 0 else None
