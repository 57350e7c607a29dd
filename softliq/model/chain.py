"""Run the same actions on a titanoboa market and on `ModelMarket`, and compare them to
the wei. Used by tests/model and by `softliq.model.montecarlo.check_sample_against_chain`.

This module drives the chain (it imports boa); the model itself never does.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Callable

from softliq import actors
from softliq.bands import reader_for
from softliq.deploy import Market
from softliq.model.system import ModelMarket
from softliq.model.wad_math import WAD, ModelRevert
from softliq.positions import read_user_ticks

MAX_UINT = 2**256 - 1


class Mismatch(AssertionError):
    """The chain and the model disagree."""


def model_for(market: Market) -> ModelMarket:
    """A model of a freshly deployed `market` (same params, addresses and clock)."""
    import boa

    return ModelMarket(
        market.params,
        now=boa.env.evm.patch.timestamp,
        amm_address=str(market.amm.address),
        controller_address=str(market.controller.address),
        auction_address=str(market.auction.address),
        stablecoin_address=str(market.stablecoin.address),
        collateral_address=str(market.collateral.address),
    )


@dataclass
class Outcome:
    """What one side did: its return value, or the revert reason."""

    value: Any = None
    reverted: str | None = None


@dataclass
class Twin:
    """A chain market and its model, driven in lock-step."""

    market: Market
    model: ModelMarket
    users: list[str] = field(default_factory=list)
    actions: int = 0
    focus: list[str] | None = None
    """Users whose costly views (x_down, y_up, health) a full check reads; None: all."""
    band_reader: Callable[[int], tuple[int, int, int]] | None = None
    """Reads (x, y, shares) of band n on the chain; None: a raw-storage reader made at each
    check (softliq.bands: one walk, where the views sum a virgin band's pending withdrawals
    from V each)."""

    # ------------------------------------------------------------ plumbing

    def _sync_clock(self) -> None:
        import boa

        self.model.clock.now = boa.env.evm.patch.timestamp

    def _both(self, label: str, on_chain: Callable[[], Any], on_model: Callable[[], Any]) -> Outcome:
        """Run an action on both sides; they must agree on success, result or revert."""
        import boa

        self._sync_clock()
        chain, model = Outcome(), Outcome()
        try:
            chain.value = on_chain()
        except boa.BoaError as exc:
            chain.reverted = str(exc)
        try:
            model.value = on_model()
        except ModelRevert as exc:
            model.reverted = exc.reason
        self.actions += 1
        if (chain.reverted is None) != (model.reverted is None):
            said = f"reverted: {_reason(chain.reverted)}" if chain.reverted else "succeeded"
            raise Mismatch(f"{label}: chain {said}; model {'reverted: ' + str(model.reverted) if model.reverted else 'succeeded'}")
        if chain.reverted is not None:
            if model.reverted not in chain.reverted:
                raise Mismatch(f"{label}: revert reasons differ: chain {_reason(chain.reverted)!r}, model {model.reverted!r}")
            return model
        if normalized(chain.value) != normalized(model.value):
            raise Mismatch(f"{label}: chain returned {chain.value}, model {model.value}")
        return model

    def _as(self, who: str, fn: Callable[[], Any]) -> Callable[[], Any]:
        import boa

        def run() -> Any:
            with boa.env.prank(who):
                return fn()

        return run

    def _track(self, *who: str) -> None:
        for w in who:
            if str(w) not in self.users:
                self.users.append(str(w))

    # ------------------------------------------------------------ environment

    def time_travel(self, seconds: int) -> None:
        """Advance both clocks."""
        import boa

        boa.env.time_travel(seconds=seconds)
        self._sync_clock()

    def set_price(self, price: int) -> None:
        """The admin moves the settable oracle on both sides."""
        m = self.market
        self._both(f"set_price({price})", self._as(m.admin, lambda: m.oracle.set_price(price)), lambda: self.model.set_price(price))

    def fund_collateral(self, who: str, amount: int) -> None:
        """Mint collateral to `who` (approvals as softliq.actors sets them)."""
        self._track(who)
        actors.fund_collateral(self.market, who, amount)
        self.model.mint_collateral(str(who), amount)

    def approve_auction(self, who: str) -> None:
        """`who` lets the Auction collect take payments (allowances are not modelled)."""
        import boa

        with boa.env.prank(who):
            self.market.stablecoin.approve(self.market.auction.address, MAX_UINT)

    def fund_stablecoin(self, who: str, amount: int) -> None:
        """Stablecoin through a far-away loan, as softliq.actors.fund_stablecoin does."""
        collateral = actors.collateral_units(self.market, amount * 4 * WAD // self.market.amm.price_oracle() + WAD)
        self.fund_collateral(who, collateral)
        self.create_loan(who, collateral, amount, 50)

    # ------------------------------------------------------------ actions

    def create_loan(self, borrower: str, collateral: int, debt: int, n_bands: int) -> Outcome:
        """Controller.create_loan."""
        self._track(borrower)
        c = self.market.controller
        return self._both(
            f"create_loan({borrower}, {collateral}, {debt}, {n_bands})",
            self._as(borrower, lambda: c.create_loan(collateral, debt, n_bands)),
            lambda: self.model.create_loan(str(borrower), collateral, debt, n_bands),
        )

    def add_collateral(self, sender: str, amount: int, for_: str | None = None) -> Outcome:
        """Controller.add_collateral."""
        c = self.market.controller
        target = sender if for_ is None else for_
        return self._both(
            f"add_collateral({sender}, {amount}, {target})",
            self._as(sender, lambda: c.add_collateral(amount, target)),
            lambda: self.model.add_collateral(str(sender), amount, str(target)),
        )

    def remove_collateral(self, borrower: str, amount: int) -> Outcome:
        """Controller.remove_collateral."""
        c = self.market.controller
        return self._both(
            f"remove_collateral({borrower}, {amount})",
            self._as(borrower, lambda: c.remove_collateral(amount)),
            lambda: self.model.remove_collateral(str(borrower), amount),
        )

    def borrow_more(self, borrower: str, collateral: int, debt: int) -> Outcome:
        """Controller.borrow_more."""
        c = self.market.controller
        return self._both(
            f"borrow_more({borrower}, {collateral}, {debt})",
            self._as(borrower, lambda: c.borrow_more(collateral, debt)),
            lambda: self.model.borrow_more(str(borrower), collateral, debt),
        )

    def repay(self, sender: str, amount: int, for_: str | None = None) -> Outcome:
        """Controller.repay."""
        c = self.market.controller
        target = sender if for_ is None else for_
        return self._both(
            f"repay({sender}, {amount}, {target})",
            self._as(sender, lambda: c.repay(amount, target)),
            lambda: self.model.repay(str(sender), amount, str(target)),
        )

    def exchange(self, trader: str, i: int, amount: int, min_amount: int = 0) -> Outcome:
        """AMM.exchange(i, 1 - i, amount, min_amount)."""
        self._track(trader)
        a = self.market.amm
        return self._both(
            f"exchange({trader}, {i}, {amount}, {min_amount})",
            self._as(trader, lambda: a.exchange(i, 1 - i, amount, min_amount)),
            lambda: self.model.exchange(str(trader), i, 1 - i, amount, min_amount),
        )

    def exchange_dy(self, trader: str, i: int, out_amount: int, max_amount: int = MAX_UINT) -> Outcome:
        """AMM.exchange_dy(i, 1 - i, out_amount, max_amount)."""
        self._track(trader)
        a = self.market.amm
        return self._both(
            f"exchange_dy({trader}, {i}, {out_amount}, {max_amount})",
            self._as(trader, lambda: a.exchange_dy(i, 1 - i, out_amount, max_amount)),
            lambda: self.model.exchange_dy(str(trader), i, 1 - i, out_amount, max_amount),
        )

    def liquidate(self, keeper: str, user: str) -> Outcome:
        """Controller.liquidate(user) as keeper."""
        self._track(keeper)
        c = self.market.controller
        return self._both(
            f"liquidate({keeper}, {user})",
            self._as(keeper, lambda: c.liquidate(user)),
            lambda: self.model.liquidate(str(keeper), str(user)),
        )

    def liquidate_many(self, keeper: str, users: list[str]) -> Outcome:
        """Controller.liquidate_many(users) as keeper."""
        self._track(keeper)
        c = self.market.controller
        return self._both(
            f"liquidate_many({keeper}, {users})",
            self._as(keeper, lambda: list(c.liquidate_many(users))),
            lambda: self.model.liquidate_many(str(keeper), [str(u) for u in users]),
        )

    def take(self, keeper: str, id_: int, max_collateral: int, max_price: int = MAX_UINT) -> Outcome:
        """Auction.take(id, max_collateral, max_price, keeper, b"") as keeper."""
        self._track(keeper)
        au = self.market.auction
        return self._both(
            f"take({keeper}, {id_}, {max_collateral}, {max_price})",
            self._as(keeper, lambda: au.take(id_, max_collateral, max_price, keeper, b"")),
            lambda: self.model.take(str(keeper), id_, max_collateral, max_price, str(keeper)),
        )

    def redo(self, keeper: str, id_: int) -> Outcome:
        """Auction.redo(id) as keeper."""
        self._track(keeper)
        au = self.market.auction
        return self._both(f"redo({keeper}, {id_})", self._as(keeper, lambda: au.redo(id_)), lambda: self.model.redo(str(keeper), id_))

    def set_rate(self, rate: int) -> Outcome:
        """Controller.set_rate as admin."""
        c = self.market.controller
        return self._both(f"set_rate({rate})", self._as(self.market.admin, lambda: c.set_rate(rate)), lambda: self.model.set_rate(rate))

    # ------------------------------------------------------------ comparison

    def differences(self, quotes: tuple[int, ...] = (), full_views: bool = True) -> list[str]:
        """Every view that differs between chain and model (empty list: they agree)."""
        diffs: list[str] = []
        for name, chain_value, model_value in self._views(quotes, full_views):
            if normalized(chain_value) != normalized(model_value):
                diffs.append(f"{name}: chain {chain_value} != model {model_value}")
        return diffs

    def check(self, quotes: tuple[int, ...] = (), full_views: bool = True) -> None:
        """Raise Mismatch listing every view that differs."""
        self._sync_clock()
        diffs = self.differences(quotes, full_views)
        if diffs:
            raise Mismatch(f"after {self.actions} actions:\n" + "\n".join(diffs[:40]))

    def _views(self, quotes: tuple[int, ...], full_views: bool) -> list[tuple[str, Any, Any]]:
        m, mm = self.market, self.model
        amm, mamm, c, mc, au, mau = m.amm, mm.amm, m.controller, mm.controller, m.auction, mm.auction
        out: list[tuple[str, Any, Any]] = [
            ("active_band", amm.active_band(), mamm.active),
            ("min_band", amm.min_band(), mamm.lo),
            ("max_band", amm.max_band(), mamm.hi),
            ("oracle_state", tuple(amm.oracle_state()), mamm.oracle_state()),
            ("rate_mul", amm.get_rate_mul(), mamm.get_rate_mul()),
            ("total_debt", c.total_debt(), mc.total_debt()),
            ("reserves", c.reserves(), mc.reserves()),
            ("bad_debt", c.bad_debt(), mc.bad_debt),
            ("n_loans", c.n_loans(), mc.n_loans()),
            ("supply", m.stablecoin.totalSupply(), mm.stable.supply),
            ("total_tab", au.total_tab(), mau.total_tab),
            ("kicks", au.kicks(), mau.kicks),
            ("active_ids", list(au.active_ids()), mau.active_ids()),
            ("curve", (au.curve_id(), au.curve_kind(), au.curve_a(), au.curve_b()), (mau.curve_id, *mau.curve)),
        ]
        out.append(("loans", [str(c.loans(i)) for i in range(c.n_loans())], list(mc.loans)))
        names = [f.name for f in fields(mc.policy)]  # the liquidation parameters, by their getters' names
        out.append(("policy", [getattr(m.policy, name)() for name in names], [getattr(mc.policy, name) for name in names]))
        if m.params.ema_time:
            ema, mo = m.price_source, mm.oracle
            out.append(("ema_state", (ema.last_price(), ema.last_source(), ema.last_timestamp()), (mo.last_price, mo.last_source, mo.last_timestamp)))
            out.append(("ema_price", _view_or_reason(ema.price), _view_or_reason(mo.price)))
        read = self.band_reader or reader_for(amm).reader()
        for n in range(min(amm.min_band(), mamm.lo), max(amm.max_band(), mamm.hi) + 1):
            chain_band = read(n)
            out.append((f"band {n}", chain_band, (*mamm.band(n), mamm.total_shares.get(n, 0))))
        holders = [str(x) for x in (m.amm.address, m.auction.address, m.controller.address)] + self.users
        for who in holders:
            out.append((f"balances {who}", (m.stablecoin.balanceOf(who), m.collateral.balanceOf(who)), (mm.stable.balance_of(who), mm.collateral.balance_of(who))))
        for user in self.users:
            out.append((f"ticks {user}", (amm.read_user_tick_numbers(user), read_user_ticks(amm, user)), (mamm.read_user_tick_numbers(user), mamm.read_user_ticks(user))))
            out.append((f"loan {user}", (c.loan_exists(user), c.debt(user), c.liquidation_discounts(user)), (mc.loan_exists(user), mc.debt(user), mc.liquidation_discounts(user))))
            if full_views and (self.focus is None or user in self.focus) and c.loan_exists(user):
                out.append((f"user_state {user}", c.user_state(user), mc.user_state(user)))
                out.append((f"x_down/y_up {user}", (amm.get_x_down(user), amm.get_y_up(user)), (mamm.get_x_down(user), mamm.get_y_up(user))))
                out.append((f"health {user}", (c.health(user, False), c.health(user, True)), (mc.health(user, False), mc.health(user, True))))
        for id_ in mau.active_ids():
            out.append((f"status {id_}", au.status(id_), mau.status(id_)))
            s = mau.sales[id_]
            out.append((f"sale {id_}", tuple(au.sales(id_)), (s.user, s.lot, s.tab, s.top, s.tic, s.curve)))
        if full_views:
            out.append(("get_p", amm.get_p(), mamm.get_p()))
            out.append(("dynamic_fee", amm.dynamic_fee(), mamm.dynamic_fee()))
            out.append(("users_to_liquidate", [str(u) for u in c.users_to_liquidate(0, 50)], mc.users_to_liquidate(0, 50)))
        for q in quotes:
            for i in (0, 1):
                out.append((f"get_dxdy({i}, {q})", amm.get_dxdy(i, 1 - i, q), mamm.get_dxdy(i, 1 - i, q)))
                out.append((f"get_dx({i}, {q})", amm.get_dx(i, 1 - i, q), mamm.get_dx(i, 1 - i, q)))
            coll = actors.collateral_units(m, q)
            if coll:
                out.append((f"max_borrowable({coll})", c.max_borrowable(coll, 10), mc.max_borrowable(coll, 10)))
        return out


def _view_or_reason(view: Callable[[], Any]) -> Any:
    """A view's value, or "reverted" (chain and model alike) if it reverts."""
    import boa

    try:
        return view()
    except (boa.BoaError, ModelRevert):
        return "reverted"


def _reason(error: str) -> str:
    """The revert reason in a titanoboa error: the text after its frame line."""
    for line in error.splitlines():
        line = line.strip()
        if line.startswith("[E]") and line.endswith(">") and "<" in line:
            return line[line.rindex("<") + 1 : -1]
    return error[:300]


def normalized(value: Any) -> Any:
    """Chain and model values in one comparable shape (tuples, ints, str addresses)."""
    if isinstance(value, (list, tuple)):
        return tuple(normalized(v) for v in value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    return str(value)
