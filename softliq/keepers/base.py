"""What every keeper shares: actions, outcomes, books of profit and gas.

A keeper observes the chain (views only) in `step(chain, market_price)` and returns the
transactions it wants sent as `Action`s; a `KeeperRunner` sends them after the keeper's
latency. Profit is booked per transaction as the change of the keeper's holdings valued
at the market price (so inventory re-valuation between steps is not profit), less the gas
cost. Gas is paid in the chain's native token, assumed to be the collateral (an ETH-like
market): gas cost in stablecoin = gas * gas_price * market_price.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

from softliq.chain import Chain, ChainEvent

WAD = 10**18
GWEI = 10**9


class KeeperError(ValueError):
    """A keeper was configured with a bad setting."""


@dataclass(frozen=True)
class Action:
    """One transaction a keeper wants sent: `contract.method(*args)` from `sender`."""

    kind: str
    """What it does: "swap", "liquidate", "take", "flash_take", "redo", "poke"."""
    key: str
    """Identifies the intent (e.g. "liquidate:0xabc"); a keeper does not plan an action
    whose key is still waiting to be sent."""
    sender: str
    contract: Any
    method: str
    args: tuple[Any, ...]
    expected_profit: int = 0
    """The keeper's estimate when planning (stablecoin wei, after gas)."""


@dataclass(frozen=True)
class Outcome:
    """What happened to one sent action."""

    action: Action
    time: int
    block: int
    ok: bool
    gas: int
    profit: int
    """Change of the keeper's holdings at the market price, less the gas cost (wei)."""
    gas_cost: int
    events: list[ChainEvent] = field(default_factory=list)
    error: str = ""


@dataclass
class KeeperStats:
    """A keeper's running books."""

    sent: int = 0
    succeeded: int = 0
    failed: int = 0
    gas: int = 0
    gas_cost: int = 0
    """Stablecoin wei spent on gas."""
    profit: int = 0
    """Stablecoin wei, net of gas."""
    by_kind: dict[str, int] = field(default_factory=dict)
    """Successful actions by kind."""

    def book(self, outcome: Outcome) -> None:
        """Add one outcome to the books."""
        self.sent += 1
        self.gas += outcome.gas
        self.gas_cost += outcome.gas_cost
        self.profit += outcome.profit
        if outcome.ok:
            self.succeeded += 1
            self.by_kind[outcome.action.kind] = self.by_kind.get(outcome.action.kind, 0) + 1
        else:
            self.failed += 1

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready books (amounts in wei)."""
        return {
            "sent": self.sent,
            "succeeded": self.succeeded,
            "failed": self.failed,
            "gas": self.gas,
            "gas_cost": self.gas_cost,
            "profit": self.profit,
            "by_kind": dict(self.by_kind),
        }


def gas_cost(gas: int, gas_price: int, market_price: int) -> int:
    """Stablecoin wei that `gas` at `gas_price` (wei per gas) costs, the native token
    valued at `market_price` (WAD)."""
    return gas * gas_price * market_price // WAD


def holdings_value(chain: Chain, who: str, market_price: int) -> int:
    """`who`'s stablecoin plus collateral valued at `market_price` (stablecoin wei)."""
    m = chain.market
    precision = 10 ** (18 - m.params.collateral_decimals)
    return m.stablecoin.balanceOf(who) + m.collateral.balanceOf(who) * precision * market_price // WAD


class Keeper(ABC):
    """A bot with an address, a latency (blocks between deciding and being mined) and a
    gas price (wei per gas)."""

    role: str = "keeper"

    def __init__(self, address: str, latency_blocks: int = 0, gas_price: int = 5 * GWEI) -> None:
        if not isinstance(latency_blocks, int) or latency_blocks < 0:
            raise KeeperError(f"latency_blocks must be an int >= 0, got {latency_blocks!r}")
        if not isinstance(gas_price, int) or gas_price < 0:
            raise KeeperError(f"gas_price must be an int >= 0 (wei per gas), got {gas_price!r}")
        self.address = address
        self.latency_blocks = latency_blocks
        self.gas_price = gas_price
        self.stats = KeeperStats()
        self.pending: set[str] = set()
        """Keys of actions planned and not yet sent (maintained by the runner)."""

    @abstractmethod
    def step(self, chain: Chain, market_price: int) -> list[Action]:
        """Observe the chain and return the actions to send (not already pending)."""

    def gas_cost(self, gas: int, market_price: int) -> int:
        """Stablecoin wei `gas` costs this keeper."""
        return gas_cost(gas, self.gas_price, market_price)

    def action(self, kind: str, key: str, contract: Any, method: str, *args: Any, profit: int = 0) -> Action:
        """An action sent from this keeper's address."""
        return Action(kind, key, self.address, contract, method, tuple(args), profit)

    def holders(self) -> list[str]:
        """Addresses whose holdings count as this keeper's (its own, plus helpers)."""
        return [self.address]
