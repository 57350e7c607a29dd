"""The auction taker: buys auction lots below the market, and re-prices stale auctions.

For each live auction (`auction.active_ids()`, `auction.status(id)`):
* if it needs a reset (after `tail` or below `cusp`), it sends `redo(id)` (the keeper
  reward pays for it);
* else if the auction price is at least `margin` below the market price, it buys the lot:
  - "inventory": pays with its own stablecoin (as much of the lot as it can afford);
  - "flash": through a flash-taker contract that receives the collateral, sells it to
    the AMM inside the auction's `on_take` callback and pays from the proceeds (only
    when the AMM's bid covers the payment);
  - "auto" (default): inventory when it can afford the whole lot, else flash.
"""

from __future__ import annotations

from typing import Any

from softliq.chain import Chain
from softliq.keepers.base import GWEI, WAD, Action, Keeper, KeeperError

MODES = ("inventory", "flash", "auto")
FLASH_CONTRACT = "testing/FlashTaker"
"""The flash-taker contract (owner = deployer; `flash(id, max_collateral, max_price)`)."""


class AuctionTaker(Keeper):
    """Takes auction lots priced below the market by `margin` (WAD) and redoes stale ones."""

    role = "keeper"

    def __init__(
        self,
        address: str,
        latency_blocks: int = 0,
        gas_price: int = 5 * GWEI,
        margin: int = 2 * 10**16,
        mode: str = "auto",
        take_gas: int = 150_000,
    ) -> None:
        super().__init__(address, latency_blocks, gas_price)
        if mode not in MODES:
            raise KeeperError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
        if not 0 <= margin < WAD:
            raise KeeperError(f"margin must be in [0, 1e18), got {margin}")
        self.margin = margin
        self.mode = mode
        self.take_gas = take_gas
        self.flash_contract: Any = None

    def setup(self, chain: Chain) -> None:
        """Deploy the flash-taker contract (flash and auto modes) and approve the auction
        house to pull this keeper's stablecoin."""
        m = chain.market
        chain.transact(self.address, m.stablecoin, "approve", str(m.auction.address), 2**256 - 1)
        if self.mode != "inventory" and self.flash_contract is None:
            addrs = (m.auction.address, m.amm.address, m.stablecoin.address, m.collateral.address)
            self.flash_contract = chain.deploy(self.address, FLASH_CONTRACT, *map(str, addrs))

    def step(self, chain: Chain, market_price: int) -> list[Action]:
        auction = chain.market.auction
        if auction is None:
            return []
        actions = []
        for auction_id in auction.active_ids():
            needs_redo, price, lot, tab = auction.status(auction_id)
            if needs_redo:
                actions.append(self.action("redo", f"redo:{auction_id}", auction, "redo", auction_id))
            elif price > 0 and price <= market_price * (WAD - self.margin) // WAD:
                take = self._take(chain, int(auction_id), price, lot, tab, market_price)
                if take is not None:
                    actions.append(take)
        return [a for a in actions if a.key not in self.pending]

    def _take(self, chain: Chain, auction_id: int, price: int, lot: int, tab: int, market_price: int) -> Action | None:
        """The take (inventory or flash) of auction `auction_id` at `price`, or None."""
        m = chain.market
        precision = 10 ** (18 - m.params.collateral_decimals)
        owe = min(-(-lot * precision * price // WAD), tab)
        amount = lot if owe < tab else min(lot, tab * WAD // price // precision)
        value = amount * precision * market_price // WAD
        net = value - owe - self.gas_cost(self.take_gas, market_price)
        if net <= 0:
            return None
        balance = m.stablecoin.balanceOf(self.address)
        key = f"take:{auction_id}"
        if self.mode == "inventory" or (self.mode == "auto" and balance >= owe):
            affordable = balance * WAD // price // precision
            if affordable == 0:
                return None
            return self.action("take", key, m.auction, "take", auction_id, min(lot, affordable), price, self.address, b"", profit=net)
        if self.flash_contract is None or _amm_bid(m.amm, amount) <= owe:
            return None
        return self.action("flash_take", key, self.flash_contract, "flash", auction_id, lot, price, profit=net)


def _amm_bid(amm: Any, amount: int) -> int:
    """Stablecoin the AMM pays for `amount` collateral now (0 if the quote reverts)."""
    try:
        return int(amm.get_dy(1, 0, amount))
    except Exception:  # a view revert (boa and ape raise different types)
        return 0
