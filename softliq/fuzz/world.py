"""A market deployed once per process, its actors, and how they act on it.

The stateful suite and the campaign command share this: `World.deploy` builds the
market on an EVM (`softliq.fuzz.evm`: pyrevm by default) and funds the actors once;
every example then runs inside `World.example()` (see `softliq.fuzz.machine`), which
rolls the chain back afterwards, so an example costs no deployment.

Alongside the chain runs `softliq.model.ModelMarket`, the integer-exact second
implementation, built from the same deployment and funding (invariant 8). Every action
goes through `World.attempt`, which runs it on the chain, tells an expected revert (its
reason is in the set the caller allows) from an unexpected one, checks that a reverted
call left the market unchanged, and then runs the same action on the model, which must
succeed or revert alike, with the same result or reason; after a call that went through,
the chain's logs of that transaction (decoded by `softliq.chain_revm.EventCodec`) must be
the events the model logged for it, field by field and in order ("8 events match"; ERC20
Approval is not modelled, and approvals have no model counterpart).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from softliq import actors
from softliq.bands import BandReader
from softliq.chain_revm import EventCodec
from softliq.deploy import Market
from softliq.fuzz.evm import RawLog, make_evm
from softliq.fuzz.stats import STATS
from softliq.fuzz.storage import Storage
from softliq.model.chain import normalized
from softliq.model.events import ZERO_ADDRESS, Event
from softliq.model.system import ModelMarket
from softliq.model.wad_math import ModelRevert
from softliq.params import SMALL_LOANS, WAD, MarketParams
from softliq.positions import total_dust

N_BORROWERS = 8
"""Size of the fixed pool of borrowers: the state machine's rules draw from the first
four, the rest are the crowd (softliq.fuzz.rules_market) that fills users_to_liquidate."""
FUNDING = 10**7 * WAD
"""Stablecoin the arbitrageur, the keeper and the funder each start with."""
ARB_COLLATERAL_WAD = 20_000 * WAD
"""Collateral (18-decimal amount) the arbitrageur starts with."""
MODEL_ENV = "SOFTLIQ_FUZZ_MODEL"
"""Environment variable: "0" runs the fuzz world without the model (invariants 1-7 only;
bench/mutants.py uses it to show what those catch alone)."""
CONTRACTS_ENV = "SOFTLIQ_CONTRACTS"
"""Environment variable: deploy contracts from this directory instead of contracts/."""
EMA_TIME = 600
"""Time constant (seconds) of the EMA market the suite and the campaign also fuzz (its
AMM reads an EmaOracle over the settable one). 600 s against the machines' 12-second
blocks: a move seen by two writes moves the average only ~2% of the way per block, so
through the rules that do not wait (follow_path, move_price, crash, trades) the average
visibly lags the market for many steps; and short against the waits the rules already
make (time_passes draws up to 4 h, an auction's tail is 3 h by default), so the rules that
need a fall to reach the oracle catch it up within an hour (EMA_CATCH_UP time constants,
softliq.fuzz.machine) without every crash also making the live auctions stale. It is the
value tests/oracles/test_ema_market.py deploys; an hour or a day would leave the average
nearly frozen within an example, a minute would hardly differ from no EMA."""
LIQUIDATION_PARAMS = ("penalty_tier1", "penalty_tier2", "target_health", "min_debt", "tip", "chip", "max_in_auction")


class FuzzFailure(AssertionError):
    """An invariant broke or a call reverted unexpectedly."""


class UnexpectedRevert(FuzzFailure):
    """A call reverted with a reason the caller did not allow."""

    def __init__(self, who: str, method: str, args: tuple[Any, ...], reason: str) -> None:
        super().__init__(f"{who} {method}{args} reverted unexpectedly: {reason!r}")
        self.reason = reason


class ModelMismatch(FuzzFailure):
    """Invariant 8: the model and the chain disagree on an action or on the state."""


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


@dataclass
class Outcome:
    """What `World.attempt` saw: the result if the call went through, else the reason."""

    ok: bool
    result: Any = None
    reason: str = ""
    logs: list[RawLog] = field(default_factory=list)
    """The transaction's raw logs (read only when the model runs)."""


Mirror = Callable[[ModelMarket, str, tuple[Any, ...]], Any]
"""Runs on the model what a chain call did: (model, sender, call arguments) -> result."""

MIRRORS: dict[tuple[str, str], Mirror | None] = {
    ("controller", "create_loan"): lambda mm, who, a: mm.create_loan(who, *a),
    ("controller", "add_collateral"): lambda mm, who, a: mm.add_collateral(who, *a),
    ("controller", "remove_collateral"): lambda mm, who, a: mm.remove_collateral(who, *a),
    ("controller", "borrow_more"): lambda mm, who, a: mm.borrow_more(who, *a),
    ("controller", "repay"): lambda mm, who, a: mm.repay(who, *a),
    ("controller", "liquidate"): lambda mm, who, a: mm.liquidate(who, *a),
    ("controller", "liquidate_many"): lambda mm, who, a: mm.liquidate_many(who, [str(u) for u in a[0]]),
    ("controller", "set_rate"): lambda mm, who, a: mm.set_rate(*a, sender=who),
    ("controller", "set_amm_fee"): lambda mm, who, a: mm.set_amm_fee(*a, sender=who),
    ("controller", "set_discounts"): lambda mm, who, a: mm.set_discounts(*a, sender=who),
    ("controller", "set_debt_ceiling"): lambda mm, who, a: mm.set_debt_ceiling(*a, sender=who),
    ("policy", "set_liquidation_params"): lambda mm, who, a: mm.set_liquidation_params(*a, sender=who),
    ("policy", "set_min_debt_per_band"): lambda mm, who, a: mm.set_min_debt_per_band(*a, sender=who),
    ("amm", "exchange"): lambda mm, who, a: mm.exchange(who, *a),
    ("amm", "exchange_dy"): lambda mm, who, a: mm.exchange_dy(who, *a),
    ("llamma_adapter", "exchange_dy"): lambda mm, who, a: mm.adapter_exchange_dy(a[0], who, *a[1:]),
    ("auction", "take"): lambda mm, who, a: mm.take(who, *_no_callback(a)),
    ("auction", "redo"): lambda mm, who, a: mm.redo(who, a[0], *(_model_address(k) for k in a[1:])),
    # a taker's mirror gets the taker's own address first (see World._mirror)
    ("flash_taker", "flash"): lambda mm, who, a: mm.flash_take(who, *a),
    ("reentrant_taker", "attack"): lambda mm, who, a: mm.reentrant_take(a[0], a[1], a[2]),
    ("auction", "set_params"): lambda mm, who, a: mm.set_auction_params(*a, sender=who),
    ("auction", "set_curve"): lambda mm, who, a: mm.set_curve(*a, sender=who),
    ("auction", "set_stopped"): lambda mm, who, a: mm.set_breaker(*a, sender=who),
    ("oracle", "set_price"): lambda mm, who, a: mm.set_price(*a),
    # anyone may refresh an EmaOracle (only on a market with ema_time)
    ("price_source", "price_w"): lambda mm, who, a: mm.oracle.price_w(),
    ("collateral", "mint"): lambda mm, who, a: mm.mint_collateral(*a),
    ("stablecoin", "transfer"): lambda mm, who, a: mm.transfer_stablecoin(who, *a),
    ("stablecoin", "approve"): None,  # allowances are not modelled
    ("collateral", "approve"): None,
}
"""Every state-changing call the fuzz world makes, and its model counterpart."""

ONLY_ADMIN = "Only admin"
"""admin_role._check_admin's reason (Controller, LiquidationPolicy, Auction)."""
REFUSED: dict[tuple[str, str], str] = {
    ("amm", "set_admin"): "AMM: only admin",
    ("amm", "set_fee"): "AMM: only admin",
    ("amm", "set_rate"): "AMM: only admin",
    ("amm", "deposit_range"): "AMM: only admin",
    ("amm", "withdraw"): "AMM: only admin",
    ("controller", "set_auction"): ONLY_ADMIN,
    ("controller", "set_admin"): ONLY_ADMIN,
    ("controller", "book_shortfall"): "only auction",
    ("controller", "pay_incentive"): "only auction",
    ("controller", "send_collateral"): "only auction",
    ("auction", "kick"): "Auction: only controller",
    ("auction", "set_controller"): ONLY_ADMIN,
    ("auction", "set_admin"): ONLY_ADMIN,
    ("policy", "set_controller"): ONLY_ADMIN,
    ("policy", "set_admin"): ONLY_ADMIN,
    ("stablecoin", "mint"): "Stablecoin: only minter",
    ("stablecoin", "burn_from"): "Stablecoin: only minter",
    ("stablecoin", "burn"): "Stablecoin: only burner",
    ("stablecoin", "set_minter"): "Stablecoin: only deployer",
    ("stablecoin", "set_burner"): "Stablecoin: only deployer",
}
"""Entry points only another contract of the market (or the admin, or the deployer)
may call, and the reason they give anyone else: the model refuses them alike."""


def _refused(reason: str) -> Mirror:
    def mirror(mm: ModelMarket, who: str, args: tuple[Any, ...]) -> Any:
        raise ModelRevert(reason)

    return mirror


MIRRORS.update({key: _refused(reason) for key, reason in REFUSED.items()})


def _model_address(address: Any) -> str:
    """An address argument as the model writes it: "" for the zero address."""
    return "" if str(address) == ZERO_ADDRESS else str(address)


TAKERS = {"flash_taker": "testing/FlashTaker", "reentrant_taker": "testing/ReentrantTaker"}
"""Role -> contract of the takers with a callback (flash takes, re-entry attempts)."""
SELF_ADDRESSED = {*TAKERS, "llamma_adapter"}
"""Contracts that move coins as themselves: the model's mirror gets their address first."""
REENTRANT_FUNDING = 10**6 * WAD
"""Stablecoin the re-entrant taker pays its takes with."""


def _comparable(event: Event) -> tuple[str, str, tuple[tuple[str, Any], ...]]:
    """An event with its fields in order and values normalised."""
    role, name, fields = event
    return role, name, tuple((k, normalized(v)) for k, v in fields.items())


def _show_events(events: list[Event]) -> str:
    """Events as `role.Name(field=value, ...)`, comma-separated."""
    return ", ".join(f"{role}.{name}({', '.join(f'{k}={v}' for k, v in fields.items())})" for role, name, fields in events)


def _no_callback(args: tuple[Any, ...]) -> tuple[Any, ...]:
    """take(id, max_collateral, max_price, receiver, data): the model has no flash callback."""
    *head, data = args
    if data:
        raise ValueError("the model cannot mirror a take with callback data")
    return tuple(head)


@dataclass
class World:
    """A deployed market with role-named actors, funded once, and its model."""

    market: Market
    evm: Any
    """The EVM the market lives on (`softliq.fuzz.evm.FuzzEvm`)."""
    borrowers: list[str]
    arbitrageur: str
    keeper: str
    liquidator: str
    funder: str
    model: ModelMarket | None = None
    """The model of the current example (None: invariant 8 is off)."""
    liq_params: dict[str, int] = field(default_factory=dict)
    """Liquidation parameters in force (tracked here, read first from MarketParams)."""
    storage: dict[str, Storage] = field(default_factory=dict)
    """Raw storage readers by role: stablecoin, collateral, amm, controller, auction."""
    funded_model: ModelMarket | None = None
    """The model right after funding: each example starts from a copy."""
    roles: dict[str, str] = field(default_factory=dict)
    """Contract address -> role name (keys of MIRRORS; also the emitters of events)."""
    takers: dict[str, Any] = field(default_factory=dict)
    """Taker contracts with a callback by role (TAKERS): deployed by `deploy`."""
    codec: EventCodec = field(default_factory=EventCodec)
    """Decodes the logs of every contract of the market."""

    def __post_init__(self) -> None:
        m = self.market
        named = {"stablecoin": m.stablecoin, "collateral": m.collateral, "amm": m.amm, "controller": m.controller, "auction": m.auction}
        self.storage = {name: Storage(contract, self.evm.get_storage) for name, contract in named.items()}
        # the price source is the oracle itself unless an EMA sits between them
        addresses = m.addresses()
        self.roles = {str(address): role for role, address in addresses.items() if role != "price_source"}
        if "price_source" in addresses:
            self.roles.setdefault(addresses["price_source"], "price_source")
        for role in addresses:
            self.codec.learn(getattr(m, role))

    @classmethod
    def deploy(cls, params: MarketParams | None = None, n_borrowers: int = N_BORROWERS, evm: Any = None, model: bool | None = None) -> "World":
        """Deploy a market (from `$SOFTLIQ_CONTRACTS` if set) on `evm` (default: as
        `$SOFTLIQ_EVM` says) and fund every actor; with `model` (default: unless
        `$SOFTLIQ_FUZZ_MODEL` is "0"), on the model too."""
        use_contracts_dir_from_env()
        if model is None:
            model = os.environ.get(MODEL_ENV, "1") != "0"
        evm = evm or make_evm()
        market = evm.deploy_market(params or MarketParams(**SMALL_LOANS))
        p = market.params
        world = cls(
            market=market,
            evm=evm,
            borrowers=[evm.generate_address(f"borrower_{i}") for i in range(n_borrowers)],
            arbitrageur=evm.generate_address("arbitrageur"),
            keeper=evm.generate_address("keeper"),
            liquidator=evm.generate_address("liquidator"),
            funder=evm.generate_address("funder"),
            liq_params={name: getattr(p, name) for name in LIQUIDATION_PARAMS},
        )
        if model:
            world.model = world._new_model()
        world._deploy_takers()
        world._fund()
        world.funded_model = world.model.copy() if world.model else None
        return world

    def _new_model(self) -> ModelMarket:
        a = self.market.addresses()
        return ModelMarket(
            self.market.params,
            now=self.evm.timestamp,
            amm_address=a["amm"],
            controller_address=a["controller"],
            auction_address=a["auction"],
            stablecoin_address=a["stablecoin"],
            collateral_address=a["collateral"],
            admin_address=str(self.market.admin),
        )

    def _fund(self) -> None:
        """One deep loan (bands far below any path) gives the funder the stablecoin that
        every float comes from; the arbitrageur also gets collateral."""
        m = self.market
        for who in self.people:
            self._approve_all(who)
        price = m.amm.price_oracle()
        deep_collateral = actors.collateral_units(m, 4 * FUNDING * 4 * WAD // price + WAD)
        self.mint_collateral(self.funder, deep_collateral)
        self.attempt(self.funder, m.controller, "create_loan", deep_collateral, 4 * FUNDING, 50)
        for who in (self.arbitrageur, self.keeper, self.liquidator):
            self.give_stablecoin(who, FUNDING)
        self.give_stablecoin(self.takers["reentrant_taker"].address, REENTRANT_FUNDING)
        self.mint_collateral(self.arbitrageur, actors.collateral_units(m, ARB_COLLATERAL_WAD))

    def _deploy_takers(self) -> None:
        """The keeper's flash taker (sells what it buys to the AMM in the callback) and a
        taker whose callback tries to re-enter the contracts."""
        m = self.market
        tokens = (m.stablecoin.address, m.collateral.address)
        self.takers = {
            "flash_taker": self.evm.deploy_contract(TAKERS["flash_taker"], self.keeper, m.auction.address, m.amm.address, *tokens),
            "reentrant_taker": self.evm.deploy_contract(TAKERS["reentrant_taker"], self.keeper, m.auction.address, m.controller.address, tokens[0]),
        }
        self.roles.update({str(t.address): role for role, t in self.takers.items()})

    def _approve_all(self, who: str) -> None:
        m = self.market
        for token in (m.collateral, m.stablecoin):
            for spender in (m.controller, m.amm, m.auction, m.llamma_adapter):
                self.attempt(who, token, "approve", spender.address, actors.MAX_UINT)

    @contextlib.contextmanager
    def example(self) -> Iterator[None]:
        """One example: starts from the funded market (chain and model) and is rolled
        back afterwards."""
        with self.evm.anchor():
            self.model = self.funded_model.copy() if self.funded_model else None
            yield

    # ------------------------------------------------------------------ reading

    @property
    def people(self) -> list[str]:
        """The actors' own accounts (no contracts)."""
        return [*self.borrowers, self.arbitrageur, self.keeper, self.liquidator, self.funder]

    @property
    def wallets(self) -> list[str]:
        """Every address outside the market's contracts that may hold tokens: the
        actors and the keeper's taker contracts."""
        return [*self.people, *(str(t.address) for t in self.takers.values())]

    @property
    def precision(self) -> int:
        """Token units -> 18 decimals for the collateral."""
        return 10 ** (18 - self.market.params.collateral_decimals)

    def idle(self, who: str) -> bool:
        """`who` holds no token and no loan, on the chain (raw storage) and in the model:
        invariant 8 has nothing of theirs to compare (the crowd of borrowers that only
        some rules use stays idle most of the time)."""
        if self.balance("stablecoin", who) or self.balance("collateral", who) or self.storage["controller"].get_map("_loans", who):
            return False
        mm = self.model
        return mm is None or not (mm.stable.balance_of(who) or mm.collateral.balance_of(who) or mm.controller.loan_exists(who))

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
        """{band: (x, y in token units)} of every band that may hold liquidity and holds
        something."""
        amm, read = self.market.amm, self.band_reader()
        out = {}
        for n in range(amm.min_band(), amm.max_band() + 1):
            x, y, _ = read(n)
            if x or y:
                out[n] = (x, y)
        return out

    def dust(self) -> int:
        """Collateral (token units) the AMM holds for positions in no band: each
        position's dust, under N units (docs/lazy-bands-spec.md), summed over every
        wallet's position word."""
        return total_dust(self.market.amm, self.wallets)

    def band(self, n: int) -> tuple[int, int, int]:
        """(x, y in token units, shares) of band n (see `band_reader`)."""
        return self.band_reader()(n)

    def band_reader(self) -> Callable[[int], tuple[int, int, int]]:
        """Reads (x, y in token units, shares) of bands as they are now (use it while the
        state stays so): one walk over the liquid range through raw storage, virgin bands
        included (softliq.bands)."""
        return BandReader(self.storage["amm"]).reader()

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
            values += [self.evm.get_storage(address, slot) for slot in range(16)]
        return tuple(values)

    # ------------------------------------------------------------------ acting

    def attempt(self, who: str, contract: Any, method: str, *args: Any, allowed: Iterable[str] = ()) -> Outcome:
        """Call `contract.method(*args)` as `who`. A revert whose reason is in `allowed`
        is an expected outcome (and must leave state unchanged); any other revert raises
        UnexpectedRevert. Then the model does the same and must agree (invariant 8)."""
        allowed = set(allowed)
        before = self.fingerprint([who]) if allowed else None
        try:
            with self.evm.prank(who):
                result = getattr(contract, method)(*args)
        except self.evm.errors as error:
            reason = self.evm.revert_reason(error)
            if reason not in allowed:
                raise UnexpectedRevert(who, method, args, reason) from error
            after = self.fingerprint([who])
            if after != before:
                raise FuzzFailure(f"{method}{args} reverted ({reason!r}) but state changed: {before} -> {after}")
            outcome = Outcome(False, reason=reason)
        else:
            outcome = Outcome(True, result=result, logs=self.evm.last_logs(contract) if self.model is not None else [])
        self._mirror(who, contract, method, args, outcome)
        STATS.call(self.roles.get(str(contract.address), "?"), method, None if outcome.ok else outcome.reason)
        return outcome

    def _mirror(self, who: str, contract: Any, method: str, args: tuple[Any, ...], chain: Outcome) -> None:
        """Invariant 8, per action: the model does what the chain did."""
        if self.model is None:
            return
        key = (self.roles.get(str(contract.address), "?"), method)
        if key not in MIRRORS:
            raise ModelMismatch(f"[8 model matches chain] no model counterpart for {key}")
        mirror = MIRRORS[key]
        if mirror is None:
            return
        label = f"{key[0]}.{method}{args} as {who}"
        if key[0] in SELF_ADDRESSED:  # the contract acts for itself: its address comes first
            args = (str(contract.address), *args)
        self.model.drain_events()  # only this action's events are compared
        try:
            value = mirror(self.model, str(who), args)
        except ModelRevert as error:
            if chain.ok or error.reason != chain.reason:
                said = f"returned {chain.result}" if chain.ok else f"reverted {chain.reason!r}"
                raise ModelMismatch(f"[8 model matches chain] {label}: chain {said}, model reverted {error.reason!r}") from error
            return
        if not chain.ok:
            raise ModelMismatch(f"[8 model matches chain] {label}: chain reverted {chain.reason!r}, model returned {value}")
        if normalized(value) != normalized(chain.result):
            raise ModelMismatch(f"[8 model matches chain] {label}: chain returned {chain.result}, model {value}")
        self._compare_events(label, chain.logs, self.model.drain_events())

    def chain_events(self, logs: list[RawLog]) -> list[Event]:
        """Raw logs as (emitter role, event name, fields): the model's shape. A log no
        market contract declares keeps its emitter's address and its topics."""
        out: list[Event] = []
        for address, topics, data in logs:
            event = self.codec.decode_entry(address, topics, data)
            if event is None:
                out.append((str(address), "unknown event", {"topics": topics}))
            else:
                out.append((self.roles.get(event.address, event.address), event.name, event.args))
        return out

    def _compare_events(self, label: str, logs: list[RawLog], model: list[Event]) -> None:
        """Invariant 8 on events: the transaction logged what the model says, in order."""
        chain = self.chain_events(logs)
        if [_comparable(e) for e in chain] != [_comparable(e) for e in model]:
            raise ModelMismatch(
                f"[8 model matches chain] events of {label}: chain [{_show_events(chain)}] model [{_show_events(model)}]"
            )
        STATS.count("8 events match")

    def time_travel(self, seconds: int) -> None:
        """Time passes on the chain and in the model."""
        self.evm.time_travel(seconds)
        if self.model is not None:
            self.model.time_travel(seconds)

    def set_price(self, price: int) -> None:
        """Move the settable oracle as the admin."""
        self.attempt(self.market.admin, self.market.oracle, "set_price", price)

    def refresh_oracle(self, who: str) -> None:
        """`who` calls the EmaOracle's price_w (anyone may): it stores the average and
        records the source's price of this block. Only on a market with an EMA."""
        if not self.market.params.ema_time:
            raise ValueError("no EmaOracle to refresh: the market reads the settable oracle directly")
        self.attempt(who, self.market.price_source, "price_w")

    def mint_collateral(self, who: str, amount: int) -> None:
        """Test collateral appears in `who`'s wallet (ERC20Mock.mint)."""
        self.attempt(self.funder, self.market.collateral, "mint", who, amount)

    def give_stablecoin(self, who: str, amount: int) -> None:
        """The funder hands `who` `amount` stablecoin (no minting: supply is unchanged)."""
        if amount > 0:
            self.attempt(self.funder, self.market.stablecoin, "transfer", who, amount)
