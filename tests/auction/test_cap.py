"""Throughput cap: the total tab of live auctions stays <= max_in_auction. A liquidation
that does not fit is cut to what fits (the rest of the loan stays open); when nothing
fits it reverts "auction capacity full"; takes free room for the rest."""

import boa
from hypothesis import given, settings
from hypothesis import strategies as st

from .helpers import (
    FIXTURE_OK,
    WAD,
    act,
    identity_gap,
    liquidate,
    set_liquidation_params,
    snapshot,
    take,
)


def _full_tab(market, user) -> int:
    """The tab a whole (tier-2) liquidation of `user` would have: (debt - x) * (1 + p2)."""
    c = market.controller
    debt = c.debt(user)
    x = market.amm.get_sum_xy(user)[0]
    return (debt - min(debt, x)) * (WAD + market.policy.penalty_tier2()) // WAD


def _settle(market, keeper, auction_id):
    take(market, keeper, auction_id, market.auction.status(auction_id)[2])
    assert auction_id not in market.auction.active_ids()


def test_liquidation_cut_to_fit(market, keeper, underwater):
    c, a, amm = market.controller, market.auction, market.amm
    user = underwater[0]
    full = _full_tab(market, user)
    cap = full // 2
    set_liquidation_params(market, max_in_auction=cap)
    debt, y = c.debt(user), amm.get_sum_xy(user)[1]

    auction_id, ev, _ = liquidate(market, keeper, user)

    assert ev.tier == 2
    assert a.total_tab() == ev.tab <= cap
    assert ev.tab * 10**6 >= cap * (10**6 - 1)  # uses (almost) all the room
    assert 0 < ev.lot < y
    # the rest of the loan stays, with the rest of its collateral and debt
    assert c.loan_exists(user)
    assert c.debt(user) == debt - ev.debt_repaid_from_bands - ev.debt_to_auction
    assert amm.get_sum_xy(user)[1] == y - ev.lot
    assert c.health(user, True) < 0  # still liquidatable, once there is room
    assert identity_gap(market) == 0


def test_nothing_fits_reverts(market, keeper, underwater):
    c, a = market.controller, market.auction
    user0, user1 = underwater[0], underwater[1]
    liquidate(market, keeper, user0)
    live = a.total_tab()
    for cap in (live, live - 1, live + 1):
        # no room at all, or room for less than one wei of the position
        set_liquidation_params(market, max_in_auction=cap)
        before = snapshot(market, [user1, keeper])
        with boa.reverts("auction capacity full"):
            act(keeper, c, "liquidate", user1)
        assert snapshot(market, [user1, keeper]) == before
    # a little more room and the next liquidation is cut to fit it
    set_liquidation_params(market, max_in_auction=live + 1000 * WAD)
    _, ev, _ = liquidate(market, keeper, user1)
    assert 0 < ev.tab <= 1000 * WAD and c.loan_exists(user1)
    assert a.total_tab() <= live + 1000 * WAD


def test_takes_free_room_for_the_rest(market, keeper, underwater):
    c, a = market.controller, market.auction
    user = underwater[0]
    cap = _full_tab(market, user) * 2 // 5  # the position needs three auctions
    set_liquidation_params(market, max_in_auction=cap)
    rounds = 0
    while c.loan_exists(user):
        auction_id, ev, _ = liquidate(market, keeper, user)
        rounds += 1
        assert a.total_tab() <= cap
        _settle(market, keeper, auction_id)  # frees the room
        assert a.total_tab() == 0
        assert rounds < 10
    assert rounds == 3
    assert identity_gap(market) == 0


def test_leftover_room_does_not_pay_for_dust_liquidations(market, keeper, underwater):
    """After a cut, the room left is a few wei (the cut rounds down). Liquidating into it
    must not start a dust auction whose keeper reward exceeds its penalty.

    Found: _capped_fraction accepts any cut > 0, so the next liquidation of the same user
    moves ~1e-15 of the position (lot of a few wei, tab ~2.6e4 wei, far below chost) and
    still pays the flat tip (1 stablecoin) out of reserves for a penalty of ~1e3 wei."""
    c, a, sc = market.controller, market.auction, market.stablecoin
    user = underwater[0]
    set_liquidation_params(market, max_in_auction=_full_tab(market, user) // 2)
    liquidate(market, keeper, user)
    room = market.policy.max_in_auction() - a.total_tab()
    assert 0 < room < a.chost()
    before = sc.balanceOf(keeper)
    try:
        _, ev, _ = liquidate(market, keeper, user)
    except boa.BoaError as e:
        assert "auction capacity full" in str(e)
        return
    reward = sc.balanceOf(keeper) - before
    penalty = ev.tab - ev.debt_to_auction
    assert reward < penalty, (
        f"liquidation into {room} wei of room: tab {ev.tab}, lot {ev.lot}, keeper reward {reward} > penalty {penalty}"
    )


@settings(max_examples=10, **FIXTURE_OK)
@given(
    cap_pct=st.integers(1, 250),  # cap as % of one whole tab
    wei=st.integers(-3, 3),  # ... plus a few wei, to probe the exact fit
    order=st.permutations([0, 1, 2]),
)
def test_cap_never_exceeded(market, keeper, underwater, cap_pct, wei, order):
    c, a = market.controller, market.auction
    cap = _full_tab(market, underwater[0]) * cap_pct // 100 + wei
    set_liquidation_params(market, max_in_auction=cap)
    for i in order:
        user = underwater[i]
        live = a.total_tab()
        full = _full_tab(market, user)
        if live >= cap:
            with boa.reverts("auction capacity full"):
                act(keeper, c, "liquidate", user)
            continue
        try:
            _, ev, _ = liquidate(market, keeper, user)
        except boa.BoaError as e:
            assert "auction capacity full" in str(e)  # room for less than a wei of it
            continue
        assert ev.tab <= cap - live
        assert a.total_tab() == live + ev.tab <= cap
        # cut only if the whole tab did not fit
        assert c.loan_exists(user) == (full > cap - live)
        assert ev.tab == full or ev.tab < cap - live + 1
        assert identity_gap(market) == 0
