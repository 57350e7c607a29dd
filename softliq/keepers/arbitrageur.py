"""The arbitrageur: trades the AMM toward the external market price when it pays.

It buys collateral from the AMM when the AMM sells below the market and sells it to the
AMM when the AMM pays above it (the other leg is assumed done on the external market at
`market_price`). The trade size maximises profit after fee (the AMM's quotes include it)
and gas, with few quotes (each walks bands, slow on py-evm): `softliq.arbitrage.grown_search`
(a small probe, growing sizes, a short golden section), typically 10-15 quotes.
A trade that lands late (`latency_blocks`) values its other leg at the price it expects
when it lands (`landing_price`: the last latency window's move once more, when it goes
against the trade), and bounds its output so that it breaks even there.
"""

from __future__ import annotations

from softliq.arbitrage import Quote, direction, grown_search, probe_size
from softliq.chain import BLOCK_TIME, Chain
from softliq.keepers.base import GWEI, WAD, Action, Keeper, KeeperError

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
        self.seen: list[tuple[int, int]] = []
        """(time, market price) of the steps within the last latency window, and the
        latest one before it: the market's move over the window."""

    def landing_price(self, now: int, market_price: int, i: int) -> int:
        """The market price a trade decided now should expect when it lands, latency
        later: today's, moved once more by the market's move over the last latency window
        when that move goes against the trade (a fall when it buys collateral, i = 0; a
        rise when it sells, i = 1). A flat or favourable market, or no latency, leaves it.
        An hour-late buyer in the crash scenario that valued its fill at the decision
        price filled 256k of stablecoin 11% above the price it landed at (-28k)."""
        window = self.latency_blocks * BLOCK_TIME
        past = [p for t, p in self.seen if t <= now - window]
        if window <= BLOCK_TIME or not past:
            return market_price
        then = past[-1]
        moved = market_price * market_price // then  # the same relative move again, rounded down
        return min(market_price, moved) if i == 0 else max(market_price, moved)

    def step(self, chain: Chain, market_price: int) -> list[Action]:
        amm = chain.market.amm
        now = chain.now()
        self.seen.append((now, market_price))
        while len(self.seen) > 1 and self.seen[1][0] <= now - self.latency_blocks * BLOCK_TIME:
            self.seen.pop(0)  # older than the latest observation a window old: not needed again
        i = direction(amm, market_price)
        if i is None:
            return []
        land = self.landing_price(now, market_price, i)
        trade = self.best_trade(chain, market_price, land)
        if trade is None:
            return []
        gas = self.gas_cost(self.swap_gas, market_price)
        net = trade.profit - gas
        if net < self.min_profit or net <= 0:
            return []
        min_out = max(trade.out * (WAD - self.slippage) // WAD, self.break_even_out(chain, trade, land, gas))
        return [self.action("swap", "swap", amm, "exchange", trade.i, 1 - trade.i, trade.used, min_out, profit=net)]

    @staticmethod
    def break_even_out(chain: Chain, trade: Quote, market_price: int, gas: int) -> int:
        """The least output at which `trade` still pays its input and `gas` at the price
        it was decided on (rounded up). A trade that lands late meets bands that other
        keepers changed meanwhile: the slippage bound alone let an hour-late trade in the
        crash scenario fill 5% short and lose 10k at that price; bounded here it reverts,
        costing only its gas."""
        precision = 10 ** (18 - chain.market.params.collateral_decimals)
        if trade.i == 0:  # collateral out, worth market_price each
            return -(-(trade.used + gas) * WAD // (market_price * precision))
        return -(-trade.used * precision * market_price // WAD) + gas

    def best_trade(self, chain: Chain, market_price: int, land: int | None = None) -> Quote | None:
        """The most profitable trade toward `market_price` within inventory, its other leg
        valued at `land` (the price expected when it lands; default `market_price`), or
        None; it sends `used` of coin `i`."""
        m = chain.market
        i = direction(m.amm, market_price)
        if i is None:
            return None
        land = market_price if land is None else land
        cap = (m.stablecoin if i == 0 else m.collateral).balanceOf(self.address)
        # value the other leg `margin` against the trade: the edge it must have beyond fee and gas
        value_at = land * (WAD - self.margin) // WAD if i == 0 else land * (WAD + self.margin) // WAD
        precision = 10 ** (18 - m.params.collateral_decimals)
        return grown_search(m.amm, i, value_at, precision, cap, probe_size(i, market_price, precision))
