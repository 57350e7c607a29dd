"""Stateful rules for the admin's setters at and just beyond their bounds, and for
callers who are not the admin (a mixin of `softliq.fuzz.machine.SystemMachine`).

Every setter the fuzz world can call (Controller set_rate, set_amm_fee, set_discounts,
set_debt_ceiling; LiquidationPolicy set_liquidation_params, set_min_debt_per_band;
Auction set_params, set_curve, set_stopped) has `BoundCase`s built from the bounds in
`softliq.params` (which mirror contracts/modules/constants.vy and the setters' asserts):

- *at* a bound the admin's call must succeed, the getters must return exactly what was
  set, and the model must hold the same settings; the old settings are then restored
  (so the rest of the example runs with the settings the machine tracks);
- *just beyond* it the call must revert with the contract's exact reason, change no
  state (`World.attempt` compares a fingerprint) and leave every getter as it was;
- a borrower calling any setter is refused with "Only admin", the model alike.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule

from softliq.fuzz import invariants as inv
from softliq.fuzz.world import LIQUIDATION_PARAMS, ONLY_ADMIN, World
from softliq.params import (
    BUF_RANGE,
    CUSP_RANGE,
    MAX_BREAKER_LEVEL,
    MAX_CHIP,
    MAX_CHOST,
    MAX_CUT,
    MAX_DURATION,
    MAX_LOAN_DISCOUNT,
    MAX_MIN_DEBT,
    MAX_MIN_DEBT_PER_BAND,
    MAX_PENALTY,
    MAX_RATE,
    MAX_TARGET_HEALTH,
    MIN_DISCOUNT_GAP,
    MIN_FEE,
    MIN_LIQUIDATION_DISCOUNT,
    TAIL_RANGE,
    WAD,
    max_amm_fee,
)

@dataclass(frozen=True)
class Settings:
    """Every value an admin setter of the fuzz world changes, as its getters return it."""

    rate: int
    fee: int
    discounts: tuple[int, int]
    """(loan_discount, liquidation_discount): set_discounts' arguments."""
    debt_ceiling: int
    liquidation: tuple[int, ...]
    """set_liquidation_params' arguments, in LIQUIDATION_PARAMS order."""
    min_debt_per_band: int
    auction: tuple[int, int, int, int]
    """(buf, tail, cusp, chost): set_params' arguments."""
    curve: tuple[int, int, int]
    """(kind, a, b): set_curve's arguments."""
    stopped: int
    A: int

    @classmethod
    def of_chain(cls, world: World) -> "Settings":
        """The settings the contracts' getters return."""
        m = world.market
        c, a, policy = m.controller, m.auction, world.liquidation_holder()
        return cls(
            rate=c.rate(),
            fee=m.amm.fee(),
            discounts=(c.loan_discount(), c.liquidation_discount()),
            debt_ceiling=c.debt_ceiling(),
            liquidation=tuple(getattr(policy, name)() for name in LIQUIDATION_PARAMS),
            min_debt_per_band=policy.min_debt_per_band(),
            auction=(a.buf(), a.tail(), a.cusp(), a.chost()),
            curve=(a.curve_kind(), a.curve_a(), a.curve_b()),
            stopped=a.stopped(),
            A=m.params.A,
        )

    @classmethod
    def of_model(cls, world: World) -> "Settings | None":
        """The same settings in the model (None when the world runs without one)."""
        mm = world.model
        if mm is None:
            return None
        c, a = mm.controller, mm.auction
        return cls(
            rate=c.rate,
            fee=mm.amm.fee,
            discounts=(c.loan_discount, c.liquidation_discount),
            debt_ceiling=c.debt_ceiling,
            liquidation=tuple(getattr(c.policy, name) for name in LIQUIDATION_PARAMS),
            min_debt_per_band=c.policy.min_debt_per_band,
            auction=(a.buf, a.tail, a.cusp, a.chost),
            curve=a.curve,
            stopped=a.stopped,
            A=mm.params.A,
        )

    def args(self, setter: str) -> tuple[int, ...]:
        """The arguments that set `setter` to what it is now."""
        return SETTERS[setter][1](self)


SETTERS: dict[str, tuple[str, Callable[[Settings], tuple[int, ...]]]] = {
    "set_rate": ("controller", lambda s: (s.rate,)),
    "set_amm_fee": ("controller", lambda s: (s.fee,)),
    "set_discounts": ("controller", lambda s: s.discounts),
    "set_debt_ceiling": ("controller", lambda s: (s.debt_ceiling,)),
    "set_liquidation_params": ("policy", lambda s: s.liquidation),
    "set_min_debt_per_band": ("policy", lambda s: (s.min_debt_per_band,)),
    "set_params": ("auction", lambda s: s.auction),
    "set_curve": ("auction", lambda s: s.curve),
    "set_stopped": ("auction", lambda s: (s.stopped,)),
}
"""Admin setter -> (the contract holding it, its arguments from the current Settings)."""

Args = tuple[int, ...] | None
"""A setter's arguments; None when the bound cannot be reached from the current settings
without breaking another bound first."""


@dataclass(frozen=True)
class BoundCase:
    """One bound of one setter: `at(s)` sits exactly on it (must succeed), `beyond(s)`
    one step past it (must revert with `reason`), both changing only that bound's
    argument(s) of the current settings `s`."""

    name: str
    setter: str
    at: Callable[[Settings], Args]
    beyond: Callable[[Settings], Args]
    reason: str


def _put(s: Settings, setter: str, **changes: int) -> tuple[int, ...]:
    """The current arguments of `setter` with some replaced by name."""
    names = {"set_discounts": ("loan", "ld"), "set_liquidation_params": LIQUIDATION_PARAMS,
             "set_params": ("buf", "tail", "cusp", "chost"), "set_curve": ("kind", "a", "b")}[setter]
    values = dict(zip(names, s.args(setter)))
    values.update(changes)
    return tuple(values[n] for n in names)


def _liq(s: Settings) -> dict[str, int]:
    return dict(zip(LIQUIDATION_PARAMS, s.liquidation))


def _reward_room(q: dict[str, int]) -> int:
    """penalty_tier1 * min_debt - (tip + chip * largest tab) for liquidation parameters
    `q`: positive while set_liquidation_params' keeper reward bound holds."""
    largest_tab = q["min_debt"] * (WAD + q["penalty_tier2"]) // WAD
    return q["penalty_tier1"] * q["min_debt"] // WAD - (q["tip"] + q["chip"] * largest_tab // WAD)


def _policy_at(s: Settings, **changes: int) -> Args:
    """set_liquidation_params' current arguments with `changes`, if the keeper reward
    bound (which couples every parameter) still holds; else None."""
    return _put(s, "set_liquidation_params", **changes) if _reward_room({**_liq(s), **changes}) > 0 else None


def _min_p1(s: Settings) -> int:
    """The smallest penalty_tier1 the keeper reward bound allows."""
    q = _liq(s)
    reward = q["penalty_tier1"] * q["min_debt"] // WAD - _reward_room(q)
    return -(-(reward + 1) * WAD // q["min_debt"])  # p1 * min_debt // WAD > reward


def _max_chip(s: Settings) -> int:
    """The largest chip the keeper reward bound allows."""
    q = _liq(s)
    largest_tab = q["min_debt"] * (WAD + q["penalty_tier2"]) // WAD
    spare = q["penalty_tier1"] * q["min_debt"] // WAD - q["tip"] - 1  # chip * tab // WAD at most this
    return ((spare + 1) * WAD - 1) // largest_tab


def _policy_cases() -> list[BoundCase]:
    """set_liquidation_params' bounds (LiquidationPolicy.vy), in its asserts' order, then
    set_min_debt_per_band's (it has no lower one: 0 turns the per-band minimum off)."""
    sp, q = "set_liquidation_params", _liq
    ld = lambda s: s.discounts[1]  # noqa: E731
    p1 = lambda s: q(s)["penalty_tier1"]  # noqa: E731
    p2 = lambda s: q(s)["penalty_tier2"]  # noqa: E731
    reward = "keeper reward above the penalty of a minimum-size position"
    return [
        BoundCase("penalty_tier1 < liquidation_discount", sp,
                  lambda s: _policy_at(s, penalty_tier1=ld(s) - 1) if ld(s) - 1 < p2(s) else None,
                  lambda s: _put(s, sp, penalty_tier1=ld(s)), "tier-1 penalty out of range"),
        BoundCase("penalty_tier1 > 0", sp, lambda s: None, lambda s: _put(s, sp, penalty_tier1=0), "tier-1 penalty out of range"),
        BoundCase("penalty_tier2 <= MAX_PENALTY", sp, lambda s: _policy_at(s, penalty_tier2=MAX_PENALTY),
                  lambda s: _put(s, sp, penalty_tier2=MAX_PENALTY + 1), "tier-2 penalty out of range"),
        BoundCase("penalty_tier2 > penalty_tier1", sp, lambda s: _policy_at(s, penalty_tier2=p1(s) + 1),
                  lambda s: _put(s, sp, penalty_tier2=p1(s)), "tier-2 penalty out of range"),
        BoundCase("target_health <= 50%", sp, lambda s: _put(s, sp, target_health=MAX_TARGET_HEALTH),
                  lambda s: _put(s, sp, target_health=MAX_TARGET_HEALTH + 1), "target health out of range"),
        BoundCase("target_health > 0", sp, lambda s: _put(s, sp, target_health=1),
                  lambda s: _put(s, sp, target_health=0), "target health out of range"),
        BoundCase("min_debt <= MAX_MIN_DEBT", sp,
                  lambda s: _policy_at(s, min_debt=MAX_MIN_DEBT, max_in_auction=max(q(s)["max_in_auction"], MAX_MIN_DEBT)),
                  lambda s: _put(s, sp, min_debt=MAX_MIN_DEBT + 1), "min debt out of range"),
        BoundCase("min_debt > 0", sp, lambda s: None, lambda s: _put(s, sp, min_debt=0), "min debt out of range"),
        BoundCase("chip <= MAX_CHIP", sp, lambda s: _policy_at(s, chip=MAX_CHIP),
                  lambda s: _put(s, sp, chip=MAX_CHIP + 1), "chip out of range"),
        BoundCase("max_in_auction >= min_debt", sp, lambda s: _put(s, sp, max_in_auction=q(s)["min_debt"]),
                  lambda s: _put(s, sp, max_in_auction=q(s)["min_debt"] - 1), "max in auction below min debt"),
        BoundCase("keeper reward: penalty_tier1", sp,
                  lambda s: _put(s, sp, penalty_tier1=_min_p1(s)) if _min_p1(s) < min(ld(s), p2(s)) else None,
                  lambda s: _put(s, sp, penalty_tier1=_min_p1(s) - 1) if 1 < _min_p1(s) <= min(ld(s), p2(s)) else None, reward),
        BoundCase("keeper reward: chip", sp, lambda s: _put(s, sp, chip=_max_chip(s)) if _max_chip(s) <= MAX_CHIP else None,
                  lambda s: _put(s, sp, chip=_max_chip(s) + 1) if _max_chip(s) < MAX_CHIP else None, reward),
        BoundCase("keeper reward: tip", sp, lambda s: _put(s, sp, tip=q(s)["tip"] + _reward_room(q(s)) - 1),
                  lambda s: _put(s, sp, tip=q(s)["tip"] + _reward_room(q(s))), reward),
        BoundCase("min_debt_per_band <= MAX_MIN_DEBT / MAX_TICKS", "set_min_debt_per_band", lambda s: (MAX_MIN_DEBT_PER_BAND,),
                  lambda s: (MAX_MIN_DEBT_PER_BAND + 1,), "min debt per band out of range"),
    ]


def _controller_cases() -> list[BoundCase]:
    """Controller.set_rate, set_amm_fee (the AMM's bounds) and set_discounts."""
    sd = "set_discounts"
    loan = lambda s: s.discounts[0]  # noqa: E731
    ld = lambda s: s.discounts[1]  # noqa: E731
    p1 = lambda s: _liq(s)["penalty_tier1"]  # noqa: E731
    return [
        BoundCase("rate <= MAX_RATE", "set_rate", lambda s: (MAX_RATE,), lambda s: (MAX_RATE + 1,), "rate too high"),
        BoundCase("fee >= MIN_FEE", "set_amm_fee", lambda s: (MIN_FEE,), lambda s: (MIN_FEE - 1,), "AMM: fee out of range"),
        BoundCase("fee <= min(MAX_FEE, 4/A)", "set_amm_fee", lambda s: (max_amm_fee(s.A),), lambda s: (max_amm_fee(s.A) + 1,),
                  "AMM: fee out of range"),
        BoundCase("loan_discount <= 50%", sd, lambda s: (MAX_LOAN_DISCOUNT, ld(s)), lambda s: (MAX_LOAN_DISCOUNT + 1, ld(s)),
                  "loan discount too high"),
        BoundCase("loan_discount - liquidation_discount >= gap", sd, lambda s: (ld(s) + MIN_DISCOUNT_GAP, ld(s)),
                  lambda s: (ld(s) + MIN_DISCOUNT_GAP - 1, ld(s)), "discounts too close"),
        BoundCase("loan_discount > liquidation_discount", sd, lambda s: None, lambda s: (ld(s), ld(s)),
                  "loan discount must exceed liquidation discount"),
        BoundCase("liquidation_discount >= 1%", sd,
                  lambda s: (loan(s), MIN_LIQUIDATION_DISCOUNT) if p1(s) < MIN_LIQUIDATION_DISCOUNT else None,
                  lambda s: (loan(s), MIN_LIQUIDATION_DISCOUNT - 1), "liquidation discount too low"),
        BoundCase("liquidation_discount > penalty_tier1", sd,
                  lambda s: (max(loan(s), p1(s) + 1 + MIN_DISCOUNT_GAP), p1(s) + 1)
                  if MIN_LIQUIDATION_DISCOUNT <= p1(s) + 1 and p1(s) + 1 + MIN_DISCOUNT_GAP <= MAX_LOAN_DISCOUNT else None,
                  lambda s: (max(loan(s), p1(s) + MIN_DISCOUNT_GAP), p1(s))
                  if MIN_LIQUIDATION_DISCOUNT <= p1(s) and p1(s) + MIN_DISCOUNT_GAP <= MAX_LOAN_DISCOUNT else None,
                  "liquidation discount not above tier-1 penalty"),
    ]


def _auction_cases() -> list[BoundCase]:
    """Auction.set_params, set_curve (price_curves._check_params) and set_stopped."""
    sp, sc = "set_params", "set_curve"
    cases = [
        BoundCase("set_stopped level <= 3", "set_stopped", lambda s: (MAX_BREAKER_LEVEL,), lambda s: (MAX_BREAKER_LEVEL + 1,),
                  "Auction: breaker level out of range"),
        BoundCase("chost <= MAX_CHOST", sp, lambda s: _put(s, sp, chost=MAX_CHOST), lambda s: _put(s, sp, chost=MAX_CHOST + 1),
                  "Auction: chost out of range"),
    ]
    for name, (low, high), reason in (("buf", BUF_RANGE, "Auction: buf out of range"),
                                      ("tail", TAIL_RANGE, "Auction: tail out of range"),
                                      ("cusp", CUSP_RANGE, "Auction: cusp out of range")):
        cases.append(BoundCase(f"{name} >= {low}", sp, lambda s, n=name, v=low: _put(s, sp, **{n: v}),
                               lambda s, n=name, v=low - 1: _put(s, sp, **{n: v}), reason))
        cases.append(BoundCase(f"{name} <= {high}", sp, lambda s, n=name, v=high: _put(s, sp, **{n: v}),
                               lambda s, n=name, v=high + 1: _put(s, sp, **{n: v}), reason))
    linear, stairstep, exponential = 0, 1, 2
    for kind, at, beyond, reason in (
        (linear, (MAX_DURATION, 0), (MAX_DURATION + 1, 0), "price_curves: tau too long"),
        (linear, (1, 0), (0, 0), "price_curves: zero tau"),
        (linear, (600, 0), (600, 1), "price_curves: unused param not 0"),
        (stairstep, (MAX_CUT, 90), (MAX_CUT + 1, 90), "price_curves: cut above 1"),
        (stairstep, (1, 90), (0, 90), "price_curves: zero cut"),
        (stairstep, (WAD // 2, MAX_DURATION), (WAD // 2, MAX_DURATION + 1), "price_curves: step too long"),
        (stairstep, (WAD // 2, 1), (WAD // 2, 0), "price_curves: zero step"),
        (exponential, (MAX_CUT, 0), (MAX_CUT + 1, 0), "price_curves: cut above 1"),
        (exponential, (WAD // 2, 0), (WAD // 2, 1), "price_curves: unused param not 0"),
        (exponential + 1, (1, 0), (1, 0), "price_curves: unknown curve"),
    ):
        good = None if kind > exponential else (kind, *at)
        cases.append(BoundCase(f"curve {kind}: {reason}", sc, lambda s, g=good: g, lambda s, b=(kind, *beyond): b, reason))
    return cases


BOUND_CASES: tuple[BoundCase, ...] = (*_controller_cases(), *_policy_cases(), *_auction_cases())
"""Every bound of every admin setter the fuzz world calls (set_debt_ceiling has none:
`AdminRules.debt_ceiling_at_total` checks its edge instead)."""


class AdminRules:
    """Mixin of SystemMachine: the admin at its setters' bounds, and non-admin callers.
    Uses the machine's `world`, `m`, `liq`, `stopped`, `gentle` and `_tick`."""

    world: World
    m: Any
    liq: dict[str, int]
    stopped: int
    step: int
    gentle: bool
    _tick: Callable[[], None]

    def _setter_contract(self, setter: str) -> Any:
        holder = SETTERS[setter][0]
        return {"controller": self.m.controller, "policy": self.world.liquidation_holder(), "auction": self.m.auction}[holder]

    def _check_settings(self, label: str, expected: Settings) -> None:
        """The getters (and the model) hold `expected`."""
        chain = Settings.of_chain(self.world)
        if chain != expected:
            inv.fail("admin bounds", f"{label}: getters show {_diff(expected, chain)}")
        model = Settings.of_model(self.world)
        if model is not None and model != chain:
            inv.fail("8 model matches chain", f"{label}: model settings differ: {_diff(chain, model)}")

    @precondition(lambda self: not self.gentle)
    @rule(case=st.sampled_from(BOUND_CASES))
    def admin_at_bound(self, case: BoundCase) -> None:
        """The admin sets one value one step beyond a bound (must revert with the
        contract's reason and change nothing), then exactly at it (must succeed, getters
        and model follow; then the old settings come back): for the drawn case and for
        the case the step number picks (hypothesis draws some cases rarely; this way a
        ci run visits them all)."""
        self._tick()
        for bound in dict.fromkeys((case, BOUND_CASES[self.step % len(BOUND_CASES)])):
            self._beyond_bound(bound)
            self._at_bound(bound)

    def _bound_args(self, case: BoundCase, at: bool) -> tuple[Settings, tuple[int, ...]] | None:
        """The settings now and `case`'s arguments at (or beyond) its bound; None (and
        counted) when the bound cannot be reached from these settings."""
        before = Settings.of_chain(self.world)
        args = (case.at if at else case.beyond)(before)
        if args is None:
            inv.STATS.event(f"admin bound unreachable now: {case.name} ({'at' if at else 'beyond'})")
            return None
        return before, args

    def _beyond_bound(self, case: BoundCase) -> None:
        """One step beyond the bound: the contract's reason, nothing changed."""
        w, found = self.world, self._bound_args(case, at=False)
        if found is None:
            return
        before, args = found
        label = f"{case.setter}{args} (beyond {case.name})"
        out = w.attempt(self.m.admin, self._setter_contract(case.setter), case.setter, *args, allowed={case.reason})
        if out.ok:
            inv.fail("admin bounds", f"{label} was accepted")
        self._check_settings(label, before)
        inv.STATS.count("admin setter beyond its bound refused, nothing changed")
        inv.STATS.event(f"admin bound refused: {case.name}")

    def _at_bound(self, case: BoundCase) -> None:
        """Exactly at the bound: accepted, getters and model follow, then restored."""
        w, admin, found = self.world, self.m.admin, self._bound_args(case, at=True)
        if found is None:
            return
        before, args = found
        label = f"{case.setter}{args} (at {case.name})"
        contract = self._setter_contract(case.setter)
        w.attempt(admin, contract, case.setter, *args)
        self._check_settings(label, _with(before, case.setter, args))
        w.attempt(admin, contract, case.setter, *before.args(case.setter))  # the machine's settings again
        self._check_settings(f"{label}, then restored", before)
        inv.STATS.count("admin setter at its bound accepted")
        inv.STATS.event(f"admin bound accepted: {case.name}")

    @rule(b=st.integers(0, 3), setter=st.sampled_from(sorted(SETTERS)))
    def borrower_calls_setter(self, b: int, setter: str) -> None:
        """A borrower calls an admin setter with valid values: refused with "Only admin"
        (the model too), nothing changes."""
        self._tick()
        w = self.world
        before = Settings.of_chain(w)
        out = w.attempt(w.borrowers[b], self._setter_contract(setter), setter, *before.args(setter), allowed={ONLY_ADMIN})
        if out.ok:
            inv.fail("admin bounds", f"borrower {w.borrowers[b]} called {setter} and was not refused")
        self._check_settings(f"borrower's {setter}", before)
        inv.STATS.count("non-admin setter call refused")
        inv.STATS.rule_succeeded()  # the refusal is what this rule is for
        inv.STATS.event(f"non-admin refused: {setter}")

    @rule(extra=st.sampled_from([0, 1, 100]))
    def debt_ceiling_at_total(self, extra: int) -> None:
        """The admin sets the debt ceiling to the total debt plus `extra` wei: the getter
        returns it and max_borrowable offers no more than `extra`; then the old ceiling
        comes back (set_debt_ceiling has no bound of its own: this is its edge)."""
        self._tick()
        w, c, admin = self.world, self.m.controller, self.m.admin
        before = Settings.of_chain(w)
        ceiling = c.total_debt() + extra
        w.attempt(admin, c, "set_debt_ceiling", ceiling)
        self._check_settings(f"set_debt_ceiling({ceiling})", _with(before, "set_debt_ceiling", (ceiling,)))
        offered = c.max_borrowable(10**30, 4)
        if offered != extra:
            inv.fail("admin bounds", f"debt ceiling = total debt + {extra}: max_borrowable offers {offered}")
        w.attempt(admin, c, "set_debt_ceiling", before.debt_ceiling)
        self._check_settings("debt ceiling restored", before)
        inv.STATS.count("debt ceiling caps max_borrowable exactly")


def _with(s: Settings, setter: str, args: tuple[int, ...]) -> Settings:
    """`s` after `setter(*args)` succeeded."""
    field = {"set_rate": "rate", "set_amm_fee": "fee", "set_discounts": "discounts", "set_debt_ceiling": "debt_ceiling",
             "set_liquidation_params": "liquidation", "set_min_debt_per_band": "min_debt_per_band",
             "set_params": "auction", "set_curve": "curve", "set_stopped": "stopped"}[setter]
    value: Any = args[0] if len(args) == 1 and field not in ("liquidation",) else tuple(args)
    return Settings(**{**{f.name: getattr(s, f.name) for f in fields(Settings)}, field: value})


def _diff(expected: Settings, got: Settings) -> str:
    """The fields in which `got` differs from `expected`."""
    return ", ".join(f"{f.name} {getattr(got, f.name)} (expected {getattr(expected, f.name)})"
                     for f in fields(Settings) if getattr(got, f.name) != getattr(expected, f.name)) or "no difference"
