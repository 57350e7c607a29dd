"""The liquidator: liquidates every loan whose health is below zero.

It pages through the loan book with `controller.users_to_liquidate(offset, limit)` and
liquidates the users listed, all in one `liquidate_many` (up to 50 per transaction), if
the keeper reward (tip + chip * tab, read from the market's parameters) is expected to
cover the gas (`softliq.params.liquidation_gas` of the loan's width, unless a flat
`liquidate_gas` is given), or unconditionally with `only_profitable=False`. It skips liquidating
while the auction house is full (live tab >= max_in_auction): such a liquidation would
revert.
"""

from __future__ import annotations

from typing import Any

from softliq.chain import Chain
from softliq.keepers.base import GWEI, WAD, Action, Keeper, KeeperError
from softliq.params import liquidation_gas

MAX_BATCH = 50
"""Users per liquidate_many (the Controller's bound)."""


class Liquidator(Keeper):
    """Calls `controller.liquidate(user)` for unhealthy users."""

    role = "liquidator"

    def __init__(
        self,
        address: str,
        latency_blocks: int = 0,
        gas_price: int = 5 * GWEI,
        page: int = 50,
        only_profitable: bool = False,
        liquidate_gas: int | None = None,
    ) -> None:
        super().__init__(address, latency_blocks, gas_price)
        if not 1 <= page <= 50:
            raise KeeperError(f"page must be in 1..50 (users_to_liquidate's bound), got {page}")
        self.page = page
        self.only_profitable = only_profitable
        self.liquidate_gas = liquidate_gas

    def unhealthy(self, chain: Chain) -> list[str]:
        """Every user with health < 0, paging through the loan book."""
        c = chain.market.controller
        n = c.n_loans()
        users: list[str] = []
        for offset in range(0, n, self.page):
            users += [str(u) for u in c.users_to_liquidate(offset, self.page)]
        return users

    def expected_gas(self, chain: Chain, user: str) -> int:
        """Gas of liquidating `user`: the flat `liquidate_gas` if one was given, else the
        upper estimate for the loan's width (a 50-band loan costs ~3x a 10-band one)."""
        if self.liquidate_gas is not None:
            return self.liquidate_gas
        n1, n2 = chain.market.amm.read_user_tick_numbers(user)
        return liquidation_gas(n2 - n1 + 1)

    def expected_reward(self, chain: Chain, user: str) -> int:
        """Upper estimate of the reward: tip + chip * (debt with the tier-2 penalty)."""
        p = chain.market.params
        tab = chain.market.controller.debt(user) * (WAD + p.penalty_tier2) // WAD
        return p.tip + tab * p.chip // WAD

    def step(self, chain: Chain, market_price: int) -> list[Action]:
        m = chain.market
        if m.auction is not None and m.auction.total_tab() >= m.params.max_in_auction:
            return []
        busy = {u for key in self.pending for u in key.split(":", 1)[1].split(",")}
        batch = []
        for user in self.unhealthy(chain):
            if user in busy:
                continue
            net = self.expected_reward(chain, user) - self.gas_cost(self.expected_gas(chain, user), market_price)
            if self.only_profitable and net <= 0:
                continue
            batch.append((user, net))
        return [self._batch_action(m, batch[k : k + MAX_BATCH]) for k in range(0, len(batch), MAX_BATCH)]

    def _batch_action(self, m: Any, batch: list[tuple[str, int]]) -> Action:
        """One transaction for `batch`: liquidate for one user, liquidate_many for more
        (one oracle refresh and one reward payment; the contract skips users that became
        healthy or were liquidated meanwhile)."""
        users = [u for u, _ in batch]
        net = sum(n for _, n in batch)
        key = "liquidate:" + ",".join(users)
        if len(users) == 1:
            return self.action("liquidate", key, m.controller, "liquidate", users[0], profit=net)
        return self.action("liquidate", key, m.controller, "liquidate_many", users, profit=net)
