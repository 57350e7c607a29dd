"""The liquidator: liquidates every loan whose health is below zero.

It pages through the loan book with `controller.users_to_liquidate(offset, limit)` and
liquidates each user listed, if the keeper reward (tip + chip * tab, read from the
market's parameters) is expected to cover the gas, or unconditionally with
`only_profitable=False`. It skips liquidating while the auction house is full
(live tab >= max_in_auction): such a liquidation would revert.
"""

from __future__ import annotations

from softliq.chain import Chain
from softliq.keepers.base import GWEI, WAD, Action, Keeper, KeeperError


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
        liquidate_gas: int = 250_000,
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

    def expected_reward(self, chain: Chain, user: str) -> int:
        """Upper estimate of the reward: tip + chip * (debt with the tier-2 penalty)."""
        p = chain.market.params
        tab = chain.market.controller.debt(user) * (WAD + p.penalty_tier2) // WAD
        return p.tip + tab * p.chip // WAD

    def step(self, chain: Chain, market_price: int) -> list[Action]:
        m = chain.market
        if m.auction is not None and m.auction.total_tab() >= m.params.max_in_auction:
            return []
        actions = []
        cost = self.gas_cost(self.liquidate_gas, market_price)
        for user in self.unhealthy(chain):
            key = f"liquidate:{user}"
            if key in self.pending:
                continue
            net = self.expected_reward(chain, user) - cost
            if self.only_profitable and net <= 0:
                continue
            actions.append(self.action("liquidate", key, m.controller, "liquidate", user, profit=net))
        return actions
