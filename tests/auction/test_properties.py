"""Hypothesis properties over random sequences of oracle moves, waits, liquidations,
takes, redos and arbitrage, checked after every step (DESIGN.md section 5):

- the accounting identity, supply + reserves - bad_debt == total_debt + total_tab,
  exactly, with interest on or off (Controller._set_debt books every rounding of a
  loan's normalised debt into reserves);
- collateral conserved: AMM + auction house + wallets == everything minted, and the
  auction house holds exactly the live lots; total_tab == sum of live tabs;
- auction price non-increasing between resets, <= top, and never below cusp * top while
  takeable (status needs_redo false);
- every liquidatable user can be liquidated (no revert), nobody else;
- per auction, raised + booked shortfall == tab at the kick; over all auctions
  sum(tabs) == raised + shortfalls + live tabs; every auction ends when driven."""

import boa
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from softliq.actors import open_loan_at

from .helpers import (
    EXPONENTIAL,
    FIXTURE_OK,
    LINEAR,
    MAX_PRICE,
    STAIRSTEP,
    WAD,
    act,
    arbitrage,
    collateral_holders,
    events,
    identity_gap,
    live_lots_and_tabs,
    set_curve,
    set_price,
    units,
    lots_in_amm,
)

MAX_RATE = 43959106799

CURVES = {
    "stairstep": (STAIRSTEP, 99 * 10**16, 90),
    "linear": (LINEAR, 4 * 3600, 0),
    "exponential": (EXPONENTIAL, 99995 * 10**13, 0),
}

ACTIONS = st.one_of(
    st.tuples(st.just("price"), st.integers(85, 103)),
    st.tuples(st.just("wait"), st.integers(1, 2400)),
    st.tuples(st.just("liquidate"), st.integers(0, 4)),
    st.tuples(st.just("liquidate"), st.integers(0, 4)),
    st.tuples(st.just("take"), st.integers(0, 9), st.integers(1, 100)),
    st.tuples(st.just("take"), st.integers(0, 9), st.integers(1, 100)),
    st.tuples(st.just("redo"), st.integers(0, 9)),
    st.tuples(st.just("arb"),),
)

LOANS = st.lists(
    st.tuples(st.sampled_from([4, 6, 10]), st.integers(2, 40), st.integers(88, 99)),  # N, collateral, % of max
    min_size=5,
    max_size=5,
)


class Book:
    """What the test knows about every auction, from events."""

    def __init__(self, market):
        self.market = market
        self.kicked: dict[int, int] = {}  # id -> tab at kick
        self.raised: dict[int, int] = {}
        self.shortfall: dict[int, int] = {}
        self.immediate_shortfall = 0
        self.seen: dict[int, tuple[int, int]] = {}  # id -> (tic, last price)

    def record(self, logs):
        a = self.market.auction
        for ev in events(logs, "Kick", a):
            self.kicked[ev.id] = ev.tab
            self.raised[ev.id] = 0
        for ev in events(logs, "Take", a):
            self.raised[ev.id] += ev.owe
        for ev in events(logs, "Settle", a):
            self.shortfall[ev.id] = ev.shortfall
            assert self.raised[ev.id] + ev.shortfall == self.kicked[ev.id]
        for ev in events(logs, "Liquidate", self.market.controller):
            if ev.auction_id == 0:
                self.immediate_shortfall += ev.debt_to_auction

    def check(self, wallets):
        m = self.market
        a, col = m.auction, m.collateral
        # exact, with or without interest (rounding is booked into reserves)
        assert identity_gap(m) == 0
        # collateral
        assert collateral_holders(m, wallets) == col.totalSupply()
        lots, tabs = live_lots_and_tabs(m)
        assert col.balanceOf(a.address) == 0 and lots_in_amm(m) == lots  # no stuck collateral
        assert a.total_tab() == tabs
        # tabs
        live = set(a.active_ids())
        assert live == {i for i in self.kicked if i not in self.shortfall}
        assert sum(self.kicked.values()) == sum(self.raised.values()) + sum(self.shortfall.values()) + tabs
        # prices
        cusp = a.cusp()
        for i in live:
            needs_redo, price, _, _ = a.status(i)
            sale = a.sales(i)
            assert price <= sale.top
            tic, last = self.seen.get(i, (None, None))
            if tic == sale.tic:
                assert price <= last, f"auction {i}: price rose from {last} to {price} without a reset"
            self.seen[i] = (sale.tic, price)
            if not needs_redo:
                assert price * WAD >= cusp * sale.top


def _refused_partial_take(market, auction_id: int, amount: int, price: int) -> str | None:
    """The revert reason if taking `amount` at `price` is a partial purchase a dust rule
    refuses, else None: a tab below chost when the tab is already at or below it ("no
    partial purchase"), or a lot worth less than chost at `price` left behind a tab
    ("lot left below dust"). Re-states Auction.take's arithmetic."""
    _, _, lot, tab = market.auction.status(auction_id)
    prec = 10 ** (18 - market.params.collateral_decimals)
    chost = market.auction.chost()
    amount = min(lot, amount)
    owe = -(-amount * prec * price // WAD)  # rounds up, as take does
    if owe > tab:
        owe = tab
        amount = max(owe * WAD // price // prec, 1)
    elif owe < tab and amount < lot and tab - owe < chost:
        if tab <= chost:
            return "Auction: no partial purchase"
        owe = tab - chost
        amount = max(owe * WAD // price // prec, 1)
    amount = min(amount, lot)
    if tab - owe > 0 and lot - amount > 0 and (lot - amount) * prec * price < chost * WAD:
        return "Auction: lot left below dust"
    return None


def _step(market, book, keeper, arbitrageur, users, action):
    c, a = market.controller, market.auction
    kind = action[0]
    if kind == "price":
        set_price(market, max(market.oracle.price() * action[1] // 100, 100 * WAD))
    elif kind == "wait":
        boa.env.time_travel(seconds=action[1])
    elif kind == "liquidate":
        user = users[action[1]]
        if c.loan_exists(user) and c.health(user, True) < 0:
            _, logs = act(keeper, c, "liquidate", user)  # never reverts on a liquidatable user
            book.record(logs)
        else:
            with boa.reverts("not liquidatable" if c.loan_exists(user) else "no loan"):
                act(keeper, c, "liquidate", user)
    elif kind in ("take", "redo"):
        live = list(a.active_ids())
        if not live:
            return
        auction_id = live[action[1] % len(live)]
        needs_redo, price, lot, _ = a.status(auction_id)
        if kind == "take" and not needs_redo:
            amount = max(lot * action[2] // 100, 1)
            refused = _refused_partial_take(market, auction_id, amount, price)
            if refused:
                # a tab at or below the dust floor sells only whole (Maker's clip rule); a
                # partial take may not leave a crumb of a lot behind a tab
                with boa.reverts(refused):
                    act(keeper, a, "take", auction_id, amount, price, keeper, b"")
                return
            _, logs = act(keeper, a, "take", auction_id, amount, price, keeper, b"")
            book.record(logs)
        elif needs_redo:
            if kind == "take":
                with boa.reverts("Auction: needs redo"):
                    act(keeper, a, "take", auction_id, lot, MAX_PRICE, keeper, b"")
            _, logs = act(keeper, a, "redo", auction_id)
            book.record(logs)
            book.seen.pop(auction_id, None)
        else:
            with boa.reverts("Auction: redo not due"):
                act(keeper, a, "redo", auction_id)
    elif kind == "arb":
        arbitrage(market, arbitrageur)


def _drive_to_the_end(market, book, keeper, wallets):
    """Every auction ends: take everything, redo when due."""
    a = market.auction
    for _ in range(200):
        live = list(a.active_ids())
        if not live:
            break
        for auction_id in live:
            needs_redo, price, lot, _ = a.status(auction_id)
            if needs_redo:
                _, logs = act(keeper, a, "redo", auction_id)
                book.seen.pop(auction_id, None)
            else:
                _, logs = act(keeper, a, "take", auction_id, lot, price, keeper, b"")
            book.record(logs)
            book.check(wallets)
        boa.env.time_travel(seconds=600)
    assert list(a.active_ids()) == []
    assert market.collateral.balanceOf(a.address) == 0 and a.total_tab() == 0
    assert set(book.kicked) == set(book.shortfall)


@pytest.mark.parametrize("curve", list(CURVES), ids=list(CURVES))
@settings(max_examples=6, **FIXTURE_OK)
@given(loans=LOANS, actions=st.lists(ACTIONS, min_size=8, max_size=22), rate=st.sampled_from([0, 0, MAX_RATE]))
def test_auction_properties(market, borrowers, keeper, rich_arbitrageur, curve, loans, actions, rate):
    amm = market.amm
    set_curve(market, *CURVES[curve])
    users = borrowers[:5]
    for user, (n_bands, collateral, share) in zip(users, loans):
        open_loan_at(market, user, units(market, collateral * WAD), share / 100, n_bands)
    if rate:
        with boa.env.prank(market.admin):
            market.controller.set_rate(rate)
    # start 12% below the top band of the highest loan: most loans are liquidatable
    n1 = min(amm.read_user_tick_numbers(u)[0] for u in users)
    set_price(market, amm.p_oracle_up(n1) * 88 // 100)
    wallets = [*users, keeper, rich_arbitrageur]
    book = Book(market)
    book.check(wallets)
    for action in actions:
        _step(market, book, keeper, rich_arbitrageur, users, action)
        book.check(wallets)
    event(f"auctions during the sequence: {min(len(book.kicked), 3)}+")
    _drive_to_the_end(market, book, keeper, wallets)
    book.check(wallets)
    event(f"auctions: {min(len(book.kicked), 5)}+, with shortfall: {min(sum(1 for v in book.shortfall.values() if v), 3)}+")


CURVE_PARAMS = st.one_of(
    st.tuples(st.just(LINEAR), st.integers(60, 30 * 86400), st.just(0)),
    st.tuples(st.just(STAIRSTEP), st.integers(5 * 10**17, WAD), st.integers(1, 3600)),
    st.tuples(st.just(EXPONENTIAL), st.integers(999 * 10**15, WAD), st.just(0)),
)


@settings(max_examples=25, **FIXTURE_OK)
@given(
    curve=CURVE_PARAMS,
    cusp=st.integers(10**16, 99 * 10**16),
    tail=st.integers(60, 7 * 86400),
    offsets=st.lists(st.integers(0, 8 * 86400), min_size=10, max_size=40),
)
def test_price_path_between_resets(market, keeper, underwater, curve, cusp, tail, offsets):
    """Along one curve (no reset), at any sample of times: price non-increasing, <= top,
    and >= cusp * top whenever the auction is takeable; once a redo is due it stays due;
    takes are refused exactly when status says a redo is due."""
    a = market.auction
    set_curve(market, *curve)
    with boa.env.prank(market.admin):
        a.set_params(a.buf(), tail, cusp, a.chost())
    with boa.env.prank(keeper):
        auction_id = market.controller.liquidate(underwater[0])
    sale = a.sales(auction_id)
    last_price, was_due = sale.top, False
    for t in sorted(set(offsets)):
        boa.env.evm.patch.timestamp = sale.tic + t
        needs_redo, price, lot, tab = a.status(auction_id)
        assert price <= last_price <= sale.top
        last_price = price
        # due from `tail` seconds on (the spec: refused one second before, allowed at it)
        assert needs_redo == (t >= tail or price * WAD < cusp * sale.top)
        if was_due:
            assert needs_redo
        was_due = needs_redo
        if not needs_redo:
            assert price * WAD >= cusp * sale.top and price > 0
    # the last sample: takes agree with status
    if was_due:
        with boa.reverts("Auction: needs redo"):
            act(keeper, a, "take", auction_id, 1, MAX_PRICE, keeper, b"")
    else:
        act(keeper, a, "take", auction_id, 1, MAX_PRICE, keeper, b"")
