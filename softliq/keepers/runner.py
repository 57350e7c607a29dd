"""Send keepers' actions with their latency, and book the outcomes.

An action planned at block b is mined at the first block >= b + latency_blocks of its
keeper (a congested keeper's transactions wait in the mempool; the state they meet may
have changed, so they may revert or earn less than planned).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

from softliq.chain import BLOCK_TIME, Chain, TxReverted
from softliq.keepers.base import Action, Keeper, Outcome, holdings_value


@dataclass(order=True)
class _Queued:
    due_block: int
    seq: int
    keeper: Keeper = field(compare=False)
    action: Action = field(compare=False)


class KeeperRunner:
    """Plans with every online keeper and sends the actions when due."""

    def __init__(self, chain: Chain, keepers: list[Keeper]) -> None:
        self.chain = chain
        self.keepers = keepers
        self.outcomes: list[Outcome] = []
        self._queue: list[_Queued] = []
        self._seq = 0

    def plan(self, market_price: int, kinds: tuple[type, ...] = ()) -> int:
        """Let every keeper (of `kinds`, if given) observe and queue its actions; returns
        how many were queued."""
        block = self.chain.block_number()
        queued = 0
        for keeper in self.keepers:
            if kinds and not isinstance(keeper, kinds):
                continue
            for action in keeper.step(self.chain, market_price):
                if action.key in keeper.pending:
                    continue
                keeper.pending.add(action.key)
                self._seq += 1
                heapq.heappush(self._queue, _Queued(block + keeper.latency_blocks, self._seq, keeper, action))
                queued += 1
        return queued

    def pending(self) -> int:
        """Actions waiting to be sent."""
        return len(self._queue)

    def run_due(self, market_price: int) -> list[Outcome]:
        """Send every action due by the current block, in the order planned."""
        block = self.chain.block_number()
        done = []
        while self._queue and self._queue[0].due_block <= block:
            item = heapq.heappop(self._queue)
            item.keeper.pending.discard(item.action.key)
            done.append(self._send(item.keeper, item.action, market_price))
        return done

    def advance(self, seconds: int, market_price: int) -> list[Outcome]:
        """Let `seconds` pass, sending queued actions at their due blocks on the way."""
        end = self.chain.now() + seconds
        done = self.run_due(market_price)
        while self._queue:
            wait = (self._queue[0].due_block - self.chain.block_number()) * BLOCK_TIME
            if self.chain.now() + max(wait, BLOCK_TIME) > end:
                break
            self.chain.sleep(max(wait, BLOCK_TIME))
            done += self.run_due(market_price)
        left = end - self.chain.now()
        if left > 0:
            self.chain.sleep(left)
        return done

    def _send(self, keeper: Keeper, action: Action, market_price: int) -> Outcome:
        """Send one action and book it with its keeper."""
        before = sum(holdings_value(self.chain, h, market_price) for h in keeper.holders())
        ok, events, error = True, [], ""
        try:
            tx = self.chain.transact(action.sender, action.contract, action.method, *action.args)
            gas, events = tx.gas, tx.events
        except TxReverted as exc:
            ok, gas, error = False, self.chain.gas_used(), exc.reason
        after = sum(holdings_value(self.chain, h, market_price) for h in keeper.holders())
        cost = keeper.gas_cost(gas, market_price)
        outcome = Outcome(
            action, self.chain.now(), self.chain.block_number(), ok, gas, after - before - cost, cost, events, error
        )
        keeper.stats.book(outcome)
        self.outcomes.append(outcome)
        return outcome
