"""The arbitrageur: trades the AMM toward the external market price when it pays.

It buys collateral from the AMM when the AMM sells below the market and sells it to the
AMM when the AMM pays above it (the other leg is assumed done on the external market at
`market_price`). The trade size maximises profit after fee (the AMM's quotes include it)
and gas, with few quotes (each walks bands, slow on py-evm): one probe of a small size
(no trade if even that loses), sizes growing 4x until profit stops growing or the
inventory is reached, then a golden-section search in log size between the neighbours of
the best — typically 10-15 quotes, where `softliq.arbitrage` spends ~120.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from softliq.chain import Chain
from softliq.keepers.base import GWEI, WAD, Action, Keeper, KeeperError

GOLDEN = (math.sqrt(5) - 1) / 2
GROWTH = 4
"""Each probe size is this times the previous."""
PROBE = 10**16
"""First probe: 0.01 collateral (or its worth in stablecoin), WAD."""
REFINE_STEPS = 6


@dataclass(frozen=True)
class Trade:
    """Sell `amount` of coin `i` (0 stablecoin, 1 collateral) for `out` of the other."""

    i: int
    amount: int
    out: int
    profit: int
    """At the market price, before gas (stablecoin wei)."""


BASE_SLIPPAGE = 5 * 10**15
"""0.5%: the bound on a trade that lands in the block after it was priced."""
SLIPPAGE_PER_BLOCK = 15 * 10**13
"""+0.015% per block of latency, up to MAX_SLIPPAGE."""
MAX_SLIPPAGE = 5 * 10**16


def default_slippage(latency_blocks: int) -> int:
    """The output bound a trade priced `latency_blocks` before it lands allows: it meets
    bands that other keepers changed meanwhile (liquidations withdraw positions), and the
    part of it that would then buy past where arbitrage at p_o stops pays the AMM's away
    fee. With a fixed 0.5% such late trades reverted whole (the crash scenario, an hour
    late: 4 of 16) and converted nothing."""
    return min(BASE_SLIPPAGE + SLIPPAGE_PER_BLOCK * max(latency_blocks - 1, 0), MAX_SLIPPAGE)


class Arbitrageur(Keeper):
    """Trades the AMM toward the market price when profit after gas >= `min_profit`."""

    role = "arbitrageur"

    def __init__(
        self,
        address: str,
        latency_blocks: int = 0,
        gas_price: int = 5 * GWEI,
        min_profit: int = 0,
        swap_gas: int = 150_000,
        slippage: int | None = None,
        margin: int = 0,
    ) -> None:
        super().__init__(address, latency_blocks, gas_price)
        if slippage is None:
            slippage = default_slippage(latency_blocks)
        if not 0 <= slippage < WAD:
            raise KeeperError(f"slippage must be in [0, 1e18), got {slippage}")
        self.min_profit = min_profit
        self.swap_gas = swap_gas
        self.slippage = slippage
        if not 0 <= margin < WAD:
            raise KeeperError(f"margin must be in [0, 1e18), got {margin}")
        self.margin = margin
        """Share of the market price a trade must beat beyond fee and gas (WAD): an
        operator whose trades land late can ask for an edge the market cannot take back
        meanwhile. Default 0: in the crash scenario (an hour late) any margin kept the
        arbitrageur from converting bands early, and borrowers lost more (docs/design.md)."""

    def step(self, chain: Chain, market_price: int) -> list[Action]:
        amm = chain.market.amm
        trade = self.best_trade(chain, market_price)
        if trade is None:
            return []
        gas = self.gas_cost(self.swap_gas, market_price)
        net = trade.profit - gas
        if net < self.min_profit or net <= 0:
            return []
        min_out = max(trade.out * (WAD - self.slippage) // WAD, self.break_even_out(chain, trade, market_price, gas))
        return [self.action("swap", "swap", amm, "exchange", trade.i, 1 - trade.i, trade.amount, min_out, profit=net)]

    @staticmethod
    def break_even_out(chain: Chain, trade: Trade, market_price: int, gas: int) -> int:
        """The least output at which `trade` still pays its input and `gas` at the price
        it was decided on (rounded up). A trade that lands late meets bands that other
        keepers changed meanwhile: the slippage bound alone let an hour-late trade in the
        crash scenario fill 5% short and lose 10k at that price; bounded here it reverts,
        costing only its gas."""
        precision = 10 ** (18 - chain.market.params.collateral_decimals)
        if trade.i == 0:  # collateral out, worth market_price each
            return -(-(trade.amount + gas) * WAD // (market_price * precision))
        return -(-trade.amount * precision * market_price // WAD) + gas

    def best_trade(self, chain: Chain, market_price: int) -> Trade | None:
        """The most profitable trade toward `market_price` within inventory, or None."""
        m = chain.market
        amm_price = m.amm.get_p()
        if amm_price < market_price:
            i, cap = 0, m.stablecoin.balanceOf(self.address)
        elif amm_price > market_price:
            i, cap = 1, m.collateral.balanceOf(self.address)
        else:
            return None
        # value the other leg `margin` against the trade: the edge it must have beyond fee and gas
        value_at = market_price * (WAD - self.margin) // WAD if i == 0 else market_price * (WAD + self.margin) // WAD
        precision = 10 ** (18 - m.params.collateral_decimals)
        first = PROBE // precision if i == 1 else PROBE * market_price // WAD
        return _search(m.amm, i, cap, value_at, precision, max(1, first))


def _quote(amm: Any, i: int, amount: int, market_price: int, precision: int) -> Trade:
    """Profit of selling `amount` of coin i to the AMM, the other leg at the market."""
    try:
        used, out = amm.get_dxdy(i, 1 - i, amount)
    except Exception:  # a view revert (boa and ape raise different types): no trade
        return Trade(i, amount, 0, -(2**255))
    if i == 0:
        profit = out * precision * market_price // WAD - used
    else:
        profit = out - used * precision * market_price // WAD
    return Trade(i, used, out, profit)


def _search(amm: Any, i: int, cap: int, market_price: int, precision: int, first: int) -> Trade | None:
    """Growing sizes, then golden-section search in log size, for the best trade <= cap."""
    if cap <= 0:
        return None
    sizes = [min(first, cap)]
    quotes = [_quote(amm, i, sizes[0], market_price, precision)]
    if quotes[0].profit <= 0:
        return None  # even a small trade loses: the AMM is within its fee of the market
    while sizes[-1] < cap:
        sizes.append(min(cap, sizes[-1] * GROWTH))
        quotes.append(_quote(amm, i, sizes[-1], market_price, precision))
        if quotes[-1].profit < quotes[-2].profit:
            break  # past the peak
    k = max(range(len(quotes)), key=lambda j: quotes[j].profit)
    best = quotes[k]
    lo = math.log(sizes[k - 1]) if k > 0 else math.log(sizes[0])
    hi = math.log(sizes[k + 1]) if k + 1 < len(sizes) else math.log(sizes[k])
    cache: dict[int, Trade] = {}

    def value(t: float) -> int:
        nonlocal best
        size = max(1, min(cap, int(math.exp(t))))
        if size not in cache:
            cache[size] = _quote(amm, i, size, market_price, precision)
        if cache[size].profit > best.profit:
            best = cache[size]
        return cache[size].profit

    if hi > lo:
        a, b = hi - GOLDEN * (hi - lo), lo + GOLDEN * (hi - lo)
        fa, fb = value(a), value(b)
        for _ in range(REFINE_STEPS):
            if fa < fb:
                lo, a, fa = a, b, fb
                b = lo + GOLDEN * (hi - lo)
                fb = value(b)
            else:
                hi, b, fb = b, a, fa
                a = hi - GOLDEN * (hi - lo)
                fa = value(a)
    return best if best.profit > 0 and best.out > 0 else None
