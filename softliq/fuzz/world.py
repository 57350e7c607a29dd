"""A market deployed once per process, its actors, and how they act on it.

The stateful suite and the campaign command share this: `World.deploy` builds the
market and funds the actors once; every example then runs inside `boa.env.anchor()`
(see `softliq.fuzz.machine`), so an example costs no deployment.

Actions go through `World.attempt`, which tells an expected revert (its reason is in
the set the caller allows) from an unexpected one, and checks that a reverted call
left the market unchanged.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import boa

from softliq import actors
from softliq.deploy import Market
from softliq.fuzz.storage import Storage
from softliq.params import WAD, MarketParams

N_BORROWERS = 4
"""Size of the fixed pool of borrowers the state machine draws from."""
FUNDING = 10**7 * WAD
"""Stablecoin the arbitrageur, the keeper and the funder each start with."""
ARB_COLLATERAL_WAD = 20_000 * WAD
"""Collateral (18-decimal amount) the arbitrageur starts with."""
CONTRACTS_ENV = "SOFTLIQ_CONTRACTS"
"""Environment variable: deploy contracts from this directory instead of contracts/."""
LIQUIDATION_PARAMS = ("penalty_tier1", "penalty_tier2", "target_health", "min_debt", "tip", "chip", "max_in_auction")


class FuzzFailure(AssertionError):
    """An invariant broke or a call reverted unexpectedly."""


class UnexpectedRevert(FuzzFailure):
    """A call reverted with a reason the caller did not allow."""

    def __init__(self, who: str, method: str, args: tuple[Any, ...], reason: str) -> None:
        super().__init__(f"{who} {method}{args} reverted unexpectedly: {reason!r}")
        self.reason = reason


def use_contracts_dir_from_env() -> str | None:
    """Point `softliq.deploy` at `$SOFTLIQ_CONTRACTS` if set (mutation testing); returns it."""
    path = os.environ.get(CONTRACTS_ENV)
    if not path:
        return None
    from pathlib import Path

    import softliq.deploy

    folder = Path(path)
    if not (folder / "Controller.vy").is_file():
        raise FileNotFoundError(f"{CONTRACTS_ENV}={path!r} is not a contracts directory (no Controller.vy)")
    softliq.deploy.CONTRACTS = folder.resolve()
    return str(folder.resolve())


def revert_reason(error: BaseException) -> str:
    """The revert reason of a titanoboa error (innermost frame), or its text."""
    trace = getattr(error, "stack_trace", None)
    frame = getattr(trace, "last_frame", None)
    reason = getattr(frame, "pretty_vm_reason", None)
    if reason:
        return str(reason)
    return str(error).strip().splitlines()[-1] if str(error).strip() else type(error).__name__


@dataclass
class Outcome:
    """What `World.attempt` saw: the result if the call went through, else the reason."""

    ok: bool
    result: Any = None
    reason: str = ""


@dataclass
class World:
    """A deployed market with role-named actors, funded once."""

    market: Market
    borrowers: list[str]
    arbitrageur: str
    keeper: str
    liquidator: str
    funder: str
    liq_params: dict[str, int] = field(default_factory=dict)
    """Liquidation parameters in force (tracked here, read first from MarketParams)."""
    storage: dict[str, Storage] = field(default_factory=dict)
    """Raw storage readers by role: stablecoin, collateral, amm, controller, auction."""

    def __post_init__(self) -> None:
        m = self.market
        named = {"stablecoin": m.stablecoin, "collateral": m.collateral, "amm": m.amm, "controller": m.controller, "auction": m.auction}
        self.storage = {name: Storage(contract) for name, contract in named.items()}

    @classmethod
    def deploy(cls, params: MarketParams | None = None, n_borrowers: int = N_BORROWERS) -> "World":
        """Deploy a market (from `$SOFTLIQ_CONTRACTS` if set) and fund every actor."""
        from softliq.deploy import deploy_boa

        use_contracts_dir_from_env()
        market = deploy_boa(params or MarketParams())
        p = market.params
        world = cls(
            market=market,
            borrowers=[boa.env.generate_address(f"borrower_{i}") for i in range(n_borrowers)],
            arbitrageur=boa.env.generate_address("arbitrageur"),
            keeper=boa.env.generate_address("keeper"),
            liquidator=boa.env.generate_address("liquidator"),
            funder=boa.env.generate_address("funder"),
            liq_params={name: getattr(p, name) for name in LIQUIDATION_PARAMS},
        )
        world._fund()
        return world

    def _fund(self) -> None:
        m = self.market
        actors.fund_stablecoin(m, self.funder, 4 * FUNDING)  # one deep loan backs every float
        for who in (self.arbitrageur, self.keeper, self.liquidator):
            self.give_stablecoin(who, FUNDING)
        actors.fund_collateral(m, self.arbitrageur, actors.collateral_units(m, ARB_COLLATERAL_WAD))
        for who in self.borrowers:
            actors.fund_collateral(m, who, 0)
        with boa.env.prank(self.keeper):
            m.stablecoin.approve(m.auction.address, actors.MAX_UINT)
        with boa.env.prank(self.liquidator):
            m.stablecoin.approve(m.auction.address, actors.MAX_UINT)

    # ------------------------------------------------------------------ reading

    @property
    def wallets(self) -> list[str]:
        """Every address outside the contracts that may hold tokens."""
        return [*self.borrowers, self.arbitrageur, self.keeper, self.liquidator, self.funder]

    @property
    def precision(self) -> int:
        """Token units -> 18 decimals for the collateral."""
        return 10 ** (18 - self.market.params.collateral_decimals)

    def liquidation_holder(self) -> Any:
        """The contract holding the liquidation parameters: the policy if deployed."""
        return getattr(self.market, "policy", None) or self.market.controller

    def balance(self, token: str, who: Any) -> int:
        """`token` ("stablecoin" or "collateral") balance of `who`, read from storage."""
        return self.storage[token].get_map("balanceOf", str(getattr(who, "address", who)))

    def supply(self, token: str) -> int:
        """Total supply of `token`, read from storage."""
        return self.storage[token].get("totalSupply")

    def bands(self) -> dict[int, tuple[int, int]]:
        """{band: (x, y in token units)} of every band that may hold liquidity."""
        amm, st = self.market.amm, self.storage["amm"]
        out = {}
        for n in range(amm.min_band(), amm.max_band() + 1):
            packed = st.get_map("_bands", n)
            if packed:
                out[n] = (packed & (2**128 - 1), packed >> 128)
        return out

    def fingerprint(self, who: Iterable[str] = ()) -> tuple[int, ...]:
        """Cheap summary of market state (raw storage): must not change across a
        reverted call."""
        m = self.market
        values = [self.supply("stablecoin"), self.supply("collateral")]
        for holder in (m.amm, m.auction, *who):
            values += [self.balance("stablecoin", holder), self.balance("collateral", holder)]
        values.append(self.market.amm.active_band())
        for name in ("controller", "auction"):
            address = self.storage[name].address
            values += [boa.env.evm.get_storage(address, slot) for slot in range(16)]
        return tuple(values)

    # ------------------------------------------------------------------ acting

    def attempt(self, who: str, contract: Any, method: str, *args: Any, allowed: Iterable[str] = ()) -> Outcome:
        """Call `contract.method(*args)` as `who`. A revert whose reason is in `allowed`
        is an expected outcome (and must leave state unchanged); any other revert raises
        UnexpectedRevert."""
        allowed = set(allowed)
        before = self.fingerprint([who]) if allowed else None
        try:
            with boa.env.prank(who):
                result = getattr(contract, method)(*args)
        except boa.BoaError as error:
            reason = revert_reason(error)
            if reason not in allowed:
                raise UnexpectedRevert(who, method, args, reason) from error
            after = self.fingerprint([who])
            if after != before:
                raise FuzzFailure(f"{method}{args} reverted ({reason!r}) but state changed: {before} -> {after}")
            return Outcome(False, reason=reason)
        return Outcome(True, result=result)

    def set_price(self, price: int) -> None:
        """Move the settable oracle as the admin."""
        with boa.env.prank(self.market.admin):
            self.market.oracle.set_price(price)

    def give_stablecoin(self, who: str, amount: int) -> None:
        """The funder hands `who` `amount` stablecoin (no minting: supply is unchanged)."""
        if amount > 0:
            with boa.env.prank(self.funder):
                self.market.stablecoin.transfer(who, amount)
