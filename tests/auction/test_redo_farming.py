"""Redo farming (issue 12, deliverable 4): an auction drained to a worthless lot behind a
large tab must not pay keepers for re-pricing it; a lot too small to be worth taking is
settled (shortfall booked, auction ended) instead of re-priced; a partial take may not
leave such a lot behind.

Rules (docs/design.md, Liquidation): a redo pays `LiquidationPolicy.redo_reward(tab,
value)`, the keeper reward only while the lot valued at the new top covers half its tab;
a redo that finds the lot worth less than min(chost, tab) at the new top settles the
auction; a partial take may not leave a lot worth less than chost at the take's price."""

import boa
from softliq.model.auction import stored_top

from .helpers import (
    WAD,
    act,
    identity_gap,
    one_event,
    set_price,
    snapshot,
    take,
    lots_in_amm,
)

DAY = 86400


def _prec(market) -> int:
    return 10 ** (18 - market.params.collateral_decimals)


def _below_market_and_underwater(market, auction_id):
    """Advance the clock (90 s steps) until the price is at or below the oracle and the
    lot is worth less than 80% of the tab; returns (price, lot, tab)."""
    a, prec = market.auction, _prec(market)
    for _ in range(200):
        needs_redo, price, lot, tab = a.status(auction_id)
        assert not needs_redo
        if price <= market.oracle.price() and lot * prec * price // WAD * 100 < tab * 80:
            return price, lot, tab
        boa.env.time_travel(seconds=90)
    raise AssertionError("lot never fell below the tab")


def _redo_for(market, keeper, auction_id, seconds: int):
    """Redo `auction_id` whenever it is due over `seconds` (90 s steps), as `keeper`.
    Returns (number of redos, their logs)."""
    a = market.auction
    redos, logs = 0, []
    for _ in range(seconds // 90):
        boa.env.time_travel(seconds=90)
        if auction_id not in a.active_ids():
            break
        if a.status(auction_id)[0]:
            _, lg = act(keeper, a, "redo", auction_id)
            logs += lg
            redos += 1
    return redos, logs


def _leave_a_crumb(market, keeper, auction_id):
    """Below market and underwater, the keeper buys the most a partial take may buy: it
    leaves the smallest lot worth at least chost at the take's price. Returns (price,
    lot left, tab left)."""
    a, prec = market.auction, _prec(market)
    price, lot, _ = _below_market_and_underwater(market, auction_id)
    keep = -(-a.chost() * WAD // (prec * price))  # rounds up: worth >= chost
    take(market, keeper, auction_id, lot - keep, price)
    _, _, lot_left, tab_left = a.status(auction_id)
    assert lot_left == keep and lot_left * prec * price >= a.chost() * WAD
    return price, lot_left, tab_left


def test_drained_auction_pays_no_redo_reward(market, keeper, underwater, auction_id):
    """The issue's sequence: below market, the keeper buys all but 1 wei of an underwater
    lot (refused now, state unchanged), then all but the smallest lot a partial take may
    leave, and redoes the auction whenever it is due for three days: not one redo pays
    (the lot, valued at the new top, is far below half of its tab), reserves never fall
    and no stablecoin is minted. Before the fix the 1-wei drain succeeded and every redo
    paid tip + chip * tab (about 120 a day here, 19 redos a day)."""
    a, c, sc = market.auction, market.controller, market.stablecoin
    price, lot, tab = _below_market_and_underwater(market, auction_id)
    before = snapshot(market, [keeper], [auction_id])
    with boa.reverts("Auction: lot left below dust"):
        take(market, keeper, auction_id, lot - 1, price)
    assert snapshot(market, [keeper], [auction_id]) == before

    _, lot_left, tab_left = _leave_a_crumb(market, keeper, auction_id)
    assert tab_left > 10 * a.chost()  # a large tab behind a crumb
    keeper_sc, supply, reserves = sc.balanceOf(keeper), sc.totalSupply(), c.reserves()
    redos, logs = _redo_for(market, keeper, auction_id, 3 * DAY)
    assert redos >= 3 * 8  # at least one per tail
    assert len([ev for ev in logs if type(ev).__name__ == "Redo"]) == redos
    assert sc.balanceOf(keeper) == keeper_sc
    assert sc.totalSupply() == supply
    assert c.reserves() >= reserves  # only interest accrues
    assert a.status(auction_id)[2:] == (lot_left, tab_left)
    assert identity_gap(market) == 0


def test_drained_to_one_wei_without_a_floor_pays_nothing(market, keeper, underwater, auction_id):
    """With chost = 0 (no dust floor: the partial-take rule and the dust settlement are
    off) the 1-wei drain goes through, and the redo reward rule alone keeps reserves
    whole: a 1-wei lot is worth nothing at any top, so no redo pays."""
    from .helpers import set_auction_params

    a, c, sc = market.auction, market.controller, market.stablecoin
    set_auction_params(market, chost=0)
    price, lot, tab = _below_market_and_underwater(market, auction_id)
    take(market, keeper, auction_id, lot - 1, price)
    assert a.status(auction_id)[2] == 1
    keeper_sc, reserves = sc.balanceOf(keeper), c.reserves()
    redos, _ = _redo_for(market, keeper, auction_id, 2 * DAY)
    assert redos >= 2 * 8
    assert sc.balanceOf(keeper) == keeper_sc and c.reserves() >= reserves
    assert auction_id in a.active_ids()
    assert identity_gap(market) == 0


def test_dust_lot_is_settled_at_redo(market, keeper, underwater):
    """A redo that finds the lot worth less than min(chost, tab) at the new top settles
    the auction as an exhausted one is settled, plus the crumb back to the borrower: the
    whole tab is booked as a shortfall (reserves first, then bad debt), the auction ends
    and leaves the active list, the keeper earns nothing; no Redo event."""
    from .helpers import liquidate

    a, c, sc, col = market.auction, market.controller, market.stablecoin, market.collateral
    ids = [liquidate(market, keeper, u)[0] for u in underwater]  # reserves from 3 penalties
    auction_id, user = ids[0], underwater[0]
    _, lot_left, tab_left = _leave_a_crumb(market, keeper, auction_id)
    # the oracle halves: the crumb is worth less than chost even at oracle * buf
    set_price(market, market.oracle.price() // 2)
    while not a.status(auction_id)[0]:
        boa.env.time_travel(seconds=90)
    top = stored_top(market.oracle.price() * a.buf() // WAD)
    assert lot_left * _prec(market) * top // WAD < min(a.chost(), tab_left)
    reserves, bad, keeper_sc = c.reserves(), c.bad_debt(), sc.balanceOf(keeper)
    user_col, lots_before, total_tab = col.balanceOf(user), lots_in_amm(market), a.total_tab()

    _, logs = act(keeper, a, "redo", auction_id)

    settle = one_event(logs, "Settle", a)
    assert (settle.id, settle.user, settle.collateral_returned, settle.shortfall) == (auction_id, user, lot_left, tab_left)
    assert not [ev for ev in logs if type(ev).__name__ == "Redo"]
    assert auction_id not in a.active_ids() and a.count() == len(ids) - 1
    assert tuple(a.sales(auction_id))[1:] == (0, 0, 0, 0, 0)
    assert a.total_tab() == total_tab - tab_left
    assert col.balanceOf(user) == user_col + lot_left
    assert lots_in_amm(market) == lots_before - lot_left and col.balanceOf(a.address) == 0
    # reserves first, then bad debt
    assert c.reserves() == max(0, reserves - tab_left)
    assert c.bad_debt() == bad + max(0, tab_left - reserves)
    ev = one_event(logs, "Reserves", c)
    assert (ev.reserves, ev.bad_debt) == (c.reserves(), c.bad_debt())
    assert sc.balanceOf(keeper) == keeper_sc
    assert identity_gap(market) == 0
    with boa.reverts("Auction: not running"):
        act(keeper, a, "redo", auction_id)


def test_dust_lot_beyond_reserves_becomes_bad_debt(market, keeper, underwater, auction_id):
    """One liquidation's penalty cannot absorb a drained auction's tab: the dust
    settlement empties reserves and books the rest as bad debt, exactly."""
    a, c = market.auction, market.controller
    _, lot_left, tab_left = _leave_a_crumb(market, keeper, auction_id)
    set_price(market, market.oracle.price() // 2)
    boa.env.time_travel(seconds=a.tail())
    reserves, bad = c.reserves(), c.bad_debt()
    assert 0 < reserves < tab_left
    _, logs = act(keeper, a, "redo", auction_id)
    assert one_event(logs, "Settle", a).shortfall == tab_left
    assert (c.reserves(), c.bad_debt()) == (0, bad + tab_left - reserves)
    assert a.total_tab() == 0 and list(a.active_ids()) == []
    assert identity_gap(market) == 0


def test_solvent_dust_auction_is_not_settled(market, keeper, underwater, auction_id):
    """A lot worth less than chost but more than its (dust) tab is still worth taking: a
    redo re-prices it (unpaid: the tab is below chost) rather than booking a shortfall."""
    from .helpers import set_auction_params

    a, c = market.auction, market.controller
    _, price, lot, tab = a.status(auction_id)
    take(market, keeper, auction_id, (tab - a.chost() // 2) * WAD // (_prec(market) * price), price)
    _, _, lot_left, tab_left = a.status(auction_id)
    assert tab_left == a.chost()
    # raise the floor above the lot's value: a dust tab behind a lot worth more than it
    set_auction_params(market, chost=lot_left * _prec(market) * price // WAD * 3)
    boa.env.time_travel(seconds=a.tail())
    top = stored_top(market.oracle.price() * a.buf() // WAD)
    value = lot_left * _prec(market) * top // WAD
    assert tab_left <= value < a.chost()
    reserves = c.reserves()
    _, logs = act(keeper, a, "redo", auction_id)
    assert one_event(logs, "Redo", a).lot == lot_left
    assert auction_id in a.active_ids() and c.reserves() == reserves


def test_healthy_redo_is_paid_as_before(market, keeper, underwater, auction_id):
    """A lot worth its tab at the new top: the redo pays the tip (since liquidation v2 a
    redo earns no chip: its work does not grow with the tab)."""
    a, c, sc, pol = market.auction, market.controller, market.stablecoin, market.policy
    boa.env.time_travel(seconds=a.tail())
    _, _, lot, tab = a.status(auction_id)
    top = stored_top(market.oracle.price() * a.buf() // WAD)
    assert lot * _prec(market) * top // WAD >= tab
    reserves, keeper_sc = c.reserves(), sc.balanceOf(keeper)
    _, logs = act(keeper, a, "redo", auction_id)
    reward = pol.tip()
    assert pol.redo_reward(tab, lot * _prec(market) * top // WAD) == reward
    assert sc.balanceOf(keeper) == keeper_sc + reward and c.reserves() == reserves - reward
    assert one_event(logs, "Redo", a).top == top
    assert identity_gap(market) == 0


def test_redo_reward_at_half_the_tab(market, keeper, underwater, auction_id):
    """The bar on the chain: a lot worth at least half its tab at the new top pays, one
    worth a little less pays nothing. The oracle is set so the lot is worth just above,
    then just below, half the tab."""
    a, c, sc = market.auction, market.controller, market.stablecoin
    _, _, lot, tab = a.status(auction_id)
    prec = _prec(market)
    for factor, paid in ((1001, True), (999, False)):
        boa.env.time_travel(seconds=a.tail())
        # top = oracle * buf: choose the oracle so that lot * top ~ tab / 2 * factor / 1000
        oracle = tab * factor // 2000 * WAD // (lot * prec) * WAD // a.buf() + 1
        set_price(market, oracle)
        top = stored_top(oracle * a.buf() // WAD)
        value = lot * prec * top // WAD
        assert (2 * value >= tab) == paid
        keeper_sc = sc.balanceOf(keeper)
        act(keeper, a, "redo", auction_id)
        assert auction_id in a.active_ids()
        assert (sc.balanceOf(keeper) > keeper_sc) == paid
    assert identity_gap(market) == 0
