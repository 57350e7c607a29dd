"""The model's event log: what the contracts log, in the order they log it.

Every part of `softliq.model.system.ModelMarket` appends to one shared `EventLog` the
events its contract would emit: `(emitter role, event name, fields)`, the fields in the
order the contract declares them. Roles are the keys of `softliq.deploy.Market.addresses`
("amm", "controller", "auction", "policy", "stablecoin", "collateral", "oracle",
"price_source", "llamma_adapter"). ERC20 Approval events are modelled only where a
contract approves (the LlammaAdapter approves the AMM for each purchase); allowances are
not: every person approves every spender for the maximum.

A caller drains the log after each action (`EventLog.drain`) and compares it with the
chain's logs of that transaction (`softliq.fuzz.world.World`, invariant 8).
"""

from __future__ import annotations

from typing import Any

Event = tuple[str, str, dict[str, Any]]
"""(emitter role, event name, {field: value} in declaration order)."""

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
"""empty(address): the sender of a mint's Transfer and the receiver of a burn's."""


class EventLog:
    """Events emitted since the last drain. With `recording` off (long Monte Carlo runs
    that never read them) `emit` keeps nothing."""

    __slots__ = ("entries", "recording")

    def __init__(self, recording: bool = True) -> None:
        self.entries: list[Event] = []
        self.recording = recording

    def emit(self, role: str, name: str, **fields: Any) -> None:
        """`role`'s contract logs `name(**fields)`."""
        if self.recording:
            self.entries.append((role, name, fields))

    def drain(self) -> list[Event]:
        """The events so far; the log is empty afterwards."""
        out, self.entries = self.entries, []
        return out

    def copy(self) -> "EventLog":
        """An independent copy (the events are never mutated, so they are shared)."""
        new = EventLog(self.recording)
        new.entries = list(self.entries)
        return new

    def __len__(self) -> int:
        return len(self.entries)
