"""Auction.take: over, under and exactly at the tab; the dust floor; the guards.

A take buys min(lot, max_collateral) at the current price, rounded up against the
keeper (owe = ceil(amount * price)); never more than the tab (then it buys only
floor(tab / price), at least 1 unit); never leaves 0 < tab < chost (then it buys only
tab - chost); sends collateral first, then pulls the payment and burns it."""

import boa
import pytest

from softliq.actors import fund_collateral

from .helpers import (
    MAX_PRICE,
    WAD,
    act,
    collateral_holders,
    identity_gap,
    liquidate,
    one_event,
    set_auction_params,
    set_price,
    snapshot,
    take,
    units,
    lots_in_amm,
)


def ceil_div(a, b):
    return -(-a // b)


def _prec(market):
    return 10 ** (18 - market.params.collateral_decimals)


def _state(market, auction_id):
    return market.auction.status(auction_id)


@pytest.fixture
def vault(market):
    """Where the keeper wants the collateral delivered (not the payer)."""
    return boa.env.generate_address("keeper_vault")


def test_take_under_tab(market, keeper, vault, underwater, auction_id):
    a, sc, col = market.auction, market.stablecoin, market.collateral
    needs_redo, price, lot, tab = _state(market, auction_id)
    assert not needs_redo and price == a.sales(auction_id).top
    amount = units(market, WAD)
    owe = ceil_div(amount * _prec(market) * price, WAD)
    assert owe < tab - a.chost()
    keeper_sc, supply, total_tab = sc.balanceOf(keeper), sc.totalSupply(), a.total_tab()
    amm_col = col.balanceOf(market.amm.address)

    (bought, paid), logs = take(market, keeper, auction_id, amount, price, receiver=vault)

    assert (bought, paid) == (amount, owe)
    ev = one_event(logs, "Take", a)
    assert (ev.id, ev.keeper, ev.price, ev.owe, ev.amount) == (auction_id, keeper, price, owe, amount)
    assert (ev.tab_left, ev.lot_left) == (tab - owe, lot - amount)
    assert _state(market, auction_id)[2:] == (lot - amount, tab - owe)
    assert col.balanceOf(vault) == amount and col.balanceOf(market.amm.address) == amm_col - amount
    assert col.balanceOf(a.address) == 0 and lots_in_amm(market) == lot - amount  # the rest waits in the AMM
    assert sc.balanceOf(keeper) == keeper_sc - owe  # the caller pays, the receiver gets
    assert sc.totalSupply() == supply - owe and sc.balanceOf(a.address) == 0  # burnt
    assert a.total_tab() == total_tab - owe
    assert not one_event_or_none(logs, "Settle")
    assert auction_id in a.active_ids()
    assert identity_gap(market) == 0


def one_event_or_none(logs, name):
    return [e for e in logs if type(e).__name__ == name]


def test_take_over_tab_returns_surplus(market, keeper, underwater, auction_id):
    """max_collateral worth more than the tab: only the tab is collected, for
    floor(tab / price) collateral; the rest of the lot goes back to the borrower."""
    a, sc, col = market.auction, market.stablecoin, market.collateral
    user = underwater[0]
    _, price, lot, tab = _state(market, auction_id)
    assert lot * _prec(market) * price // WAD > tab
    amount = tab * WAD // price // _prec(market)
    user_col, keeper_sc, total_tab = col.balanceOf(user), sc.balanceOf(keeper), a.total_tab()

    (bought, paid), logs = take(market, keeper, auction_id, lot, price)

    assert (bought, paid) == (amount, tab)
    # the keeper pays at least the price: tab / amount >= price
    assert tab * WAD >= amount * _prec(market) * price
    settle = one_event(logs, "Settle", a)
    assert (settle.id, settle.user, settle.collateral_returned, settle.shortfall) == (auction_id, user, lot - amount, 0)
    assert col.balanceOf(user) == user_col + lot - amount
    assert col.balanceOf(keeper) >= amount and col.balanceOf(a.address) == 0
    assert sc.balanceOf(keeper) == keeper_sc - tab
    assert a.total_tab() == total_tab - tab
    # the auction is over
    assert auction_id not in a.active_ids()
    assert _state(market, auction_id) == (False, 0, 0, 0)
    assert a.sales(auction_id).user == "0x0000000000000000000000000000000000000000"
    assert identity_gap(market) == 0


def test_take_exactly_the_tab(market, borrowers, keeper):
    """A loan sized so the tab is a whole number of lot units at the start price:
    buying exactly that many units pays exactly the tab."""
    c, a, col = market.controller, market.auction, market.collateral
    user = borrowers[0]
    # oracle 2500 -> top = 2750 exactly (buf 1.1); tab = debt * 1.05 = 2750 * 105 * K
    assert a.buf() == 11 * 10**17 and market.policy.penalty_tier2() == 5 * 10**16
    debt = 2750 * 100 * WAD
    collateral = units(market, 110 * WAD)
    fund_collateral(market, user, collateral)
    with boa.env.prank(user):
        c.create_loan(collateral, debt, 10)
    set_price(market, 2500 * WAD)
    auction_id, ev, _ = liquidate(market, keeper, user)
    assert ev.tier == 2 and ev.tab == debt * 105 // 100 and ev.lot == collateral
    _, price, lot, tab = _state(market, auction_id)
    assert price == 2750 * WAD
    exact = tab * WAD // (price * _prec(market))
    assert exact * _prec(market) * price == tab * WAD  # whole units

    user_col = col.balanceOf(user)
    (bought, paid), logs = take(market, keeper, auction_id, exact, price)
    assert (bought, paid) == (exact, tab)
    settle = one_event(logs, "Settle", a)
    assert settle.collateral_returned == lot - exact and settle.shortfall == 0
    assert col.balanceOf(user) == user_col + lot - exact
    assert a.total_tab() == 0 and identity_gap(market) == 0


def test_take_one_unit_more_or_less_than_the_tab(market, keeper, underwater, auction_id):
    """a = the fewest units whose cost reaches the tab. Asking for a - 1 units is a
    partial take (shrunk to leave chost); asking for a settles at exactly the tab."""
    a = market.auction
    _, price, lot, tab = _state(market, auction_id)
    p = price * _prec(market)
    units_needed = ceil_div((tab - 1) * WAD + 1, p)  # smallest a with ceil(a * p / WAD) >= tab
    assert ceil_div(units_needed * p, WAD) >= tab > ceil_div((units_needed - 1) * p, WAD)

    with boa.env.anchor():
        (bought, paid), _ = take(market, keeper, auction_id, units_needed - 1, price)
        # tab - owe < chost: shrunk to leave exactly chost
        assert paid == tab - a.chost()
        assert bought == (tab - a.chost()) * WAD // price // _prec(market)
        assert _state(market, auction_id)[3] == a.chost()

    (bought, paid), logs = take(market, keeper, auction_id, units_needed, price)
    assert paid == tab
    assert bought == (units_needed if ceil_div(units_needed * p, WAD) == tab else tab * WAD // p)
    assert one_event(logs, "Settle", a).collateral_returned == lot - bought


def test_partial_take_shrinks_to_leave_the_dust_floor(market, keeper, underwater, auction_id):
    a = market.auction
    chost = a.chost()
    _, price, lot, tab = _state(market, auction_id)
    p = price * _prec(market)
    # a take that would leave chost / 2
    amount = (tab - chost // 2) * WAD // p
    assert 0 < tab - ceil_div(amount * p, WAD) < chost and amount < lot

    (bought, paid), logs = take(market, keeper, auction_id, amount, price)
    assert paid == tab - chost
    assert bought == max((tab - chost) * WAD // price // _prec(market), 1)
    assert bought <= amount
    assert _state(market, auction_id)[2:] == (lot - bought, chost)
    ev = one_event(logs, "Take", a)
    assert ev.tab_left == chost

    # at the floor, no partial purchase is possible any more ...
    before = snapshot(market, [keeper], [auction_id])
    for small in (1, chost // 2 * WAD // p):  # any purchase worth less than the tab
        with boa.reverts("Auction: no partial purchase"):
            take(market, keeper, auction_id, small, price)
    assert snapshot(market, [keeper], [auction_id]) == before
    # ... but buying all of it still is
    (bought2, paid2), logs = take(market, keeper, auction_id, lot, price)
    assert paid2 == chost
    assert one_event(logs, "Settle", a).shortfall == 0
    assert a.total_tab() == 0 and identity_gap(market) == 0


def test_tab_below_dust_floor_only_sells_whole(market, keeper, underwater, auction_id):
    """An auction whose tab is already below chost: no partial purchase, a whole one works."""
    a = market.auction
    _, price, lot, tab = _state(market, auction_id)
    set_auction_params(market, chost=tab + 1)
    with boa.reverts("Auction: no partial purchase"):
        take(market, keeper, auction_id, lot // 2, price)
    (bought, paid), _ = take(market, keeper, auction_id, lot, price)
    assert paid == tab and auction_id not in a.active_ids()


def test_take_with_whole_lot_below_tab_exhausts_it(market, keeper, underwater, auction_id):
    """Buying the whole lot when it is worth less than the tab is allowed (amount == lot),
    whatever the dust floor: the rest is a shortfall."""
    a = market.auction
    boa.env.time_travel(seconds=30 * 90)  # 0.99**30 of top: lot worth less than the tab
    needs_redo, price, lot, tab = _state(market, auction_id)
    owe = ceil_div(lot * _prec(market) * price, WAD)
    assert not needs_redo and owe < tab
    (bought, paid), logs = take(market, keeper, auction_id, lot, price)
    assert (bought, paid) == (lot, owe)
    assert one_event(logs, "Settle", a).shortfall == tab - owe


def test_max_price_guard(market, keeper, underwater, auction_id):
    _, price, _, _ = _state(market, auction_id)
    before = snapshot(market, [keeper], [auction_id])
    with boa.reverts("Auction: price too high"):
        take(market, keeper, auction_id, WAD, price - 1)
    with boa.reverts("Auction: price too high"):
        take(market, keeper, auction_id, WAD, 0)
    assert snapshot(market, [keeper], [auction_id]) == before
    (bought, _), _ = take(market, keeper, auction_id, WAD, price)
    assert bought == WAD


def test_max_price_guard_follows_the_decay(market, keeper, underwater, auction_id):
    """A bid at a price below the current one succeeds once the curve reaches it."""
    _, price, _, _ = _state(market, auction_id)
    bid = price * 97 // 100
    with boa.reverts("Auction: price too high"):
        take(market, keeper, auction_id, WAD, bid)
    boa.env.time_travel(seconds=4 * 90)  # four steps of 0.99
    _, later, _, _ = _state(market, auction_id)
    assert later <= bid
    (bought, paid), _ = take(market, keeper, auction_id, WAD, bid)
    assert paid == ceil_div(bought * _prec(market) * later, WAD)


def test_zero_amount(market, keeper, underwater, auction_id):
    before = snapshot(market, [keeper], [auction_id])
    with boa.reverts("Auction: zero amount"):
        take(market, keeper, auction_id, 0)
    assert snapshot(market, [keeper], [auction_id]) == before


def test_bad_receiver(market, keeper, underwater, auction_id):
    for receiver in ("0x0000000000000000000000000000000000000000", market.auction.address):
        with boa.reverts("Auction: bad receiver"):
            act(keeper, market.auction, "take", auction_id, WAD, MAX_PRICE, receiver, b"")
    # the AMM holds the lot: bought for the AMM, it would belong to nobody
    before = snapshot(market, [keeper], [auction_id])
    with boa.reverts("receiver is the AMM"):
        act(keeper, market.auction, "take", auction_id, WAD, MAX_PRICE, market.amm.address, b"")
    assert snapshot(market, [keeper], [auction_id]) == before


def test_unknown_and_ended_auctions(market, keeper, underwater, auction_id):
    a = market.auction
    for unknown in (0, auction_id + 1, 2**256 - 1):
        with boa.reverts("Auction: not running"):
            take(market, keeper, unknown, WAD)
        assert _state(market, unknown) == (False, 0, 0, 0)
    _, _, lot, _ = _state(market, auction_id)
    take(market, keeper, auction_id, lot)
    assert auction_id not in a.active_ids()
    before = snapshot(market, [keeper], [auction_id])
    with boa.reverts("Auction: not running"):
        take(market, keeper, auction_id, WAD)
    assert snapshot(market, [keeper], [auction_id]) == before


def test_take_refused_when_redo_is_due(market, keeper, underwater, auction_id):
    boa.env.time_travel(seconds=market.auction.tail() + 1)
    assert _state(market, auction_id)[0]
    before = snapshot(market, [keeper], [auction_id])
    with boa.reverts("Auction: needs redo"):
        take(market, keeper, auction_id, WAD)
    assert snapshot(market, [keeper], [auction_id]) == before


def test_payment_must_be_approved(market, keeper, borrowers, underwater, auction_id):
    """A caller without allowance (or funds) gets nothing: the whole take reverts,
    including the collateral already sent."""
    payer = borrowers[0]  # holds stablecoin from the loan, never approved the auction
    with boa.env.prank(payer):
        market.stablecoin.approve(market.auction.address, 0)
    before = snapshot(market, [payer], [auction_id])
    held = collateral_holders(market, [payer])
    with boa.reverts("erc20: insufficient allowance"):
        take(market, payer, auction_id, WAD)
    assert snapshot(market, [payer], [auction_id]) == before
    assert collateral_holders(market, [payer]) == held
