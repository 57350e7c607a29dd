"""A fast, exact arbitrageur for the fuzz suites.

`softliq.arbitrage.find_arbitrage` searches both directions with ~120 quotes (about a
second on py-evm). Here the direction comes from one `get_p()` (the AMM price against
the market price, with the fee as a dead zone), the search range from the bands' own
contents (passed in, read from storage by the caller), and a short golden-section search over
log(amount) with `n_quotes` exact `get_dxdy` quotes. The trade is then executed with
the quoted output as its minimum, and the fill must equal the quote to the wei.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from softliq.params import WAD

GOLDEN = (math.sqrt(5) - 1) / 2


@dataclass(frozen=True)
class Quote:
    """Sell `used` of coin `i` for `out` of coin 1 - i; `profit` in stablecoin wei."""

    i: int
    amount: int
    used: int
    out: int
    profit: int


def _quote(amm: Any, i: int, amount: int, price: int, precision: int) -> Quote:
    used, out = amm.get_dxdy(i, 1 - i, amount)
    if i == 0:
        profit = out * precision * price // WAD - used
    else:
        profit = out - used * precision * price // WAD
    return Quote(i, amount, used, out, profit)


def direction(amm: Any, price: int) -> int | None:
    """0 if buying collateral from the AMM may pay at `price`, 1 if selling may, else None."""
    p_amm = amm.get_p()
    fee = amm.fee()
    if p_amm * (WAD + fee) < price * WAD:
        return 0
    if p_amm * (WAD - fee) > price * WAD:
        return 1
    return None


def best_quote(
    amm: Any, price: int, stable_cap: int, collateral_cap: int, bands: dict[int, tuple[int, int]], n_quotes: int = 9
) -> Quote | None:
    """The most profitable trade found at market `price` (WAD) within the caps, or None.
    `bands` ({n: (x, y in token units)}, read from storage by the caller) bounds the
    search to what lies between the active band and the market price's band."""
    i = direction(amm, price)
    if i is None:
        return None
    precision = amm.COLLATERAL_PRECISION()
    lo, hi = sorted((amm.active_band(), market_band(amm, price)))
    near = [xy for n, xy in bands.items() if lo - 1 <= n <= hi + 1]
    if i == 0:
        cap = min(stable_cap, sum(y for _, y in near) * precision * price * 2 // WAD + 1)
    else:
        cap = min(collateral_cap, sum(x for x, _ in near) * WAD * 2 // (price * precision) + 1)
    if cap <= 1:
        return None
    return _golden(amm, i, price, cap, precision, n_quotes)


def market_band(amm: Any, price: int) -> int:
    """The band whose oracle range holds `price` (from the AMM's grid, +-1)."""
    a = amm.A()
    return math.floor(math.log(amm.get_base_price() / price) / math.log(a / (a - 1)))


def _golden(amm: Any, i: int, price: int, cap: int, precision: int, n_quotes: int) -> Quote | None:
    """Golden-section search over log(amount) in [cap * 1e-9, cap]."""
    lo, hi = math.log(max(1, cap // 10**9)), math.log(cap)
    best: Quote | None = None
    seen: dict[int, Quote] = {}

    def profit(t: float) -> int:
        nonlocal best
        amount = max(1, min(cap, int(math.exp(t))))
        if amount not in seen:
            seen[amount] = _quote(amm, i, amount, price, precision)
        q = seen[amount]
        if q.profit > 0 and q.out > 0 and (best is None or q.profit > best.profit):
            best = q
        return q.profit

    a, b = hi - GOLDEN * (hi - lo), lo + GOLDEN * (hi - lo)
    fa, fb = profit(a), profit(b)
    for _ in range(max(0, n_quotes - 2)):
        if fa < fb:
            lo, a, fa = a, b, fb
            b = lo + GOLDEN * (hi - lo)
            fb = profit(b)
        else:
            hi, b, fb = b, a, fa
            a = hi - GOLDEN * (hi - lo)
            fa = profit(a)
    return best
