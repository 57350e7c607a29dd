"""What keepers and scenarios need from a chain, and its titanoboa implementation.

Keepers (`softliq.keepers`) and scenarios (`softliq.scenarios`) never import boa or ape:
they act through a `Chain`. `BoaChain` runs in-process on titanoboa (fast, the default
for tests); `softliq.chain_ape` implements the same protocol through ape (anvil, forks).

Conventions
-----------
* Views are called directly on the handles (`chain.market.amm.get_p()`): both backends
  expose contract views as plain method calls.
* State-changing calls go through `chain.transact(sender, contract, method, *args)`, which
  sends one transaction as `sender` and returns a `Tx`: the receipt's gas and the decoded
  events of every contract the transaction touched. The function's return value is
  `Tx.result` when the backend knows it (titanoboa does; ape may not): code meant for
  both backends reads what it needs from `Tx.events` or from views instead.
* A reverted transaction raises `TxReverted` (with the revert reason when known) on
  every backend.
* Addresses are `str`; amounts are token units; prices are WAD (1e18).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from softliq.deploy import Market, boa_deployer

MAX_UINT = 2**256 - 1
BLOCK_TIME = 12
"""Seconds per block: `sleep` mines one block per BLOCK_TIME seconds (at least one)."""


class TxReverted(Exception):
    """A transaction sent through a `Chain` reverted."""

    def __init__(self, method: str, reason: str) -> None:
        super().__init__(f"{method} reverted: {reason}")
        self.method = method
        self.reason = reason


@dataclass(frozen=True)
class ChainEvent:
    """One decoded event log: its name, the emitting contract and its fields."""

    name: str
    address: str
    args: dict[str, Any]

    def __getattr__(self, item: str) -> Any:
        """Fields read as attributes (`ev.tier`), like boa's and ape's logs."""
        try:
            return self.args[item]
        except KeyError:
            raise AttributeError(f"{self.name} has no field {item!r}") from None


@dataclass(frozen=True)
class Tx:
    """The outcome of one transaction."""

    gas: int
    """Gas used as the receipt shows it."""
    events: list[ChainEvent] = field(default_factory=list)
    """Every decoded event of the transaction, in log order."""
    result: Any = None
    """The function's return value, if the backend knows it (None otherwise)."""

    def named(self, name: str, emitter: Any = None) -> list[ChainEvent]:
        """Events called `name`, optionally only those emitted by contract `emitter`."""
        found = [e for e in self.events if e.name == name]
        if emitter is not None:
            addr = str(emitter.address).lower()
            found = [e for e in found if e.address.lower() == addr]
        return found


@runtime_checkable
class Chain(Protocol):
    """What keepers and scenarios need from a chain (see the module docstring)."""

    market: Market
    """Handles to the deployed market (views are called on them directly)."""

    def now(self) -> int:
        """The current block timestamp (seconds)."""

    def block_number(self) -> int:
        """The current block number."""

    def sleep(self, seconds: int) -> None:
        """Advance time by `seconds` (>= 0) and mine at least one block
        (one per BLOCK_TIME seconds where the backend can)."""

    def new_account(self, role: str) -> str:
        """A fresh address with gas money, labelled by `role` ("borrower", "keeper"...)."""

    def transact(self, sender: str, contract: Any, method: str, *args: Any) -> Tx:
        """Send `contract.method(*args)` as `sender`; raises TxReverted on revert."""

    def deploy(self, sender: str, name: str, *args: Any) -> Any:
        """Deploy contract `name` (path under contracts/, no .vy) as `sender`."""

    def set_market_price(self, price_wad: int) -> None:
        """Move the settable oracle (`market.oracle`) to `price_wad`, as the admin."""

    def fund_collateral(self, who: str, amount: int) -> None:
        """Mint `amount` collateral (token units) to `who`, and approve the Controller,
        the AMM and the auction house to spend `who`'s collateral and stablecoin."""

    def gas_used(self) -> int:
        """Receipt gas of the last transaction sent through `transact`."""


# ---------------------------------------------------------------- helpers on any Chain


def fund_stablecoin(chain: Chain, who: str, amount: int) -> None:
    """Give `who` `amount` stablecoin by a 4-band loan against 10x collateral: its bands
    sit near a tenth of the oracle price, out of the way of price paths within ~80% of
    it, and cheap to check (health walks a loan's bands)."""
    market = chain.market
    price = market.amm.price_oracle()
    collateral_wad = amount * 10 * 10**18 // price + 10**18
    collateral = collateral_wad // 10 ** (18 - market.params.collateral_decimals)
    chain.fund_collateral(who, collateral)
    chain.transact(who, market.controller, "create_loan", collateral, amount, 4)


def approve_all(chain: Chain, who: str) -> None:
    """`who` approves the Controller, the AMM and the auction house for both tokens."""
    m = chain.market
    spenders = [m.controller, m.amm] + ([m.auction] if m.auction is not None else [])
    for token in (m.collateral, m.stablecoin):
        for spender in spenders:
            chain.transact(who, token, "approve", str(spender.address), MAX_UINT)


# ---------------------------------------------------------------- titanoboa


def deploy_boa_cached(params: Any = None, admin: str | None = None) -> Market:
    """`softliq.deploy_boa` (which compiles each contract once per process)."""
    from softliq.deploy import deploy_boa

    return deploy_boa(params, admin)


def _boa_events(contract: Any) -> list[ChainEvent]:
    """The decoded logs of the last boa call (boa decodes every known contract's)."""
    out = []
    for ev in contract.get_logs():
        if isinstance(ev, tuple) and hasattr(ev, "_asdict"):
            args = {k: v for k, v in ev._asdict().items() if k != "address"}
            out.append(ChainEvent(type(ev).__name__, str(ev.address), args))
    return out


class ChainBase:
    """What every backend does the same way through its own `transact`: move the
    settable oracle, fund and approve, report the last gas."""

    market: Market
    _approved: set[str]
    _last_gas: int

    def transact(self, sender: str, contract: Any, method: str, *args: Any) -> "Tx":
        raise NotImplementedError

    def set_market_price(self, price_wad: int) -> None:
        if price_wad <= 0:
            raise ValueError(f"price must be positive, got {price_wad}")
        self.transact(self.market.admin, self.market.oracle, "set_price", price_wad)

    def fund_collateral(self, who: str, amount: int) -> None:
        m = self.market
        self.transact(m.admin, m.collateral, "mint", who, amount)
        if who not in self._approved:
            approve_all(self, who)
            self._approved.add(who)

    def gas_used(self) -> int:
        return self._last_gas


class BoaChain(ChainBase):
    """A `Chain` on titanoboa's in-process EVM. Gas is measured per transaction as a
    receipt would show it (`softliq.gas`)."""

    def __init__(self, market: Market) -> None:
        self.market = market
        self._last_gas = 0
        self._approved: set[str] = set()

    def now(self) -> int:
        import boa

        return int(boa.env.evm.patch.timestamp)

    def block_number(self) -> int:
        import boa

        return int(boa.env.evm.patch.block_number)

    def sleep(self, seconds: int) -> None:
        import boa

        if seconds < 0:
            raise ValueError(f"cannot sleep a negative time ({seconds} s)")
        boa.env.evm.patch.timestamp += seconds
        boa.env.evm.patch.block_number += max(1, seconds // BLOCK_TIME)

    def new_account(self, role: str) -> str:
        import boa

        if not role or not role.isidentifier():
            raise ValueError(f"role must be a word like 'borrower', got {role!r}")
        addr = boa.env.generate_address(role)
        boa.env.set_balance(addr, 100 * 10**18)
        return str(addr)

    def transact(self, sender: str, contract: Any, method: str, *args: Any) -> Tx:
        import boa

        from softliq.gas import measure_call

        fn = getattr(contract, method)
        try:
            result, gas = measure_call(fn, *args, sender=sender)
        except boa.BoaError as exc:
            self._last_gas = getattr(getattr(exc, "tx_gas", None), "total", 0)
            raise TxReverted(method, _boa_reason(exc)) from exc
        self._last_gas = gas.total
        return Tx(gas.total, _boa_events(contract), result)

    def deploy(self, sender: str, name: str, *args: Any) -> Any:
        import boa

        with boa.env.prank(sender):
            return boa_deployer(name).deploy(*args)



def _boa_reason(exc: Exception) -> str:
    """The revert reason string of a boa error (Error(string) decoded), else a summary."""
    frame = getattr(getattr(exc, "stack_trace", None), "last_frame", None)
    vm_error = getattr(frame, "vm_error", None)
    data = vm_error.args[0] if vm_error is not None and vm_error.args else b""
    if isinstance(data, bytes) and data[:4] == bytes.fromhex("08c379a0") and len(data) >= 68:
        length = int.from_bytes(data[36:68], "big")
        return data[68 : 68 + length].decode("utf-8", "replace")
    text = str(exc)
    return text.splitlines()[0] if text else type(exc).__name__
