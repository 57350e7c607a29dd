"""Arbitrage search: the most profitable trade of the AMM against an external market price.

The one home of the quote-driven search over the AMM's `get_dxdy` view, shared by the
tests, the arbitrage keeper (`softliq.keepers.arbitrageur`) and the fuzz machines
(`softliq.fuzz.machine`). It needs only the AMM's views, so it works on any backend
whose handles expose them. Each part is written once:

- `quote`: one `get_dxdy` quote, valued at a price (`value`); a view revert is no trade.
- `direction`: which way may pay, from `get_p()`, with an optional dead zone (the fee).
- `band_cap`: how much input the bands between the active one and the market's can use.
- `golden`: golden-section refinement of a unimodal profit in log size, over `Sizes`
  (each size quoted once, the most profitable quote kept).

Three searches spend their quotes differently, each for its caller:

- `find_arbitrage`: both directions, 60 refinement steps over [1, cap] (~120 quotes,
  about a second on py-evm): thorough, for tests that want the best trade there is.
- `grown_search`: the keeper's: one small probe (no trade if even that loses), sizes
  growing 4x until profit stops growing or the inventory is reached, then 6 steps
  between the neighbours of the best (typically 10-15 quotes).
- `best_quote`: the fuzz machines': the direction from `get_p()` with the fee as a dead
  zone, the cap from the bands' contents, `n_quotes` quotes over [cap / 1e9, cap].

The Monte Carlo's exact search, `softliq.model.montecarlo.best_trade`, is a different
algorithm and lives with the model on purpose: it does not quote at all but walks the
model's bands from the active one, each band's optimum in closed form from the model's
own curve (`AMMModel.sides`), and prices the sum with one `calc_swap_out`. It needs the
model's internals (not views any backend has), it is the hot path of a simulation that
steps the model ten million times against a speed bar, and its float screens
(`GasScreen`, `_quiet_sides`) mirror its walk band by band, so it stays next to them.
tests/test_arbitrage.py checks that its profit is at least this module's on the same
model state.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from softliq.params import WAD

GOLDEN = (math.sqrt(5) - 1) / 2
REVERTED = -(2**255)
"""The profit of a quote whose view reverted: below any real one."""
THOROUGH_STEPS = 60
"""`find_arbitrage`'s refinement steps per direction."""
GROWTH = 4
"""`grown_search`: each probe size is this times the previous."""
PROBE = 10**16
"""`grown_search`'s first probe: 0.01 collateral (or its worth in stablecoin), WAD."""
REFINE_STEPS = 6
"""`grown_search`'s refinement steps after the growth phase."""
FUZZ_QUOTES = 9
"""`best_quote`'s default number of quotes."""
FUZZ_SPAN = 10**9
"""`best_quote` searches [cap / FUZZ_SPAN, cap]."""


@dataclass(frozen=True)
class Quote:
    """Sell `amount` of coin `i` (0 stablecoin, 1 collateral) to the AMM, which takes
    `used` of it and gives `out` of coin 1 - i."""

    i: int
    amount: int
    used: int
    out: int
    profit: int
    """Both legs valued at the search's price, in stablecoin wei (before gas)."""


def value(i: int, used: int, out: int, price: int, precision: int) -> int:
    """The profit of giving `used` of coin i for `out` of the other, collateral valued at
    `price` (WAD, stablecoin per collateral; `precision` scales its token units to WAD)."""
    if i == 0:
        return out * precision * price // WAD - used
    return out - used * precision * price // WAD


def quote(amm: Any, i: int, amount: int, price: int, precision: int, strict: bool = False) -> Quote:
    """`amount` of coin i quoted by the AMM and valued at `price`. A view revert (boa and
    ape raise different types) is a quote with no output and profit REVERTED, unless
    `strict`: then it propagates (the fuzz machines treat it as a failure)."""
    try:
        used, out = amm.get_dxdy(i, 1 - i, amount)
    except Exception:
        if strict:
            raise
        return Quote(i, amount, 0, 0, REVERTED)
    return Quote(i, amount, used, out, value(i, used, out, price, precision))


def direction(amm: Any, price: int, dead_zone: int = 0) -> int | None:
    """0 if buying collateral from the AMM may pay at market `price` (the AMM's price is
    below it by more than `dead_zone`, a share in WAD such as the fee), 1 if selling may
    (above it by more), else None."""
    p_amm = amm.get_p()
    if p_amm * (WAD + dead_zone) < price * WAD:
        return 0
    if p_amm * (WAD - dead_zone) > price * WAD:
        return 1
    return None


def market_band(amm: Any, price: int) -> int:
    """The band whose oracle range holds `price` (from the AMM's grid, +-1)."""
    a = amm.A()
    return math.floor(math.log(amm.get_base_price() / price) / math.log(a / (a - 1)))


def band_cap(amm: Any, i: int, price: int, precision: int, bands: dict[int, tuple[int, int]]) -> int:
    """A bound on the useful input of coin i: twice what buys, at `price`, everything the
    bands from the active one to the market price's band (one more each side) hold of
    coin 1 - i. `bands` is {n: (x, y in token units)}."""
    lo, hi = sorted((amm.active_band(), market_band(amm, price)))
    near = [xy for n, xy in bands.items() if lo - 1 <= n <= hi + 1]
    if i == 0:
        return sum(y for _, y in near) * precision * price * 2 // WAD + 1
    return sum(x for x, _ in near) * WAD * 2 // (price * precision) + 1


class Sizes:
    """A search's objective in log size: t -> the profit of selling
    max(1, min(cap, int(e**t))) of coin i at `price`, each size quoted once. `best`
    starts as given (None: nothing yet) and becomes each quote that earns more than it
    (more than zero while None), so it is None or a trade that earns; ties keep the first."""

    def __init__(
        self, amm: Any, i: int, price: int, precision: int, cap: int, best: Quote | None = None, strict: bool = False
    ) -> None:
        self.amm, self.i, self.price, self.precision, self.cap = amm, i, price, precision, cap
        self.best = best
        self.strict = strict
        self.seen: dict[int, Quote] = {}

    def __call__(self, t: float) -> int:
        size = max(1, min(self.cap, int(math.exp(t))))
        q = self.seen.get(size)
        if q is None:
            q = self.seen[size] = quote(self.amm, self.i, size, self.price, self.precision, self.strict)
        if q.profit > (0 if self.best is None else self.best.profit):
            self.best = q
        return q.profit


def _lower_point(lo: float, hi: float, from_top: bool) -> float:
    """The lower inner point of [lo, hi]: hi - GOLDEN * (hi - lo) (`from_top`) or
    lo + (1 - GOLDEN) * (hi - lo). Equal in exact arithmetic but not always in floats, and
    one ulp of log size moves a size by ~1e-14 of itself: each search keeps its form, so
    its quotes stay what they were."""
    return hi - GOLDEN * (hi - lo) if from_top else lo + (1 - GOLDEN) * (hi - lo)


def golden(f: Callable[[float], int], lo: float, hi: float, steps: int, from_top: bool = True) -> tuple[float, float]:
    """Golden-section search for the maximum of a unimodal `f` on [lo, hi]: f at two inner
    points, then `steps` more evaluations, each dropping the end beyond the worse point
    (ties drop the top). Returns the last bracket; `f` keeps whatever it wants of what it saw."""
    a, b = _lower_point(lo, hi, from_top), lo + GOLDEN * (hi - lo)
    fa, fb = f(a), f(b)
    for _ in range(steps):
        if fa < fb:
            lo, a, fa = a, b, fb
            b = lo + GOLDEN * (hi - lo)
            fb = f(b)
        else:
            hi, b, fb = b, a, fa
            a = _lower_point(lo, hi, from_top)
            fa = f(a)
    return lo, hi


# ---------------------------------------------------------------- find_arbitrage: thorough


def find_arbitrage(amm: Any, market: int, stable_cap: int, collateral_cap: int) -> Quote | None:
    """The more profitable of buying collateral (with at most `stable_cap`) or selling it
    (at most `collateral_cap`) at `market` (WAD), or None if neither earns anything."""
    precision = amm.COLLATERAL_PRECISION()
    buy = _thorough(amm, 0, market, stable_cap, precision)
    sell = _thorough(amm, 1, market, collateral_cap, precision)
    if buy is None or sell is None:
        return buy or sell
    return buy if buy.profit >= sell.profit else sell


def _thorough(amm: Any, i: int, price: int, cap: int, precision: int) -> Quote | None:
    """THOROUGH_STEPS of golden section over log size in [1, cap], then the last
    bracket's top end."""
    if cap <= 0:
        return None
    sizes = Sizes(amm, i, price, precision, cap)
    _, hi = golden(sizes, 0.0, math.log(cap), THOROUGH_STEPS, from_top=False)
    sizes(hi)
    return sizes.best


# ---------------------------------------------------------------- grown_search: the keeper's


def probe_size(i: int, price: int, precision: int) -> int:
    """`grown_search`'s first size: PROBE collateral, or its worth in stablecoin at `price`."""
    return max(1, PROBE // precision if i == 1 else PROBE * price // WAD)


def grown_search(
    amm: Any, i: int, price: int, precision: int, cap: int, first: int, steps: int = REFINE_STEPS
) -> Quote | None:
    """The best sale of coin i (at most `cap`) at `price`, in few quotes: sizes from
    `first` growing GROWTH-fold past the peak, then `steps` of golden section in log size
    between the best size's neighbours (starting from that best, which earns). None if
    even the first size loses."""
    if cap <= 0:
        return None
    grown = _grow(amm, i, price, precision, cap, first)
    if grown is None:
        return None
    sizes, quotes = grown
    k = max(range(len(quotes)), key=lambda j: quotes[j].profit)
    lo, hi = math.log(sizes[max(k - 1, 0)]), math.log(sizes[min(k + 1, len(sizes) - 1)])
    refine = Sizes(amm, i, price, precision, cap, best=quotes[k])
    if hi > lo:
        golden(refine, lo, hi, steps)
    return refine.best


def _grow(amm: Any, i: int, price: int, precision: int, cap: int, first: int) -> tuple[list[int], list[Quote]] | None:
    """Sizes from min(first, cap), each GROWTH times the last (at most cap), quoted until
    profit falls or cap is reached; None if the first one does not earn."""
    sizes = [min(first, cap)]
    quotes = [quote(amm, i, sizes[0], price, precision)]
    if quotes[0].profit <= 0:
        return None  # even a small trade loses: the AMM is within its fee of the market
    while sizes[-1] < cap:
        sizes.append(min(cap, sizes[-1] * GROWTH))
        quotes.append(quote(amm, i, sizes[-1], price, precision))
        if quotes[-1].profit < quotes[-2].profit:
            break  # past the peak
    return sizes, quotes


# ---------------------------------------------------------------- best_quote: the fuzz machines'


def best_quote(
    amm: Any,
    price: int,
    stable_cap: int,
    collateral_cap: int,
    bands: dict[int, tuple[int, int]],
    n_quotes: int = FUZZ_QUOTES,
) -> Quote | None:
    """The most profitable trade found at market `price` (WAD) within the caps in
    `n_quotes` exact quotes, or None. The direction comes from `get_p()` with the fee as
    a dead zone; `bands` ({n: (x, y in token units)}, read from storage by the caller)
    bounds the input (`band_cap`). A view revert propagates."""
    i = direction(amm, price, amm.fee())
    if i is None:
        return None
    precision = amm.COLLATERAL_PRECISION()
    cap = min(stable_cap if i == 0 else collateral_cap, band_cap(amm, i, price, precision, bands))
    if cap <= 1:
        return None
    sizes = Sizes(amm, i, price, precision, cap, strict=True)
    golden(sizes, math.log(max(1, cap // FUZZ_SPAN)), math.log(cap), max(0, n_quotes - 2))
    return sizes.best
